"""DynamoDB remediations: capacity, billing mode, on-demand backup, restore into a new table."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from todotui.actions.base import (
    Action,
    ActionContext,
    CallLog,
    Observation,
    UndoSpec,
    is_not_found,
    utc_stamp,
)
from todotui.actions.cli_preview import aws_command
from todotui.actions.model import Field, FieldKind, InvalidInput, Pairs, Plan, Risk
from todotui.actions.validation import (
    FieldErrors,
    format_number,
    implausible_change,
    parse_choice,
    parse_int,
    parse_text,
    usd,
)
from todotui.aws.errors import describe_error

PAY_PER_REQUEST = "PAY_PER_REQUEST"
PROVISIONED = "PROVISIONED"
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


async def describe_table(ctx: ActionContext, name: str) -> dict[str, Any]:
    return (await ctx.read("dynamodb", "describe_table", TableName=name))["Table"]


def billing_mode(table: dict[str, Any]) -> str:
    return (table.get("BillingModeSummary") or {}).get("BillingMode") or PROVISIONED


def _capacity(table: dict[str, Any]) -> tuple[int, int]:
    pt = table.get("ProvisionedThroughput") or {}
    return int(pt.get("ReadCapacityUnits", 0)), int(pt.get("WriteCapacityUnits", 0))


@dataclass(frozen=True, slots=True)
class CapacityCeiling:
    """The most capacity one table may have, and where that figure comes from."""

    read: int
    write: int
    source: str

    def help(self) -> str:
        return f"whole number, 1 to {format_number(self.read)} ({self.source})"


async def table_max_capacity(ctx: ActionContext) -> CapacityCeiling:
    """Per-table read/write ceilings: DescribeLimits once (kept), else AWS's documented default."""

    async def load() -> CapacityCeiling:
        resp = await ctx.read("dynamodb", "describe_limits")
        return CapacityCeiling(
            int(resp["TableMaxReadCapacityUnits"]),
            int(resp["TableMaxWriteCapacityUnits"]),
            "the account's per-table quota, from DescribeLimits",
        )

    try:
        ceiling: CapacityCeiling = await ctx.cached_limit("dynamodb.table_max", load)
    except (ClientError, KeyError, TypeError, ValueError):
        default = ctx.limits.dynamodb_table_max_capacity
        return CapacityCeiling(
            default,
            default,
            "AWS's documented default per-table quota; DescribeLimits could not be read",
        )
    return ceiling


def hourly_cost(ctx: ActionContext, read: int, write: int) -> float:
    """Provisioned capacity's list price per hour (settings: limits.dynamodb_*_unit_hour_usd)."""
    limits = ctx.limits
    return read * limits.dynamodb_read_unit_hour_usd + write * limits.dynamodb_write_unit_hour_usd


def _cost_line(ctx: ActionContext, before: tuple[int, int] | None, after: tuple[int, int]) -> str:
    new = hourly_cost(ctx, *after)
    if before is None:
        return f"about {usd(new)}/h at list price (from on-demand, billed per request)"
    old = hourly_cost(ctx, *before)
    delta = new - old
    sign = "+" if delta >= 0 else "-"
    return f"about {usd(old)}/h now -> {usd(new)}/h ({sign}{usd(abs(delta))}/h, list price)"


def judge_capacity(
    ctx: ActionContext, before: tuple[int, int] | None, after: tuple[int, int]
) -> list[str]:
    """Why a capacity change is out of proportion (factor, added cost), one sentence each."""
    limits = ctx.limits
    reasons = []
    if before is not None:
        for label, now, new in (("Read", before[0], after[0]), ("Write", before[1], after[1])):
            why = implausible_change(f"{label} capacity", now, new, limits.change_factor, "units/s")
            if why:
                reasons.append(why)
    added = hourly_cost(ctx, *after) - (hourly_cost(ctx, *before) if before else 0.0)
    if added > limits.max_added_cost_per_hour:
        reasons.append(
            f"This adds about {usd(added)}/h ({usd(added * 24 * 30)} a month) at list price, "
            f"more than the {usd(limits.max_added_cost_per_hour)}/h this app accepts on one key."
        )
    return reasons


def _capacity_parser(ceiling: int, source: str):
    return lambda t: parse_int(t, minimum=1, maximum=ceiling, unit="capacity units", why_max=source)


