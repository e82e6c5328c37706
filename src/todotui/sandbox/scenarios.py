"""The incidents the sandbox can play, each with what an operator should expect to see.

Each scenario carries the few numbers the traffic model needs (`Traffic`). The model
itself lives in `model.py`; the numbers here only say how this incident differs from
a normal weekday.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ATTACKER = "mallory@example.com"
"""The user whose account the auth-attack scenario hammers (provisioned as a test user)."""


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
    bad_version_error_rate: float = 0.0
    """Share of the bad version's invocations that fail (bad-deploy only)."""
    bad_version_extra_ms: float = 0.0
    """Extra duration of the bad version's invocations (bad-deploy only)."""
    bad_version_weight: float = 0.0
    """Alias weight the bad deploy routes to the new version (0 = no deploy happens)."""
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
            "A share of requests fail with exceptions: error rate and API 5XX rise, ERROR log "
            "lines flood in. Runbook: High Error Rate Alert.",
            Traffic(handler_error_rate=0.12, ramp_ticks=2),
        ),
        Scenario(
            "slow-dependency",
            "A downstream call slows: duration and API latency climb without errors. "
            "Runbook: High Latency Alert (memory, provisioned concurrency, caching).",
            Traffic(dependency_ms=8500.0, ramp_ticks=3),
        ),
        Scenario(
            "bad-deploy",
            "A new version behind the PROD alias fails and is slow for the share of traffic it "
            "receives. Runbook: Blue-Green Deployment -> Rollback if Needed.",
            Traffic(
                bad_version_error_rate=0.35, bad_version_extra_ms=2500.0, bad_version_weight=0.2
            ),
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
