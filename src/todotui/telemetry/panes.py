"""Turn the merged series into the five panes the cockpit draws.

Each figure is taken from the newest *complete* period (the latest one is still filling
up on AWS), falling back to the newest period with data. A figure without data is None
with a state and a sentence saying why; the history is the primary figure per period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from todotui.config import Settings
from todotui.telemetry import derived
from todotui.telemetry.health import is_stale, level, worst
from todotui.telemetry.model import DataState, Health, PaneSnapshot, Reading, ResourceFacts
from todotui.telemetry.series import SeriesStore, period_grid

PANE_KEYS = ("concurrency", "errors", "latency", "dynamodb", "traffic")

_OPS = ("getitem", "query", "putitem", "updateitem", "deleteitem")


@dataclass(frozen=True, slots=True)
class FetchStatus:
    """How the metric fetches have gone so far."""

    last_good_at: datetime | None = None
    """When the last successful fetch completed."""
    as_of: datetime | None = None
    """When the last successful fetch asked for its data: a period that had not ended by
    then was still filling up, and stays "incomplete" until a later fetch, however late."""
    error: str | None = None
    """The last attempt's failure in AWS's words; None if it succeeded."""


def build_panes(
    store: SeriesStore,
    *,
    settings: Settings,
    now: datetime,
    window_seconds: int,
    fetch: FetchStatus,
    resources: ResourceFacts,
    refresh_seconds: float | None = None,
) -> dict[str, PaneSnapshot]:
    """The five pane snapshots, keyed by pane key, from what the store holds at `now`.

    Data is stale after two refreshes of `refresh_seconds` (default: the configured cadence).
    """
    ctx = _Context(store, settings, now, window_seconds, fetch, resources, refresh_seconds)
    return {
        "concurrency": ctx.concurrency(),
        "errors": ctx.errors(),
        "latency": ctx.latency(),
        "dynamodb": ctx.dynamodb(),
        "traffic": ctx.traffic(),
    }


class _Context:
    def __init__(
        self,
        store: SeriesStore,
        settings: Settings,
        now: datetime,
        window_seconds: int,
        fetch: FetchStatus,
        resources: ResourceFacts,
        refresh_seconds: float | None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.t = settings.thresholds
        self.now = now
        self.period = settings.cadence.period_seconds
        self.grid = period_grid(now, window_seconds, self.period)
        self.window_seconds = window_seconds
        self.fetch = fetch
        self.res = resources
        cadence = refresh_seconds or settings.cadence.refresh_seconds
        self.stale = is_stale(fetch.last_good_at, now, cadence)

    # --- picking values -------------------------------------------------------------

    def series(self, series_id: str) -> list[float | None]:
        return self.store.on_grid(series_id, self.grid)

    def current_index(self, *grids: Sequence[float | None]) -> int | None:
        """Newest complete period where any of `grids` has data, else the newest with data.

        Complete means it had ended when its data was fetched: during an outage the value
        on screen never changes just because a minute boundary passed."""
        period = timedelta(seconds=self.period)
        fetched = min(self.now, self.fetch.as_of or self.now)
        newest_any = None
        for i in range(len(self.grid) - 1, -1, -1):
            if any(g[i] is not None for g in grids):
                if self.grid[i] + period <= fetched:
                    return i
                if newest_any is None:
                    newest_any = i
        return newest_any

    def at(self, grid: Sequence[float | None], index: int | None) -> float | None:
        return None if index is None else grid[index]

    def as_of(self, index: int | None) -> datetime | None:
        return None if index is None else self.grid[index]

    # --- states ---------------------------------------------------------------------

    def reading(
        self,
        value: float | None,
        unit: str,
        *,
        index: int | None,
        series_ids: Sequence[str],
        health: Health | None = None,
        no_data: str = "",
    ) -> Reading:
        """A figure with the state that explains it: loading, error, stale, no data, partial."""
        as_of = self.as_of(index)
        if health is None:
            health = Health.UNKNOWN if value is None else Health.OK
        if self.fetch.last_good_at is None:
            if self.fetch.error:
                return Reading(
                    None,
                    unit,
                    DataState.ERROR,
                    Health.UNKNOWN,
                    None,
                    f"fetch failed: {self.fetch.error}",
                )
            return Reading(
                None, unit, DataState.LOADING, Health.UNKNOWN, None, "waiting for the first fetch"
            )
        if self.stale:
            age = int((self.now - self.fetch.last_good_at).total_seconds())
            why = f": {self.fetch.error}" if self.fetch.error else ""
            return Reading(
                value, unit, DataState.STALE, health, as_of, f"no fresh data for {age}s{why}"
            )
        if self.fetch.error:
            shown = f"; showing data from {as_of:%H:%M:%S}" if as_of and value is not None else ""
            return Reading(
                value,
                unit,
                DataState.ERROR,
                health,
                as_of,
                f"fetch failed: {self.fetch.error}{shown}",
            )
        if value is None:
            return Reading(
                None,
                unit,
                DataState.NO_DATA,
                health,
                as_of,
                no_data or self.no_data_detail(series_ids),
            )
        partial = [
            sid for sid in series_ids if self.store.status.get(sid, "Complete") != "Complete"
        ]
        if partial:
            codes = ", ".join(f"{sid} {self.store.status[sid]}" for sid in partial)
            return Reading(
                value, unit, DataState.PARTIAL, health, as_of, f"CloudWatch answered {codes}"
            )
        return Reading(value, unit, DataState.OK, health, as_of, "")

    def no_data_detail(self, series_ids: Sequence[str]) -> str:
        if any(sid.startswith("lambda_") for sid in series_ids) and self.res.function_missing:
            return self.res.function_missing
        if any(sid.startswith("ddb_") for sid in series_ids) and self.res.table_missing:
            return self.res.table_missing
        minutes = self.window_seconds // 60
        return f"no datapoints in the last {minutes} min"

    def snapshot(
        self,
        key: str,
        title: str,
        primary: Reading,
        secondary: list[tuple[str, Reading]],
        history: Sequence[float | None],
        label: str,
    ) -> PaneSnapshot:
        return PaneSnapshot(
            key=key,
            title=title,
            primary=primary,
            secondary=tuple(secondary),
            history=tuple(history),
            history_label=label,
            fetched_at=self.fetch.last_good_at,
        )

    # --- the panes ------------------------------------------------------------------

    def concurrency(self) -> PaneSnapshot:
        conc = self.series("lambda_concurrency")
        throttles = self.series("lambda_throttles")
        i = self.current_index(conc)
        value = self.at(conc, i)
        limit, limit_name = self.res.concurrency_limit
        ratio = derived.utilisation(value, limit, limit_name=limit_name)
        j = self.current_index(throttles)
        throttle_value = self.at(throttles, j)
        throttle_health = level(throttle_value, crit=self.t.throttles_crit)
        ratio_health = level(
            ratio.value, warn=self.t.concurrency_warn_ratio, crit=self.t.concurrency_crit_ratio
        )
        if value is not None and ratio_health is Health.UNKNOWN:
            ratio_health = Health.OK
        primary = self.reading(
            value,
            "",
            index=i,
            series_ids=["lambda_concurrency"],
            health=worst(ratio_health, throttle_health),
        )
        if limit is not None:
            limit_reading = Reading(
                float(limit), "", DataState.OK, Health.OK, self.res.fetched_at, limit_name
            )
        else:
            why = "; ".join(p for p in self.res.problems if "Account" in p or "Concurrency" in p)
            detail = f"{limit_name} unknown" + (f" ({why})" if why else "")
            state = DataState.LOADING if self.res.fetched_at is None else DataState.NO_DATA
            limit_reading = Reading(None, "", state, Health.UNKNOWN, None, detail)
        secondary = [
            ("max", self.window_reading(derived.window_max(conc), "", ["lambda_concurrency"])),
            ("avg", self.window_reading(derived.window_mean(conc), "", ["lambda_concurrency"])),
            ("limit", limit_reading),
            (
                "throttles",
                self.reading(
                    throttle_value,
                    "",
                    index=j,
                    series_ids=["lambda_throttles"],
                    health=throttle_health,
                ),
            ),
        ]
        return self.snapshot(
            "concurrency",
            "Lambda concurrency",
            primary,
            secondary,
            conc,
            "max concurrent executions",
        )

    def errors(self) -> PaneSnapshot:
        inv = self.series("lambda_invocations")
        errs = self.series("lambda_errors")
        i = self.current_index(inv)
        rate = derived.percent(
            self.at(errs, i), self.at(inv, i), part_name="Errors", whole_name="invocations"
        )
        history = derived.percent_series(errs, inv)
        count = self.series("api_count")
        five = self.series("api_5xx")
        j = self.current_index(count)
        api_rate = derived.percent(
            self.at(five, j), self.at(count, j), part_name="5XXError", whole_name="API requests"
        )
        api_health = level(api_rate.value, crit=self.t.api_5xx_crit_pct)
        rate_health = level(
            rate.value, warn=self.t.error_rate_warn_pct, crit=self.t.error_rate_crit_pct
        )
        primary = self.reading(
            rate.value,
            "%",
            index=i,
            series_ids=["lambda_invocations", "lambda_errors"],
            health=worst(rate_health, api_health),
            no_data=self.derived_reason(rate, self.at(inv, i), ["lambda_invocations"]),
        )
        secondary = [
            ("errors", self.reading(self.at(errs, i), "", index=i, series_ids=["lambda_errors"])),
            (
                "5XX",
                self.reading(
                    api_rate.value,
                    "%",
                    index=j,
                    series_ids=["api_count", "api_5xx"],
                    health=api_health,
                    no_data=self.derived_reason(api_rate, self.at(count, j), ["api_count"]),
                ),
            ),
            ("max", self.window_reading(derived.window_max(history), "%", ["lambda_errors"])),
        ]
        return self.snapshot(
            "errors", "Error rate", primary, secondary, history, "Lambda errors / invocations, %"
        )

    def latency(self) -> PaneSnapshot:
        avg = self.series("lambda_duration_avg")
        mx = self.series("lambda_duration_max")
        i = self.current_index(avg)
        value = self.at(avg, i)
        primary = self.reading(
            value,
            "ms",
            index=i,
            series_ids=["lambda_duration_avg"],
            health=level(value, warn=self.t.duration_warn_ms, crit=self.t.duration_crit_ms),
        )
        max_value = self.at(mx, i)
        secondary = [
            (
                "max",
                self.reading(
                    max_value,
                    "ms",
                    index=i,
                    series_ids=["lambda_duration_max"],
                    health=level(max_value, crit=self.t.duration_crit_ms),
                ),
            )
        ]
        if "lambda_duration_p99" in self.store.status:
            p99 = self.series("lambda_duration_p99")
            secondary.append(
                (
                    "p99",
                    self.reading(
                        self.at(p99, i), "ms", index=i, series_ids=["lambda_duration_p99"]
                    ),
                )
            )
        api = self.series("api_latency")
        j = self.current_index(api)
        secondary.append(
            ("API", self.reading(self.at(api, j), "ms", index=j, series_ids=["api_latency"]))
        )
        return self.snapshot(
            "latency", "Latency", primary, secondary, avg, "Lambda Duration average, ms"
        )

    def dynamodb(self) -> PaneSnapshot:
        throttled = derived.sum_series(*(self.series(f"ddb_throttled_{op}") for op in _OPS))
        read_thr = self.series("ddb_read_throttles")
        write_thr = self.series("ddb_write_throttles")
        rcu = self.series("ddb_consumed_rcu")
        wcu = self.series("ddb_consumed_wcu")
        i = self.current_index(throttled, read_thr, write_thr, rcu, wcu)
        value = self.at(throttled, i)
        read_value, write_value = self.at(read_thr, i), self.at(write_thr, i)
        throttle_health = worst(
            *(
                level(v, crit=self.t.throttles_crit)
                for v in (value, read_value, write_value)
                if v is not None
            )
        )
        rcu_reading, rcu_health = self.capacity(
            self.at(rcu, i), self.res.read_capacity, "RCU", i, "ddb_consumed_rcu"
        )
        wcu_reading, wcu_health = self.capacity(
            self.at(wcu, i), self.res.write_capacity, "WCU", i, "ddb_consumed_wcu"
        )
        other_data = any(
            v is not None for v in (read_value, write_value, self.at(rcu, i), self.at(wcu, i))
        )
        no_data = ""
        if value is None and other_data:
            # DynamoDB publishes ThrottledRequests only for periods in which it throttled.
            no_data = "no ThrottledRequests reported (DynamoDB publishes it only when it throttles)"
        health = worst(throttle_health, rcu_health, wcu_health)
        throttled_ids = [f"ddb_throttled_{op}" for op in _OPS]
        primary = self.reading(
            value, "", index=i, series_ids=throttled_ids, health=health, no_data=no_data
        )
        latencies = [self.series(f"ddb_latency_{op}") for op in _OPS]
        slowest = self.at(derived.max_series(*latencies), i)
        secondary = [
            (
                "read thr",
                self.reading(
                    read_value,
                    "",
                    index=i,
                    series_ids=["ddb_read_throttles"],
                    health=level(read_value, crit=self.t.throttles_crit),
                ),
            ),
            (
                "write thr",
                self.reading(
                    write_value,
                    "",
                    index=i,
                    series_ids=["ddb_write_throttles"],
                    health=level(write_value, crit=self.t.throttles_crit),
                ),
            ),
            ("RCU", rcu_reading),
            ("WCU", wcu_reading),
            (
                "latency",
                self.reading(
                    slowest, "ms", index=i, series_ids=[f"ddb_latency_{op}" for op in _OPS]
                ),
            ),
        ]
        return self.snapshot(
            "dynamodb",
            "DynamoDB throttling",
            primary,
            secondary,
            throttled,
            "ThrottledRequests per period",
        )

    def capacity(
        self,
        consumed_sum: float | None,
        provisioned: int | None,
        name: str,
        index: int | None,
        series_id: str,
    ) -> tuple[Reading, Health]:
        """Consumed units per second, shown against the table's provisioned capacity."""
        used = derived.capacity_per_second(consumed_sum, self.period)
        if self.res.billing_mode == "PAY_PER_REQUEST":
            unit = f"{name}/s on-demand"
            health = Health.UNKNOWN if used is None else Health.OK
        elif provisioned is not None:
            unit = f"/{provisioned} {name}"
            ratio = derived.utilisation(used, provisioned, limit_name=f"provisioned {name}")
            health = level(ratio.value, warn=self.t.capacity_warn_ratio, crit=1.0)
        else:
            unit = f"{name}/s"
            health = Health.UNKNOWN if used is None else Health.OK
        reading = self.reading(used, unit, index=index, series_ids=[series_id], health=health)
        failed = [p for p in self.res.problems if p.startswith("DescribeTable")]
        if self.res.billing_mode is None and failed and reading.state is DataState.OK:
            # Consumption is known, the table's capacity is not: say which read failed.
            reading = replace(
                reading, state=DataState.PARTIAL, detail=f"provisioned {name} unknown: {failed[0]}"
            )
        return reading, health

    def traffic(self) -> PaneSnapshot:
        inv = derived.per_minute_series(self.series("lambda_invocations"), self.period)
        api = derived.per_minute_series(self.series("api_count"), self.period)
        i = self.current_index(inv)
        j = self.current_index(api)
        primary = self.reading(self.at(inv, i), "/min", index=i, series_ids=["lambda_invocations"])
        secondary = [
            ("API", self.reading(self.at(api, j), "/min", index=j, series_ids=["api_count"])),
            ("max", self.window_reading(derived.window_max(inv), "/min", ["lambda_invocations"])),
        ]
        return self.snapshot(
            "traffic", "Traffic", primary, secondary, inv, "Lambda invocations per minute"
        )

    # --- helpers --------------------------------------------------------------------

    def window_reading(self, value: float | None, unit: str, series_ids: Sequence[str]) -> Reading:
        """A figure over the whole window (max, average); its age is the newest period's."""
        return self.reading(
            value,
            unit,
            index=len(self.grid) - 1 if value is not None else None,
            series_ids=series_ids,
        )

    def derived_reason(
        self, result: derived.Derived, whole: float | None, series_ids: Sequence[str]
    ) -> str:
        """Why a ratio is missing: its denominator has no data at all, or zero traffic, or no numerator."""
        if result.value is not None:
            return ""
        return self.no_data_detail(series_ids) if whole is None else result.reason
