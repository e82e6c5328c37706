"""How fast a bad candidate is rolled back, and what a refresh costs while a rollout runs.

    .venv/bin/python bench/bench_rollout.py [--refresh 5] [--interval 60]

Simulated time on a manual sandbox (CloudWatch periods of 60 s, the cockpit refreshing every
`--refresh` seconds of simulated time), scenario bad-deploy, preset canary10-5m:

1. From the first bad period landing in CloudWatch (the sandbox publishes the first period
   in which the candidate served traffic) to the rollback being issued, for the headless
   controller (no countdown) and the cockpit's (its on-screen grace countdown). Target: at
   most one analysis interval plus one refresh.
2. Requests and GetMetricData metrics per refresh with no rollout and with one running and
   the rollout view's data read (still one GetMetricData per refresh).

Nothing is asserted; nothing touches AWS.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from todotui.actions import Journal
from todotui.aws.session import StaticCredentials
from todotui.config import Settings
from todotui.core.clock import ManualClock
from todotui.core.cockpit import Cockpit
from todotui.rollout.model import EventKind, Phase
from todotui.sandbox import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY
from todotui.sandbox.controller import Sandbox

PERIOD = 60
CREDENTIALS = StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY)


def settings_for(box: Sandbox, refresh: float, interval: float) -> Settings:
    return Settings().with_overrides(
        aws={"endpoint_url": box.endpoint, "region": box.region},
        cadence={"period_seconds": PERIOD, "refresh_seconds": refresh, "window_seconds": 900},
        rollouts={"analysis_interval_seconds": interval},
    )


def candidate_of(box: Sandbox) -> str:
    lam = box.client("lambda")
    fn = box.names.function_name
    versions = [
        v["Version"]
        for v in lam.list_versions_by_function(FunctionName=fn)["Versions"]
        if v["Version"] != "$LATEST"
    ]
    return max(versions, key=int)


def reset_alias(box: Sandbox) -> None:
    box.client("lambda").update_alias(
        FunctionName=box.names.function_name,
        Name=box.names.alias,
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {}},
    )


async def time_to_rollback(
    box: Sandbox, *, refresh: float, interval: float, grace: float, offset: float
) -> dict[str, float]:
    """Seconds (simulated) from the first bad period landing to the verdict and to the rollback."""
    reset_alias(box)
    box.set_scenario("bad-deploy")
    box.tick(2)
    # `offset` seconds into the period: where in CloudWatch's minute the rollout starts.
    clock = ManualClock(
        datetime.fromisoformat(box.status()["sim_time"]) + timedelta(seconds=offset)
    )
    with tempfile.TemporaryDirectory() as tmp:
        core = Cockpit(
            settings_for(box, refresh, interval),
            clock=clock,
            journal=Journal(Path(tmp) / "journal.jsonl"),
            verify_poll_interval=0.01,
            credentials=CREDENTIALS,
            rollout_grace_seconds=grace,
        )
        async with core:
            await core.poller.refresh_once()
            result = await core.rollouts.start(candidate_of(box), strategy="canary10-5m")
            assert result.ok, result.message
            shifted_at = clock()
            landed: datetime | None = None
            sim_end = datetime.fromisoformat(box.status()["sim_time"])
            for _ in range(int(3600 / refresh)):
                clock.advance(refresh)
                while sim_end + timedelta(seconds=PERIOD) <= clock():
                    box.tick()
                    sim_end = datetime.fromisoformat(box.status()["sim_time"])
                    if landed is None and sim_end > shifted_at:
                        landed = sim_end  # the period holding the candidate's first calls ends
                await core.poller.refresh_once()
                await core.rollouts.idle()
                rollout = core.rollouts.rollout
                if rollout is not None and rollout.phase is Phase.ABORTED:
                    break
            rollout = core.rollouts.rollout
            assert rollout is not None and landed is not None
            verdict = next(
                e.at
                for e in rollout.events
                if e.kind is EventKind.VERDICT and e.text.startswith("fail")
            )
            aborted = next(e.at for e in rollout.events if e.kind is EventKind.END)
            return {
                "verdict": (verdict - landed).total_seconds(),
                "rollback": (aborted - landed).total_seconds(),
            }


async def cost_per_refresh(
    box: Sandbox, *, refresh: float, interval: float
) -> dict[str, dict[str, float]]:
    reset_alias(box)
    box.set_scenario("good-deploy")
    box.tick(2)
    clock = ManualClock(datetime.fromisoformat(box.status()["sim_time"]))
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        core = Cockpit(
            settings_for(box, refresh, interval),
            clock=clock,
            journal=Journal(Path(tmp) / "journal.jsonl"),
            verify_poll_interval=0.01,
            credentials=CREDENTIALS,
        )
        async with core:

            async def measure(label: str, rounds: int = 5) -> None:
                await core.poller.refresh_once()
                await core.rollouts.idle()
                requests = dict(core.clients.requests)
                metrics = 0
                for _ in range(rounds):
                    clock.advance(PERIOD)
                    box.tick()
                    refreshed = await core.poller.refresh_once()
                    await core.rollouts.idle()
                    metrics += refreshed.metrics_requested
                    r = core.rollouts.rollout
                    if r is not None:  # what the rollout view reads: both versions' samples
                        core.rollouts.samples(r.stable, since=r.first_shift_at)
                        core.rollouts.samples(r.candidate, since=r.first_shift_at)
                after = core.clients.requests
                delta = {
                    k: after[k] - requests.get(k, 0) for k in after if after[k] - requests.get(k, 0)
                }
                figures[label] = {
                    "requests": sum(delta.values()) / rounds,
                    "GetMetricData": delta.get("cloudwatch.GetMetricData", 0) / rounds,
                    "metrics": metrics / rounds,
                    **{k: v / rounds for k, v in sorted(delta.items())},
                }

            await measure("no rollout")
            result = await core.rollouts.start(candidate_of(box), strategy="canary10-5m")
            assert result.ok, result.message
            await measure("rollout running")
    return figures


async def main(refresh: float, interval: float) -> None:
    with Sandbox(manual=True, period=PERIOD, seed=7, backfill=0) as box:
        print(
            f"bad-deploy, canary10-5m, analysis every {interval:g}s, refresh every {refresh:g}s "
            f"(simulated), CloudWatch period {PERIOD}s"
        )
        target = interval + refresh
        offsets = (0.0, 15.0, 30.0, 45.0)
        for label, grace in (("headless (no countdown)", 0.0), ("cockpit (20 s countdown)", 20.0)):
            runs = [
                await time_to_rollback(
                    box, refresh=refresh, interval=interval, grace=grace, offset=offset
                )
                for offset in offsets
            ]
            verdicts = ", ".join(f"{t['verdict']:.0f}" for t in runs)
            worst = max(t["rollback"] for t in runs)
            print(
                f"  {label:<26} first bad period landed -> failing verdict [{verdicts}]s "
                f"(start {', '.join(f'{o:g}' for o in offsets)}s into the minute), "
                f"-> rollback issued at worst {worst:.0f}s (target <= {target:g}s"
                f"{' + the countdown' if grace else ''})"
            )
        figures = await cost_per_refresh(box, refresh=refresh, interval=interval)
        print("cost per refresh (mean of 5):")
        for label, row in figures.items():
            detail = ", ".join(f"{k} {v:g}" for k, v in row.items() if "." in k)
            print(
                f"  {label:<16} {row['requests']:g} requests, {row['GetMetricData']:g} GetMetricData "
                f"carrying {row['metrics']:g} metrics ({detail})"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--refresh", type=float, default=5.0)
    parser.add_argument("--interval", type=float, default=60.0)
    options = parser.parse_args()
    asyncio.run(main(options.refresh, options.interval))
