"""Rollouts on the sandbox, tick by tick: the core drives the PROD alias through the action path.

Each test reads the alias back with plain boto3 (what AWS says, not what the cockpit
thinks) and the journal (who changed it, and why).
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from support import SimClock
from todotui.actions import Journal
from todotui.actions.model import InvalidInput
from todotui.cli import build_parser
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.headless import EXIT_ABORTED, EXIT_OK, run_verb
from todotui.rollout.model import Phase
from todotui.sandbox.controller import Sandbox
from todotui.sandbox.scenarios import SCENARIOS

pytestmark = pytest.mark.sandbox

PERIOD = 60


@pytest.fixture(scope="module")
def box(sandbox_tier):
    with Sandbox(manual=True, period=PERIOD, seed=11, backfill=0) as running:
        yield running


@pytest.fixture
def world(box, monkeypatch):
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)
    yield box
    _reset_alias(box)
    box.set_scenario("steady")


def _lambda(box: Sandbox) -> Any:
    return box.client("lambda")


def _alias(box: Sandbox) -> dict[str, Any]:
    return _lambda(box).get_alias(FunctionName=box.names.function_name, Name=box.names.alias)


def _reset_alias(box: Sandbox) -> None:
    alias = _alias(box)
    if alias["FunctionVersion"] != "1" or (alias.get("RoutingConfig") or {}).get(
        "AdditionalVersionWeights"
    ):
        _lambda(box).update_alias(
            FunctionName=box.names.function_name,
            Name=box.names.alias,
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {}},
        )


def candidate_version(box: Sandbox) -> str:
    """The newest published version that is not the alias's (publishing one if there is none)."""
    fn = box.names.function_name
    versions = [
        v["Version"]
        for v in _lambda(box).list_versions_by_function(FunctionName=fn)["Versions"]
        if v["Version"] != "$LATEST"
    ]
    newest = max(versions, key=int)
    if newest == _alias(box)["FunctionVersion"]:
        newest = _lambda(box).publish_version(FunctionName=fn, Description="candidate")["Version"]
    return newest