def _table_choices(ctx: ActionContext) -> tuple[str, ...]:
    names = [ctx.stack.table_name, ctx.stack.ondemand_table_name]
    return tuple(dict.fromkeys(n for n in names if n))


async def consumed_per_second(ctx: ActionContext, table: str, metric: str) -> float | None:
    """Average consumed units per second over the last 5 minutes, None when CloudWatch has none."""
    end = ctx.now()
    resp = await ctx.read(
        "cloudwatch",
        "get_metric_statistics",
        Namespace="AWS/DynamoDB",
        MetricName=metric,
        Dimensions=[{"Name": "TableName", "Value": table}],
        StartTime=end - timedelta(minutes=5),
        EndTime=end,
        Period=300,
        Statistics=["Sum"],
    )
    points = resp.get("Datapoints", [])
    if not points:
        return None
    return sum(p["Sum"] for p in points) / 300.0


async def _consumed_context(
    ctx: ActionContext, table: str, read: int, write: int
) -> tuple[tuple[str, str], ...]:
    """Consumed capacity over the last 5 minutes, and the throttled requests on top of it:
    consumed alone cannot pass provisioned, so only the two together show the demand."""
    sides = (
        ("Read", "ConsumedReadCapacityUnits", "ReadThrottleEvents", read),
        ("Write", "ConsumedWriteCapacityUnits", "WriteThrottleEvents", write),
    )
    reads = await asyncio.gather(
        *(consumed_per_second(ctx, table, m) for _, used, thr, _ in sides for m in (used, thr)),
        return_exceptions=True,
    )
    rows = []
    for (label, _, _, provisioned), used, refused in zip(
        sides, reads[::2], reads[1::2], strict=True
    ):
        if isinstance(used, BaseException):
            if not isinstance(used, ClientError):
                raise used
            rows.append((f"{label} consumed", f"unavailable ({describe_error(used)})"))
            continue
        if used is None:
            rows.append(
                (f"{label} consumed", f"no data in the last 5 min (provisioned {provisioned}/s)")
            )
            continue
        share = f" ({used / provisioned:.0%} of provisioned)" if provisioned else ""
        rows.append((f"{label} consumed", f"{used:.1f}/s of {provisioned}/s{share}"))
        if isinstance(refused, BaseException) or refused is None or refused <= 0:
            continue
        rows.append(
            (
                f"{label} demand",
                f"at least {used + refused:.1f}/s: consumed {used:.1f} + {refused:.1f}/s throttled "
                "(5-min average)",
            )
        )
    return tuple(rows)


def _on_demand_explanation(table: str) -> str:
    return (
        f"{table} is on-demand (PAY_PER_REQUEST): it has no provisioned capacity to raise and scales "
        "with traffic by itself. To set capacity, switch it to PROVISIONED first "
        "(action dynamodb-billing-mode)."
    )


