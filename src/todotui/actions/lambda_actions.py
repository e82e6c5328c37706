"""Lambda remediations: memory, provisioned and reserved concurrency, alias rollback and routing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from todotui.actions.base import Action, ActionContext, CallLog, Observation, UndoSpec, is_not_found
from todotui.actions.cli_preview import aws_command
from todotui.actions.model import FORM, Field, FieldKind, InvalidInput, Plan, Risk
from todotui.actions.validation import (
    FieldError,
    FieldErrors,
    format_number,
    implausible_change,
    parse_choice,
    parse_float,
    parse_int,
)
from todotui.aws.errors import describe_error

MEMORY_MIN_MB = 128
MEMORY_MAX_MB = 10240
DEFAULT_ACCOUNT_CONCURRENCY = 1000
UNRESERVED_FLOOR = 100
"""AWS keeps at least this much of the account's concurrency unreserved."""

LATEST_WHY = (
    'AWS refuses provisioned concurrency on $LATEST ("Provisioned Concurrency Configs cannot be '
    'applied to unpublished function versions"); choose a published version or an alias such as '
    "{alias}. (In a shell, an unquoted $LATEST even expands to nothing.)"
)


# -- live state -------------------------------------------------------------------------------


async def function_config(ctx: ActionContext) -> dict[str, Any]:
    return await ctx.read(
        "lambda", "get_function_configuration", FunctionName=ctx.stack.function_name
    )


async def published_versions(ctx: ActionContext) -> list[str]:
    client = await ctx.clients.client("lambda")
    versions: list[str] = []
    async for page in client.get_paginator("list_versions_by_function").paginate(
        FunctionName=ctx.stack.function_name
    ):
        versions.extend(v["Version"] for v in page.get("Versions", []) if v["Version"] != "$LATEST")
    return sorted(set(versions), key=int)


async def alias_names(ctx: ActionContext) -> list[str]:
    client = await ctx.clients.client("lambda")
    names: list[str] = []
    async for page in client.get_paginator("list_aliases").paginate(
        FunctionName=ctx.stack.function_name
    ):
        names.extend(a["Name"] for a in page.get("Aliases", []))
    return names


async def get_alias(ctx: ActionContext) -> dict[str, Any]:
    return await ctx.read(
        "lambda", "get_alias", FunctionName=ctx.stack.function_name, Name=ctx.stack.alias
    )


def alias_weights(alias: dict[str, Any]) -> dict[str, float]:
    return dict((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})


def describe_routing(primary: str, weights: dict[str, float]) -> str:
    if not weights:
        return f"100% -> version {primary}"
    extra = sum(weights.values())
    parts = [f"{(1 - extra) * 100:g}% -> version {primary}"]
    parts += [f"{w * 100:g}% -> version {v}" for v, w in weights.items()]
    return ", ".join(parts)


async def reserved_concurrency(ctx: ActionContext) -> int | None:
    resp = await ctx.read(
        "lambda", "get_function_concurrency", FunctionName=ctx.stack.function_name
    )
    return resp.get("ReservedConcurrentExecutions")


async def account_concurrency(ctx: ActionContext) -> tuple[int, int | None, str]:
    """(account limit, unreserved now or None, a note when AWS would not say)."""
    try:
        resp = await ctx.read("lambda", "get_account_settings")
    except ClientError as exc:
        return (
            DEFAULT_ACCOUNT_CONCURRENCY,
            None,
            (
                f"account limit not readable ({describe_error(exc)}); assuming AWS's default "
                f"{DEFAULT_ACCOUNT_CONCURRENCY}: AWS checks the real one"
            ),
        )
    limit = resp.get("AccountLimit", {})
    return (
        int(limit.get("ConcurrentExecutions", DEFAULT_ACCOUNT_CONCURRENCY)),
        limit.get("UnreservedConcurrentExecutions"),
        "",
    )


async def provisioned_config(ctx: ActionContext, qualifier: str) -> dict[str, Any] | None:
    try:
        return await ctx.read(
            "lambda",
            "get_provisioned_concurrency_config",
            FunctionName=ctx.stack.function_name,
            Qualifier=qualifier,
        )
    except ClientError as exc:
        if is_not_found(
            exc, "ProvisionedConcurrencyConfigNotFoundException", "ResourceNotFoundException"
        ):
            return None
        raise


