"""A password set through the action appears nowhere: no file, journal line, plan, CLI preview,
log record, printed output or exception text."""

from __future__ import annotations

import logging
import uuid

import pytest

from actions_support import open_runner, use_sandbox_credentials
from todotui import locations
from todotui.actions import ActionRunner, InvalidInput, Journal, OutcomeStatus
from todotui.aws.session import AwsClients, client_config
from todotui.config import AwsTarget
from todotui.sandbox.provision import TEST_PASSWORD


def _all_text_under(*roots) -> str:
    chunks = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                chunks.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


async def test_password_appears_nowhere(sandbox, tmp_path, monkeypatch, caplog, capsys):
    use_sandbox_credentials(monkeypatch, sandbox)
    caplog.set_level(logging.DEBUG)
    stack = sandbox.stack
    user = stack.users[1]
    password = f'Pw"{uuid.uuid4().hex[:10]}!Ab9\\'
    weak = f"weak{uuid.uuid4().hex[:6]}"
    idp = sandbox.client("cognito-idp")
    texts: list[str] = []
    journal = Journal(locations.journal_file())
    try:
        async with open_runner(sandbox, tmp_path) as (runner, _):
            runner.journal = journal
            with pytest.raises(InvalidInput) as excinfo:
                await runner.prepare(
                    "cognito-set-password", {"username": user, "password": weak, "permanent": "yes"}
                )
            texts += [str(excinfo.value), repr(excinfo.value.errors)]
            plan = await runner.prepare(
                "cognito-set-password", {"username": user, "password": password, "permanent": "yes"}
            )
            texts += [repr(plan), str(plan), *plan.cli, repr(plan.params), repr(plan.state)]
            texts.append(repr(plan.values))
            assert "read -rs NEW_PASSWORD" in plan.cli[0] and '"$NEW_PASSWORD"' in plan.cli[1]
            outcome = await runner.run(plan, typed_confirmation=user)
            assert outcome.ok and outcome.verified, outcome
            texts.append(repr(outcome))
            texts += [repr(e) for e in runner.history()]

            # The endpoint dies mid-action: the error text carries no password either.
            dead = AwsTarget(endpoint_url="http://127.0.0.1:9", region=sandbox.region)
            async with AwsClients(
                dead, config=client_config(attempts=1, connect_timeout=1)
            ) as gone:
                cut_off = ActionRunner(
                    runner.settings,
                    gone,
                    journal=journal,
                    read_only=False,
                    verify_timeout=0.1,
                    poll_interval=0.05,
                )
                failed = await cut_off.run(plan, typed_confirmation=user)
            assert failed.status is OutcomeStatus.UNKNOWN
            texts.append(repr(failed))
        # The password really was set: it signs the user in.
        auth = idp.admin_initiate_auth(
            UserPoolId=stack.user_pool_id,
            ClientId=stack.user_pool_client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": password},
        )
        assert "AuthenticationResult" in auth
    finally:
        idp.admin_set_user_password(
            UserPoolId=stack.user_pool_id, Username=user, Password=TEST_PASSWORD, Permanent=True
        )

    assert journal.path.exists() and journal.path.is_relative_to(locations.data_dir())
    captured = capsys.readouterr()
    log_text = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert any("AdminSetUserPassword" in r.getMessage() for r in caplog.records), (
        "botocore's DEBUG lines were captured"
    )
    haystack = "\n".join(
        [
            *texts,
            log_text,
            captured.out,
            captured.err,
            _all_text_under(locations.data_dir(), tmp_path),
        ]
    )
    for secret in (password, weak, password.replace('"', '\\"'), password.replace("\\", "\\\\")):
        assert secret not in haystack
    assert "********" in journal.path.read_text()


def test_log_lines_carrying_a_secret_in_flight_are_redacted(caplog):
    """botocore logs request bodies at DEBUG in some versions: such a line is rewritten."""
    import json

    from todotui.actions.redaction import secrets_in_flight

    caplog.set_level(logging.DEBUG)
    password = "Xq\"7\\UNIQUE42!'"
    endpoint_log = logging.getLogger("botocore.endpoint")
    with secrets_in_flight({password}):
        endpoint_log.debug(
            "Making request with params: %s", {"body": json.dumps({"Password": password}).encode()}
        )
        endpoint_log.debug("params: %s", {"body": json.dumps({"Password": password})})
        endpoint_log.debug("raw %s", password)
    endpoint_log.debug("after: %s", "harmless")
    assert caplog.text.count("********") == 3 and "harmless" in caplog.text
    assert "UNIQUE42" not in caplog.text
