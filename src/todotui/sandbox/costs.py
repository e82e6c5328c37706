"""Cost Explorer's `GetCostAndUsage` for the sandbox (moto returns nothing unless seeded).

Costs are usage times public on-demand prices (us-east-1/us-west-2 list prices, no free
tier, no tiers: `PRICES`), and usage comes from the traffic model:

- while the sandbox runs, every simulated period's outcome is recorded (`record`, called by
  the simulator): Lambda requests and GB-seconds (memory size x durations), provisioned
  concurrency GB-seconds, API Gateway requests and cache-hours, DynamoDB capacity-unit-hours
  (provisioned) or request units (on demand), CloudWatch Logs ingestion (bytes per
  invocation of what Lambda writes), X-Ray traces stored (the default sampling rule: one a
  second plus 5%);
- before the sandbox started, `HISTORY_DAYS` days of history are simulated hour by hour by
  the same model (the steady scenario, on the stack as it was first seen), with a weekly
  pattern on top (weekends quieter), so "the week before" has data;
- CloudWatch alarms cost per alarm-month, counted from the alarms the sandbox has now.

Days before the history answer no costs (as an account that did not exist). Amazon Cognito
is absent: a pool under the free 10,000 monthly active users has no line item.

What `GetCostAndUsage` supports: TimePeriod (End exclusive), DAILY and MONTHLY granularity,
the cost metrics and UsageQuantity, GroupBy DIMENSION SERVICE, USAGE_TYPE or REGION (up to
two), a Filter on one of those dimensions with EQUALS. Anything else is refused with a
ValidationException that says what is supported; never wrong numbers.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from todotui.sandbox.model import StackState, TableState, TickOutcome, simulate
from todotui.sandbox.scenarios import scenario_named

HISTORY_DAYS = 35
"""Days of modelled history before the sandbox started (five weeks: week-on-week works)."""
LOG_BYTES_PER_INVOCATION = 450
"""START, END, REPORT and one JSON line per request, as Lambda writes them."""
WEEKDAY_FACTOR = (1.0, 1.03, 1.04, 1.02, 0.97, 0.78, 0.72)
"""Monday..Sunday traffic relative to the model's weekday rate (history only)."""
COST_METRICS = (
    "AmortizedCost",
    "BlendedCost",
    "NetAmortizedCost",
    "NetUnblendedCost",
    "UnblendedCost",
)
"""One account, no reservations, credits or discounts: every cost metric is the same sum."""
METRICS = (*COST_METRICS, "NormalizedUsageAmount", "UsageQuantity")
DIMENSIONS = ("SERVICE", "USAGE_TYPE", "REGION")

LAMBDA = "AWS Lambda"
APIGATEWAY = "Amazon API Gateway"
DYNAMODB = "Amazon DynamoDB"
CLOUDWATCH = "AmazonCloudWatch"
XRAY = "AWS X-Ray"

PRICES: dict[str, tuple[float, str]] = {
    "Request": (0.20 / 1e6, "Requests"),
    "Lambda-GB-Second": (0.0000166667, "Lambda-GB-Second"),
    "Lambda-Provisioned-GB-Second": (0.0000041667, "Lambda-GB-Second"),
    "ApiGatewayRequest": (3.50 / 1e6, "Requests"),
    "ReadCapacityUnit-Hrs": (0.00013, "ReadCapacityUnit-Hrs"),
    "WriteCapacityUnit-Hrs": (0.00065, "WriteCapacityUnit-Hrs"),
    "ReadRequestUnits": (0.125 / 1e6, "ReadRequestUnits"),
    "WriteRequestUnits": (0.625 / 1e6, "WriteRequestUnits"),
    "DataProcessing-Bytes": (0.50, "GB"),
    "CW:AlarmMonitorUsage": (0.10, "Alarms"),
    "CW:HighResAlarmMonitorUsage": (0.30, "Alarms"),
    "XRay-TracesStored": (5.0 / 1e6, "Traces"),
}
"""Usage type (after the region prefix) -> (USD per unit, unit)."""
CACHE_PRICES = {
    0.5: 0.02,
    1.6: 0.038,
    6.1: 0.20,
    13.5: 0.25,
    28.4: 0.50,
    58.2: 1.00,
    118.0: 1.90,
    237.0: 3.80,
}
"""API Gateway cache: size in GB -> USD per hour."""
USAGE_SERVICE = {
    "Request": LAMBDA,
    "Lambda-GB-Second": LAMBDA,
    "Lambda-Provisioned-GB-Second": LAMBDA,
    "ApiGatewayRequest": APIGATEWAY,
    "ReadCapacityUnit-Hrs": DYNAMODB,
    "WriteCapacityUnit-Hrs": DYNAMODB,
    "ReadRequestUnits": DYNAMODB,
    "WriteRequestUnits": DYNAMODB,
    "DataProcessing-Bytes": CLOUDWATCH,
    "CW:AlarmMonitorUsage": CLOUDWATCH,
    "CW:HighResAlarmMonitorUsage": CLOUDWATCH,
    "XRay-TracesStored": XRAY,
}
REGION_PREFIX = {
    "us-east-1": "",
    "us-east-2": "USE2-",
    "us-west-1": "USW1-",
    "us-west-2": "USW2-",
    "eu-west-1": "EU-",
    "eu-west-2": "EUW2-",
    "eu-central-1": "EUC1-",
    "ap-southeast-1": "APS1-",
    "ap-southeast-2": "APS2-",
    "ap-northeast-1": "APN1-",
}


