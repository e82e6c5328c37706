"""Shared fixtures. No test ever reaches a real AWS account."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _isolate_from_real_aws(monkeypatch, tmp_path_factory):
    """Keep the developer's ~/.aws, AWS_* variables and user dirs out of every test."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


# -- The shared sandbox (owned by the sandbox platform) ---------------------------------------
# One manual-mode sandbox child process for the whole test session: period 60 s (AWS's own
# cadence), no backfill, simulated time advances only through `sandbox.tick(n)`.
# State that a test changes (capacity, memory, alias routing, users) stays changed for later
# tests: undo it, or start a module-scoped `Sandbox(names=StackNames(...))` of your own.


@pytest.fixture(scope="session")
def sandbox():
    """The session's sandbox (todotui.sandbox.controller.Sandbox), stopped at the end."""
    from todotui.sandbox.controller import Sandbox

    with Sandbox(manual=True, period=60, backfill=0) as running:
        yield running


@pytest.fixture
def steady_sandbox(sandbox):
    """The session's sandbox in the steady scenario, put back to steady after the test."""
    sandbox.set_scenario("steady")
    yield sandbox
    sandbox.set_scenario("steady")