async def provisioned_configs(ctx: ActionContext) -> dict[str, dict[str, Any]]:
    """Provisioned concurrency configs by qualifier."""
    client = await ctx.clients.client("lambda")
    found: dict[str, dict[str, Any]] = {}
    async for page in client.get_paginator("list_provisioned_concurrency_configs").paginate(
        FunctionName=ctx.stack.function_name
    ):
        for cfg in page.get("ProvisionedConcurrencyConfigs", []):
            found[cfg["FunctionArn"].rsplit(":", 1)[-1]] = cfg
    return found


async def recent_duration(ctx: ActionContext) -> str:
    """Average duration over the last 15 minutes, or why it is unknown (never a made-up zero)."""
    end = ctx.now()
    try:
        resp = await ctx.read(
            "cloudwatch",
            "get_metric_statistics",
            Namespace="AWS/Lambda",
            MetricName="Duration",
            Dimensions=[{"Name": "FunctionName", "Value": ctx.stack.function_name}],
            StartTime=end - timedelta(minutes=15),
            EndTime=end,
            Period=900,
            Statistics=["Average", "Maximum"],
        )
    except ClientError as exc:
        return f"unavailable ({describe_error(exc)})"
    points = resp.get("Datapoints", [])
    if not points:
        return "no data in the last 15 min"
    latest = max(points, key=lambda p: p["Timestamp"])
    return f"avg {latest['Average']:.0f} ms, max {latest['Maximum']:.0f} ms (last 15 min)"


def _fn_target(ctx: ActionContext, qualifier: str | None = None) -> str:
    name = ctx.stack.function_name
    return f"lambda {name}:{qualifier}" if qualifier else f"lambda {name}"


# -- memory -------------------------------------------------------------------------------------


