"""The runbook's security and tracing commands, pasted as written, answered by the sandbox as
AWS would answer them: the JSON filter over authentication lines matches only those lines,
CloudTrail by user finds what that user did, and the runbook's X-Ray command is refused for
the reasons AWS would refuse it (`date --iso-8601` makes an empty range; its
`--time-range-type` is not one AWS knows).

Each command runs through bash with the `aws` CLI; its `date` reads the sandbox's simulated
clock (in manual mode the sandbox runs ahead of the wall clock)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest

from todotui.sandbox.controller import Sandbox

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(shutil.which("aws") is None, reason="the aws CLI is not installed"),
]

ACCESS_LOGS = """aws logs filter-log-events \\
     --log-group-name "/aws/lambda/todo-handler" \\
     --filter-pattern "{ $.level = \\"INFO\\" && $.message = \\"Authentication:\\" }" \\
     --start-time $(date -d '7 days ago' +%s)000"""
"""The runbook's "Review Access Logs", as written there."""

USER_ACTIVITY = """aws cloudtrail lookup-events \\
     --lookup-attributes AttributeKey=Username,AttributeValue=COMPROMISED_USER \\
     --start-time $(date -d '24 hours ago' --iso-8601)"""
"""The runbook's security investigation, as written there (the user filled in below)."""

TRACE_SUMMARIES = """aws xray get-trace-summaries \\
     --time-range-type TimeRangeByStartTime \\
     --start-time $(date -d '1 hour ago' --iso-8601) \\
     --end-time $(date --iso-8601)"""
"""The runbook's "Review X-Ray Traces", as written there."""


@pytest.fixture(scope="module")
def box(sandbox_tier):
    with Sandbox(manual=True, period=60, seed=23, backfill=0) as running:
        running.set_scenario("auth-attack")
        running.tick(3)
        running.set_scenario("steady")
        running.tick(1)
        yield running


@pytest.fixture
def shell(box, tmp_path):
    """Runs a runbook command through bash, `date` at the sandbox's time; (rc, out, err)."""
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "date").write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-d" ]; then when="$2"; shift 2; else when=""; fi\n'
        f'exec {shutil.which("date")} -u -d "$SIM_NOW $when" "$@"\n'
    )
    (shim / "date").chmod(0o755)

    def run(command: str) -> tuple[int, str, str]:
        env = {
            **os.environ,
            **box.env,
            "PATH": f"{shim}:{os.environ['PATH']}",
            "SIM_NOW": box.status()["sim_time"],
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_DEFAULT_OUTPUT": "json",
        }
        done = subprocess.run(
            ["bash", "-c", command],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(tmp_path),
        )
        return done.returncode, done.stdout, done.stderr

    return run


def test_the_json_filter_over_authentication_lines_matches_those_lines_only(box, shell):
    rc, out, err = shell(ACCESS_LOGS)
    assert rc == 0, err
    matched = json.loads(out)["events"]
    assert matched, "auth-attack wrote sign-in lines; the filter found none"
    for event in matched:
        line = json.loads(event["message"])
        assert line["level"] == "INFO" and line["message"] == "Authentication:"
    # And it missed none: every authentication line in the group is among them.
    logs = box.client("logs")
    every = [
        e
        for page in logs.get_paginator("filter_log_events").paginate(
            logGroupName=box.names.log_group
        )
        for e in page["events"]
    ]
    authentication = {e["eventId"] for e in every if '"message": "Authentication:"' in e["message"]}
    assert {e["eventId"] for e in matched} == authentication
    assert len(authentication) < len(every)  # the group holds other lines: they were left out


def test_cloudtrail_by_user_finds_what_that_user_did(box, shell):
    # As an operator would, with the default keys (the sandbox's own calls are stack-deployer's).
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=box.endpoint,
        region_name=box.region,
        aws_access_key_id=box.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=box.env["AWS_SECRET_ACCESS_KEY"],
    )
    pool = box.stack.user_pool_id
    cognito.admin_disable_user(UserPoolId=pool, Username="mallory@example.com")
    try:
        rc, out, err = shell(USER_ACTIVITY.replace("COMPROMISED_USER", "todotui-operator"))
    finally:
        cognito.admin_enable_user(UserPoolId=pool, Username="mallory@example.com")
    assert rc == 0, err
    events = json.loads(out)["Events"]
    assert events and all(e["Username"] == "todotui-operator" for e in events)
    disabled = [e for e in events if e["EventName"] == "AdminDisableUser"]
    assert disabled, [e["EventName"] for e in events]
    record = json.loads(disabled[0]["CloudTrailEvent"])
    assert record["eventSource"] == "cognito-idp.amazonaws.com"
    assert record["requestParameters"]["userPoolId"] == pool


def test_the_runbooks_xray_command_fails_twice_over_and_a_corrected_one_answers(box, shell):
    # As written it is wrong twice: `date --iso-8601` is a date without a time (the hour ago
    # and now are the same midnight, an empty range) and its --time-range-type is not one AWS
    # knows. Which refusal comes first depends on the validator's version (newer ones check
    # the enum first); either is AWS's own words for a defect of the command as written.
    rc, _, err = shell(TRACE_SUMMARIES)
    assert rc != 0, err
    assert "EndTime must be after StartTime" in err or (
        "TimeRangeByStartTime" in err and "TraceId" in err
    ), err
    # With the times fixed, its --time-range-type is still not one AWS knows.
    timed = TRACE_SUMMARIES.replace("--iso-8601", "-u +%Y-%m-%dT%H:%M:%SZ")
    rc, _, err = shell(timed)
    assert rc != 0 and "TimeRangeByStartTime" in err and "TraceId" in err, err
    rc, out, err = shell(timed.replace("TimeRangeByStartTime", "TraceId"))
    assert rc == 0, err
    summaries = json.loads(out)["TraceSummaries"]
    assert summaries and all(s["Duration"] > 0 for s in summaries)
