"""The incidents the sandbox can play, each with what an operator should expect to see.

Each scenario carries the few numbers the traffic model needs (`Traffic`). The model
itself lives in `model.py`; the numbers here only say how this incident differs from
a normal weekday.

A deploy scenario also describes a *candidate* code change (`Candidate`). The sandbox
uploads that code and publishes it as the next version, leaving the alias where it was:
it is the operator (or the cockpit's rollout) that shifts traffic to it. A scenario whose
traffic says `deployed` goes one step further, as a CLI deploy does (`update-function-code`,
`publish-version`, `update-alias --function-version N`): the alias is pointed at the new
version with all traffic, and rolling the alias back to the version before is the fix. The behaviour
belongs to the code, not to the scenario: any version whose CodeSha256 is the candidate
code's behaves as the candidate, for the share of traffic the alias's live routing sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ATTACKER = "mallory@example.com"
"""The user whose account the auth-attack scenario hammers (provisioned as a test user)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A code change published as a version of its own: how that code behaves once it runs.

    The figures are relative to the stable code under the same traffic: the scenario's own
    error rate and latency apply to every version alike.
    """

    summary: str
    """What the change is, as a release note would say it (the version's Description is
    "candidate: <summary>")."""
    error_rate: float = 0.0
    """Share of the candidate's invocations that fail because of the change (0 = no more
    errors than stable)."""
    extra_ms: float = 0.0
    """Milliseconds the change adds to every invocation (negative: faster)."""
    tail_factor: float = 1.0
    """Multiplies the handler's own work (everything but the runtime's fixed overhead): the
    slow tail stretches most, so the p99 rises by about this factor and the average a little
    less (1.0 = no change)."""
    failure: str = "candidate"
    """The error kind its failures are counted and logged as (a key of the simulator's
    ERROR_MESSAGES): which exception its ERROR lines show."""


@dataclass(frozen=True, slots=True)
class Traffic:
    """How one scenario shapes the traffic. Rates are per second, latencies in ms."""

    base_rps: float = 24.0
    """API requests per second at the daily average, before the spike multiplier."""
    rate_multiplier: float = 1.0
    """Scales the request rate once the scenario has ramped in (spike: about 10)."""
    ramp_ticks: int = 1
    """Ticks over which the scenario's effects grow to full strength after it starts."""
    handler_error_rate: float = 0.0005
    """Share of invocations that fail with an unhandled exception in the handler."""
    dependency_ms: float = 0.0
    """Extra latency of a downstream call, added to every invocation (no errors)."""
    candidate: Candidate | None = None
    """The code change this scenario publishes as the next version (deploy scenarios only);
    None leaves the versions as they are."""
    deployed: bool = False
    """The candidate goes straight to all traffic: when the scenario starts, the alias is
    pointed at the candidate's version with no routing (the version before keeps its history
    and is what a rollback goes back to)."""
    failed_signins_rps: float = 0.0
    """Failed sign-ins per second from the attacker (auth-attack only)."""
    attacker: str = ATTACKER


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    summary: str
    """One line: what the operator should see, and which runbook procedure answers it."""
    traffic: Traffic = field(default_factory=Traffic)
    """The model parameters that make this incident."""


BAD_CANDIDATE = Candidate("due dates in the todo serializer", error_rate=0.35, extra_ms=2500.0)
"""Fails about a third of its invocations (a TypeError in the serializer) and is 2.5 s slower."""
GOOD_CANDIDATE = Candidate("todo list query tuned", tail_factor=0.96)
"""As reliable as stable and a little faster."""
SUBTLE_CANDIDATE = Candidate("audit trail for every request", tail_factor=1.33)
"""Errs no more than stable; its handler does a third more work (average +30%, p99 +33%)."""
VALIDATION_CANDIDATE = Candidate("todo validation rewrite", error_rate=0.12, failure="validation")
"""Fails about one request in eight with `KeyError: 'title'` (the rewrite reads a field the
clients do not always send); deployed straight to all traffic by error-burst."""
DEFAULT_CANDIDATE = GOOD_CANDIDATE
"""What provisioning publishes as version 2 when the first scenario has no candidate of its own
(a blue-green shift then always has a published version to go to)."""
CANDIDATES: tuple[Candidate, ...] = (
    BAD_CANDIDATE,
    GOOD_CANDIDATE,
    SUBTLE_CANDIDATE,
    VALIDATION_CANDIDATE,
)
"""Every candidate code the sandbox can publish (the simulator knows each by its CodeSha256)."""


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "steady",
            "Normal weekday traffic; every pane green. Runbook: Morning Health Check.",
            Traffic(),
        ),
        Scenario(
            "spike",
            "Traffic rises about tenfold: concurrency climbs, todos-table throttles, errors and "
            "latency follow. Runbook: Handle Traffic Spikes; High Error Rate -> DynamoDB throttling.",
            Traffic(rate_multiplier=10.0, ramp_ticks=4),
        ),
        Scenario(
            "error-burst",
            "A new version (todo validation rewrite) is deployed to all traffic and about one "
            "request in eight fails with KeyError: 'title': error rate and API 5XX rise, ERROR "
            "lines name the version. Runbook: High Error Rate Alert -> roll the alias back to "
            "the previous version.",
            Traffic(candidate=VALIDATION_CANDIDATE, deployed=True),
        ),
        Scenario(
            "slow-dependency",
            "A downstream call slows: duration and API latency climb without errors. "
            "Runbook: High Latency Alert (memory, provisioned concurrency, caching).",
            Traffic(dependency_ms=8500.0, ramp_ticks=3),
        ),
        Scenario(
            "bad-deploy",
            "A candidate version is published (PROD stays on stable): shift a share to it and "
            "that share fails about a third of the time and runs 2.5 s slower; the "
            "ExecutedVersion panes single it out. Runbook: Blue-Green Deployment -> Rollback "
            "if Needed.",
            Traffic(candidate=BAD_CANDIDATE),
        ),
        Scenario(
            "good-deploy",
            "A healthy candidate version is published (PROD stays on stable): shift traffic "
            "to it step by step and its errors and latency match stable's all the way to "
            "100%. Runbook: Blue-Green Deployment (shift, monitor, promote).",
            Traffic(candidate=GOOD_CANDIDATE),
        ),
        Scenario(
            "subtle-regression",
            "A candidate version is published (PROD stays on stable) that errs no more than "
            "stable but is about a third slower, most in the tail: every absolute threshold "
            "passes, only a comparison with stable's duration catches it. Runbook: "
            "Blue-Green Deployment -> Monitor, Rollback if Needed.",
            Traffic(candidate=SUBTLE_CANDIDATE),
        ),
        Scenario(
            "auth-attack",
            "A burst of failed sign-ins and 4XX from one user. Runbook: Authentication Issues; "
            "Security Incident Response (disable the user, global sign-out).",
            Traffic(failed_signins_rps=40.0, ramp_ticks=2),
        ),
    )
}


def scenario_named(name: str) -> Scenario:
    """The scenario called `name`, or a ValueError that lists the valid ones."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(
            f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}"
        ) from None