class CostError(Exception):
    """A refusal, as Cost Explorer words it (ValidationException, ...)."""

    def __init__(self, message: str, code: str = "ValidationException") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Line:
    """Usage of one type on one day in one region."""

    day: date
    region: str
    usage_type: str
    """Without the region prefix (a key of PRICES, or ApiGatewayCacheUsage:<size>GB)."""
    quantity: float

    @property
    def service(self) -> str:
        if self.usage_type.startswith("ApiGatewayCacheUsage"):
            return APIGATEWAY
        return USAGE_SERVICE[self.usage_type]

    @property
    def cost(self) -> float:
        if self.usage_type.startswith("ApiGatewayCacheUsage"):
            size = float(self.usage_type.split(":", 1)[1].removesuffix("GB"))
            return self.quantity * CACHE_PRICES.get(size, 0.0)
        return self.quantity * PRICES[self.usage_type][0]

    @property
    def unit(self) -> str:
        if self.usage_type.startswith("ApiGatewayCacheUsage"):
            return "Hrs"
        return PRICES[self.usage_type][1]

    @property
    def full_usage_type(self) -> str:
        return REGION_PREFIX.get(self.region, self.region.upper() + "-") + self.usage_type


def usage_of(outcome: TickOutcome, state: StackState) -> Iterator[tuple[str, float]]:
    """(usage type, quantity) for one simulated period."""
    f = outcome.function
    seconds = outcome.period
    memory_gb = state.memory_mb / 1024
    yield "Request", float(f.invocations)
    if f.duration is not None:
        yield "Lambda-GB-Second", f.duration.total / 1000 * memory_gb
    allocated = sum(pc.allocated for pc in f.provisioned)
    if allocated:
        yield "Lambda-Provisioned-GB-Second", allocated * seconds * memory_gb
    yield "ApiGatewayRequest", float(outcome.api.count)
    if state.cache_enabled and state.cache_size_gb is not None:
        yield f"ApiGatewayCacheUsage:{state.cache_size_gb:g}GB", seconds / 3600
    for table in outcome.tables:
        if table.on_demand:
            yield "ReadRequestUnits", table.consumed_read
            yield "WriteRequestUnits", table.consumed_write
        else:
            yield "ReadCapacityUnit-Hrs", (table.provisioned_read or 0) * seconds / 3600
            yield "WriteCapacityUnit-Hrs", (table.provisioned_write or 0) * seconds / 3600
    yield "DataProcessing-Bytes", f.invocations * LOG_BYTES_PER_INVOCATION / 1e9
    rate = outcome.request_rate
    yield "XRay-TracesStored", (min(rate, 1.0) + 0.05 * max(rate - 1.0, 0.0)) * seconds


