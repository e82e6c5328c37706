"""Alias states nobody meant to leave behind, each with its one fix.

CodeDeploy's users meet these after a stopped deployment: an alias left split across two
versions (later deployments fail), weights that block a provisioned-concurrency change, or
production traffic on `$LATEST` (the runbook's `create-alias --function-version $LATEST`).
Pure: judged from the alias as read and the rollout record, if any.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from todotui.rollout.model import Rollout
from todotui.telemetry.versions import AliasRouting


class DriftKind(StrEnum):
    SPLIT_WITHOUT_ROLLOUT = "split-without-rollout"
    WEIGHTS_BLOCK_PROVISIONED = "weights-block-provisioned"
    LATEST_BEHIND_ALIAS = "latest-behind-alias"


class Fix(StrEnum):
    """The one-key fix the view offers (the action dialog it opens, prefilled)."""

    RESTORE_PRIMARY = "restore-primary"
    """Roll back to the primary version, weights cleared."""
    PUBLISH_LATEST = "publish-latest"
    """Publish $LATEST as a version (then roll it out)."""


@dataclass(frozen=True, slots=True)
class Drift:
    kind: DriftKind
    text: str
    fix: Fix
    fix_words: str


def find_drift(
    routing: AliasRouting | None,
    rollout: Rollout | None,
    *,
    alias_provisioned: int | None = None,
) -> tuple[Drift, ...]:
    """What is wrong with the alias when no rollout explains it. `alias_provisioned`: the
    provisioned concurrency configured on the alias itself, when known."""
    if routing is None:
        return ()
    found: list[Drift] = []
    running = rollout is not None and not rollout.phase.finished
    name = f"{routing.function}:{routing.alias}"
    if routing.split and not running:
        found.append(
            Drift(
                DriftKind.SPLIT_WITHOUT_ROLLOUT,
                f"{name} is split ({routing.describe()}) with no rollout running: a hand-run "
                "update-alias, or a deployment that stopped half-way",
                Fix.RESTORE_PRIMARY,
                f"send all traffic to version {routing.primary}, weights cleared",
            )
        )
    if routing.split and alias_provisioned:
        found.append(
            Drift(
                DriftKind.WEIGHTS_BLOCK_PROVISIONED,
                f"{name} has routing weights and {alias_provisioned} provisioned concurrency: "
                "AWS refuses provisioned-concurrency changes on it until the weights are cleared",
                Fix.RESTORE_PRIMARY,
                f"clear the weights (all traffic to version {routing.primary})",
            )
        )
    if "$LATEST" in (routing.primary, routing.additional):
        found.append(
            Drift(
                DriftKind.LATEST_BEHIND_ALIAS,
                f"{name} points at $LATEST: production runs whatever code was uploaded last, "
                "unreviewed and unversioned",
                Fix.PUBLISH_LATEST,
                "publish $LATEST as a version, then roll the alias onto it",
            )
        )
    return tuple(found)
