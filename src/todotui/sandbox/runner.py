"""`todotui sandbox`: serve the AWS APIs on loopback, provision the stack, keep traffic flowing.

One process holds everything (server, stack, simulator), so a sandbox is one pid to stop.
Simulated time advances one period per tick: on a wall-clock-aligned timer (auto), or only
through the control API (--manual, for tests that advance time without sleeping).

Choosing a deploy scenario (at start or later) publishes its candidate code as the next
version; the alias stays where it is, for the operator to shift. A scenario that deploys its
candidate (error-burst) also points the alias at it with all traffic; chosen at start, that
deploy happens after the backfill, so the version before has history from before it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from todotui.errors import UsageError
from todotui.sandbox import (
    BACKFILLED_LINE,
    MAX_FLEET,
    PARENT_WATCH_ENV,
    SANDBOX_ACCOUNT_ID,
    SANDBOX_REGION,
    client_environment,
    require_loopback,
)
from todotui.sandbox.history import MAX_HISTORY_DAYS
from todotui.sandbox.scenarios import DEFAULT_CANDIDATE, SCENARIOS, Scenario, scenario_named
from todotui.stack_names import StackNames
from todotui.startup_trace import mark
from todotui.telemetry.series import align_down

DEFAULT_BACKFILL = 60
"""Periods of history simulated at start in auto mode, so charts open full (5 min at 5 s)."""
MAX_BACKFILL = 5000
BACKFILL_CHUNK = 60
"""Periods simulated per backfill step (a stop request is honoured between steps): the
default backfill is one step, its datapoints a few PutMetricData calls."""
QUIET_AFTER_BACKFILL = 2.0
"""Seconds after the backfill in which no deferred work (the hourly history, the traces of the
backfill's last period and of any tick meanwhile) starts: the demo's first refresh, sent then,
is answered first (auto mode; --manual publishes the history at once)."""
STANDARD_PERIODS = (1, 5, 10, 30)
"""CloudWatch's sub-minute periods; longer periods are whole minutes up to an hour."""


def period_problem(period: float) -> str | None:
    """Why `period` is not a CloudWatch period (1, 5, 10, 30 or a multiple of 60 up to 3600)."""
    if period in STANDARD_PERIODS or (period % 60 == 0 and 60 <= period <= 3600):
        return None
    return (
        f"--period {period:g}: choose 1, 5, 10, 30 or a multiple of 60 up to 3600 seconds "
        "(CloudWatch's periods)"
    )


class SandboxRuntime:
    """The running sandbox as the control API sees it: status, ticks, scenario switches.

    Ticks are serialized by one lock, so the timer and the control API never overlap.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        region: str,
        names: StackNames,
        stack: Any,
        scenario: Scenario,
        period: float,
        manual: bool,
        start: datetime,
        simulator: Any | None,
    ) -> None:
        self.endpoint = endpoint
        self.region = region
        self.names = names
        self.stack = stack
        self.period = period
        self.manual = manual
        self.simulator = simulator
        self.ticks = 0
        self.backfill_remaining = 0
        self.traces_pending = False
        """The backfill's last traces are still to be sent (auto mode: after the metrics)."""
        self.stack_source = "provisioned"
        """Or "loaded from <file>" (`--stack-cache`)."""
        self.last_tick: dict[str, Any] | None = None
        self.tick_error: str | None = None
        """Why the last timer tick failed (None once one succeeds): in the status, not only on stderr."""
        self._scenario = scenario
        self._now = start
        self._lock = threading.Lock()
        self.pending_scenario: str | None = None
        """A deploying scenario chosen at start: switched to once the backfill is done."""
        self.history_days = 0
        """Days of hourly history still to publish (auto mode: after the first live tick)."""
        self.history_datapoints = 0
        self.fleet: Any | None = None
        """The sandbox fleet's traffic (`--fleet N`), or None."""

    @property
    def now(self) -> datetime:
        """Simulated time: the start of the next period to simulate."""
        return self.simulator.now if self.simulator is not None else self._now

    @property
    def scenario(self) -> Scenario:
        return self.simulator.scenario if self.simulator is not None else self._scenario

    def tick(self, count: int = 1) -> dict[str, Any]:
        for _ in range(count):
            self.tick_once()
        return self.status()

    def backfill(self, count: int, *, defer_traces: bool = False) -> None:
        """Simulate `count` past periods at once (history for the charts at start)."""
        with self._lock:
            if self.simulator is not None:
                self.last_tick = self.simulator.backfill(count, defer_traces=defer_traces)
                self.traces_pending = defer_traces
            else:
                self._now += timedelta(seconds=self.period * count)
            self.ticks += count

    def publish_history(self) -> None:
        """The hourly history before the start, in one step (see sandbox/history.py)."""
        with self._lock:
            if self.simulator is not None and self.history_days:
                self.history_datapoints = self.simulator.publish_history(self.history_days)
            self.history_days = 0

    def tick_once(self, *, defer_traces: bool = False) -> None:
        with self._lock:
            if self.simulator is not None:
                self.last_tick = self.simulator.tick(defer_traces=defer_traces)
                self.traces_pending = self.traces_pending or defer_traces
            else:
                self._now += timedelta(seconds=self.period)
            self.ticks += 1

    def set_scenario(self, name: str) -> dict[str, Any]:
        scenario = scenario_named(name)  # ValueError listing the valid names
        with self._lock:
            if scenario.traffic.candidate is not None:
                self._publish_candidate(scenario)
            if self.simulator is not None:
                self.simulator.set_scenario(name)
            else:
                self._scenario = scenario
        return self.status()

    def _publish_candidate(self, scenario: Scenario) -> None:
        """The scenario's candidate code as the next version (unless the newest already runs it)."""
        from todotui.sandbox.provision import (
            deploy_to_alias,
            publish_candidate,
            published_versions,
            sandbox_client,
        )

        assert scenario.traffic.candidate is not None
        lam = sandbox_client("lambda", self.endpoint, self.region, in_process=True)
        fn = self.names.function_name
        candidate_version = publish_candidate(lam, fn, scenario.traffic.candidate)
        if scenario.traffic.deployed:
            deploy_to_alias(lam, fn, self.names.alias, candidate_version)
        self.stack = replace(
            self.stack,
            versions=published_versions(lam, fn),
            candidate_version=candidate_version,
        )
        if self.simulator is not None:
            self.simulator.stack = self.stack

    def status(self) -> dict[str, Any]:
        scenario = self.scenario
        return {
            "scenario": scenario.name,
            "scenario_summary": scenario.summary,
            "scenarios": list(SCENARIOS),
            "period": self.period,
            "ticks": self.ticks,
            "sim_time": self.now.isoformat(),
            "mode": "manual" if self.manual else "auto",
            "backfill_remaining": self.backfill_remaining
            + (1 if self.pending_scenario else 0)
            + (1 if self.traces_pending else 0),
            "simulator": self.simulator is not None,
            "endpoint": self.endpoint,
            "region": self.region,
            "names": self.names.as_dict(),
            "stack": self.stack.as_dict(),
            "stack_source": self.stack_source,
            "last_tick": self.last_tick,
            "tick_error": self.tick_error,
            "fleet": _fleet_status(self.fleet),
            "history": {
                "pending_days": self.history_days,
                "hourly_datapoints": self.history_datapoints,
            },
        }


def _simulator_class() -> Any | None:
    """The traffic simulator, if this build has it (the server is useful without it)."""
    try:
        from todotui.sandbox.simulator import Simulator
    except ModuleNotFoundError as exc:
        if exc.name == "todotui.sandbox.simulator":
            return None
        raise
    return Simulator


def _validate(args: argparse.Namespace) -> tuple[Scenario, int]:
    """Check every flag before anything starts; returns the scenario and the backfill."""
    try:
        scenario = scenario_named(args.scenario)
    except ValueError as exc:
        raise UsageError(f"--scenario: {exc}") from None
    if problem := period_problem(args.period):
        raise UsageError(problem)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: choose 0 (any free port) or 1-65535")
    backfill = args.backfill
    if backfill is None:
        backfill = 0 if args.manual else DEFAULT_BACKFILL
    if not 0 <= backfill <= MAX_BACKFILL:
        raise UsageError(f"--backfill {backfill}: choose 0 to {MAX_BACKFILL} periods")
    days = getattr(args, "history_days", None)
    if days is not None and not 0 <= days <= MAX_HISTORY_DAYS:
        raise UsageError(
            f"--history-days {days}: choose 0 to {MAX_HISTORY_DAYS} (CloudWatch takes two weeks back)"
        )
    fleet = getattr(args, "fleet", 0) or 0
    if not 0 <= fleet <= MAX_FLEET:
        raise UsageError(f"--fleet {fleet}: choose 0 to {MAX_FLEET} functions")
    try:
        require_loopback(args.host)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return scenario, backfill


def _stack_and_region(args: argparse.Namespace) -> tuple[StackNames, str]:
    """The names to provision and the region to serve, from the settings file and `--region`.

    A file of only `[stack]` names and a region (what the demo and tests write) is read
    without the full settings model: pydantic's import and schemas are ~0.2-0.5 s of the
    child's start, before moto's. Any other file is validated in full, as every command does.
    """
    from todotui.stack_names import read_sandbox_target, settings_path

    target = read_sandbox_target(settings_path(args))
    if target is None:
        from todotui.config import resolve_settings

        settings = resolve_settings(args)
        return settings.stack, settings.aws.region or SANDBOX_REGION
    names, region = target
    return names, getattr(args, "region", None) or region or SANDBOX_REGION


def run_sandbox(args: argparse.Namespace) -> int:
    mark("sandbox main")
    scenario, backfill = _validate(args)
    names, region = _stack_and_region(args)

    stopping, serving = threading.Event(), threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()
        if not serving.is_set():  # still importing or provisioning: nothing to finish, so go
            raise SystemExit(128 + signum)  # now (a cockpit quit at once must not wait for us)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _serve(args, names, region, scenario, backfill, stopping, serving)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(
    args: argparse.Namespace,
    names: StackNames,
    region: str,
    scenario: Scenario,
    backfill: int,
    stopping: threading.Event,
    serving: threading.Event,
) -> int:
    from todotui.sandbox.sdk import build_urls_on_demand, defer_openapi_validator

    defer_openapi_validator()  # before anything imports moto's API Gateway
    build_urls_on_demand()
    from todotui.sandbox import fast_metrics
    from todotui.sandbox.control import ControlApi
    from todotui.sandbox.gaps import GapFiller
    from todotui.sandbox.in_process import serve_in_process, stop_in_process
    from todotui.sandbox.sdk import share_models_with_moto
    from todotui.sandbox.server import SandboxServer, moto_app

    share_models_with_moto()
    fast_metrics.install()
    mark("sandbox imports done")
    gaps = GapFiller(moto_app())
    control = ControlApi(gaps)
    try:
        server = SandboxServer(control, args.host, args.port)
    except OSError as exc:
        raise UsageError(
            f"--port {args.port}: cannot listen on {args.host}:{args.port} ({exc.strerror}); "
            "choose another port, or 0 for any free port"
        ) from None
    _watch_parent(stopping)
    server.start()
    mark("sandbox server up")
    ticker: threading.Thread | None = None
    try:
        endpoint = server.endpoint
        gaps.connect(endpoint)
        # The sandbox's own calls (provisioning, the simulator's) skip the socket: the same app
        # answers them in this process (in_process.py); everyone else's still come over HTTP.
        serve_in_process(endpoint, control)
        stack, stack_source = _provision_or_restore(args, endpoint, names, region, scenario, gaps)
        mark("stack provisioned")
        fleet = _provision_fleet(args, endpoint, region)
        start = align_down(datetime.now(UTC), args.period) - timedelta(
            seconds=backfill * args.period
        )
        chosen, scenario = scenario, _before_deploy(scenario)
        simulator_class = _simulator_class()
        simulator = None
        if simulator_class is not None:
            simulator = simulator_class(
                endpoint_url=endpoint,
                region=region,
                names=names,
                stack=stack,
                scenario=scenario.name,
                period=args.period,
                seed=args.seed,
                start=start,
            )
        if simulator is not None:
            simulator.metric_store = fast_metrics.moto_store(
                stack.account_id or SANDBOX_ACCOUNT_ID, region
            )
            if fleet is not None:
                simulator.extra_data = fleet.metric_data
        runtime = SandboxRuntime(
            endpoint=endpoint,
            region=region,
            names=names,
            stack=stack,
            scenario=scenario,
            period=args.period,
            manual=args.manual,
            start=start,
            simulator=simulator,
        )
        runtime.backfill_remaining = backfill
        runtime.stack_source = stack_source
        runtime.fleet = fleet
        if simulator is not None:
            runtime.history_days = _history_days(args)
            if args.manual:  # tests want it at once; the demo's panes do not need it first
                runtime.publish_history()
        if chosen is not scenario:  # deployed after the backfill, or now if there is none
            if backfill:
                runtime.pending_scenario = chosen.name
            else:
                runtime.set_scenario(chosen.name)
        gaps.clock = lambda: runtime.now
        gaps.costs.region = region
        if simulator is not None:
            simulator.usage_listeners.append(gaps.costs.record)
        control.attach(runtime)
        serving.set()  # before the announcement: whoever reads it may stop us at once, and
        _announce(endpoint, region, runtime)  # from here a stop is graceful (exit 0)
        mark("sandbox announced")
        if simulator is None:
            print(
                "sandbox: no traffic simulator in this build; serving the stack without traffic",
                file=sys.stderr,
                flush=True,
            )
        ticker = threading.Thread(
            target=_tick_loop, args=(runtime, stopping), name="sandbox-ticker", daemon=True
        )
        ticker.start()
        while not stopping.wait(0.5):
            pass
    finally:
        stopping.set()
        if ticker is not None:
            ticker.join(timeout=30)
        stop_in_process(server.endpoint)
        server.stop()
    return 0