class CostExplorer:
    """The usage ledger and GetCostAndUsage over it. Thread-safe."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        region: str,
        alarms: Callable[[], tuple[int, int]] | None = None,
        seed: int = 0,
    ) -> None:
        self.clock = clock
        self.region = region
        self.alarms = alarms
        """(standard, high-resolution) alarms the sandbox has now."""
        self.seed = seed
        self._lock = threading.Lock()
        self._usage: dict[tuple[date, str], float] = defaultdict(float)
        self._started: datetime | None = None
        self._first_state: StackState | None = None
        self._history: dict[tuple[date, str], float] | None = None

    def record(self, outcome: TickOutcome, state: StackState) -> None:
        """One simulated period's usage (the simulator calls this for every period)."""
        with self._lock:
            if self._started is None:
                self._started = outcome.at
                self._first_state = state
            day = outcome.at.astimezone(UTC).date()
            for usage_type, quantity in usage_of(outcome, state):
                if quantity:
                    self._usage[(day, usage_type)] += quantity

    # -- history ----------------------------------------------------------------------------------

    def _history_usage(self) -> dict[tuple[date, str], float]:
        """The modelled hours before the sandbox started (computed once)."""
        with self._lock:
            if self._history is not None:
                return self._history
            started = self._started or self.clock()
            state = self._first_state or StackState(
                TableState("todos-table"), TableState("todos-audit", "PAY_PER_REQUEST", None, None)
            )
        history: dict[tuple[date, str], float] = defaultdict(float)
        first_hour = started.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        steady = scenario_named("steady").traffic
        hour = first_hour - timedelta(days=HISTORY_DAYS)
        hour = hour.replace(hour=0)
        while hour < started:
            share = min(1.0, (started - hour) / timedelta(hours=1))
            traffic = replace(steady, base_rps=steady.base_rps * WEEKDAY_FACTOR[hour.weekday()])
            rng = random.Random(f"{self.seed}/cost/{hour.isoformat()}")
            outcome = simulate(state, traffic, at=hour, period=3600.0, rng=rng, ticks_in_scenario=1)
            for usage_type, quantity in usage_of(outcome, state):
                history[(hour.date(), usage_type)] += quantity * share
            hour += timedelta(hours=1)
        with self._lock:
            self._history = dict(history)
            return self._history

    def lines(self, start: date, end: date) -> list[Line]:
        """Every line of usage on days from `start` up to (not including) `end`."""
        history = self._history_usage()
        with self._lock:
            recorded = dict(self._usage)
        merged: dict[tuple[date, str], float] = defaultdict(float)
        for source in (history, recorded):
            for (day, usage_type), quantity in source.items():
                if start <= day < end:
                    merged[(day, usage_type)] += quantity
        today = self.clock().astimezone(UTC)
        first_day = min((d for d, _ in history), default=today.date())
        standard, high = self.alarms() if self.alarms is not None else (0, 0)
        day = max(start, first_day)
        while day < min(end, today.date() + timedelta(days=1)):
            covered = 1.0
            if day == today.date():
                covered = (today - datetime.combine(day, datetime.min.time(), UTC)) / timedelta(
                    days=1
                )
            month_share = covered / 30.4375  # alarms are billed per alarm-month, pro rata
            if standard:
                merged[(day, "CW:AlarmMonitorUsage")] += standard * month_share
            if high:
                merged[(day, "CW:HighResAlarmMonitorUsage")] += high * month_share
            day += timedelta(days=1)
        return [Line(d, self.region, u, q) for (d, u), q in sorted(merged.items()) if q > 0]

    # -- GetCostAndUsage -------------------------------------------------------------------------

    def get_cost_and_usage(self, body: dict[str, Any]) -> dict[str, Any]:
        """The API's answer, or CostError."""
        start, end = _time_period(body.get("TimePeriod"), self.clock())
        granularity = body.get("Granularity")
        if granularity not in ("DAILY", "MONTHLY"):
            if granularity == "HOURLY":
                raise CostError(
                    "Hourly granularity is not enabled for this account (the sandbox answers "
                    "DAILY and MONTHLY)"
                )
            raise CostError(
                f"1 validation error detected: Value '{granularity}' at 'granularity' failed to "
                "satisfy constraint: Member must satisfy enum value set: [HOURLY, DAILY, MONTHLY]"
            )
        metrics = body.get("Metrics") or []
        if not metrics:
            raise CostError("Metrics cannot be empty: name at least one metric")
        for metric in metrics:
            if metric not in METRICS:
                raise CostError(
                    f"Metric {metric} is not supported: choose from {', '.join(METRICS)}"
                )
            if metric == "NormalizedUsageAmount":
                raise CostError(
                    "NormalizedUsageAmount is not supported by the sandbox (it has no "
                    "instances to normalize): use UsageQuantity"
                )
        group_by = _group_by(body.get("GroupBy") or [])
        keep = _filter(body.get("Filter"))
        if body.get("NextPageToken"):
            raise CostError("NextPageToken is not valid: the sandbox answers in one page")
        lines = [line for line in self.lines(start, end) if keep(line)]
        today = self.clock().astimezone(UTC).date()
        results = []
        for period_start, period_end in _periods(start, end, granularity):
            in_period = [line for line in lines if period_start <= line.day < period_end]
            result: dict[str, Any] = {
                "TimePeriod": {"Start": period_start.isoformat(), "End": period_end.isoformat()},
                "Total": {},
                "Groups": [],
                "Estimated": period_end > today,
            }
            if group_by:
                groups: dict[tuple[str, ...], list[Line]] = defaultdict(list)
                for line in in_period:
                    groups[tuple(_dimension(line, key) for key in group_by)].append(line)
                result["Groups"] = [
                    {"Keys": list(keys), "Metrics": _metrics(metrics, members, group_by)}
                    for keys, members in sorted(groups.items())
                ]
            else:
                result["Total"] = _metrics(metrics, in_period, group_by)
            results.append(result)
        answer: dict[str, Any] = {"ResultsByTime": results, "DimensionValueAttributes": []}
        if group_by:
            answer["GroupDefinitions"] = [{"Type": "DIMENSION", "Key": k} for k in group_by]
        return answer


