"""The rollout controller's decisions, tick by tick, on hand-built observations.

Pure: the controller never calls AWS (the driver does, and is tested against the sandbox
in test_rollout_sandbox.py). Each test asserts what the operator would see happen to the
alias: which write is asked for, when, and why; and what the step plans accept.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from todotui.config import Rollouts
from todotui.rollout.controller import (
    AliasCommand,
    CommandKind,
    CommandResult,
    Observation,
    RolloutController,
)
from todotui.rollout.drift import DriftKind, find_drift
from todotui.rollout.model import Phase, Rollout
from todotui.rollout.steps import (
    PRESETS,
    StepError,
    StepKind,
    parse_steps,
    percent_steps,
    promotion_seconds,
)
from todotui.rollout.store import RolloutStore
from todotui.telemetry.versions import AliasRouting, VersionPeriod, VersionSamples

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = Rollouts(analysis_interval_seconds=60, abort_grace_seconds=20)


def make_rollout(strategy: str = "canary10-5m") -> Rollout:
    return Rollout(
        id="r1",
        function="todo-handler",
        alias="PROD",
        stable="1",
        candidate="2",
        strategy=strategy,
        steps=PRESETS[strategy],
        started_at=T0,
        started_by="arn:aws:iam::123456789012:user/oncall",
    )


def samples(
    version: str, now: datetime, *, error_rate: float, latency: float, seed: int
) -> VersionSamples:
    """A minute-resolution history of one version up to `now` (10 periods)."""
    rng = random.Random(seed)
    periods = []
    for i in range(10, 0, -1):
        calls = 200.0
        periods.append(
            VersionPeriod(
                start=now - timedelta(minutes=i),
                invocations=calls,
                errors=round(calls * error_rate),
                duration_avg=latency * rng.uniform(0.95, 1.05),
            )
        )
    return VersionSamples(version, tuple(periods))


class World:
    """The alias and both versions' health, as the driver would observe them."""

    def __init__(self, controller: RolloutController, *, candidate_errors: float = 0.001) -> None:
        self.controller = controller
        self.now = T0
        self.routing = AliasRouting("todo-handler", "PROD", "1", revision_id="rev-0")
        self.candidate_errors = candidate_errors
        self.fresh = True
        self.written: list[AliasCommand] = []

    def observe(self) -> AliasCommand | None:
        obs = Observation(
            now=self.now,
            routing=self.routing,
            fresh=self.fresh,
            candidate=samples("2", self.now, error_rate=self.candidate_errors, latency=200, seed=1),
            stable=samples("1", self.now, error_rate=0.001, latency=200, seed=2),
            stale_reason="" if self.fresh else "no data for 3m",
        )
        return self.controller.observe(obs)

    def apply(self, command: AliasCommand) -> None:
        """Carry the write out as AWS would, and tell the controller."""
        self.written.append(command)
        if command.kind is CommandKind.SHIFT:
            self.routing = AliasRouting("todo-handler", "PROD", "1", "2", command.weight, "rev-x")
        elif command.kind is CommandKind.PROMOTE:
            self.routing = AliasRouting("todo-handler", "PROD", "2", revision_id="rev-p")
        else:
            self.routing = AliasRouting("todo-handler", "PROD", "1", revision_id="rev-a")
        self.controller.applied(command, CommandResult(True, self.routing), self.now)

    def run(self, minutes: float, step_seconds: float = 5) -> None:
        end = self.now + timedelta(minutes=minutes)
        while self.now < end:
            command = self.observe()
            if command:
                self.apply(command)
            self.now += timedelta(seconds=step_seconds)


def test_a_healthy_canary_shifts_ten_percent_waits_five_minutes_and_promotes():
    world = World(RolloutController(make_rollout(), SETTINGS))
    world.run(minutes=1)
    assert [c.kind for c in world.written] == [CommandKind.SHIFT]
    assert world.written[0].weight == pytest.approx(0.1)
    world.run(minutes=3.5)
    assert world.controller.rollout.phase is Phase.PROGRESSING, "the 5-minute pause is not over"
    assert world.controller.rollout.pause_left(world.now) == pytest.approx(30, abs=5)
    world.run(minutes=1.5)
    rollout = world.controller.rollout
    assert rollout.phase is Phase.PROMOTED
    assert world.routing.primary == "2" and not world.routing.split
    assert "promoted by the controller" in rollout.events[-1].text


def test_a_failing_candidate_counts_down_then_aborts_and_says_why():
    world = World(RolloutController(make_rollout(), SETTINGS), candidate_errors=0.35)
    world.run(minutes=1.2)
    rollout = world.controller.rollout
    assert rollout.pending_abort is not None, "the absolute error rule spends the budget at once"
    assert "candidate error %" in rollout.pending_abort.reason
    world.run(minutes=0.5)
    assert world.written[-1].kind is CommandKind.ABORT
    assert rollout.phase is Phase.ABORTED and world.routing.primary == "1"
    assert not world.routing.split


def test_hold_cancels_the_countdown_and_waits_for_a_person():
    world = World(RolloutController(make_rollout(), SETTINGS), candidate_errors=0.35)
    world.run(minutes=1.2)
    assert world.controller.hold(world.now)
    world.run(minutes=3)
    rollout = world.controller.rollout
    assert rollout.phase is Phase.PAUSED and rollout.held
    assert [c.kind for c in world.written] == [CommandKind.SHIFT], "nothing aborted on its own"
    command = world.controller.abort(world.now)
    assert command is not None and command.by_operator
    world.apply(command)
    assert rollout.phase is Phase.ABORTED and "aborted by you" in rollout.events[-1].text