def _provision_or_restore(
    args: argparse.Namespace,
    endpoint: str,
    names: StackNames,
    region: str,
    scenario: Scenario,
    gaps: Any,
) -> tuple[Any, str]:
    """The stack, and where it came from: loaded from `--stack-cache` when an earlier start
    with the same code and settings kept it there (`snapshot.py`), else provisioned (and then
    kept, if asked)."""
    from todotui.sandbox import snapshot
    from todotui.sandbox.provision import provision

    candidate = scenario.traffic.candidate or DEFAULT_CANDIDATE
    cache: Path | None = args.stack_cache
    if cache is not None:
        key = snapshot.fingerprint(names, region, args.period, candidate)
        path = snapshot.file_for(cache, key)
        try:
            stack = snapshot.restore(path, key, gaps, now=datetime.now(UTC), endpoint=endpoint)
        except Exception as exc:  # a damaged file: provision, and write a good one
            _say(f"stack cache {path} unreadable ({type(exc).__name__}: {exc}); provisioning")
        else:
            if stack is not None:
                _say(f"stack loaded from {path}")
                return stack, f"loaded from {path}"
    stack = provision(endpoint, names, region=region, period=args.period, candidate=candidate)
    mark("stack provisioned afresh")
    if cache is not None:
        try:
            snapshot.save(path, key, stack, gaps)
        except Exception as exc:  # the next start provisions again; nothing else is lost
            _say(f"stack cache {path} not written ({type(exc).__name__}: {exc})")
    return stack, "provisioned"


