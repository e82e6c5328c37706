"""A rollout's step plan: set a weight, pause for a while, wait for a person, or wait for a pass.

The presets mirror CodeDeploy's Lambda deployment configurations (Canary10Percent5Minutes,
Linear10PercentEvery1Minute, AllAtOnce); `[rollouts] custom` in the settings file adds
your own, written as the step words below. Pure: no IO.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class StepKind(StrEnum):
    WEIGHT = "weight"
    """Send this share of the alias's traffic to the candidate (1.0 = promote)."""
    PAUSE = "pause"
    """Hold the weight for a while; the pause ends on a passing analysis."""
    WAIT = "wait"
    """Hold until a person promotes (Argo's empty pause)."""
    ANALYSE = "analyse"
    """Hold until the next analysis passes."""


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    weight: float | None = None
    """WEIGHT only: the candidate's share, 0 < weight <= 1."""
    seconds: float | None = None
    """PAUSE only: how long to hold."""

    def describe(self) -> str:
        if self.kind is StepKind.WEIGHT:
            assert self.weight is not None
            return "promote: 100%" if self.weight >= 1 else f"set weight {self.weight * 100:g}%"
        if self.kind is StepKind.PAUSE:
            assert self.seconds is not None
            return f"pause {duration_words(self.seconds)}"
        if self.kind is StepKind.WAIT:
            return "pause until promoted"
        return "analyse: wait for a pass"

    @property
    def word(self) -> str:
        """The step in the settings file's words (`parse_steps` reads it back)."""
        if self.kind is StepKind.WEIGHT:
            assert self.weight is not None
            return f"{self.weight * 100:g}%"
        if self.kind is StepKind.PAUSE:
            assert self.seconds is not None
            return f"pause {self.seconds:g}s"
        return "pause" if self.kind is StepKind.WAIT else "analyse"


class StepError(ValueError):
    """A step plan that cannot run; the message says which step and why."""


def weight(share: float) -> Step:
    return Step(StepKind.WEIGHT, weight=share)


def pause(seconds: float) -> Step:
    return Step(StepKind.PAUSE, seconds=seconds)


def _linear(percent: int, every: float) -> tuple[Step, ...]:
    steps: list[Step] = []
    for share in range(percent, 100, percent):
        steps += [weight(share / 100), pause(every)]
    return (*steps, weight(1.0))


PRESETS: Mapping[str, tuple[Step, ...]] = {
    "canary10-5m": (weight(0.1), pause(300), weight(1.0)),
    "canary10-15m": (weight(0.1), pause(900), weight(1.0)),
    "linear10-every-1m": _linear(10, 60),
    "linear10-every-3m": _linear(10, 180),
    "all-at-once": (weight(1.0),),
}
"""CodeDeploy's Lambda configurations, by the names the cockpit and `--preset` use."""

_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>s|m|h)?$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, None: 1}


def duration_words(seconds: float) -> str:
    """300 -> "5m", 90 -> "1m30s", 45 -> "45s"."""
    whole = round(seconds)
    if whole >= 3600 and whole % 3600 == 0:
        return f"{whole // 3600}h"
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest}s"
    return f"{minutes}m" if not rest else f"{minutes}m{rest:02d}s"


def parse_step(text: str) -> Step:
    """One step from its words: "10%", "pause 5m", "pause", "analyse"."""
    raw = text.strip().lower()
    if raw.endswith("%"):
        try:
            share = float(raw[:-1]) / 100
        except ValueError:
            raise StepError(f"{text!r}: a weight is a percentage, e.g. 10%") from None
        if not 0 < share <= 1:
            raise StepError(f"{text!r}: a weight must be above 0% and at most 100%")
        return weight(share)
    if raw in ("pause", "wait"):
        return Step(StepKind.WAIT)
    if raw in ("analyse", "analyze", "analysis"):
        return Step(StepKind.ANALYSE)
    if raw.startswith("pause "):
        match = _DURATION.match(raw.removeprefix("pause ").strip())
        if not match:
            raise StepError(f"{text!r}: a pause is 'pause 30s', 'pause 5m' or 'pause 1h'")
        seconds = float(match["n"]) * _UNIT_SECONDS[match["unit"]]
        if seconds <= 0:
            raise StepError(f"{text!r}: a pause must last longer than 0s")
        return pause(seconds)
    raise StepError(f"{text!r}: a step is '10%', 'pause 5m', 'pause' (for a person) or 'analyse'")


def check_steps(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """The plan, if it can run: weights only rise, and the last weight is 100% (promotion)."""
    weights = [s.weight for s in steps if s.kind is StepKind.WEIGHT and s.weight is not None]
    if not weights:
        raise StepError("a plan needs at least one weight step, ending at 100%")
    if weights[-1] < 1:
        raise StepError(f"the last weight is {weights[-1] * 100:g}%: a plan must end at 100%")
    for before, after in itertools.pairwise(weights):
        if after <= before:
            raise StepError(
                f"weights must rise: {after * 100:g}% after {before * 100:g}% "
                "(abort instead of stepping back)"
            )
    if steps[-1].kind is not StepKind.WEIGHT:
        raise StepError("nothing can follow the promotion to 100%")
    return steps


def parse_steps(words: Iterable[str]) -> tuple[Step, ...]:
    return check_steps(tuple(parse_step(w) for w in words))


def percent_steps(percents: str, interval_seconds: float) -> tuple[Step, ...]:
    """`--steps 10,50,100 --interval 60`: each weight held for the interval (the last promotes)."""
    steps: list[Step] = []
    parts = [p.strip().removesuffix("%") for p in percents.split(",") if p.strip()]
    if not parts:
        raise StepError("--steps needs percentages, e.g. 10,50,100")
    for i, part in enumerate(parts):
        steps.append(parse_step(f"{part}%"))
        if i < len(parts) - 1:
            if interval_seconds <= 0:
                raise StepError("--interval must be more than 0 seconds")
            steps.append(pause(interval_seconds))
    return check_steps(tuple(steps))


def strategies(custom: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[Step, ...]]:
    """The presets and the settings file's own plans (a bad custom plan raises StepError)."""
    plans = dict(PRESETS)
    for name, words in custom.items():
        try:
            plans[name] = parse_steps(words)
        except StepError as exc:
            raise StepError(f"[rollouts] custom {name!r}: {exc}") from None
    return plans


def promotion_seconds(steps: tuple[Step, ...], from_index: int = 0) -> float | None:
    """Timed pauses left from `from_index`: the ETA to full promotion (None if a person must act)."""
    rest = steps[from_index:]
    if any(s.kind in (StepKind.WAIT, StepKind.ANALYSE) for s in rest):
        return None
    return sum(s.seconds or 0.0 for s in rest if s.kind is StepKind.PAUSE)
