"""Helpers for the action tests: a runner wired to the session sandbox, journal reading."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from todotui.actions import ActionRunner, Journal
from todotui.aws.session import AwsClients, client_config, is_mutating
from todotui.config import AwsTarget, Limits, Settings


def sandbox_settings(
    sandbox: Any, *, read_only: bool = False, limits: Limits | None = None
) -> Settings:
    return Settings(
        stack=sandbox.names,
        aws=AwsTarget(endpoint_url=sandbox.endpoint, region=sandbox.region, read_only=read_only),
        limits=limits or Limits(),
    )


@asynccontextmanager
async def open_runner(
    sandbox: Any,
    tmp_path: Path,
    *,
    read_only: bool = False,
    verify_timeout: float = 2.0,
    limits: Limits | None = None,
):
    """An ActionRunner on the sandbox with a journal in tmp_path; yields (runner, clients)."""
    settings = sandbox_settings(sandbox, read_only=read_only, limits=limits)
    async with AwsClients(settings.aws, config=client_config(attempts=1)) as clients:
        runner = ActionRunner(
            settings,
            clients,
            journal=Journal(tmp_path / "journal.jsonl"),
            read_only=read_only,
            verify_timeout=verify_timeout,
            poll_interval=0.05,
            export_dir=tmp_path / "exports",
        )
        yield runner, clients


def mutating_requests(clients: AwsClients) -> dict[str, int]:
    return {k: n for k, n in clients.requests.items() if is_mutating(k.rpartition(".")[2])}


def journal_lines(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def use_sandbox_credentials(monkeypatch: Any, sandbox: Any) -> None:
    for key, value in sandbox.env.items():
        if key != "AWS_ENDPOINT_URL":
            monkeypatch.setenv(key, value)
