"""A mutation is sent once, and the outcome says honestly what happened (issue 8).

Through `FaultProxy` (a real HTTP proxy in front of the shared sandbox): a change applied
but answered 500 is "unknown" until the read-back shows it applied; a 400 is AWS refusing.
The clients keep botocore's default retries, so the counts prove mutations skip them.
Every test puts back what it changed in the shared sandbox.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from actions_support import journal_lines, sandbox_settings, use_sandbox_credentials
from fault_proxy import FaultProxy
from todotui.actions import ActionRunner, Journal, OutcomeStatus
from todotui.actions.report import outcome_words
from todotui.aws.session import AwsClients, client_config
from todotui.config import AwsTarget, Settings

pytestmark = pytest.mark.sandbox

#: Lambda's UpdateFunctionConfiguration, as the proxy keys it (rest-json: method and path).
UPDATE_CONFIG = "PUT /2015-03-31/functions/"


@pytest.fixture(autouse=True)
def _credentials(monkeypatch, sandbox):
    use_sandbox_credentials(monkeypatch, sandbox)


@asynccontextmanager
async def runner_via_proxy(sandbox: Any, journal: Path, *, session_id: str | None = None):
    """(runner, proxy): the runner's endpoint is a FaultProxy in front of the sandbox;
    the clients keep the default retries (3 attempts)."""
    port = urlsplit(sandbox.endpoint).port
    assert port is not None
    async with FaultProxy(port) as proxy:
        base = sandbox_settings(sandbox)
        settings = Settings(
            stack=base.stack, aws=AwsTarget(endpoint_url=proxy.url, region=sandbox.region)
        )
        async with AwsClients(settings.aws, config=client_config()) as clients:
            runner = ActionRunner(
                settings,
                clients,
                journal=Journal(journal, session_id=session_id),
                read_only=False,
                verify_timeout=2.0,
                poll_interval=0.05,
            )
            yield runner, proxy


async def test_a_change_applied_then_answered_500_is_sent_once_and_read_back(
    sandbox, tmp_path, keep_memory
):
    async with runner_via_proxy(sandbox, tmp_path / "journal.jsonl") as (runner, proxy):
        plan = await runner.prepare("lambda-memory", {"memory_mb": str(keep_memory + 64)})
        proxy.fail_after(UPDATE_CONFIG)
        outcome = await runner.run(plan, typed_confirmation=plan.confirm_text)

    assert proxy.sent(UPDATE_CONFIG) == 1  # botocore would have sent it 3 times
    assert outcome.status is OutcomeStatus.SUCCEEDED and outcome.verified
    assert outcome.message.startswith("applied (read back)")
    assert f"{keep_memory + 64} MB" in outcome.message
    assert outcome.read_back and outcome_words(outcome) == "applied (read back)"  # the feed line
    assert outcome.error and outcome.error.startswith("ServiceException")
    lam = sandbox.client("lambda")
    memory = lam.get_function_configuration(FunctionName=sandbox.names.function_name)
    assert memory["MemorySize"] == keep_memory + 64

    intent, out, check = journal_lines(tmp_path / "journal.jsonl")
    assert (intent["kind"], out["kind"], check["kind"]) == ("intent", "outcome", "verify")
    assert out["result"] == "unknown" and "HTTP 500" in out["message"]
    assert check["verified"] is True and check["result"] == "succeeded"
    entry = runner.journal.entry(outcome.record_id or "")
    assert entry is not None and entry.result == "succeeded" and not entry.needs_verify


async def test_a_throttled_mutation_fails_with_awss_words_and_is_sent_once(
    sandbox, tmp_path, keep_memory
):
    async with runner_via_proxy(sandbox, tmp_path / "journal.jsonl") as (runner, proxy):
        plan = await runner.prepare("lambda-memory", {"memory_mb": str(keep_memory + 32)})
        proxy.throttle(UPDATE_CONFIG)
        outcome = await runner.run(plan, typed_confirmation=plan.confirm_text)

    assert proxy.sent(UPDATE_CONFIG) == 1  # ThrottlingException is retryable: not for mutations
    assert outcome.status is OutcomeStatus.FAILED and not outcome.verified
    assert outcome.error == "ThrottlingException: Rate exceeded"
    lam = sandbox.client("lambda")
    memory = lam.get_function_configuration(FunctionName=sandbox.names.function_name)
    assert memory["MemorySize"] == keep_memory
    kinds = [r["kind"] for r in journal_lines(tmp_path / "journal.jsonl")]
    assert kinds == ["intent", "outcome"]


async def test_reads_keep_their_retries(sandbox, tmp_path):
    async with runner_via_proxy(sandbox, tmp_path / "journal.jsonl") as (runner, proxy):
        proxy.throttle("GET /2015-03-31/functions/", times=1)
        fields = await runner.fields("lambda-memory")
    assert fields and proxy.sent("GET /2015-03-31/functions/") >= 2


# -- the journal lists what is unfinished, and verifies it again from the record alone ----------


async def test_an_earlier_sessions_unverified_record_is_listed_and_verified_again(
    sandbox, tmp_path, keep_memory
):
    path = tmp_path / "journal.jsonl"
    async with runner_via_proxy(sandbox, path, session_id="session-a") as (runner_a, proxy):
        plan = await runner_a.prepare("lambda-memory", {"memory_mb": str(keep_memory + 16)})
        proxy.fail_after(UPDATE_CONFIG)
        proxy.fail_after("GET /2015-03-31/functions/")  # every read-back fails: still unknown
        outcome = await runner_a.run(plan, typed_confirmation=plan.confirm_text)
    assert outcome.status is OutcomeStatus.UNKNOWN and not outcome.verified
    assert outcome.message.startswith("still unknown")
    record_id = outcome.record_id or ""

    async with runner_via_proxy(sandbox, path, session_id="session-b") as (runner_b, _proxy):
        assert runner_b.history() == []
        (listed,) = runner_b.journal.unfinished()
        assert listed.record_id == record_id and listed.session_id == "session-a"
        assert listed.result == "unknown" and runner_b.can_verify(record_id)
        again = await runner_b.verify_record(record_id)

    assert again.status is OutcomeStatus.SUCCEEDED and again.verified
    assert again.message.startswith("applied (read back)")
    last = journal_lines(path)[-1]
    assert (last["kind"], last["session"], last["verified"]) == ("verify", "session-b", True)
    assert Journal(path).unfinished() == []


def test_unfinished_lists_intents_without_outcome_and_outcomes_never_verified(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl", session_id="a")

    def intent(rid: str) -> None:
        journal.write_intent(
            rid,
            caller="me",
            action="lambda-memory",
            title="t",
            target="lambda f",
            parameters={"memory_mb": 256},
            before=[],
            planned_after=[],
            cli=[],
        )

    def outcome(rid: str, result: str) -> None:
        journal.write_outcome(
            rid, result=result, verified=False, after=[], request_ids=[], error=None
        )

    for rid in ("no-outcome", "killed-verifying", "verified", "failed", "unknown"):
        intent(rid)
    outcome("killed-verifying", "succeeded")
    outcome("verified", "succeeded")
    journal.write_verification("verified", verified=True, after=[], message="ok")
    outcome("failed", "failed")
    outcome("unknown", "unknown")
    listed = [e.record_id for e in Journal(journal.path, session_id="b").unfinished()]
    assert listed == ["no-outcome", "killed-verifying", "unknown"]
