"""Blue-green rollouts against a real sandbox: candidate versions, and the traffic the alias sends them.

A deploy scenario publishes its candidate code as the next version and leaves the alias on
stable; the test shifts the alias itself with boto3, as the runbook's
`update-alias --routing-config AdditionalVersionWeights={2=0.1}` would, and reads what each
version did back from CloudWatch's ExecutedVersion series. One manual-mode sandbox of its own,
started in bad-deploy (so its bad candidate is version 2, as on the runbook's page); each test
puts the alias back on stable with no routing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from todotui.sandbox.controller import Sandbox
from todotui.sandbox.provision import code_sha256, handler_zip
from todotui.sandbox.scenarios import SCENARIOS

PERIOD = 60


@pytest.fixture(scope="module")
def box(sandbox_tier):
    with Sandbox(manual=True, period=PERIOD, seed=5, backfill=0, scenario="bad-deploy") as running:
        yield running


@pytest.fixture
def lam(box):
    """The sandbox's Lambda client; afterwards PROD is on stable, unsplit, in steady traffic."""
    client = box.client("lambda")
    yield client
    client.update_alias(
        FunctionName=box.names.function_name,
        Name=box.names.alias,
        FunctionVersion=box.stack.stable_version,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    box.set_scenario("steady")


def last_tick(box: Sandbox, count: int = 1) -> dict:
    tick = box.tick(count)["last_tick"]
    assert tick["problems"] == []
    return tick


def shift(box: Sandbox, lam, version: str, weight: float) -> dict:
    """The runbook's shift, guarded by the alias's current RevisionId."""
    names = box.names
    current = lam.get_alias(FunctionName=names.function_name, Name=names.alias)
    return lam.update_alias(
        FunctionName=names.function_name,
        Name=names.alias,
        RevisionId=current["RevisionId"],
        RoutingConfig={"AdditionalVersionWeights": {version: weight}},
    )


def per_version(box: Sandbox, metric: str, stat: str, at: str) -> dict[str, float]:
    """ExecutedVersion -> the datapoint CloudWatch has for `metric` in the period at `at`."""
    names = box.names
    fn = names.function_name
    start = datetime.fromisoformat(at)
    versions = [
        v["Version"]
        for v in box.client("lambda").list_versions_by_function(FunctionName=fn)["Versions"]
        if v["Version"] != "$LATEST"
    ]
    answer = box.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            {
                "Id": f"v{version}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Lambda",
                        "MetricName": metric,
                        "Dimensions": [
                            {"Name": "FunctionName", "Value": fn},
                            {"Name": "Resource", "Value": f"{fn}:{names.alias}"},
                            {"Name": "ExecutedVersion", "Value": version},
                        ],
                    },
                    "Period": PERIOD,
                    "Stat": stat,
                },
            }
            for version in versions
        ],
        StartTime=start,
        EndTime=start + timedelta(seconds=PERIOD),
    )
    return {r["Id"][1:]: r["Values"][0] for r in answer["MetricDataResults"] if r["Values"]}


def alarm_state(box: Sandbox, name: str) -> str:
    return box.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0][
        "StateValue"
    ]


def test_the_deploy_scenario_publishes_version_2_and_leaves_prod_on_stable(box):
    lam = box.client("lambda")
    names, stack = box.names, box.stack
    versions = {
        v["Version"]: v
        for v in lam.list_versions_by_function(FunctionName=names.function_name)["Versions"]
    }
    assert set(versions) == {"$LATEST", "1", "2"}
    assert (stack.stable_version, stack.candidate_version) == ("1", "2")
    assert versions["2"]["CodeSha256"] != versions["1"]["CodeSha256"]
    assert versions["2"]["CodeSha256"] == versions["$LATEST"]["CodeSha256"]
    assert versions["1"]["Description"] == "stable release"
    assert versions["2"]["Description"] == "candidate: due dates in the todo serializer"
    alias = lam.get_alias(FunctionName=names.function_name, Name=names.alias)
    assert alias["FunctionVersion"] == "1" and "RoutingConfig" not in alias

    tick = last_tick(box, 2)  # the bad code is published, not routed: nobody notices it
    assert tick["routing"] == {"1": 1.0}
    assert set(tick["versions"]) == {"1"}
    assert set(per_version(box, "Invocations", "Sum", tick["at"])) == {"1"}
    assert tick["errors"] / tick["invocations"] < 0.01


