"""The cockpit asks only for series the sandbox publishes: checked without running a sandbox.

If these disagree, a pane shows "no data" against the sandbox (and, since the published
table mirrors AWS, likely against AWS too) with nothing to say why.
"""

from __future__ import annotations

import re

import pytest

from todotui.stack_names import StackNames
from todotui.telemetry.catalogue import (
    PUBLISHED,
    PUBLISHED_UNITS,
    TABLE_OPERATIONS,
    MetricSpec,
    catalogue,
    catalogue_problems,
    series_of,
    version_specs,
)

CUSTOM = StackNames(function_name="orders-fn", table_name="orders-tbl", api_name="orders-api")
STACKS = {"default": StackNames(), "custom": CUSTOM}
GET_METRIC_DATA_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")

Asked = tuple[StackNames, tuple[MetricSpec, ...]]


@pytest.fixture(
    params=[(s, p) for s in STACKS for p in (False, True)],
    ids=lambda sp: f"{sp[0]}-{'p99' if sp[1] else 'no-p99'}",
)
def asked(request: pytest.FixtureRequest) -> Asked:
    name, percentiles = request.param
    stack = STACKS[name]
    return stack, catalogue(stack, percentiles=percentiles)


def test_every_series_asked_for_is_published_with_the_same_unit(asked: Asked) -> None:
    _, specs = asked
    assert catalogue_problems(specs) == ()
    for spec in specs:
        assert PUBLISHED_UNITS[series_of(spec)] == spec.unit, spec.id


def test_dimension_values_are_the_configured_names(asked: Asked) -> None:
    stack, specs = asked
    expected = {
        "FunctionName": {stack.function_name},
        "TableName": {stack.table_name},
        "ApiName": {stack.api_name},
        "Operation": set(TABLE_OPERATIONS),
    }
    for spec in specs:
        for name, value in spec.dimensions:
            assert value in expected[name], (spec.id, name, value)


def test_query_ids_are_unique_and_valid(asked: Asked) -> None:
    _, specs = asked
    ids = [spec.id for spec in specs]
    assert len(ids) == len(set(ids))
    assert all(GET_METRIC_DATA_ID.fullmatch(i) for i in ids), ids


def test_percentiles_add_only_duration_p99() -> None:
    without = {s.id for s in catalogue(StackNames())}
    with_p99 = {s.id for s in catalogue(StackNames(), percentiles=True)}
    assert with_p99 - without == {"lambda_duration_p99"}


def test_published_series_are_listed_once() -> None:
    keys = [s.key for s in PUBLISHED]
    assert len(keys) == len(set(keys))


def test_the_check_reports_a_series_the_sandbox_stops_publishing() -> None:
    """As if someone dropped Lambda Errors by function from the published table."""
    dropped = [s for s in PUBLISHED if (s.metric, s.dimensions) == ("Errors", ("FunctionName",))]
    assert len(dropped) == 1
    shrunk = tuple(s for s in PUBLISHED if s not in dropped)
    problems = catalogue_problems(catalogue(CUSTOM), shrunk)
    assert len(problems) == 1
    assert "'lambda_errors'" in problems[0] and "not published" in problems[0]


def test_the_check_reports_a_wrong_unit_a_bad_id_and_a_repeated_id() -> None:
    fn = (("FunctionName", "todo-handler"),)
    specs = (
        MetricSpec("lambda_duration_avg", "AWS/Lambda", "Duration", fn, "Average", "Seconds"),
        MetricSpec("Lambda-Errors", "AWS/Lambda", "Errors", fn, "Sum", "Count"),
        MetricSpec("lambda_errors", "AWS/Lambda", "Errors", fn, "Sum", "Count"),
        MetricSpec("lambda_errors", "AWS/Lambda", "Errors", fn, "Sum", "Count"),
    )
    problems = catalogue_problems(specs)
    assert len(problems) == 3
    assert "'Seconds'" in problems[0] and "'Milliseconds'" in problems[0]
    assert "'Lambda-Errors'" in problems[1] and "valid" in problems[1]
    assert "'lambda_errors'" in problems[2] and "twice" in problems[2]


def test_dimension_order_does_not_matter() -> None:
    """CloudWatch matches a dimension set whatever its order; so does the check."""
    dims = (("Operation", "Query"), ("TableName", "todos-table"))
    spec = MetricSpec("q", "AWS/DynamoDB", "ThrottledRequests", dims, "Sum", "Count")
    assert catalogue_problems((spec,)) == ()


def test_the_sandbox_simulates_every_table_operation_the_cockpit_watches() -> None:
    """Otherwise the per-operation throttle and latency series stay empty in the sandbox."""
    from todotui.sandbox.model import READ_OPERATIONS, WRITE_OPERATIONS

    assert set(READ_OPERATIONS + WRITE_OPERATIONS) == set(TABLE_OPERATIONS)


def test_the_spec_query_is_what_get_metric_data_expects() -> None:
    spec = catalogue(CUSTOM)[0]
    assert spec.query(60) == {
        "Id": "lambda_invocations",
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/Lambda",
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "FunctionName", "Value": "orders-fn"}],
            },
            "Period": 60,
            "Stat": "Sum",
        },
        "ReturnData": True,
    }


# --- per-version series (ExecutedVersion behind the alias) ----------------------------------


@pytest.mark.parametrize("percentiles", [False, True])
@pytest.mark.parametrize("stack", list(STACKS.values()), ids=list(STACKS))
def test_version_specs_are_published_series_with_valid_ids(
    stack: StackNames, percentiles: bool
) -> None:
    specs = [s for v in ("1", "2", "137") for s in version_specs(stack, v, percentiles=percentiles)]
    everything = (*catalogue(stack, percentiles=percentiles), *specs)
    assert catalogue_problems(everything) == ()
    fields = {"invocations", "errors", "throttles", "duration_avg"} | (
        {"duration_p99"} if percentiles else set()
    )
    assert {s.id for s in version_specs(stack, "137", percentiles=percentiles)} == {
        f"ver137_{f}" for f in fields
    }
    for spec in specs:
        dims = dict(spec.dimensions)
        assert dims["FunctionName"] == stack.function_name
        assert dims["Resource"] == f"{stack.function_name}:{stack.alias}"
        assert spec.id.startswith(f"ver{dims['ExecutedVersion']}_")
        assert GET_METRIC_DATA_ID.fullmatch(spec.id)
    stats = {s.id: (s.metric, s.stat) for s in version_specs(stack, "2", percentiles=True)}
    assert stats == {
        "ver2_invocations": ("Invocations", "Sum"),
        "ver2_errors": ("Errors", "Sum"),
        "ver2_throttles": ("Throttles", "Sum"),
        "ver2_duration_avg": ("Duration", "Average"),
        "ver2_duration_p99": ("Duration", "p99"),
    }


@pytest.mark.parametrize(
    "qualifier", ["$LATEST", "PROD", "", "2a", "-1", "1.0", "\u00b2", "\u0663"]
)
def test_no_version_specs_for_anything_but_a_version_number(qualifier: str) -> None:
    """`$LATEST` never runs behind a weighted alias; an alias or a non-ASCII digit would make a
    query id GetMetricData refuses (or a series that does not exist)."""
    assert version_specs(StackNames(), qualifier, percentiles=True) == ()