def _say(message: str) -> None:
    print(f"sandbox: {message}", file=sys.stderr, flush=True)


def _provision_fleet(args: argparse.Namespace, endpoint: str, region: str) -> Any | None:
    """`--fleet N`: the fleet's members, its traffic, and moto's GetMetricData made fit for it."""
    count = getattr(args, "fleet", 0) or 0
    if not count:
        return None
    from todotui.sandbox.fleet import FleetSpec, FleetTraffic, default_tables, provision_fleet

    spec = FleetSpec(functions=count, tables=default_tables(count))
    provision_fleet(endpoint, region, spec)
    return FleetTraffic(spec, seed=args.seed)


def _fleet_status(fleet: Any | None) -> dict[str, Any] | None:
    if fleet is None:
        return None
    from todotui.sandbox.fleet import describe

    return describe(fleet.spec)


def _history_days(args: argparse.Namespace) -> int:
    """Days of hourly history at start: `--history-days`, else 9 (auto) or 0 (--manual)."""
    from todotui.sandbox.history import DEFAULT_HISTORY_DAYS

    days = getattr(args, "history_days", None)
    return (0 if args.manual else DEFAULT_HISTORY_DAYS) if days is None else days


def _announce(endpoint: str, region: str, runtime: SandboxRuntime) -> None:
    lines = [f"endpoint: {endpoint}"]
    environment = client_environment(endpoint, region)
    lines += [f"export {key}={value}" for key, value in environment.items()]
    mode = "manual (POST /_sandbox/tick advances time)" if runtime.manual else "auto"
    scenario = runtime.scenario
    if runtime.pending_scenario is not None:  # deployed once the backfill is done
        scenario = SCENARIOS[runtime.pending_scenario]
    lines.append(f"scenario: {scenario.name}: {scenario.summary}")
    lines.append(f"period: {runtime.period:g}s, {mode}; Ctrl-C stops")
    print("\n".join(lines), flush=True)