def _metrics(metrics: list[str], lines: list[Line], group_by: list[str]) -> dict[str, Any]:
    cost = sum(line.cost for line in lines)
    out: dict[str, Any] = {}
    for metric in metrics:
        if metric == "UsageQuantity":
            units = {line.unit for line in lines}
            unit = units.pop() if len(units) == 1 and "USAGE_TYPE" in group_by else "N/A"
            out[metric] = {"Amount": _amount(sum(line.quantity for line in lines)), "Unit": unit}
        else:
            out[metric] = {"Amount": _amount(cost), "Unit": "USD"}
    return out


def _amount(value: float) -> str:
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text or "0"


def _dimension(line: Line, key: str) -> str:
    if key == "SERVICE":
        return line.service
    if key == "USAGE_TYPE":
        return line.full_usage_type
    return line.region


def _parse_date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CostError(
            f"{name} date {value} is not valid: use YYYY-MM-DD (the sandbox answers DAILY and "
            "MONTHLY, which take dates without times)"
        ) from None


def _time_period(period: Any, now: datetime) -> tuple[date, date]:
    if not isinstance(period, dict) or "Start" not in period or "End" not in period:
        raise CostError("TimePeriod must have a Start and an End (YYYY-MM-DD)")
    start = _parse_date(period["Start"], "Start")
    end = _parse_date(period["End"], "End")
    if start >= end:
        raise CostError("Start date (and hour) should be before end date (and hour)")
    today = now.astimezone(UTC).date()
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    if end > next_month:
        raise CostError("end date past the beginning of next month")
    if start < today - timedelta(days=14 * 31) and start.day != 1:
        raise CostError(
            "To retrieve data beyond the past 14 months, your start date needs to be the first "
            "day of the month."
        )
    return start, end


def _periods(start: date, end: date, granularity: str) -> Iterator[tuple[date, date]]:
    current = start
    while current < end:
        if granularity == "DAILY":
            following = current + timedelta(days=1)
        else:
            following = (current.replace(day=1) + timedelta(days=32)).replace(day=1)
        following = min(following, end)
        yield current, following
        current = following


def _group_by(groups: Any) -> list[str]:
    if not isinstance(groups, list):
        raise CostError("GroupBy must be a list of {Type, Key}")
    if len(groups) > 2:
        raise CostError("You can group by at most two dimensions or tags")
    keys = []
    for group in groups:
        kind, key = group.get("Type"), group.get("Key")
        if kind != "DIMENSION":
            raise CostError(
                f"GroupBy Type {kind} is not supported by the sandbox (no tags or cost "
                "categories): use Type=DIMENSION"
            )
        if key not in DIMENSIONS:
            raise CostError(
                f"GroupBy Key {key} is not supported by the sandbox: use one of "
                f"{', '.join(DIMENSIONS)}"
            )
        keys.append(str(key))
    if len(set(keys)) != len(keys):
        raise CostError("GroupBy keys must be different")
    return keys


def _filter(expression: Any) -> Callable[[Line], bool]:
    """A Filter the sandbox can apply exactly: Dimensions on SERVICE, USAGE_TYPE or REGION
    with EQUALS; anything else is refused rather than ignored."""
    if expression is None:
        return lambda line: True
    dims = expression.get("Dimensions") if isinstance(expression, dict) else None
    if not isinstance(dims, dict) or set(expression) != {"Dimensions"}:
        raise CostError(
            'This Filter is not supported by the sandbox: use {"Dimensions": {"Key": '
            'SERVICE|USAGE_TYPE|REGION, "Values": [...]}} (no And, Or, Not, Tags or '
            "CostCategories)"
        )
    key, values = dims.get("Key"), dims.get("Values") or []
    if key not in DIMENSIONS:
        raise CostError(
            f"Filter dimension {key} is not supported by the sandbox: use one of "
            f"{', '.join(DIMENSIONS)}"
        )
    options = dims.get("MatchOptions") or ["EQUALS"]
    if options != ["EQUALS"]:
        raise CostError(f"MatchOptions {options} are not supported by the sandbox: use EQUALS")
    wanted = {str(v) for v in values}
    return lambda line: _dimension(line, str(key)) in wanted