def _zip(source: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


def core_for(box: Sandbox, clock: SimClock, tmp_path: Path, **rollouts: Any) -> Cockpit:
    settings = Settings().with_overrides(
        aws={"endpoint_url": box.endpoint, "region": box.region},
        cadence={"period_seconds": PERIOD, "refresh_seconds": PERIOD, "window_seconds": 900},
        rollouts={"analysis_interval_seconds": PERIOD, **rollouts},
    )
    return Cockpit(
        settings,
        clock=clock,
        journal=Journal(tmp_path / "journal.jsonl"),
        verify_poll_interval=0.05,
    )


async def advance(core: Cockpit, clock: SimClock, ticks: int = 1) -> None:
    """Let `ticks` periods of traffic happen, refreshing and ticking the rollout after each."""
    for _ in range(ticks):
        clock.tick()
        await core.poller.refresh_once()
        await core.rollouts.idle()


async def test_a_rollout_shifts_the_alias_through_the_guarded_path_and_journals_it(world, tmp_path):
    box = world
    box.set_scenario("good-deploy" if "good-deploy" in SCENARIOS else "steady")
    candidate = candidate_version(box)
    clock = SimClock(box)
    async with core_for(box, clock, tmp_path) as core:
        await advance(core, clock, 2)
        result = await core.rollouts.start(candidate, strategy="canary10-5m")
        assert result.ok, result.message
        alias = _alias(box)
        assert alias["FunctionVersion"] == "1"
        assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {candidate: 0.1}
        (entry,) = core.journal.entries()
        assert entry.action_id == "alias-route" and entry.result == "succeeded"
        assert entry.actor == "operator" and "step 1/3" in entry.reason

        await advance(core, clock, 9)
        rollout = core.rollouts.rollout
        assert rollout is not None and rollout.phase is Phase.PROMOTED, rollout and rollout.events
        alias = _alias(box)
        assert alias["FunctionVersion"] == candidate
        assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
        last = core.journal.entries()[-1]
        assert last.actor == "rollout controller" and "promote" in last.reason


async def test_a_concurrent_update_alias_stops_the_rollout_with_a_clear_message(world, tmp_path):
    box = world
    candidate = candidate_version(box)
    clock = SimClock(box)
    async with core_for(box, clock, tmp_path) as core:
        await advance(core, clock, 2)
        assert (await core.rollouts.start(candidate, strategy="linear10-every-1m")).ok
        # Someone runs the runbook's command by hand, mid-rollout.
        _lambda(box).update_alias(
            FunctionName=box.names.function_name,
            Name=box.names.alias,
            RoutingConfig={"AdditionalVersionWeights": {candidate: 0.5}},
        )
        await advance(core, clock, 2)
        rollout = core.rollouts.rollout
        assert rollout is not None and rollout.phase is Phase.DEGRADED
        assert "changed outside this rollout" in rollout.reason and "50%" in rollout.reason
        assert _alias(box)["RoutingConfig"]["AdditionalVersionWeights"] == {candidate: 0.5}, (
            "the rollout sent nothing over the other change"
        )
        result = await core.rollouts.abort()
        assert result.ok, result.message
        assert not (_alias(box).get("RoutingConfig") or {}).get("AdditionalVersionWeights")


async def test_a_restarted_cockpit_picks_the_rollout_up_where_it_stands(world, tmp_path):
    box = world
    candidate = candidate_version(box)
    clock = SimClock(box)
    async with core_for(box, clock, tmp_path) as core:
        await advance(core, clock, 2)
        assert (await core.rollouts.start(candidate, strategy="canary10-5m")).ok
        await advance(core, clock, 2)
        first_id = core.rollouts.rollout.id
    # The first cockpit is gone (its lease runs out); a new one starts on the same files.
    clock.tick()
    async with core_for(box, clock, tmp_path) as again:
        await advance(again, clock, 1)
        rollout = again.rollouts.rollout
        assert rollout is not None and rollout.id == first_id
        assert rollout.phase in (Phase.PROGRESSING, Phase.ANALYSING)
        assert again.rollouts.driving
        await advance(again, clock, 8)
        assert again.rollouts.rollout.phase is Phase.PROMOTED


async def test_stale_telemetry_holds_the_rollout(world, tmp_path):
    box = world
    candidate = candidate_version(box)
    clock = SimClock(box)
    async with core_for(box, clock, tmp_path) as core:
        await advance(core, clock, 2)
        assert (await core.rollouts.start(candidate, strategy="canary10-5m")).ok
        # No refresh gets through for ten minutes: the cockpit's data goes stale.
        for _ in range(10):
            clock.tick()
            await core.rollouts.tick()
        rollout = core.rollouts.rollout
        assert rollout is not None and rollout.phase is Phase.PAUSED
        assert "telemetry stale" in rollout.reason
        alias = _alias(box)
        assert alias["FunctionVersion"] == "1", "never promoted on old data"


@pytest.mark.parametrize(
    ("scenario", "exit_code", "words"),
    [
        ("good-deploy", EXIT_OK, "promoted by the controller"),
        ("bad-deploy", EXIT_ABORTED, "candidate error %"),
        ("subtle-regression", EXIT_ABORTED, "latency vs stable"),
    ],
)
async def test_headless_watch_ends_each_deploy_with_its_exit_code(
    world, tmp_path, scenario, exit_code, words
):
    """`todotui rollout start --version N --preset canary10-5m --watch`, in simulated time."""
    box = world
    box.set_scenario(scenario)
    candidate = candidate_version(box)
    clock = SimClock(box)
    out = io.StringIO()

    def make_core(settings: Settings) -> Cockpit:
        return core_for(box, clock, tmp_path, abort_grace_seconds=0)

    args = build_parser().parse_args(
        ["rollout", "start", "--version", candidate, "--preset", "canary10-5m", "--watch"]
    )
    watching = asyncio.ensure_future(run_verb(args, Settings(), make_core=make_core, out=out))
    for _ in range(40):
        if watching.done():
            break
        await asyncio.sleep(0.25)
        clock.tick()  # one CloudWatch period of traffic; the watch's poll loop refreshes on it
    code = await asyncio.wait_for(watching, 60)
    printed = out.getvalue()
    assert code == exit_code, printed
    assert words in printed
    alias = _alias(box)
    assert alias["FunctionVersion"] == (candidate if exit_code == EXIT_OK else "1")
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")


async def test_a_bad_deploy_is_rolled_back_by_the_controller_and_the_journal_says_why(
    world, tmp_path
):
    box = world
    box.set_scenario("bad-deploy")
    candidate = candidate_version(box)
    clock = SimClock(box)
    async with core_for(box, clock, tmp_path, abort_grace_seconds=90) as core:
        await advance(core, clock, 2)
        assert (await core.rollouts.start(candidate, strategy="canary10-5m")).ok
        for _ in range(3):
            await advance(core, clock, 1)
            rollout = core.rollouts.rollout  # as re-read from the record after each tick
            assert rollout is not None
            if rollout.pending_abort is not None:
                break
        assert rollout.pending_abort is not None, rollout.events
        assert rollout.phase is not Phase.ABORTED, "the countdown comes first"
        assert rollout.failures >= core.settings.rollouts.failure_budget
        await advance(core, clock, 2)
        assert core.rollouts.rollout.phase is Phase.ABORTED
        last = core.journal.entries()[-1]
        assert last.action_id == "rollback" and last.result == "succeeded"
        assert last.actor == "rollout controller"
        assert "failure budget spent" in last.reason and "candidate error %" in last.reason
        alias = _alias(box)
        assert alias["FunctionVersion"] == "1"
        assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
        assert any("rollout aborted" in a.title for a in core.alerts.entries)


async def test_a_subtle_regression_is_caught_only_by_the_comparison_with_stable(world, tmp_path):
    box = world
    box.set_scenario("subtle-regression")
    candidate = candidate_version(box)
    clock = SimClock(box)
    async with core_for(box, clock, tmp_path, abort_grace_seconds=600) as core:
        await advance(core, clock, 2)
        assert (await core.rollouts.start(candidate, strategy="canary10-5m")).ok
        for _ in range(10):
            await advance(core, clock, 1)
            run = core.rollouts.last_run
            if run is not None and run.verdict.value == "fail":
                break
        assert run is not None and run.verdict.value == "fail", core.rollouts.rollout.events
        by_rule = {v.rule: v.verdict.value for v in run.verdicts}
        assert by_rule["candidate-errors"] == "pass"
        assert by_rule["candidate-latency"] == "pass", "the absolute limits alone let it through"
        assert by_rule["latency-vs-stable"] == "fail"
        assert _alias(box)["FunctionVersion"] == "1", "never promoted"


async def test_publish_version_publishes_only_the_reviewed_code(world, tmp_path):
    box = world
    fn = box.names.function_name
    clock = SimClock(box)
    async with core_for(box, clock, tmp_path) as core:
        runner = core.runner
        fields = {f.name: f for f in await runner.fields("publish-version")}
        sha = fields["code_sha256"].default
        assert sha == _lambda(box).get_function_configuration(FunctionName=fn)["CodeSha256"]
        with pytest.raises(InvalidInput) as refused:
            await runner.prepare("publish-version", {"code_sha256": "0" * 44, "description": "x"})
        assert "review the new code first" in refused.value.errors["code_sha256"]
        with pytest.raises(InvalidInput) as already:
            await runner.prepare("publish-version", {"code_sha256": sha, "description": "again"})
        assert "already version" in already.value.errors["code_sha256"]
        # New code is uploaded (as a deploy pipeline would), reviewed, then published.
        _lambda(box).update_function_code(FunctionName=fn, ZipFile=_zip(b"def handler(e, c): 2"))
        sha = _lambda(box).get_function_configuration(FunctionName=fn)["CodeSha256"]
        plan = await runner.prepare(
            "publish-version", {"code_sha256": sha, "description": "reviewed"}
        )
        assert any("--code-sha256" in line for line in plan.cli)
        outcome = await runner.run(plan, typed_confirmation=plan.confirm_text)
        assert outcome.ok and outcome.verified, outcome
        newest = max(
            (
                v
                for v in _lambda(box).list_versions_by_function(FunctionName=fn)["Versions"]
                if v["Version"] != "$LATEST"
            ),
            key=lambda v: int(v["Version"]),
        )
        assert newest["CodeSha256"] == sha and newest["Description"] == "reviewed"


async def test_an_alias_write_with_a_stale_revision_is_refused_in_aws_words(world, tmp_path):
    """Changed and changed back between plan and send: the plan still reads the same, the
    RevisionId does not, and AWS refuses the write (412) instead of overwriting."""
    box = world
    candidate = candidate_version(box)
    fn, alias = box.names.function_name, box.names.alias
    clock = SimClock(box)
    async with core_for(box, clock, tmp_path) as core:
        plan = await core.runner.prepare(
            "alias-route", {"version": "1", "additional_version": candidate, "weight": "0.1"}
        )
        for weights in ({candidate: 0.3}, {}):
            _lambda(box).update_alias(
                FunctionName=fn, Name=alias, RoutingConfig={"AdditionalVersionWeights": weights}
            )
        outcome = await core.runner.run(plan, typed_confirmation=plan.confirm_text)
        assert outcome.error_code == "PreconditionFailedException"
        assert "Revision Id" in (outcome.error or "")
        assert not (_alias(box).get("RoutingConfig") or {}).get("AdditionalVersionWeights")


async def test_an_alias_split_by_hand_is_drift_with_its_fix_in_the_feed(world, tmp_path):
    box = world
    candidate = candidate_version(box)
    fn, alias = box.names.function_name, box.names.alias
    lam = _lambda(box)
    lam.put_provisioned_concurrency_config(
        FunctionName=fn, Qualifier=alias, ProvisionedConcurrentExecutions=2
    )
    try:
        lam.update_alias(
            FunctionName=fn,
            Name=alias,
            RoutingConfig={"AdditionalVersionWeights": {candidate: 0.2}},
        )
        clock = SimClock(box)
        async with core_for(box, clock, tmp_path) as core:
            await advance(core, clock, 1)
            kinds = [d.kind.value for d in core.rollouts.drift]
            assert kinds == ["split-without-rollout", "weights-block-provisioned"]
            titles = [a.title for a in core.alerts.entries]
            assert any("with no rollout running" in t for t in titles)
            refused = await core.rollouts.start(candidate, strategy="canary10-5m")
            assert not refused.ok and "already split" in refused.message
    finally:
        lam.delete_provisioned_concurrency_config(FunctionName=fn, Qualifier=alias)


async def test_headless_start_honours_read_only_and_refuses_bad_flags(world, tmp_path):
    box = world
    candidate = candidate_version(box)
    clock = SimClock(box)
    out = io.StringIO()

    def read_only_core(settings: Settings) -> Cockpit:
        core = core_for(box, clock, tmp_path)
        core.runner.read_only = True
        return core

    args = build_parser().parse_args(
        ["rollout", "start", "--version", candidate, "--preset", "canary10-5m"]
    )
    code = await run_verb(args, Settings(), make_core=read_only_core, out=out)
    assert code == 2 and "read-only mode" in out.getvalue()
    assert not (_alias(box).get("RoutingConfig") or {}).get("AdditionalVersionWeights")

    from todotui.cli import main

    assert main(["rollout", "start", "--version", candidate, "--steps", "10,100"]) == 2
    assert main(["rollout", "start", "--version", candidate, "--preset", "nope"]) == 2
