"""Shared fixtures. No test ever reaches a real AWS account."""

from __future__ import annotations

import os
import sys

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
# tests: undo it, or start a module-scoped `Sandbox(names=StackNames(...))` of your own (its
# fixture requests `sandbox_tier`, below).


@pytest.fixture(scope="session")
def sandbox(sandbox_tier):
    """The session's sandbox (todotui.sandbox.controller.Sandbox), stopped at the end."""
    from todotui.sandbox.controller import Sandbox

    with Sandbox(manual=True, period=60, backfill=0) as running:
        yield running


@pytest.fixture
def steady_sandbox(sandbox):
    """The session's sandbox in the steady scenario, put back to steady after the test, its
    alias on the stable version again (error-burst deploys a version to all of it)."""
    sandbox.set_scenario("steady")
    yield sandbox
    sandbox.set_scenario("steady")
    restore_alias(sandbox)


def restore_alias(sandbox):
    """The alias back on the stable version with no routing, if a test moved it."""
    lam = sandbox.client("lambda")
    names, stable = sandbox.names, sandbox.stack.stable_version
    alias = lam.get_alias(FunctionName=names.function_name, Name=names.alias)
    if alias["FunctionVersion"] != stable or (alias.get("RoutingConfig") or {}).get(
        "AdditionalVersionWeights"
    ):
        lam.update_alias(
            FunctionName=names.function_name,
            Name=names.alias,
            FunctionVersion=stable,
            RoutingConfig={"AdditionalVersionWeights": {}},
        )


# -- The two tiers: `-m sandbox` and `-m "not sandbox"` (pure: no sandbox, no moto, seconds) ----
# A test is in the sandbox tier when it is marked `sandbox`. Nobody has to remember to mark a
# test that uses a sandbox fixture: the hook below marks every test whose fixtures (transitively)
# include `sandbox`, `steady_sandbox` or `sandbox_tier`, so anything built on them is covered.
# A fixture that starts a `Sandbox(...)` of its own requests `sandbox_tier`; a test that starts
# one (or a moto server) in its body carries `@pytest.mark.sandbox` (or its module's
# `pytestmark`). An unmarked test that starts a sandbox process fails (see `_refuse_sandbox`).

SANDBOX_FIXTURES = frozenset({"sandbox", "steady_sandbox", "sandbox_tier"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if SANDBOX_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.sandbox)


@pytest.hookimpl(trylast=True)  # after `-m` and `-k` chose what runs
def pytest_collection_finish(session):
    session.config.stash[_SANDBOX_TIER_SELECTED] = any(
        item.get_closest_marker("sandbox") for item in session.items
    )


_SANDBOX_TIER_SELECTED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def sandbox_tier(request):
    """Request this from any fixture that starts a sandbox of its own: it puts every test that
    uses the fixture in the `sandbox` tier. Fails loudly when no selected test is in that tier
    (`-m "not sandbox"`): then whatever asked for a sandbox is a test that is not marked."""
    if not request.config.stash.get(_SANDBOX_TIER_SELECTED, True):
        pytest.fail(
            'a sandbox was asked for, but no selected test is marked `sandbox` (-m "not sandbox"?):'
            " a test reaches a sandbox fixture without being marked; mark it `sandbox`",
            pytrace=False,
        )


_unmarked_test: str | None = None
"""The node id of the test running now when it is not marked `sandbox` (else None)."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _unmarked_test
    _unmarked_test = None if item.get_closest_marker("sandbox") else item.nodeid
    try:
        return (yield)
    finally:
        _unmarked_test = None


def _refuse_sandbox(event: str, args: tuple) -> None:
    """Audit hook: a test not marked `sandbox` may not start a sandbox process (`todotui sandbox`,
    which is what `Sandbox(...)` runs). Raising here stops the process from being started."""
    if event != "subprocess.Popen" or _unmarked_test is None:
        return
    try:
        argv = args[1]
        if isinstance(argv, (str, bytes, os.PathLike)):
            tokens = os.fsdecode(argv).split()
        else:
            tokens = [os.fsdecode(a) for a in argv]
    except (TypeError, IndexError):
        return  # not a command line this guard understands
    if "sandbox" in tokens and any(os.path.basename(t) == "todotui" for t in tokens):
        raise RuntimeError(
            f"{_unmarked_test} starts a sandbox but is not marked `sandbox`: mark it"
            " (@pytest.mark.sandbox), or request the `sandbox_tier` fixture from the fixture that starts it"
        )


sys.addaudithook(_refuse_sandbox)


@pytest.fixture
def keep_memory(sandbox):
    """The function's memory before the test, put back after it, pass or fail."""
    lam, name = sandbox.client("lambda"), sandbox.names.function_name
    start = lam.get_function_configuration(FunctionName=name)["MemorySize"]
    yield start
    if lam.get_function_configuration(FunctionName=name)["MemorySize"] != start:
        lam.update_function_configuration(FunctionName=name, MemorySize=start)