def test_each_deploy_scenario_publishes_its_own_candidate_code(box, lam):
    names = box.names
    fn = names.function_name

    def code(version: str) -> dict:
        return lam.get_function_configuration(FunctionName=fn, Qualifier=version)

    seen = {code("1")["CodeSha256"], code("2")["CodeSha256"]}
    for name in ("good-deploy", "subtle-regression"):
        version = box.set_scenario(name)["stack"]["candidate_version"]
        published = code(version)
        assert published["CodeSha256"] not in seen  # each candidate is code of its own
        seen.add(published["CodeSha256"])
        candidate = SCENARIOS[name].traffic.candidate
        assert candidate is not None
        assert published["Description"] == f"candidate: {candidate.summary}"
        alias = lam.get_alias(FunctionName=fn, Name=names.alias)
        assert alias["FunctionVersion"] == "1" and "RoutingConfig" not in alias
        assert box.set_scenario(name)["stack"]["candidate_version"] == version  # once only
    # Back to bad-deploy: its code is published again as the newest version, the same code.
    again = box.set_scenario("bad-deploy")["stack"]["candidate_version"]
    assert int(again) > 2 and code(again)["CodeSha256"] == code("2")["CodeSha256"]


def test_a_tenth_of_prod_on_the_bad_candidate_shows_in_its_own_series_only(box, lam):
    names = box.names
    candidate = box.set_scenario("bad-deploy")["stack"]["candidate_version"]
    stable = box.stack.stable_version
    shifted = shift(box, lam, candidate, 0.1)
    assert shifted["RoutingConfig"]["AdditionalVersionWeights"] == {candidate: 0.1}

    shares = []
    for tick in [last_tick(box) for _ in range(4)]:
        assert tick["routing"] == {stable: pytest.approx(0.9), candidate: pytest.approx(0.1)}
        calls = per_version(box, "Invocations", "Sum", tick["at"])
        errors = per_version(box, "Errors", "Sum", tick["at"])
        duration = per_version(box, "Duration", "Average", tick["at"])
        throttles = per_version(box, "Throttles", "Sum", tick["at"])
        share = calls[candidate] / (calls[candidate] + calls[stable])
        shares.append(share)
        assert 0.05 <= share <= 0.16
        assert 0.25 <= errors[candidate] / calls[candidate] <= 0.45
        assert errors[stable] / calls[stable] < 0.01
        assert duration[candidate] > duration[stable] + 2000
        assert throttles == {stable: 0.0, candidate: 0.0}
    assert len(set(shares)) > 1  # routing is a draw per invocation, not an exact 10%
    # Alias-wide, a tenth of a 35% failure is under the 5% alarm: only the version series show it.
    assert alarm_state(box, names.error_alarm) == "OK"

    shift(box, lam, candidate, 0.0)
    tick = last_tick(box)
    assert set(per_version(box, "Invocations", "Sum", tick["at"])) == {stable}
    assert tick["errors"] / tick["invocations"] < 0.01


def test_the_subtle_regression_only_shows_against_stable(box, lam):
    names = box.names
    candidate = box.set_scenario("subtle-regression")["stack"]["candidate_version"]
    stable = box.stack.stable_version
    shift(box, lam, candidate, 0.25)
    for tick in [last_tick(box) for _ in range(3)]:
        calls = per_version(box, "Invocations", "Sum", tick["at"])
        errors = per_version(box, "Errors", "Sum", tick["at"])
        duration = per_version(box, "Duration", "Average", tick["at"])
        assert 1.2 <= duration[candidate] / duration[stable] <= 1.4  # a third slower
        assert duration[candidate] < 2000  # yet far under the absolute average threshold
        p99 = {v: tick["versions"][v]["duration_p99_ms"] for v in (stable, candidate)}
        assert 1.25 <= p99[candidate] / p99[stable] <= 1.45 and p99[candidate] < 3000
        error_pct = {v: 100 * errors.get(v, 0.0) / calls[v] for v in (stable, candidate)}
        assert error_pct[candidate] < 1 and abs(error_pct[candidate] - error_pct[stable]) < 1
    assert alarm_state(box, names.duration_alarm) == "OK"
    assert alarm_state(box, names.error_alarm) == "OK"


def test_the_good_candidate_matches_stable_at_half_the_traffic(box, lam):
    candidate = box.set_scenario("good-deploy")["stack"]["candidate_version"]
    stable = box.stack.stable_version
    shift(box, lam, candidate, 0.5)
    tick = last_tick(box, 2)
    calls = per_version(box, "Invocations", "Sum", tick["at"])
    errors = per_version(box, "Errors", "Sum", tick["at"])
    duration = per_version(box, "Duration", "Average", tick["at"])
    assert 0.4 <= calls[candidate] / (calls[candidate] + calls[stable]) <= 0.6
    assert errors.get(candidate, 0.0) / calls[candidate] < 0.01
    assert errors.get(stable, 0.0) / calls[stable] < 0.01
    assert 0.9 * duration[stable] <= duration[candidate] <= duration[stable]