class DynamoDbCapacity(Action):
    id = "dynamodb-capacity"
    title = "Change DynamoDB capacity"
    summary = "Raise provisioned read/write capacity of a throttling table (runbook: resolution 2)."
    verify_timeout = 120.0

    async def fields(self, ctx: ActionContext) -> list[Field]:
        table = await describe_table(ctx, ctx.stack.table_name)
        read, write = _capacity(table)
        on_demand = billing_mode(table) == PAY_PER_REQUEST
        ceiling = await table_max_capacity(ctx)
        return [
            Field(
                "table",
                "Table",
                FieldKind.CHOICE,
                choices=_table_choices(ctx),
                default=ctx.stack.table_name,
            ),
            Field(
                "read",
                "Read capacity units",
                FieldKind.INT,
                help=ceiling.help(),
                default="" if on_demand else str(read),
            ),
            Field(
                "write",
                "Write capacity units",
                FieldKind.INT,
                help=f"whole number, 1 to {format_number(ceiling.write)} ({ceiling.source})",
                default="" if on_demand else str(write),
            ),
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        name = errors.take("table", lambda t: parse_choice(t, _table_choices(ctx), what="table"))
        ceiling = await table_max_capacity(ctx)
        read = errors.take("read", _capacity_parser(ceiling.read, ceiling.source))
        write = errors.take("write", _capacity_parser(ceiling.write, ceiling.source))
        errors.raise_if_any()
        assert name and read and write
        table = await describe_table(ctx, name)
        if billing_mode(table) == PAY_PER_REQUEST:
            raise InvalidInput({"table": _on_demand_explanation(name)})
        now_read, now_write = _capacity(table)
        if (read, write) == (now_read, now_write):
            raise InvalidInput({"read": f"already {read} read / {write} write: nothing to change"})
        decreases = int((table.get("ProvisionedThroughput") or {}).get("NumberOfDecreasesToday", 0))
        decrease = read < now_read or write < now_write
        warnings = []
        if decrease:
            warnings.append(
                f"A decrease uses up one of the table's limited decreases per UTC day "
                f"({decreases} used today); after that, AWS refuses decreases until an hour passes or the "
                "day ends."
            )
        implausible = judge_capacity(ctx, (now_read, now_write), (read, write))
        cost = _cost_line(ctx, (now_read, now_write), (read, write))
        if implausible:
            warnings += [*implausible, f"Estimated cost: {cost}."]
        if table.get("GlobalSecondaryIndexes"):
            warnings.append(
                "Global secondary indexes keep their own capacity: change them separately."
            )
        if table.get("TableStatus") != "ACTIVE":
            warnings.append(
                f"The table is {table.get('TableStatus')}: AWS refuses updates until it is ACTIVE."
            )
        cli = aws_command(
            "dynamodb",
            "update-table",
            [
                "--table-name",
                name,
                "--provisioned-throughput",
                f"ReadCapacityUnits={read},WriteCapacityUnits={write}",
            ],
            ctx.clients.target,
        )
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"dynamodb {name}",
            params={"table": name, "read": read, "write": write},
            before=(
                ("Read capacity", f"{format_number(now_read)} units/s"),
                ("Write capacity", f"{format_number(now_write)} units/s"),
            ),
            after=(
                ("Read capacity", f"{format_number(read)} units/s"),
                ("Write capacity", f"{format_number(write)} units/s"),
            ),
            effects=(
                "Provisioned capacity is billed per unit-hour whether used or not.",
                "The table stays available while AWS applies the change (UPDATING -> ACTIVE).",
            ),
            cli=(cli,),
            risk=Risk.DESTRUCTIVE if decrease else Risk.HIGH if implausible else Risk.LOW,
            confirm_text=name,
            undo_possible=True,
            undo_note=f"back to {format_number(now_read)}/{format_number(now_write)}"
            + (" (a decrease: it counts against the daily allowance)" if not decrease else ""),
            context=(
                *await _consumed_context(ctx, name, now_read, now_write),
                ("Decreases today", str(decreases)),
                ("Estimated cost", cost),
                ("Table maximum", f"{format_number(ceiling.read)} units/s ({ceiling.source})"),
            ),
            warnings=tuple(warnings),
            state={"previous": [now_read, now_write]},
            irreversible=(
                f"a decrease spends one of the table's limited decreases today ({decreases} used)"
                if decrease
                else ""
            ),
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        p = plan.params
        await calls(
            "dynamodb",
            "update_table",
            TableName=p["table"],
            ProvisionedThroughput={
                "ReadCapacityUnits": p["read"],
                "WriteCapacityUnits": p["write"],
            },
        )
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        table = await describe_table(ctx, plan.params["table"])
        read, write = _capacity(table)
        status = table.get("TableStatus", "?")
        pairs = (
            ("Read capacity", f"{format_number(read)} units/s"),
            ("Write capacity", f"{format_number(write)} units/s"),
            ("Status", status),
        )
        ok = status == "ACTIVE" and (read, write) == (plan.params["read"], plan.params["write"])
        return Observation(ok, pairs, message="" if ok else f"table {status}")

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        read, write = plan.state["previous"]
        return UndoSpec(
            self.id, {"table": plan.params["table"], "read": str(read), "write": str(write)}
        )


class DynamoDbBillingMode(Action):
    id = "dynamodb-billing-mode"
    title = "Switch DynamoDB billing mode"
    summary = "On-demand <-> provisioned; switching to provisioned needs explicit capacity."
    verify_timeout = 300.0

    async def fields(self, ctx: ActionContext) -> list[Field]:
        table = await describe_table(ctx, ctx.stack.table_name)
        mode = billing_mode(table)
        return [
            Field(
                "table",
                "Table",
                FieldKind.CHOICE,
                choices=_table_choices(ctx),
                default=ctx.stack.table_name,
            ),
            Field(
                "mode",
                "New billing mode",
                FieldKind.CHOICE,
                choices=(PROVISIONED, PAY_PER_REQUEST),
                default=PAY_PER_REQUEST if mode == PROVISIONED else PROVISIONED,
            ),
            Field(
                "read",
                "Read capacity units",
                FieldKind.INT,
                help="needed for PROVISIONED",
                required=False,
            ),
            Field(
                "write",
                "Write capacity units",
                FieldKind.INT,
                help="needed for PROVISIONED",
                required=False,
            ),
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        name = errors.take("table", lambda t: parse_choice(t, _table_choices(ctx), what="table"))
        mode = errors.take(
            "mode", lambda t: parse_choice(t, (PROVISIONED, PAY_PER_REQUEST), what="billing mode")
        )
        read = write = None
        if mode == PROVISIONED:
            ceiling = await table_max_capacity(ctx)
            read = errors.take("read", _capacity_parser(ceiling.read, ceiling.source))
            write = errors.take("write", _capacity_parser(ceiling.write, ceiling.source))
        elif mode == PAY_PER_REQUEST:
            for field_name in ("read", "write"):
                if not errors.optional(field_name):
                    errors.add(field_name, "an on-demand table takes no capacity: leave this empty")
        errors.raise_if_any()
        assert name and mode
        table = await describe_table(ctx, name)
        current = billing_mode(table)
        if current == mode:
            raise InvalidInput({"mode": f"{name} is already {mode}"})
        now_read, now_write = _capacity(table)
        args = ["--table-name", name, "--billing-mode", mode]
        if mode == PROVISIONED:
            args += [
                "--provisioned-throughput",
                f"ReadCapacityUnits={read},WriteCapacityUnits={write}",
            ]
            assert read is not None and write is not None
            after = (
                ("Billing mode", mode),
                ("Capacity", f"{format_number(read)} read / {format_number(write)} write units/s"),
            )
            warnings = [
                *judge_capacity(ctx, None, (read, write)),
                f"Estimated cost: {_cost_line(ctx, None, (read, write))}.",
            ]
        else:
            after = (("Billing mode", mode), ("Capacity", "scales with traffic"))
            warnings = []
        before_capacity = (
            "scales with traffic"
            if current == PAY_PER_REQUEST
            else f"{now_read} read / {now_write} write units/s"
        )
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"dynamodb {name}",
            params={"table": name, "mode": mode, "read": read, "write": write},
            before=(("Billing mode", current), ("Capacity", before_capacity)),
            after=after,
            effects=(
                "On-demand bills per request; provisioned bills per unit-hour whether used or not.",
                "AWS limits how often a table may switch billing mode: switching back may be refused for a while.",
                "Provisioned tables throttle above their capacity; on-demand ones absorb bursts (up to double the previous peak).",
            ),
            cli=(aws_command("dynamodb", "update-table", args, ctx.clients.target),),
            risk=Risk.DESTRUCTIVE,
            confirm_text=name,
            undo_possible=True,
            undo_note=f"switches back to {current}",
            irreversible="AWS limits how often a table may switch billing mode: switching back may be refused for up to 24 h",
            context=await _consumed_context(ctx, name, now_read, now_write),
            warnings=tuple(warnings),
            state={"previous_mode": current, "previous": [now_read, now_write]},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        p = plan.params
        kwargs: dict[str, Any] = {"TableName": p["table"], "BillingMode": p["mode"]}
        if p["mode"] == PROVISIONED:
            kwargs["ProvisionedThroughput"] = {
                "ReadCapacityUnits": p["read"],
                "WriteCapacityUnits": p["write"],
            }
        await calls("dynamodb", "update_table", **kwargs)
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        table = await describe_table(ctx, plan.params["table"])
        mode, status = billing_mode(table), table.get("TableStatus", "?")
        read, write = _capacity(table)
        pairs: Pairs = (("Billing mode", mode), ("Status", status))
        ok = mode == plan.params["mode"] and status == "ACTIVE"
        if ok and mode == PROVISIONED:
            ok = (read, write) == (plan.params["read"], plan.params["write"])
            pairs += (("Capacity", f"{read} read / {write} write units/s"),)
        return Observation(ok, pairs)

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        previous_mode = plan.state["previous_mode"]
        values = {"table": plan.params["table"], "mode": previous_mode, "read": "", "write": ""}
        if previous_mode == PROVISIONED:
            read, write = plan.state["previous"]
            values.update(read=str(read), write=str(write))
        return UndoSpec(self.id, values)


def backup_name(table: str, ctx: ActionContext) -> str:
    """The runbook's name: `<table>-manual-YYYYmmdd-HHMMSS` (UTC)."""
    return f"{table}-manual-{utc_stamp(ctx.now())}"


class DynamoDbBackup(Action):
    id = "dynamodb-backup"
    title = "Back up a DynamoDB table"
    summary = "On-demand backup, named as the runbook does (<table>-manual-YYYYmmdd-HHMMSS)."
    verify_timeout = 300.0

    async def fields(self, ctx: ActionContext) -> list[Field]:
        return [
            Field(
                "table",
                "Table",
                FieldKind.CHOICE,
                choices=_table_choices(ctx),
                default=ctx.stack.table_name,
            )
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        name = errors.take("table", lambda t: parse_choice(t, _table_choices(ctx), what="table"))
        errors.raise_if_any()
        assert name
        table = await describe_table(ctx, name)
        backups = await list_backups(ctx, name)
        backup = backup_name(name, ctx)
        items, size = table.get("ItemCount"), table.get("TableSizeBytes")
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"dynamodb {name}",
            params={"table": name, "backup_name": backup},
            before=(("Backups of the table", str(len(backups))),),
            after=(("New backup", backup), ("Backups of the table", str(len(backups) + 1))),
            effects=(
                "Full copy of the table; no effect on its performance or availability.",
                "Backup storage is billed per GB-month until the backup is deleted.",
            ),
            cli=(
                aws_command(
                    "dynamodb",
                    "create-backup",
                    ["--table-name", name, "--backup-name", backup],
                    ctx.clients.target,
                ),
            ),
            risk=Risk.LOW,
            confirm_text=name,
            undo_possible=False,
            undo_note="a backup changes nothing; delete it when no longer needed",
            context=(
                ("Items (approx.)", "unknown" if items is None else str(items)),
                ("Size (approx.)", "unknown" if size is None else f"{size} bytes"),
            ),
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        resp = await calls(
            "dynamodb",
            "create_backup",
            TableName=plan.params["table"],
            BackupName=plan.params["backup_name"],
        )
        return {"backup_arn": resp["BackupDetails"]["BackupArn"]}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        arn = result.get("backup_arn")
        if not arn:
            found = [
                b
                for b in await list_backups(ctx, plan.params["table"])
                if b["BackupName"] == plan.params["backup_name"]
            ]
            if not found:
                return Observation(False, (("Backup", "not found"),))
            arn = found[0]["BackupArn"]
        desc = await ctx.read("dynamodb", "describe_backup", BackupArn=arn)
        details = desc["BackupDescription"]["BackupDetails"]
        status = details.get("BackupStatus", "?")
        pairs = (("Backup", details.get("BackupName", "")), ("Status", status), ("ARN", arn))
        return Observation(status == "AVAILABLE", pairs, final=status == "DELETED")


async def list_backups(ctx: ActionContext, table: str) -> list[dict[str, Any]]:
    """Backups of `table`, newest first."""
    client = await ctx.clients.client("dynamodb")
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        resp = await client.list_backups(**kwargs)
        found.extend(resp.get("BackupSummaries", []))
        last = resp.get("LastEvaluatedBackupArn")
        if not last:
            break
        kwargs["ExclusiveStartBackupArn"] = last
    return sorted(found, key=lambda b: b.get("BackupCreationDateTime") or 0, reverse=True)


def _backup_label(backup: dict[str, Any], duplicates: set[str]) -> str:
    name = backup["BackupName"]
    return f"{name} ({backup['BackupArn'].rsplit('/', 1)[-1]})" if name in duplicates else name


def _backups_by_label(backups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    names = Counter(b["BackupName"] for b in backups)
    duplicates = {name for name, count in names.items() if count > 1}
    return {_backup_label(b, duplicates): b for b in backups}


async def existing_tables(ctx: ActionContext) -> set[str]:
    client = await ctx.clients.client("dynamodb")
    names: set[str] = set()
    async for page in client.get_paginator("list_tables").paginate():
        names.update(page.get("TableNames", []))
    return names


class DynamoDbRestore(Action):
    id = "dynamodb-restore"
    title = "Restore a backup into a new table"
    summary = "Restore a DynamoDB backup into a NEW table (never over the live one)."
    verify_timeout = 600.0

    async def fields(self, ctx: ActionContext) -> list[Field]:
        labels = list(_backups_by_label(await list_backups(ctx, ctx.stack.table_name)))
        return [
            Field(
                "table",
                "Backed-up table",
                FieldKind.CHOICE,
                choices=_table_choices(ctx),
                default=ctx.stack.table_name,
            ),
            Field(
                "backup",
                "Backup",
                FieldKind.CHOICE,
                help="newest first",
                choices=tuple(labels),
                default=labels[0] if labels else "",
            ),
            Field(
                "new_table",
                "New table name",
                FieldKind.TEXT,
                help="a table that does not exist yet; the live table is never overwritten",
                default=f"{ctx.stack.table_name}-restored-{utc_stamp(ctx.now())}",
            ),
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        source = errors.take("table", lambda t: parse_choice(t, _table_choices(ctx), what="table"))
        new_table = errors.take(
            "new_table",
            lambda t: parse_text(t, max_length=255, what="table name", single_line=True),
        )
        if new_table and not _TABLE_NAME.match(new_table):
            errors.add("new_table", "3 to 255 characters: letters, digits, '_', '-' and '.' only")
        errors.raise_if_any()
        assert source and new_table
        backups = _backups_by_label(await list_backups(ctx, source))
        label = errors.take("backup", lambda t: parse_choice(t, backups, what="backup"))
        tables = await existing_tables(ctx)
        if new_table in tables:
            live = " (the live table!)" if new_table in _table_choices(ctx) else ""
            errors.add(
                "new_table",
                f"{new_table} already exists{live}: a restore always creates a new table",
            )
        errors.raise_if_any()
        assert label
        backup = backups[label]
        created = backup.get("BackupCreationDateTime")
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"dynamodb {new_table}",
            params={
                "table": source,
                "backup_arn": backup["BackupArn"],
                "backup_name": backup["BackupName"],
                "new_table": new_table,
            },
            before=(
                ("Table " + new_table, "does not exist"),
                ("Live table " + source, "untouched"),
            ),
            after=(
                ("Table " + new_table, f"restored from {backup['BackupName']}"),
                ("Live table " + source, "untouched"),
            ),
            effects=(
                "Creates a new table with the backup's data; the application keeps using the live table.",
                "The new table is billed like any table (storage and capacity) until deleted.",
                "Restores can take from minutes to hours for large tables.",
            ),
            cli=(
                aws_command(
                    "dynamodb",
                    "restore-table-from-backup",
                    ["--target-table-name", new_table, "--backup-arn", backup["BackupArn"]],
                    ctx.clients.target,
                ),
            ),
            risk=Risk.DESTRUCTIVE,
            confirm_text=new_table,
            undo_possible=False,
            undo_note="delete the restored table yourself once it has served its purpose",
            irreversible="a restore creates a new table, billed until someone deletes it",
            context=(
                ("Backup created", str(created) if created else "unknown"),
                ("Backup status", backup.get("BackupStatus", "unknown")),
            ),
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        await calls(
            "dynamodb",
            "restore_table_from_backup",
            TargetTableName=plan.params["new_table"],
            BackupArn=plan.params["backup_arn"],
        )
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        try:
            table = await describe_table(ctx, plan.params["new_table"])
        except ClientError as exc:
            if is_not_found(exc):
                return Observation(False, (("Table " + plan.params["new_table"], "not found yet"),))
            raise
        status = table.get("TableStatus", "?")
        restore = (table.get("RestoreSummary") or {}).get("RestoreInProgress")
        pairs = (
            ("Table " + plan.params["new_table"], status),
            ("Items (approx.)", str(table.get("ItemCount", "unknown"))),
        )
        return Observation(status == "ACTIVE" and not restore, pairs)