class LambdaMemory(Action):
    id = "lambda-memory"
    title = "Change Lambda memory size"
    summary = (
        "More memory means more CPU: shorter duration, fewer timeouts (runbook: resolution 1)."
    )

    async def fields(self, ctx: ActionContext) -> list[Field]:
        cfg = await function_config(ctx)
        return [
            Field(
                "memory_mb",
                "Memory (MB)",
                FieldKind.INT,
                help=f"{MEMORY_MIN_MB} to {MEMORY_MAX_MB} MB, in 1 MB steps; CPU grows with it",
                default=str(cfg.get("MemorySize", "")),
            )
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        memory = errors.take(
            "memory_mb",
            lambda t: parse_int(
                t,
                minimum=MEMORY_MIN_MB,
                maximum=MEMORY_MAX_MB,
                unit="MB",
                why_max="AWS's documented Lambda maximum",
            ),
        )
        errors.raise_if_any()
        assert memory is not None
        cfg = await function_config(ctx)
        current = int(cfg["MemorySize"])
        if memory == current:
            raise InvalidInput({"memory_mb": f"already {current} MB: nothing to change"})
        alias = await get_alias(ctx)
        warnings = []
        if alias.get("FunctionVersion") not in (None, "$LATEST"):
            warnings.append(
                f"Alias {ctx.stack.alias} serves published version {alias['FunctionVersion']}, whose memory "
                "was fixed when it was published: this changes $LATEST (and every version published "
                "from now on)."
            )
        implausible = implausible_change("Memory", current, memory, ctx.limits.change_factor, "MB")
        if implausible:
            warnings.append(
                f"{implausible}; the price per invocation-ms changes x{memory / current:.2f}."
            )
        name = ctx.stack.function_name
        return Plan(
            action_id=self.id,
            title=self.title,
            target=_fn_target(ctx),
            params={"memory_mb": memory},
            before=(("Memory", f"{format_number(current)} MB"),),
            after=(("Memory", f"{format_number(memory)} MB"),),
            effects=(
                f"Price per invocation-ms scales with memory: x{memory / current:.2f} per GB-second.",
                "New execution environments start with the new size: expect a few cold starts.",
            ),
            cli=(
                aws_command(
                    "lambda",
                    "update-function-configuration",
                    ["--function-name", name, "--memory-size", str(memory)],
                    ctx.clients.target,
                ),
            ),
            risk=Risk.HIGH if implausible else Risk.LOW,
            confirm_text=name,
            undo_possible=True,
            undo_note=f"sets memory back to {current} MB",
            context=(
                ("Recent duration", await recent_duration(ctx)),
                ("Timeout", f"{cfg.get('Timeout')} s"),
            ),
            warnings=tuple(warnings),
            state={"previous": current},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        await calls(
            "lambda",
            "update_function_configuration",
            FunctionName=ctx.stack.function_name,
            MemorySize=plan.params["memory_mb"],
        )
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        cfg = await function_config(ctx)
        status = cfg.get("LastUpdateStatus") or "Successful"
        pairs = (("Memory", f"{cfg['MemorySize']} MB"), ("Update status", status))
        if status == "Failed":
            return Observation(
                False, pairs, final=True, message=cfg.get("LastUpdateStatusReason", "update failed")
            )
        return Observation(
            cfg["MemorySize"] == plan.params["memory_mb"] and status == "Successful", pairs
        )

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        return UndoSpec(self.id, {"memory_mb": str(plan.state["previous"])})


# -- provisioned concurrency ----------------------------------------------------------------------


def _qualifier_error(text: str, versions: list[str], aliases: list[str], alias: str) -> str | None:
    raw = (text or "").strip()
    if not raw:
        return "required"
    if raw.upper() == "$LATEST" or raw == "":
        return LATEST_WHY.format(alias=alias)
    if raw not in versions and raw not in aliases:
        shown = ", ".join([*aliases, *versions])
        kind = "version" if raw.isdigit() else "alias or version"
        return f"unknown {kind} {raw[:40]!r}: published versions and aliases are {shown or 'none'}"
    return None


def _pc_state(cfg: dict[str, Any] | None) -> str:
    if cfg is None:
        return "none"
    requested = cfg.get("RequestedProvisionedConcurrentExecutions")
    allocated = cfg.get("AllocatedProvisionedConcurrentExecutions")
    return f"{requested} requested, {allocated} allocated, {cfg.get('Status', '?')}"


class ProvisionedConcurrency(Action):
    id = "provisioned-concurrency"
    title = "Set provisioned concurrency"
    summary = "Keep execution environments warm on an alias or version: no cold starts (runbook: scaling)."
    verify_timeout = 300.0

    async def fields(self, ctx: ActionContext) -> list[Field]:
        aliases = await alias_names(ctx)
        versions = await published_versions(ctx)
        qualifier = (
            ctx.stack.alias if ctx.stack.alias in aliases else (versions[-1] if versions else "")
        )
        current = await provisioned_config(ctx, qualifier) if qualifier else None
        return [
            Field(
                "qualifier",
                "Alias or version",
                FieldKind.CHOICE,
                help="a published version or an alias; never $LATEST (AWS refuses it)",
                choices=tuple([*aliases, *versions]),
                default=qualifier,
            ),
            Field(
                "executions",
                "Provisioned executions",
                FieldKind.INT,
                help="whole number, at least 1; billed whether used or not",
                default=str(current["RequestedProvisionedConcurrentExecutions"]) if current else "",
            ),
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        executions = errors.take("executions", lambda t: parse_int(t, minimum=1, unit="executions"))
        versions = await published_versions(ctx)
        aliases = await alias_names(ctx)
        problem = _qualifier_error(values.get("qualifier", ""), versions, aliases, ctx.stack.alias)
        if problem:
            errors.add("qualifier", problem)
        errors.raise_if_any()
        assert executions is not None
        qualifier = values["qualifier"].strip()
        reserved = await reserved_concurrency(ctx)
        limit, unreserved, note = await account_concurrency(ctx)
        ceiling = reserved if reserved is not None else limit - UNRESERVED_FLOOR
        if executions > ceiling:
            why = (
                "the function's reserved concurrency"
                if reserved is not None
                else (
                    f"the account limit {limit} minus the {UNRESERVED_FLOOR} AWS keeps unreserved"
                )
            )
            raise InvalidInput({"executions": f"must be at most {ceiling} ({why})"})
        current = await provisioned_config(ctx, qualifier)
        if current and current.get("RequestedProvisionedConcurrentExecutions") == executions:
            raise InvalidInput({"executions": f"{qualifier} already has {executions} requested"})
        cfg = await function_config(ctx)
        memory_gb = cfg.get("MemorySize", 128) / 1024
        name = ctx.stack.function_name
        context = [
            (
                "Reserved concurrency",
                str(reserved) if reserved is not None else "none (shares the account pool)",
            )
        ]
        context.append(
            (
                "Account limit",
                f"{limit}" + (f", {unreserved} unreserved" if unreserved is not None else ""),
            )
        )
        warnings = [note] if note else []
        before = int(current["RequestedProvisionedConcurrentExecutions"]) if current else 0
        added_usd = (executions - before) * memory_gb * ctx.limits.lambda_provisioned_gb_hour_usd
        implausible = implausible_change(
            "Provisioned concurrency", before, executions, ctx.limits.change_factor
        )
        if implausible:
            warnings.append(implausible)
        if added_usd > ctx.limits.max_added_cost_per_hour:
            warnings.append(
                f"Adds about ${added_usd:,.2f}/h of warm capacity (list price), more than the "
                f"${ctx.limits.max_added_cost_per_hour:g}/h this app accepts on one key."
            )
        high = bool(implausible) or added_usd > ctx.limits.max_added_cost_per_hour
        return Plan(
            action_id=self.id,
            title=self.title,
            target=_fn_target(ctx, qualifier),
            params={"qualifier": qualifier, "executions": executions},
            before=(("Provisioned concurrency", _pc_state(current)),),
            after=(("Provisioned concurrency", f"{executions} requested, READY"),),
            effects=(
                f"Billed for {executions} x {memory_gb:g} GB = {executions * memory_gb:g} GB of warm capacity, "
                "every second, used or not.",
                "Allocation goes IN_PROGRESS -> READY over a minute or two; traffic beyond it runs on demand.",
                "Counts against the account's concurrency: other functions have that much less.",
            ),
            cli=(
                aws_command(
                    "lambda",
                    "put-provisioned-concurrency-config",
                    [
                        "--function-name",
                        name,
                        "--qualifier",
                        qualifier,
                        "--provisioned-concurrency-executions",
                        str(executions),
                    ],
                    ctx.clients.target,
                ),
            ),
            risk=Risk.HIGH if high else Risk.LOW,
            confirm_text=f"{name}:{qualifier}",
            undo_possible=True,
            undo_note=(
                f"back to {current['RequestedProvisionedConcurrentExecutions']}"
                if current
                else "removes the config"
            ),
            context=tuple(context),
            warnings=tuple(warnings),
            state={
                "previous": current.get("RequestedProvisionedConcurrentExecutions")
                if current
                else None
            },
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        await calls(
            "lambda",
            "put_provisioned_concurrency_config",
            FunctionName=ctx.stack.function_name,
            Qualifier=plan.params["qualifier"],
            ProvisionedConcurrentExecutions=plan.params["executions"],
        )
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        cfg = await provisioned_config(ctx, plan.params["qualifier"])
        pairs = (("Provisioned concurrency", _pc_state(cfg)),)
        if cfg is None:
            return Observation(False, pairs, message="no config found")
        if cfg.get("Status") == "FAILED":
            return Observation(
                False, pairs, final=True, message=cfg.get("StatusReason", "allocation failed")
            )
        ready = (
            cfg.get("Status") == "READY"
            and cfg.get("AllocatedProvisionedConcurrentExecutions") == plan.params["executions"]
        )
        return Observation(
            ready, pairs, message="" if ready else f"{cfg.get('Status')}: waiting for READY"
        )

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        previous = plan.state.get("previous")
        if previous is None:
            return UndoSpec(
                RemoveProvisionedConcurrency.id, {"qualifier": plan.params["qualifier"]}
            )
        return UndoSpec(
            self.id, {"qualifier": plan.params["qualifier"], "executions": str(previous)}
        )


class RemoveProvisionedConcurrency(Action):
    id = "provisioned-concurrency-remove"
    title = "Remove provisioned concurrency"
    summary = "Stop paying for warm capacity on an alias or version (cold starts come back)."

    async def fields(self, ctx: ActionContext) -> list[Field]:
        configs = await provisioned_configs(ctx)
        return [
            Field(
                "qualifier",
                "Alias or version",
                FieldKind.CHOICE,
                help="one that has provisioned concurrency",
                choices=tuple(configs),
                default=next(iter(configs), ""),
            )
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        raw = (values.get("qualifier") or "").strip()
        if raw.upper() == "$LATEST":
            errors.add(
                "qualifier", "$LATEST never has provisioned concurrency (AWS refuses it there)"
            )
        errors.raise_if_any()
        configs = await provisioned_configs(ctx)
        qualifier = errors.take(
            "qualifier",
            lambda t: parse_choice(t, configs, what="qualifier with provisioned concurrency"),
        )
        errors.raise_if_any()
        assert qualifier is not None
        current = configs[qualifier]
        name = ctx.stack.function_name
        return Plan(
            action_id=self.id,
            title=self.title,
            target=_fn_target(ctx, qualifier),
            params={"qualifier": qualifier},
            before=(("Provisioned concurrency", _pc_state(current)),),
            after=(("Provisioned concurrency", "none"),),
            effects=(
                "Warm environments are released at once: the next burst of traffic cold-starts.",
                "Billing for the provisioned capacity stops.",
            ),
            cli=(
                aws_command(
                    "lambda",
                    "delete-provisioned-concurrency-config",
                    ["--function-name", name, "--qualifier", qualifier],
                    ctx.clients.target,
                ),
            ),
            risk=Risk.DESTRUCTIVE,
            confirm_text=f"{name}:{qualifier}",
            undo_possible=True,
            undo_note=f"puts {current.get('RequestedProvisionedConcurrentExecutions')} back (it takes minutes to be READY)",
            state={"previous": current.get("RequestedProvisionedConcurrentExecutions")},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        await calls(
            "lambda",
            "delete_provisioned_concurrency_config",
            FunctionName=ctx.stack.function_name,
            Qualifier=plan.params["qualifier"],
        )
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        cfg = await provisioned_config(ctx, plan.params["qualifier"])
        return Observation(cfg is None, (("Provisioned concurrency", _pc_state(cfg)),))

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        return UndoSpec(
            ProvisionedConcurrency.id,
            {"qualifier": plan.params["qualifier"], "executions": str(plan.state["previous"])},
        )


# -- reserved concurrency ---------------------------------------------------------------------------


class ReservedConcurrency(Action):
    id = "reserved-concurrency"
    title = "Set reserved concurrency"
    summary = "Guarantee (and cap) the function's share of the account's concurrency."

    async def fields(self, ctx: ActionContext) -> list[Field]:
        reserved = await reserved_concurrency(ctx)
        limit, _, _ = await account_concurrency(ctx)
        return [
            Field(
                "reserved",
                "Reserved concurrency",
                FieldKind.INT,
                help=f"0 to {limit - UNRESERVED_FLOOR}; 0 stops every invocation",
                default="" if reserved is None else str(reserved),
            )
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        limit, unreserved, note = await account_concurrency(ctx)
        current = await reserved_concurrency(ctx)
        # What may be reserved: what is unreserved now (plus this function's own share), keeping 100 free.
        if unreserved is not None:
            ceiling = int(unreserved) + (current or 0) - UNRESERVED_FLOOR
        else:
            ceiling = limit - UNRESERVED_FLOOR
        errors = FieldErrors(values)
        reserved = errors.take(
            "reserved",
            lambda t: parse_int(t, minimum=0, maximum=max(ceiling, 0), unit="executions"),
        )
        errors.raise_if_any()
        assert reserved is not None
        if reserved == current:
            raise InvalidInput({"reserved": f"already {current}: nothing to change"})
        provisioned = sum(
            int(c.get("RequestedProvisionedConcurrentExecutions", 0))
            for c in (await provisioned_configs(ctx)).values()
        )
        if provisioned and reserved < provisioned:
            raise InvalidInput(
                {
                    "reserved": f"must be at least {provisioned}: the function's provisioned concurrency needs it"
                }
            )
        name = ctx.stack.function_name
        effects = [
            f"At most {reserved} concurrent executions: requests beyond it are throttled (429).",
            f"{reserved} is taken from the account's unreserved pool for every other function.",
        ]
        warnings = [note] if note else []
        risk = Risk.LOW
        if reserved == 0:
            risk = Risk.DESTRUCTIVE
            warnings.append("0 stops every invocation of the function: all traffic is throttled.")
        elif current is None or reserved < current:
            warnings.append("This may cap the function below the concurrency it uses now.")
        return Plan(
            action_id=self.id,
            title=self.title,
            target=_fn_target(ctx),
            params={"reserved": reserved},
            before=(
                (
                    "Reserved concurrency",
                    "none (account pool)" if current is None else str(current),
                ),
            ),
            after=(("Reserved concurrency", str(reserved)),),
            effects=tuple(effects),
            cli=(
                aws_command(
                    "lambda",
                    "put-function-concurrency",
                    ["--function-name", name, "--reserved-concurrent-executions", str(reserved)],
                    ctx.clients.target,
                ),
            ),
            risk=risk,
            confirm_text=name,
            undo_possible=True,
            undo_note="removes the reservation" if current is None else f"back to {current}",
            context=(
                ("Account limit", str(limit)),
                ("Unreserved now", "unknown" if unreserved is None else str(unreserved)),
            ),
            warnings=tuple(warnings),
            state={"previous": current},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        await calls(
            "lambda",
            "put_function_concurrency",
            FunctionName=ctx.stack.function_name,
            ReservedConcurrentExecutions=plan.params["reserved"],
        )
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        now = await reserved_concurrency(ctx)
        return Observation(
            now == plan.params["reserved"],
            (("Reserved concurrency", "none" if now is None else str(now)),),
        )

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        previous = plan.state.get("previous")
        if previous is None:
            return UndoSpec(RemoveReservedConcurrency.id, {})
        return UndoSpec(self.id, {"reserved": str(previous)})


class RemoveReservedConcurrency(Action):
    id = "reserved-concurrency-remove"
    title = "Remove reserved concurrency"
    summary = "Let the function use the account's unreserved pool again."

    async def fields(self, ctx: ActionContext) -> list[Field]:
        return []

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        current = await reserved_concurrency(ctx)
        if current is None:
            raise InvalidInput(
                {FORM: "the function has no reserved concurrency: nothing to remove"}
            )
        name = ctx.stack.function_name
        return Plan(
            action_id=self.id,
            title=self.title,
            target=_fn_target(ctx),
            params={},
            before=(("Reserved concurrency", str(current)),),
            after=(("Reserved concurrency", "none (account pool)"),),
            effects=(
                "No guaranteed share: the function competes with every other for the unreserved pool.",
                "No cap either: a burst can use the account's concurrency and throttle other functions.",
            ),
            cli=(
                aws_command(
                    "lambda",
                    "delete-function-concurrency",
                    ["--function-name", name],
                    ctx.clients.target,
                ),
            ),
            risk=Risk.LOW,
            confirm_text=name,
            undo_possible=True,
            undo_note=f"reserves {current} again",
            state={"previous": current},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        await calls("lambda", "delete_function_concurrency", FunctionName=ctx.stack.function_name)
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        now = await reserved_concurrency(ctx)
        return Observation(
            now is None, (("Reserved concurrency", "none" if now is None else str(now)),)
        )

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        return UndoSpec(ReservedConcurrency.id, {"reserved": str(plan.state["previous"])})


# -- alias: rollback and routing ----------------------------------------------------------------------


def _routing_json(weights: dict[str, float]) -> str:
    return json.dumps({"AdditionalVersionWeights": weights}, separators=(",", ":"))


def _version_error(text: str, versions: list[str], what: str = "version") -> str | None:
    raw = (text or "").strip()
    if not raw:
        return "required"
    if raw.upper() == "$LATEST":
        return "an alias must point at a published version, never $LATEST (it changes with every deploy)"
    if raw not in versions:
        return (
            f"unknown {what} {raw[:40]!r}: published versions are {', '.join(versions) or 'none'}"
        )
    return None


def _previous_version(alias: dict[str, Any], versions: list[str]) -> str | None:
    """Where a rollback goes: the primary when traffic is split, else the version before it."""
    primary = alias.get("FunctionVersion", "")
    if alias_weights(alias):
        return primary
    older = [v for v in versions if v.isdigit() and primary.isdigit() and int(v) < int(primary)]
    return older[-1] if older else None


def _update_alias_cli(ctx: ActionContext, version: str, weights: dict[str, float]) -> str:
    return aws_command(
        "lambda",
        "update-alias",
        [
            "--function-name",
            ctx.stack.function_name,
            "--name",
            ctx.stack.alias,
            "--function-version",
            version,
            "--routing-config",
            _routing_json(weights),
        ],
        ctx.clients.target,
    )


class AliasRoute(Action):
    id = "alias-route"
    title = "Set alias routing"
    summary = (
        "Send the alias's traffic to a version, optionally a share of it to one other version."
    )

    async def fields(self, ctx: ActionContext) -> list[Field]:
        alias = await get_alias(ctx)
        versions = await published_versions(ctx)
        weights = alias_weights(alias)
        extra, weight = next(iter(weights.items()), ("", 0.0))
        return [
            Field(
                "version",
                "Primary version",
                FieldKind.CHOICE,
                choices=tuple(versions),
                default=alias["FunctionVersion"],
            ),
            Field(
                "additional_version",
                "Additional version",
                FieldKind.CHOICE,
                help="optional: one other published version that gets a share",
                choices=("", *versions),
                default=extra,
                required=False,
            ),
            Field(
                "weight",
                "Share to the additional version",
                FieldKind.FLOAT,
                help="0.0 to 1.0 (0.1 = 10% of requests)",
                default=repr(weight) if extra else "",
                required=False,
            ),
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        alias = await get_alias(ctx)
        versions = await published_versions(ctx)
        errors = FieldErrors(values)
        problem = _version_error(values.get("version", ""), versions)
        if problem:
            errors.add("version", problem)
        extra = (values.get("additional_version") or "").strip()
        weight: float | None = None
        if extra:
            problem = _version_error(extra, versions, "additional version")
            if problem:
                errors.add("additional_version", problem)
            elif extra == (values.get("version") or "").strip():
                errors.add("additional_version", "must differ from the primary version")
            weight = errors.take("weight", lambda t: parse_float(t, minimum=0.0, maximum=1.0))
        elif not errors.optional("weight"):
            try:
                parse_float(values.get("weight", ""), minimum=0.0, maximum=1.0)
                errors.add("weight", "a share needs an additional version to go to")
            except FieldError as exc:
                errors.add("weight", str(exc))
        errors.raise_if_any()
        version = values["version"].strip()
        weights = {extra: weight} if extra and weight else {}
        primary, current = alias["FunctionVersion"], alias_weights(alias)
        if version == primary and weights == current:
            raise InvalidInput({"version": "the alias already routes exactly like this"})
        alias_name = ctx.stack.alias
        return Plan(
            action_id=self.id,
            title=self.title,
            target=_fn_target(ctx, alias_name),
            params={"version": version, "weights": weights},
            before=(("Alias routing", describe_routing(primary, current)),),
            after=(("Alias routing", describe_routing(version, weights)),),
            effects=(
                f"Traffic through {alias_name} is split as shown from the next invocation on.",
            ),
            cli=(_update_alias_cli(ctx, version, weights),),
            risk=Risk.DESTRUCTIVE,
            confirm_text=alias_name,
            undo_possible=True,
            undo_note=f"restores {describe_routing(primary, current)}",
            state={
                "previous_version": primary,
                "previous_weights": current,
                "revision_id": alias.get("RevisionId"),
            },
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        # RoutingConfig is always sent (an update without it keeps the old weights), and the
        # RevisionId read at plan time: a change made since is refused (412), never overwritten.
        guard = {"RevisionId": plan.state["revision_id"]} if plan.state.get("revision_id") else {}
        answer = await calls(
            "lambda",
            "update_alias",
            FunctionName=ctx.stack.function_name,
            Name=ctx.stack.alias,
            FunctionVersion=plan.params["version"],
            RoutingConfig={"AdditionalVersionWeights": plan.params["weights"]},
            **guard,
        )
        return {"revision_id": answer.get("RevisionId")}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        alias = await get_alias(ctx)
        weights = alias_weights(alias)
        pairs = (("Alias routing", describe_routing(alias["FunctionVersion"], weights)),)
        wanted = plan.params["weights"]
        same = weights.keys() == wanted.keys() and all(
            abs(weights[k] - wanted[k]) < 1e-9 for k in wanted
        )
        return Observation(alias["FunctionVersion"] == plan.params["version"] and same, pairs)

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        weights: dict[str, float] = plan.state["previous_weights"]
        values = {"version": plan.state["previous_version"], "additional_version": "", "weight": ""}
        if weights:
            extra, weight = next(iter(weights.items()))
            values.update(additional_version=extra, weight=repr(weight))
        return UndoSpec(AliasRoute.id, values)


class Rollback(AliasRoute):
    """The runbook's immediate rollback: alias routing with one version and no weights."""

    id = "rollback"
    title = "Roll back the alias"
    summary = "Point the alias straight at the previous (or a chosen) version, all traffic, now."

    async def fields(self, ctx: ActionContext) -> list[Field]:
        alias = await get_alias(ctx)
        versions = await published_versions(ctx)
        return [
            Field(
                "version",
                "Roll back to version",
                FieldKind.CHOICE,
                help="a published version; the alias's routing weights are cleared",
                choices=tuple(versions),
                default=_previous_version(alias, versions) or "",
            )
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        alias = await get_alias(ctx)
        versions = await published_versions(ctx)
        errors = FieldErrors(values)
        problem = _version_error(values.get("version", ""), versions)
        if problem:
            errors.add("version", problem)
        errors.raise_if_any()
        version = values["version"].strip()
        primary = alias["FunctionVersion"]
        weights = alias_weights(alias)
        if version == primary and not weights:
            raise InvalidInput(
                {"version": f"{ctx.stack.alias} already sends all traffic to version {version}"}
            )
        alias_name = ctx.stack.alias
        return Plan(
            action_id=self.id,
            title=self.title,
            target=_fn_target(ctx, alias_name),
            params={"version": version, "weights": {}},
            before=(("Alias routing", describe_routing(primary, weights)),),
            after=(("Alias routing", describe_routing(version, {})),),
            effects=(
                f"Every request through {alias_name} runs version {version} from the next invocation on.",
                "Versions that lose traffic keep existing; nothing is deleted.",
                "Provisioned concurrency configured on a version (not the alias) does not follow.",
            ),
            cli=(_update_alias_cli(ctx, version, {}),),
            risk=Risk.DESTRUCTIVE,
            confirm_text=alias_name,
            undo_possible=True,
            undo_note=f"restores {describe_routing(primary, weights)}",
            state={
                "previous_version": primary,
                "previous_weights": weights,
                "revision_id": alias.get("RevisionId"),
            },
        )


# -- versions: publish the reviewed code ----------------------------------------------------------


class PublishVersion(Action):
    """The runbook's `publish-version`, guarded: only the code that was looked at is published."""

    id = "publish-version"
    title = "Publish $LATEST as a version"
    summary = "Publish the function's current code as a new version (a rollout's candidate)."

    async def fields(self, ctx: ActionContext) -> list[Field]:
        latest = await function_config(ctx)
        return [
            Field(
                "code_sha256",
                "CodeSha256 of $LATEST",
                FieldKind.TEXT,
                help="the code you reviewed; publishing is refused if $LATEST has changed since",
                default=latest.get("CodeSha256", ""),
            ),
            Field(
                "description",
                "Description",
                FieldKind.TEXT,
                help="what this version is (shown beside it in the rollout view)",
                default=f"candidate published with todotui {ctx.now():%Y-%m-%d %H:%M} UTC",
                required=False,
            ),
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        latest = await function_config(ctx)
        errors = FieldErrors(values)
        sha = (values.get("code_sha256") or "").strip()
        current = latest.get("CodeSha256", "")
        if not sha:
            errors.add("code_sha256", "required: the CodeSha256 of the code you reviewed")
        elif sha != current:
            errors.add(
                "code_sha256",
                f"$LATEST is now {current[:16]}…, not {sha[:16]}…: review the new code first",
            )
        description = (values.get("description") or "").strip()
        if len(description) > 256:
            errors.add("description", "at most 256 characters (AWS's limit)")
        errors.raise_if_any()
        versions = await published_versions(ctx)
        if versions:
            newest = await ctx.read(
                "lambda",
                "get_function_configuration",
                FunctionName=ctx.stack.function_name,
                Qualifier=versions[-1],
            )
            if newest.get("CodeSha256") == current:
                # AWS would answer with that version again rather than publish a new one.
                raise InvalidInput(
                    {
                        "code_sha256": f"this code is already version {versions[-1]}: roll "
                        "that version out, or upload new code first"
                    }
                )
        fn = ctx.stack.function_name
        return Plan(
            action_id=self.id,
            title=self.title,
            target=_fn_target(ctx),
            params={"code_sha256": sha, "description": description},
            before=(("Published versions", ", ".join(versions) or "none"),),
            after=(("New version", f"{sha[:12]}… {description}".strip()),),
            effects=(
                "A new immutable version of the $LATEST code; no traffic moves until an alias "
                "points at it.",
            ),
            cli=(
                aws_command(
                    "lambda",
                    "publish-version",
                    [
                        "--function-name",
                        fn,
                        "--code-sha256",
                        sha,
                        *(["--description", description] if description else []),
                    ],
                    ctx.clients.target,
                ),
            ),
            risk=Risk.LOW,
            confirm_text=fn,
            undo_possible=False,
            undo_note="a published version cannot be changed; it gets no traffic by itself",
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        answer = await calls(
            "lambda",
            "publish_version",
            FunctionName=ctx.stack.function_name,
            CodeSha256=plan.params["code_sha256"],
            Description=plan.params["description"],
        )
        return {"version": answer.get("Version")}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        version = result.get("version")
        if not version:
            return Observation(False, (("New version", "unknown: AWS named none"),))
        config = await ctx.read(
            "lambda",
            "get_function_configuration",
            FunctionName=ctx.stack.function_name,
            Qualifier=version,
        )
        same = config.get("CodeSha256") == plan.params["code_sha256"]
        return Observation(
            same, (("New version", f"{version} ({config.get('CodeSha256', '?')[:12]}…)"),)
        )
