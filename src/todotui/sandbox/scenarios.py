"""The incidents the sandbox can play, each with what an operator should expect to see."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    summary: str
    """One line: what the operator should see, and which runbook procedure answers it."""


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "steady",
            "Normal weekday traffic; every pane green. Runbook: Morning Health Check.",
        ),
        Scenario(
            "spike",
            "Traffic rises about tenfold: concurrency climbs, todos-table throttles, errors and "
            "latency follow. Runbook: Handle Traffic Spikes; High Error Rate -> DynamoDB throttling.",
        ),
        Scenario(
            "error-burst",
            "A share of requests fail with exceptions: error rate and API 5XX rise, ERROR log "
            "lines flood in. Runbook: High Error Rate Alert.",
        ),
        Scenario(
            "slow-dependency",
            "A downstream call slows: duration and API latency climb without errors. "
            "Runbook: High Latency Alert (memory, provisioned concurrency, caching).",
        ),
        Scenario(
            "bad-deploy",
            "A new version behind the PROD alias fails and is slow for the share of traffic it "
            "receives. Runbook: Blue-Green Deployment -> Rollback if Needed.",
        ),
        Scenario(
            "auth-attack",
            "A burst of failed sign-ins and 4XX from one user. Runbook: Authentication Issues; "
            "Security Incident Response (disable the user, global sign-out).",
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