def _tick_loop(runtime: SandboxRuntime, stopping: threading.Event) -> None:
    """Backfill history; then, in auto mode, simulate each period once the wall clock passed it."""
    period = timedelta(seconds=runtime.period)
    while runtime.backfill_remaining > 0 and not stopping.is_set():
        chunk = min(BACKFILL_CHUNK, runtime.backfill_remaining)
        last = chunk == runtime.backfill_remaining
        # Auto mode (the demo): the last period's traces go out after the metrics are there.
        if not _safe_tick(runtime, backfill=chunk, defer_traces=last and not runtime.manual):
            break
        runtime.backfill_remaining -= chunk
    runtime.backfill_remaining = 0
    if runtime.pending_scenario is not None:
        _start_pending(runtime)
    mark("history backfilled")
    print(BACKFILLED_LINE, flush=True)  # the demo's first refresh is sent on this line
    if runtime.manual:
        return
    backfilled_at = time.monotonic()
    while not stopping.is_set():
        wait = (runtime.now + period - datetime.now(UTC)).total_seconds()
        if wait > 0:
            stopping.wait(wait)
            continue
        quiet = time.monotonic() - backfilled_at < QUIET_AFTER_BACKFILL
        # a tick then keeps its traces back too: X-Ray's first write is moto's slowest start
        _safe_tick(runtime, defer_traces=quiet and not runtime.manual)
        if quiet:
            continue  # the first refresh goes first
        if runtime.traces_pending:
            _write_deferred_traces(runtime)
            mark("backfill traces written")
        if runtime.history_days:
            _publish_history(runtime)
            mark("hourly history published")


