"""API Gateway stage caching, with the patch paths AWS really accepts.

The runbook's `put-stage ... path=/caching/enabled` is wrong twice: the command is
`update-stage`, and AWS refuses `/caching/enabled` (a method setting needs a
resource path and HTTP method: `/*/*/caching/enabled` covers every method).
"""

from __future__ import annotations

from typing import Any

from todotui.actions.base import Action, ActionContext, CallLog, Observation, UndoSpec
from todotui.actions.cli_preview import aws_command
from todotui.actions.model import Field, FieldKind, InvalidInput, Plan, Risk
from todotui.actions.validation import FieldError, FieldErrors, parse_bool, parse_choice, parse_int

CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
"""Cache cluster sizes in GB, the only ones AWS offers."""
TTL_MAX = 3600
TTL_DEFAULT = 300


def _size_text(value: Any) -> str:
    """AWS answers sizes as "0.5" or "118": normalise floats like 118.0 to the same text."""
    if value in (None, ""):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def cache_state(stage: dict[str, Any]) -> dict[str, Any]:
    settings = (stage.get("methodSettings") or {}).get("*/*") or {}
    return {
        "cluster": bool(stage.get("cacheClusterEnabled")),
        "size": _size_text(stage.get("cacheClusterSize")),
        "status": stage.get("cacheClusterStatus") or "NOT_AVAILABLE",
        "caching": bool(settings.get("cachingEnabled")),
        "ttl": settings.get("cacheTtlInSeconds"),
    }


def _pairs(state: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    ttl = state["ttl"]
    return (
        ("Cache cluster", f"on, {state['size']} GB" if state["cluster"] else "off"),
        ("Caching for all methods", "on" if state["caching"] else "off"),
        ("TTL", "not set (AWS default 300 s)" if ttl is None else f"{ttl} s"),
    )


def _size_parser(text: str) -> str:
    raw = (text or "").strip()
    if raw.lower().endswith(("gb", "g", "mb")):
        raise FieldError(f"write the size in GB without a unit, one of: {', '.join(CACHE_SIZES)}")
    try:
        normal = _size_text(raw) if raw else ""
    except ValueError:
        normal = raw
    return parse_choice(normal or raw, CACHE_SIZES, what="cache size (GB)")


class ApiCache(Action):
    id = "api-cache"
    title = "API Gateway stage caching"
    summary = "Turn the stage cache on or off, with its size and TTL (runbook: enable caching)."
    verify_timeout = 120.0

    async def _stage(self, ctx: ActionContext) -> tuple[str, dict[str, Any]]:
        api_id = await ctx.resolver.rest_api_id()
        stage = await ctx.read(
            "apigateway", "get_stage", restApiId=api_id, stageName=ctx.stack.stage_name
        )
        return api_id, stage

    async def fields(self, ctx: ActionContext) -> list[Field]:
        _, stage = await self._stage(ctx)
        state = cache_state(stage)
        return [
            Field(
                "enabled",
                "Caching",
                FieldKind.BOOL,
                help="on: GET responses are served from the cache",
                default="yes" if not state["cluster"] else "yes" if state["caching"] else "no",
            ),
            Field(
                "size_gb",
                "Cache size (GB)",
                FieldKind.CHOICE,
                help="resizing flushes the cache",
                choices=CACHE_SIZES,
                default=state["size"] or "0.5",
            ),
            Field(
                "ttl_seconds",
                "TTL (seconds)",
                FieldKind.INT,
                help=f"0 to {TTL_MAX}; 0 caches nothing",
                default=str(state["ttl"] if state["ttl"] is not None else TTL_DEFAULT),
            ),
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        enabled = errors.take("enabled", parse_bool)
        size = ttl = None
        if enabled:
            size = errors.take("size_gb", _size_parser)
            ttl = errors.take(
                "ttl_seconds", lambda t: parse_int(t, minimum=0, maximum=TTL_MAX, unit="seconds")
            )
        errors.raise_if_any()
        api_id, stage = await self._stage(ctx)
        state = cache_state(stage)
        ops: list[dict[str, str]] = []
        if enabled:
            if not state["cluster"]:
                ops.append({"op": "replace", "path": "/cacheClusterEnabled", "value": "true"})
            if state["size"] != size:
                ops.append({"op": "replace", "path": "/cacheClusterSize", "value": str(size)})
            if not state["caching"]:
                ops.append({"op": "replace", "path": "/*/*/caching/enabled", "value": "true"})
            if state["ttl"] != ttl:
                ops.append(
                    {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": str(ttl)}
                )
            after = {"cluster": True, "size": size, "caching": True, "ttl": ttl, "status": ""}
        else:
            if state["caching"]:
                ops.append({"op": "replace", "path": "/*/*/caching/enabled", "value": "false"})
            if state["cluster"]:
                ops.append({"op": "replace", "path": "/cacheClusterEnabled", "value": "false"})
            after = {**state, "cluster": False, "caching": False}
        if not ops:
            raise InvalidInput(
                {
                    "enabled": "the stage is already cached exactly like this"
                    if enabled
                    else "caching is already off"
                }
            )
        effects = []
        warnings = []
        if enabled and not state["cluster"]:
            effects.append(
                "Creating the cache cluster takes several minutes; responses are cached once it is AVAILABLE."
            )
        if enabled and state["cluster"] and state["size"] != size:
            warnings.append("Resizing the cache flushes it: every request misses until it refills.")
        if enabled:
            effects.append(f"The cache is billed per hour by size ({size} GB), whether hit or not.")
            effects.append(
                f"Clients may get responses up to {ttl} s old; writes are not seen until then."
            )
        else:
            effects.append(
                "Every request reaches the integration again (the function, then the table)."
            )
        name = ctx.stack.stage_name
        patch_args = [f"op={o['op']},path={o['path']},value={o['value']}" for o in ops]
        cli = aws_command(
            "apigateway",
            "update-stage",
            ["--rest-api-id", api_id, "--stage-name", name, "--patch-operations", *patch_args],
            ctx.clients.target,
        )
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"apigateway {ctx.stack.api_name}/{name}",
            params={"enabled": bool(enabled), "size_gb": size, "ttl_seconds": ttl, "patch": ops},
            before=_pairs(state),
            after=_pairs(after),
            effects=tuple(effects),
            cli=(cli,),
            risk=Risk.LOW,
            confirm_text=name,
            undo_possible=True,
            undo_note="restores the previous cache settings",
            context=(("Cache cluster status", state["status"]),),
            warnings=tuple(warnings),
            state={"api_id": api_id, "previous": state},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        await calls(
            "apigateway",
            "update_stage",
            restApiId=plan.state["api_id"],
            stageName=ctx.stack.stage_name,
            patchOperations=plan.params["patch"],
        )
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        _, stage = await self._stage(ctx)
        state = cache_state(stage)
        p = plan.params
        if p["enabled"]:
            ok = (
                state["cluster"]
                and state["caching"]
                and state["size"] == p["size_gb"]
                and state["ttl"] == p["ttl_seconds"]
            )
        else:
            ok = not state["cluster"] and not state["caching"]
        return Observation(ok, (*_pairs(state), ("Cache cluster status", state["status"])))

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        prev = plan.state["previous"]
        on = prev["cluster"] and prev["caching"]
        return UndoSpec(
            self.id,
            {
                "enabled": "yes" if on else "no",
                "size_gb": prev["size"] or "0.5",
                "ttl_seconds": str(prev["ttl"] if prev["ttl"] is not None else TTL_DEFAULT),
            },
        )
