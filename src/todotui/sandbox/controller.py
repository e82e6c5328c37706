"""Start, drive and stop a sandbox from Python, and `todotui scenario` from the shell.

`Sandbox` runs `todotui sandbox` as a child process (its own GIL, one pid to stop) and talks
to it over HTTP: AWS calls through boto3, time and scenarios through the control API. The
child exits when its parent does: it watches its stdin, which only the parent holds open.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import http.client
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from todotui.sandbox import (
    BACKFILLED_LINE,
    CONTROL_PREFIX,
    PARENT_WATCH_ENV,
    SANDBOX_REGION,
    client_environment,
)

if TYPE_CHECKING:  # the demo starts its sandbox before the cockpit imports pydantic
    from todotui.stack_names import StackNames

STARTUP_TIMEOUT = 120.0
"""Seconds to wait for the endpoint line (moto's import and the stack take a few seconds)."""
STOP_TIMEOUT = 10.0


class SandboxError(Exception):
    """The sandbox could not start, or refused a control request; the message says why."""


class NotASandbox(SandboxError):
    """Something answered at the endpoint, but not the sandbox's control API."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(
            f"{endpoint} answered, but it is not a todotui sandbox (no {CONTROL_PREFIX} control API)"
        )


def control_request(
    endpoint: str, route: str, body: dict[str, Any] | None = None, timeout: float = 300.0
) -> dict[str, Any]:
    """Call the control API at `endpoint`; its JSON error text becomes a SandboxError.

    An answer that is not the control API's JSON (another server's 404 page, a 200 that is
    not JSON, something that does not speak HTTP) raises NotASandbox; a failure to connect
    is left as urllib's URLError / OSError.
    """
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        endpoint.rstrip("/") + CONTROL_PREFIX + route,
        data=data,
        method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read())["error"]
        except (ValueError, KeyError, TypeError, OSError):
            raise NotASandbox(endpoint) from None
        raise SandboxError(str(message)) from None
    except http.client.HTTPException as exc:
        if isinstance(exc, ConnectionError):  # RemoteDisconnected: closed without answering
            raise
        raise NotASandbox(endpoint) from None
    try:
        answer = json.loads(raw)
    except ValueError:
        raise NotASandbox(endpoint) from None
    if not isinstance(answer, dict):
        raise NotASandbox(endpoint)
    return answer


class Sandbox:
    """A sandbox in a child process, for tests, benchmarks and `todotui --demo`.

    with Sandbox(manual=True, period=60) as sandbox:
        sandbox.tick(3)
        sandbox.client("cloudwatch").describe_alarms()
    """

    def __init__(
        self,
        *,
        scenario: str = "steady",
        period: float = 5.0,
        seed: int = 0,
        manual: bool = False,
        backfill: int | None = None,
        history_days: int | None = None,
        names: StackNames | None = None,
        region: str = SANDBOX_REGION,
        fleet: int = 0,
        stack_cache: Path | None = None,
    ) -> None:
        """`fleet`: N more functions and some tables with traffic (`todotui sandbox --fleet N`).
        `stack_cache`: a directory where the provisioned stack is kept and loaded from on a
        later start (`todotui sandbox --stack-cache`, `snapshot.py`)."""
        self.scenario = scenario
        self.fleet = fleet
        self.stack_cache = stack_cache
        self.period = period
        self.seed = seed
        self.manual = manual
        self.backfill = backfill
        self.history_days = history_days
        self._names = names
        self.region = region
        self.endpoint = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._output: deque[str] = deque(maxlen=200)
        self._reader: threading.Thread | None = None
        self._backfilled = threading.Event()
        """Set when the child says its backfill is done (`wait_for_history` wakes then)."""

    @property
    def names(self) -> StackNames:
        """The stack's names (the defaults unless given)."""
        if self._names is None:
            from todotui.stack_names import StackNames

            self._names = StackNames()
        return self._names

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if self._process is not None:
            raise SandboxError("this sandbox is already started")
        self._workdir = Path(tempfile.mkdtemp(prefix="todotui-sandbox-"))
        config = self._workdir / "stack.toml"
        # The default names need no [stack] section: the child's defaults are the same.
        config.write_text(_stack_toml(self._names) if self._names else "", encoding="utf-8")
        command = [
            sys.executable, "-m", "todotui", "--config", str(config), "--region", self.region,
            "sandbox", "--port", "0", "--scenario", self.scenario,
            "--period", f"{self.period:g}", "--seed", str(self.seed),
        ]  # fmt: skip
        if self.manual:
            command.append("--manual")
        if self.backfill is not None:
            command += ["--backfill", str(self.backfill)]
        if self.history_days is not None:
            command += ["--history-days", str(self.history_days)]
        if self.fleet:
            command += ["--fleet", str(self.fleet)]
        if self.stack_cache is not None:
            command += ["--stack-cache", str(self.stack_cache)]
        stderr_path = self._workdir / "stderr.log"
        with open(stderr_path, "wb") as stderr:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=_child_environment(),
                cwd=self._workdir,
            )
        atexit.register(self.stop)
        lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(
            target=self._read_output, args=(lines,), name="sandbox-output", daemon=True
        )
        self._reader.start()
        try:
            self.endpoint = self._wait_for_endpoint(lines)
        except BaseException:
            self.stop()
            raise

    def _read_output(self, lines: queue.Queue[str | None]) -> None:
        """Drain the child's stdout for its whole life, so it never blocks on a full pipe."""
        assert self._process is not None and self._process.stdout is not None
        for raw in self._process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self._output.append(line)
            if line == BACKFILLED_LINE:
                self._backfilled.set()
            lines.put(line)
        lines.put(None)

    def _wait_for_endpoint(self, lines: queue.Queue[str | None]) -> str:
        while True:
            try:
                line = lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                raise SandboxError(
                    f"the sandbox printed no endpoint within {STARTUP_TIMEOUT:g}s"
                    f"{self._stderr_tail()}"
                ) from None
            if line is None:
                assert self._process is not None
                code = self._process.wait()
                raise SandboxError(f"the sandbox exited with status {code}{self._stderr_tail()}")
            if line.startswith("endpoint: "):
                return line.removeprefix("endpoint: ").strip()

    def _stderr_tail(self) -> str:
        if self._workdir is None:
            return ""
        try:
            text = (self._workdir / "stderr.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        tail = "\n".join(text.strip().splitlines()[-15:])
        return f":\n{tail}" if tail else ""

    def stop(self) -> None:
        """Stop the child (end its stdin, SIGTERM, then SIGKILL if it lingers) and clean up."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if self._reader is not None:
                self._reader.join(timeout=STOP_TIMEOUT)
            if process.stdout is not None:
                process.stdout.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    @property
    def output(self) -> list[str]:
        """What the sandbox printed on stdout so far (the last 200 lines)."""
        return list(self._output)

    # -- use ---------------------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point an AWS client (boto3, the aws CLI) at this sandbox."""
        return client_environment(self._require_endpoint(), self.region)

    def client(self, service: str, *, region: str | None = None) -> Any:
        """A boto3 client wired to this sandbox (dummy credentials, few retries)."""
        from todotui.sandbox.provision import sandbox_client

        return sandbox_client(service, self._require_endpoint(), region or self.region)

    def status(self) -> dict[str, Any]:
        return control_request(self._require_endpoint(), "status")

    def tick(self, count: int = 1) -> dict[str, Any]:
        """Simulate `count` periods now (synchronously); returns the status after them."""
        return control_request(self._require_endpoint(), "tick", {"count": count})

    def set_scenario(self, name: str) -> dict[str, Any]:
        return control_request(self._require_endpoint(), "scenario", {"name": name})

    def wait_for_history(
        self, timeout: float = STARTUP_TIMEOUT, *, metrics_only: bool = False
    ) -> dict[str, Any]:
        """Wait until the backfill periods are simulated (charts then open with history).

        `metrics_only`: until their datapoints are there, which the sandbox says on stdout
        (the demo's first refresh needs no more; the last period's traces may follow)."""
        deadline = time.monotonic() + timeout
        while True:
            if metrics_only and self._backfilled.is_set():
                return self.status()
            status = self.status()
            if status["backfill_remaining"] == 0:
                return status
            if time.monotonic() > deadline:
                raise SandboxError(
                    f"{status['backfill_remaining']} backfill periods still to simulate "
                    f"after {timeout:g}s"
                )
            self._backfilled.wait(0.2)  # the child's line wakes this at once

    @property
    def stack(self) -> Any:
        """The provisioned stack's identifiers (a provision.Stack)."""
        from todotui.sandbox.provision import Stack

        return Stack.from_dict(self.status()["stack"])

    def _require_endpoint(self) -> str:
        if not self.endpoint or self._process is None:
            raise SandboxError("the sandbox is not running")
        return self.endpoint


def _stack_toml(names: StackNames) -> str:
    lines = ["[stack]"]
    # JSON string escapes are valid TOML basic-string escapes.
    lines += [f"{key} = {json.dumps(value)}" for key, value in names.as_dict().items()]
    return "\n".join(lines) + "\n"


def _child_environment() -> dict[str, str]:
    """The caller's environment without any AWS settings: the child only talks to itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
            PARENT_WATCH_ENV: "1",
        }
    )
    return env


def scenario_command(args: argparse.Namespace) -> int:
    """`todotui scenario [NAME]`: list the scenarios, or switch a running sandbox to NAME."""
    from todotui.errors import UsageError
    from todotui.sandbox.scenarios import SCENARIOS

    if not args.name:
        width = max(len(name) for name in SCENARIOS)
        for scenario in SCENARIOS.values():
            print(f"{scenario.name:<{width}}  {scenario.summary}")
        return 0
    if args.name not in SCENARIOS:
        raise UsageError(f"unknown scenario {args.name!r}; choose one of: {', '.join(SCENARIOS)}")
    endpoint = args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        raise UsageError(
            "which sandbox? pass --endpoint-url URL or set AWS_ENDPOINT_URL "
            "(`todotui sandbox` prints both)"
        )
    try:
        status = control_request(endpoint, "scenario", {"name": args.name}, timeout=30)
    except SandboxError as exc:
        raise UsageError(str(exc)) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UsageError(f"cannot reach a sandbox at {endpoint} ({reason})") from None
    if "scenario" not in status:  # JSON, but not the control API's
        raise UsageError(str(NotASandbox(endpoint)))
    print(f"{endpoint}: scenario {status['scenario']}: {status.get('scenario_summary', '')}")
    stack = status.get("stack") or {}
    traffic = SCENARIOS[args.name].traffic
    if traffic.candidate is not None and stack.get("candidate_version"):
        alias = (status.get("names") or {}).get("alias", "the alias")
        if traffic.deployed:
            print(
                f"deployed: version {stack['candidate_version']} published and {alias} points "
                "at it with all traffic (roll back with update-alias --function-version "
                "<the version before>)"
            )
            return 0
        print(
            f"candidate: version {stack['candidate_version']} published; {alias}'s routing is "
            "unchanged (shift traffic with update-alias)"
        )
    return 0