def test_headless_abort_has_no_countdown():
    world = World(
        RolloutController(make_rollout(), SETTINGS, grace_seconds=0), candidate_errors=0.35
    )
    world.run(minutes=1.2)
    assert world.written[-1].kind is CommandKind.ABORT


def test_stale_telemetry_holds_the_rollout_then_hands_it_over():
    world = World(RolloutController(make_rollout(), SETTINGS))
    world.run(minutes=1)
    world.fresh = False
    world.run(minutes=8)
    rollout = world.controller.rollout
    assert [c.kind for c in world.written] == [CommandKind.SHIFT], "never promoted on old data"
    assert rollout.phase is Phase.PAUSED and "telemetry stale" in rollout.reason
    world.fresh = True
    world.controller.resume(world.now)
    world.run(minutes=2)
    assert rollout.phase is Phase.PROMOTED


def test_an_alias_changed_by_someone_else_stops_the_rollout_and_says_how():
    world = World(RolloutController(make_rollout(), SETTINGS))
    world.run(minutes=1)
    world.routing = AliasRouting("todo-handler", "PROD", "1", "2", 0.5, "rev-other")
    world.run(minutes=1)
    rollout = world.controller.rollout
    assert rollout.phase is Phase.DEGRADED
    assert "changed outside this rollout" in rollout.reason and "50%" in rollout.reason
    assert len(world.written) == 1, "nothing more is sent"


def test_a_conflicting_write_stops_the_rollout_with_aws_words():
    controller = RolloutController(make_rollout(), SETTINGS)
    command = controller.observe(
        Observation(
            T0,
            AliasRouting("todo-handler", "PROD", "1"),
            True,
            VersionSamples("2"),
            VersionSamples("1"),
        )
    )
    assert command is not None
    refusal = "PreconditionFailedException: The Revision Id provided does not match"
    controller.applied(command, CommandResult(False, None, refusal, conflict=True), T0)
    assert controller.rollout.phase is Phase.DEGRADED
    assert refusal in controller.rollout.reason


def test_a_pause_for_a_person_waits_until_promoted():
    rollout = make_rollout()
    rollout.steps = parse_steps(["10%", "pause", "100%"])
    world = World(RolloutController(rollout, SETTINGS))
    world.run(minutes=10)
    assert rollout.phase is Phase.PAUSED and "waiting for you" in rollout.reason
    command = world.controller.promote(world.now)
    assert command is not None and command.kind is CommandKind.PROMOTE
    world.apply(command)
    assert rollout.phase is Phase.PROMOTED


def test_full_promotion_skips_the_remaining_steps():
    world = World(RolloutController(make_rollout("linear10-every-1m"), SETTINGS))
    world.run(minutes=0.5)
    command = world.controller.promote(world.now, full=True)
    assert command is not None and command.kind is CommandKind.PROMOTE
    world.apply(command)
    assert world.controller.rollout.phase is Phase.PROMOTED


def test_retry_after_abort_starts_again_from_the_first_step():
    world = World(
        RolloutController(make_rollout(), SETTINGS, grace_seconds=0), candidate_errors=0.35
    )
    world.run(minutes=1.2)
    rollout = world.controller.rollout
    assert rollout.phase is Phase.ABORTED
    world.candidate_errors = 0.001
    command = world.controller.retry(world.now)
    assert command is not None and command.kind is CommandKind.SHIFT
    assert rollout.failures == 0 and rollout.step_index == 0


def test_the_record_survives_a_restart(tmp_path):
    world = World(RolloutController(make_rollout(), SETTINGS))
    world.run(minutes=2)
    store = RolloutStore(tmp_path / "rollouts.json")
    store.save("123456789012/us-east-1/aws", world.controller.rollout)
    again = store.load("123456789012/us-east-1/aws", "todo-handler", "PROD")
    assert store.load("123456789012/us-west-2/aws", "todo-handler", "PROD") is None
    assert again is not None
    assert again.to_json() == world.controller.rollout.to_json()
    assert again.matches(world.routing)


def test_presets_mirror_codedeploy_and_custom_steps_are_checked():
    assert [s.kind for s in PRESETS["canary10-5m"]] == [
        StepKind.WEIGHT,
        StepKind.PAUSE,
        StepKind.WEIGHT,
    ]
    assert promotion_seconds(PRESETS["linear10-every-1m"]) == 9 * 60
    assert promotion_seconds(parse_steps(["10%", "pause", "100%"])) is None
    steps = percent_steps("10,50,100", 30)
    assert [s.describe() for s in steps] == [
        "set weight 10%",
        "pause 30s",
        "set weight 50%",
        "pause 30s",
        "promote: 100%",
    ]
    with pytest.raises(StepError, match="must end at 100%"):
        parse_steps(["10%", "pause 5m"])
    with pytest.raises(StepError, match="weights must rise"):
        parse_steps(["50%", "10%", "100%"])
    with pytest.raises(StepError, match="pause 5m"):
        parse_steps(["10%", "pause soon", "100%"])


def test_drift_names_a_split_alias_without_a_rollout_and_latest_behind_production():
    split = AliasRouting("todo-handler", "PROD", "1", "2", 0.2, "rev")
    (drift,) = find_drift(split, None)
    assert drift.kind is DriftKind.SPLIT_WITHOUT_ROLLOUT and "version 1" in drift.fix_words
    kinds = {d.kind for d in find_drift(split, None, alias_provisioned=5)}
    assert DriftKind.WEIGHTS_BLOCK_PROVISIONED in kinds
    latest = AliasRouting("todo-handler", "PROD", "$LATEST")
    assert [d.kind for d in find_drift(latest, None)] == [DriftKind.LATEST_BEHIND_ALIAS]
    assert find_drift(split, make_rollout()) == ()
