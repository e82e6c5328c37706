"""From the first alert to a confirmed fix: todotui's keys against the runbook's typing.

    .venv/bin/python bench/bench_drills.py

Runs the five drills of tests/test_drills.py (the real cockpit, driven by Textual's Pilot, on
a manual sandbox) and reads back what each recorded: the keys pressed from the first alert
to the verified fix, the simulated seconds from the incident's start to that first alert,
the simulated seconds after it before the diagnosis named a cause (the operator waits,
pressing nothing), and the wall time from the first key to the verified outcome.

Beside each, the runbook's way: the commands its page has the operator type for the same
incident (investigation, then fix), with the ids and values filled in as the sandbox has
them, counted in characters (each command on one line, continuations joined). Looking the
ids up (list-user-pools, get-rest-apis) is not counted, which favours the runbook.

The operator time is a model, said plainly: 1 s per todotui key (read the line, press),
and for the runbook 0.2 s per character (about 60 words a minute) plus 5 s per command to
read its output. Nothing is asserted; nothing touches AWS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS_PER_KEY = 1.0
SECONDS_PER_CHARACTER = 0.2
SECONDS_PER_COMMAND = 5.0

LAST_HOUR = "--start-time 2026-12-02T03:00:00Z --end-time 2026-12-02T04:00:00Z"
"""The runbook's `$(date -d '1 hour ago' --iso-8601)`, typed as the time it must be."""
POOL = "us-west-2_a1b2c3d4e"
API = "k7x2m9q4z1"

#: The runbook's commands for each drill's incident, ids and values filled in.
RUNBOOK: dict[str, tuple[str, ...]] = {
    "spike": (
        # High Error Rate Alert -> investigation 1 and 3, resolution 2 (DynamoDB throttling)
        'aws logs filter-log-events --log-group-name "/aws/lambda/todo-handler" '
        '--start-time 1796180400000 --filter-pattern "ERROR"',
        "aws cloudwatch get-metric-statistics --namespace AWS/DynamoDB --metric-name "
        f"ThrottledRequests --dimensions Name=TableName,Value=todos-table {LAST_HOUR} "
        "--period 300 --statistics Sum",
        "aws dynamodb describe-table --table-name todos-table",
        "aws dynamodb update-table --table-name todos-table --provisioned-throughput "
        "ReadCapacityUnits=72,WriteCapacityUnits=46",
    ),
    "error-burst": (
        # High Error Rate Alert -> logs; Blue-Green Deployment -> Rollback if Needed
        'aws logs filter-log-events --log-group-name "/aws/lambda/todo-handler" '
        '--start-time 1796180400000 --filter-pattern "ERROR"',
        "aws lambda get-alias --function-name todo-handler --name PROD",
        "aws lambda update-alias --function-name todo-handler --name PROD --function-version 1",
    ),
    "slow-dependency": (
        # High Latency Alert -> investigation 1 and 2, resolution 3 (enable caching)
        "aws cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Duration "
        f"--dimensions Name=FunctionName,Value=todo-handler {LAST_HOUR} --period 300 "
        "--statistics Average,Maximum",
        "aws cloudwatch get-metric-statistics --namespace AWS/DynamoDB --metric-name "
        "SuccessfulRequestLatency --dimensions Name=TableName,Value=todos-table "
        f"Name=Operation,Value=Query {LAST_HOUR} --period 300 --statistics Average",
        f"aws apigateway put-stage --rest-api-id {API} --stage-name prod "
        "--patch-ops op=replace,path=/caching/enabled,value=true",
    ),
    "bad-deploy": (
        # Blue-Green Deployment -> monitor the errors, Rollback if Needed
        "aws cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Errors "
        f"--dimensions Name=FunctionName,Value=todo-handler {LAST_HOUR} --period 300 "
        "--statistics Sum",
        "aws lambda update-alias --function-name todo-handler --name PROD --function-version 1",
    ),
    "auth-attack": (
        # Regular Security Maintenance -> access logs; Security Incident Response 1
        'aws logs filter-log-events --log-group-name "/aws/lambda/todo-handler" '
        '--filter-pattern "{ $.level = \\"INFO\\" && $.message = \\"Authentication:\\" }" '
        "--start-time 1796180400000",
        f"aws cognito-idp admin-disable-user --user-pool-id {POOL} --username mallory@example.com",
        f"aws cognito-idp admin-user-global-sign-out --user-pool-id {POOL} "
        "--username mallory@example.com",
    ),
}


def run_drills(report: Path) -> int:
    env = dict(os.environ, TODOTUI_DRILL_REPORT=str(report))
    return subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_drills.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "drills.jsonl"
        code = run_drills(report)
        records = (
            [json.loads(line) for line in report.read_text().splitlines()]
            if report.exists()
            else []
        )
    by_scenario = {r["scenario"]: r for r in records}
    print(
        f"{'scenario':<16} {'keys':>4} {'to alert':>9} {'to cause':>9} {'to fix (wall)':>13}"
        f" {'operator':>9}"
        f" | {'runbook chars':>13} {'commands':>8} {'operator':>9} {'ratio':>6}"
    )
    for scenario, commands in RUNBOOK.items():
        chars = sum(len(c) for c in commands)
        runbook_s = chars * SECONDS_PER_CHARACTER + len(commands) * SECONDS_PER_COMMAND
        r = by_scenario.get(scenario)
        if r is None:
            print(f"{scenario:<16} (drill did not finish) | {chars:>13} {len(commands):>8}")
            continue
        ours = r["keys"] * SECONDS_PER_KEY + r["wall_seconds_to_verified_fix"]
        print(
            f"{scenario:<16} {r['keys']:>4} {r['seconds_to_first_alert']:>8}s "
            f"{r['seconds_waiting_for_a_cause']:>8}s "
            f"{r['wall_seconds_to_verified_fix']:>12.1f}s {ours:>8.1f}s"
            f" | {chars:>13} {len(commands):>8} {runbook_s:>8.0f}s {runbook_s / ours:>5.0f}x"
        )
        print(f"{'':<16} keys: {' '.join(r['key_path'])}")
    if code:
        print(f"(the drills exited {code}: a drill failed; its row says so)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