def _write_deferred_traces(runtime: SandboxRuntime) -> None:
    try:
        if runtime.simulator is not None:
            runtime.simulator.write_deferred_traces()
    except Exception as exc:  # reported, as a failed tick is: the sandbox keeps serving
        runtime.tick_error = f"traces: {type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)
    finally:
        runtime.traces_pending = False


def _publish_history(runtime: SandboxRuntime) -> None:
    try:
        runtime.publish_history()
    except Exception as exc:  # reported, as a failed tick is: the sandbox keeps serving
        runtime.history_days = 0
        runtime.tick_error = f"history: {type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)


def _before_deploy(scenario: Scenario) -> Scenario:
    """What runs before a deploying scenario's deploy: steady (the version before it serves)."""
    return SCENARIOS["steady"] if scenario.traffic.deployed else scenario


def _start_pending(runtime: SandboxRuntime) -> None:
    name = runtime.pending_scenario
    if name is None:
        return
    try:
        runtime.set_scenario(name)
    except Exception as exc:  # reported, as a failed tick is: the sandbox keeps serving
        runtime.tick_error = f"scenario {name}: {type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)
    finally:  # only now is the history ready (the status counts the pending deploy)
        runtime.pending_scenario = None


def _safe_tick(runtime: SandboxRuntime, *, backfill: int = 0, defer_traces: bool = False) -> bool:
    """One tick (or `backfill` periods of history); a failure is reported on stderr and the
    sandbox keeps serving."""
    try:
        if backfill:
            runtime.backfill(backfill, defer_traces=defer_traces)
        else:
            runtime.tick_once(defer_traces=defer_traces)
        runtime.tick_error = None
        return True
    except Exception as exc:  # a simulator bug must not stop the AWS API the operator is using
        runtime.tick_error = f"{type(exc).__name__}: {exc}"
        print("sandbox: a tick failed:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()
        return False


def _watch_parent(stopping: threading.Event) -> None:
    """When started by a parent that asked for it, exit with the parent.

    The parent holds our stdin open; when it dies, stdin reaches end of file. A change of
    parent pid (re-parenting to init) is the second sign.
    """
    if os.environ.get(PARENT_WATCH_ENV) != "1":
        return
    parent = os.getppid()

    def read_until_eof() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        stopping.set()

    def poll_parent() -> None:
        while not stopping.wait(1.0):
            if os.getppid() != parent:
                stopping.set()

    threading.Thread(target=read_until_eof, name="sandbox-stdin-watch", daemon=True).start()
    threading.Thread(target=poll_parent, name="sandbox-parent-watch", daemon=True).start()