def test_whoever_publishes_the_candidate_code_gets_its_behaviour(box, lam):
    """An operator rebuilds and publishes $LATEST by hand: a new version number, the same code,
    the same failures."""
    names = box.names
    fn = names.function_name
    candidate = box.set_scenario("bad-deploy")["stack"]["candidate_version"]
    latest = lam.get_function_configuration(FunctionName=fn)
    lam.update_function_configuration(FunctionName=fn, Description="rebuilt by hand")
    try:
        with pytest.raises(ClientError) as refused:  # the guard: only $LATEST's code publishes
            lam.publish_version(FunctionName=fn, CodeSha256=code_sha256(handler_zip()))
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
        mine = lam.publish_version(
            FunctionName=fn, CodeSha256=latest["CodeSha256"], Description="hotfix, by hand"
        )
    finally:
        lam.update_function_configuration(FunctionName=fn, Description=latest["Description"])
    assert int(mine["Version"]) > int(candidate)
    assert mine["CodeSha256"] == latest["CodeSha256"]
    assert mine["Description"] == "hotfix, by hand"
    shift(box, lam, mine["Version"], 0.2)
    tick = last_tick(box)
    calls = per_version(box, "Invocations", "Sum", tick["at"])
    errors = per_version(box, "Errors", "Sum", tick["at"])
    assert 0.25 <= errors[mine["Version"]] / calls[mine["Version"]] <= 0.45
    assert tick["versions"][mine["Version"]]["code"].startswith("candidate: ")


def test_todotui_scenario_names_the_candidate_it_published(box, lam):
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "todotui", "scenario", "subtle-regression"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AWS_ENDPOINT_URL": box.endpoint},
    )
    assert done.returncode == 0, done.stderr
    version = box.stack.candidate_version
    assert (
        f"candidate: version {version} published; PROD's routing is unchanged "
        "(shift traffic with update-alias)"
    ) in done.stdout


def test_error_burst_deploys_a_failing_version_to_all_traffic_and_a_rollback_fixes_it(box, lam):
    """error-burst is a bad version deployed to all of PROD (update-alias --function-version N
    after a CLI deploy): the new version serves everything and fails about one in eight;
    pointing the alias back at the version before brings the error rate back to normal."""
    names = box.names
    fn = names.function_name
    before = last_tick(box, 2)  # steady on stable: the version before has its history
    assert before["routing"] == {"1": 1.0}
    status = box.set_scenario("error-burst")
    deployed = status["stack"]["candidate_version"]
    assert deployed not in ("1", "2")  # published now, the next version
    alias = lam.get_alias(FunctionName=fn, Name=names.alias)
    assert alias["FunctionVersion"] == deployed and "RoutingConfig" not in alias
    description = lam.get_function_configuration(FunctionName=fn, Qualifier=deployed)
    assert description["Description"] == "candidate: todo validation rewrite"

    ticks = [last_tick(box) for _ in range(3)]
    assert all(t["routing"] == {deployed: 1.0} for t in ticks)
    errors = sum(t["errors"] for t in ticks)
    invocations = sum(t["invocations"] for t in ticks)
    assert 0.09 <= errors / invocations <= 0.15
    assert set(per_version(box, "Invocations", "Sum", ticks[-1]["at"])) == {deployed}
    assert set(per_version(box, "Invocations", "Sum", before["at"])) == {"1"}
    found = box.client("logs").filter_log_events(
        logGroupName=names.log_group,
        filterPattern="\"KeyError: 'title'\"",
        startTime=int(datetime.fromisoformat(ticks[0]["at"]).timestamp() * 1000),
    )["events"]
    assert found and all(f"[{deployed}]" in e["logStreamName"] for e in found)

    lam.update_alias(FunctionName=fn, Name=names.alias, FunctionVersion="1")  # the rollback
    after = [last_tick(box) for _ in range(3)]
    assert all(t["routing"] == {"1": 1.0} for t in after)
    assert sum(t["errors"] for t in after) / sum(t["invocations"] for t in after) < 0.01


def test_error_burst_chosen_at_start_deploys_after_the_backfill(sandbox_tier):
    """Started in error-burst, the history is the version before serving steady traffic; the
    deploy comes at its end, so both versions have ExecutedVersion samples."""
    with Sandbox(manual=True, period=PERIOD, seed=3, backfill=3, scenario="error-burst") as sb:
        status = sb.wait_for_history()
        assert status["scenario"] == "error-burst"
        assert status["stack"]["candidate_version"] == "2"
        alias = sb.client("lambda").get_alias(
            FunctionName=sb.names.function_name, Name=sb.names.alias
        )
        assert alias["FunctionVersion"] == "2"
        history = datetime.fromisoformat(status["sim_time"]) - timedelta(seconds=PERIOD)
        assert set(per_version(sb, "Invocations", "Sum", history.isoformat())) == {"1"}
        tick = last_tick(sb)
        assert set(per_version(sb, "Invocations", "Sum", tick["at"])) == {"2"}
