"""X-Ray segment documents for a sample of one period's requests, as AWS's services write them.

A traced request is API Gateway's stage segment (with a `Lambda` subsegment for the
integration call), Lambda's service segment, and the function's segment with its
`Initialization` (cold starts), `Invocation` and `Overhead` subsegments; the handler's own
calls are subsegments of the invocation: DynamoDB on the main table, the audit PutItem,
Cognito on the sign-in route, and the feature-flag service every request asks (the
downstream call the slow-dependency scenario slows).

The time of each part comes from the traffic model's own figures (`model.route_ms` is their
sum), so a trace explains the latency the metrics show: in slow-dependency the flag call is
the long bar, in a spike the DynamoDB call is throttled (retried, then failed), a timeout
ends at the function's timeout with the call still running. Failing traces carry `fault`
(5XX) or `error` (4XX) and a `cause` with the exception Lambda's log names.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from todotui.sandbox.model import (
    API_OVERHEAD_MS,
    AUDIT_LATENCY_MS,
    HANDLER_CPU_MS_AT_128,
    INVOKE_OVERHEAD_MS,
    OPERATION_LATENCY_MS,
    ROUTES,
    SIGNIN_COGNITO_MS,
    SIGNIN_ROUTE,
    THROTTLE_RETRY_MS,
    Route,
    StackState,
    TickOutcome,
    VersionFigures,
    cpu_scale,
    handler_ms,
)
from todotui.sandbox.provision import Stack
from todotui.sandbox.scenarios import Traffic
from todotui.stack_names import StackNames

TRACES_PER_TICK = 3
"""Requests traced per period (X-Ray samples a few requests a second; a handful is enough)."""
FLAGS_SERVICE = "feature-flags"
"""The downstream HTTP service every request asks; slow-dependency slows it."""
FLAGS_URL = "https://flags.internal.example.com/v1/evaluate"
FLAGS_BASE_MS = 9.0
"""The flag call's own time on a normal day (part of the handler's time in the model)."""


@dataclass(frozen=True, slots=True)
class _Part:
    """One downstream call of the handler: a subsegment of the invocation."""

    name: str
    ms: float
    namespace: str
    fields: Mapping[str, Any]
    failure: str | None = None
    """"throttle" (DynamoDB refused after retries) or "timeout" (still running at the end)."""


def trace_documents(
    outcome: TickOutcome,
    state: StackState,
    names: StackNames,
    stack: Stack,
    rng: random.Random,
    *,
    traffic: Traffic,
    grown: float,
    error_messages: Mapping[str, tuple[str, str]],
) -> Iterator[str]:
    """Segment documents (JSON strings, PutTraceSegments' input) for a few of the period's
    requests; `grown` is how far the scenario had ramped in this period."""
    f = outcome.function
    versions = [v for v in f.versions if v.invocations and v.duration]
    if not versions:
        return
    kinds = {k: n for k, n in f.error_kinds.items() if n}
    for _ in range(TRACES_PER_TICK):
        v = rng.choices(versions, weights=[x.invocations for x in versions])[0]
        route = rng.choices(ROUTES, weights=[r.share for r in ROUTES])[0]
        failure = None
        if v.errors and rng.random() < v.errors / v.invocations and kinds:
            failure = rng.choices(list(kinds), weights=list(kinds.values()))[0]
            if failure == "throttled" and not route.operation:
                route = rng.choice([r for r in ROUTES if r.operation])
        start = outcome.at.timestamp() + rng.uniform(0, outcome.period * 0.8)
        cold = rng.random() < v.cold_starts / v.invocations
        yield from _request(
            route,
            v,
            failure,
            cold,
            start,
            state,
            names,
            stack,
            rng,
            traffic,
            grown,
            error_messages,
            f.init_ms,
        )


def _parts(
    route: Route,
    v: VersionFigures,
    failure: str | None,
    state: StackState,
    names: StackNames,
    rng: random.Random,
    traffic: Traffic,
    grown: float,
) -> tuple[float, list[_Part]]:
    """(the handler's own CPU milliseconds, its downstream calls in order)."""
    jitter = lambda: rng.uniform(0.8, 1.25)  # noqa: E731 - one draw per part
    cpu = HANDLER_CPU_MS_AT_128 * cpu_scale(state.memory_mb)
    own = handler_ms(state.memory_mb) - FLAGS_BASE_MS
    candidate = v.candidate
    if candidate is not None:
        own += cpu * (candidate.tail_factor - 1.0) + candidate.extra_ms
    parts = [
        _Part(
            FLAGS_SERVICE,
            (FLAGS_BASE_MS + traffic.dependency_ms * grown) * jitter(),
            "remote",
            {"http": {"request": {"method": "POST", "url": FLAGS_URL}, "response": {}}},
        )
    ]
    if route.operation:
        throttled = failure == "throttled"
        parts.append(
            _Part(
                "DynamoDB",
                THROTTLE_RETRY_MS * jitter()
                if throttled
                else OPERATION_LATENCY_MS[route.operation] * jitter(),
                "aws",
                {
                    "aws": {
                        "operation": route.operation,
                        "table_name": names.table_name,
                        "region": "",
                        "retries": 3 if throttled else 0,
                    },
                    "http": {"response": {"status": 400 if throttled else 200}},
                },
                "throttle" if throttled else None,
            )
        )
    if route.name == SIGNIN_ROUTE:
        parts.append(
            _Part(
                "CognitoIdentityProvider",
                SIGNIN_COGNITO_MS * jitter(),
                "aws",
                {"aws": {"operation": "InitiateAuth"}, "http": {"response": {"status": 200}}},
            )
        )
    if route.audited and failure != "throttled":
        parts.append(
            _Part(
                "DynamoDB",
                AUDIT_LATENCY_MS * jitter(),
                "aws",
                {
                    "aws": {"operation": "PutItem", "table_name": names.ondemand_table_name},
                    "http": {"response": {"status": 200}},
                },
            )
        )
    return max(1.0, own * jitter()), parts


def _request(
    route: Route,
    v: VersionFigures,
    failure: str | None,
    cold: bool,
    start: float,
    state: StackState,
    names: StackNames,
    stack: Stack,
    rng: random.Random,
    traffic: Traffic,
    grown: float,
    error_messages: Mapping[str, tuple[str, str]],
    init_ms: float,
) -> Iterator[str]:
    own_ms, parts = _parts(route, v, failure, state, names, rng, traffic, grown)
    ids = iter(f"{rng.getrandbits(64):016x}" for _ in range(8 + len(parts)))
    trace_id = f"1-{int(start):08x}-{rng.getrandbits(96):024x}"
    timeout = state.timeout_s
    api_ms = API_OVERHEAD_MS * rng.uniform(0.8, 1.2)
    invoke_ms = INVOKE_OVERHEAD_MS * rng.uniform(0.8, 1.2)
    init_s = init_ms / 1000 * rng.uniform(0.9, 1.1) if cold else 0.0

    # The invocation: its own work around the calls, the calls one after another. A timeout
    # is the downstream call still running when Lambda stops the function.
    t = start + api_ms / 2000 + invoke_ms / 2000 + init_s
    invocation_start = t
    deadline = invocation_start + timeout
    t += own_ms * 0.6 / 1000
    subsegments: list[dict[str, Any]] = []
    for part in parts:
        doc: dict[str, Any] = {
            "id": next(ids),
            "name": part.name,
            "namespace": part.namespace,
            "start_time": t,
            **json.loads(json.dumps(part.fields)),
        }
        if part.name == "DynamoDB":
            doc["aws"]["region"] = stack.region
        if failure == "timeout":
            doc["end_time"] = t = deadline
            doc["fault"] = True
            doc["cause"] = {"exceptions": [_exception(rng, "Task timed out", "Timeout")]}
            subsegments.append(doc)
            break
        t += part.ms / 1000
        doc["end_time"] = t
        if part.failure == "throttle":
            doc["throttle"] = doc["error"] = True
            doc["cause"] = {
                "exceptions": [
                    _exception(
                        rng,
                        "Rate of requests exceeds the allowed throughput.",
                        "ProvisionedThroughputExceededException",
                    )
                ]
            }
            subsegments.append(doc)
            break
        doc.setdefault("http", {}).setdefault("response", {})["status"] = 200
        subsegments.append(doc)
    if failure != "timeout":
        t += own_ms * 0.4 / 1000
    invocation_end = t

    fault = failure is not None
    cause: dict[str, Any] | None = None
    if failure == "timeout":
        cause = {
            "exceptions": [
                _exception(rng, f"Task timed out after {timeout:.2f} seconds", "Sandbox.Timedout")
            ]
        }
    elif failure == "throttled":
        message, _ = error_messages.get("throttled", ("ProvisionedThroughputExceededException", ""))
        cause = {"exceptions": [_exception(rng, message, message.split(":", 1)[0])]}
    elif failure is not None:
        message, where = error_messages.get(failure, error_messages.get("exception", ("", "")))
        operation = route.operation or "GetItem"
        text = message.format(operation=operation)
        cause = {
            "working_directory": "/var/task",
            "exceptions": [
                {
                    **_exception(rng, text, text.split(":", 1)[0] or "Exception"),
                    "stack": _stack(where),
                }
            ],
        }

    seg_ids = [next(ids) for _ in range(5)]
    api_id, lambda_sub_id, service_id, function_id, init_id = seg_ids
    function_start = start + api_ms / 2000 + invoke_ms / 2000
    function_end = invocation_end + 0.0004
    service_end = function_end + invoke_ms / 4000
    api_end = service_end + api_ms / 2000
    # API Gateway answers a failed Lambda proxy integration with 502, a timeout with 504.
    status = 504 if failure == "timeout" else 502 if fault else 200
    function_subs: list[dict[str, Any]] = []
    if cold:
        function_subs.append(
            {
                "id": init_id,
                "name": "Initialization",
                "start_time": function_start,
                "end_time": function_start + init_s,
                "aws": {"function_arn": f"{stack.function_arn}:{v.version}"},
            }
        )
    function_subs.append(
        {
            "id": next(ids),
            "name": "Invocation",
            "start_time": invocation_start,
            "end_time": invocation_end,
            "subsegments": subsegments,
            **({"fault": True, "cause": cause} if fault and cause else {}),
        }
    )
    function_subs.append(
        {
            "id": next(ids),
            "name": "Overhead",
            "start_time": invocation_end,
            "end_time": function_end,
        }
    )
    resource = f"{stack.function_arn}:{names.alias}"
    path = route.name.split(" ", 1)[1]
    api_segment: dict[str, Any] = {
        "name": f"{names.api_name}/{names.stage_name}",
        "id": api_id,
        "trace_id": trace_id,
        "start_time": start,
        "end_time": api_end,
        "origin": "AWS::ApiGateway::Stage",
        "resource_arn": f"arn:aws:apigateway:{stack.region}::/restapis/{stack.api_id}/stages/{names.stage_name}",
        "http": {
            "request": {
                "method": route.method,
                "url": f"https://{stack.api_id}.execute-api.{stack.region}.amazonaws.com/"
                f"{names.stage_name}{path}",
            },
            "response": {"status": status},
        },
        "annotations": {"route": route.name},
        "subsegments": [
            {
                "id": lambda_sub_id,
                "name": "Lambda",
                "namespace": "aws",
                "start_time": start + api_ms / 2000,
                "end_time": api_end - api_ms / 2000,
                "http": {"response": {"status": 200}},
                "aws": {"function_name": names.function_name, "operation": "Invoke"},
            }
        ],
    }
    if status >= 500:
        api_segment["fault"] = True
    service_segment = {
        "name": names.function_name,
        "id": service_id,
        "trace_id": trace_id,
        "parent_id": lambda_sub_id,
        "start_time": start + api_ms / 2000 + invoke_ms / 4000,
        "end_time": service_end,
        "origin": "AWS::Lambda",
        "resource_arn": resource,
        "http": {"response": {"status": 200}},
        "aws": {"function_version": v.version},
    }
    function_segment: dict[str, Any] = {
        "name": names.function_name,
        "id": function_id,
        "trace_id": trace_id,
        "parent_id": service_id,
        "start_time": function_start,
        "end_time": function_end,
        "origin": "AWS::Lambda::Function",
        "resource_arn": resource,
        "annotations": {"version": v.version, "route": route.name, "cold_start": cold},
        "subsegments": function_subs,
    }
    if fault:
        function_segment["fault"] = True
        function_segment["cause"] = cause
    yield json.dumps(api_segment)
    yield json.dumps(service_segment)
    yield json.dumps(function_segment)


def _exception(rng: random.Random, message: str, kind: str) -> dict[str, Any]:
    return {"id": f"{rng.getrandbits(64):016x}", "message": message, "type": kind}


def _stack(where: str) -> list[dict[str, Any]]:
    """`File "path", line N, in label` lines as X-Ray's stack frames."""
    frames = []
    for line in where.splitlines():
        line = line.strip()
        if not line.startswith("File "):
            continue
        try:
            path_part, line_part, label_part = line.split(", ", 2)
            frames.append(
                {
                    "path": path_part.removeprefix("File ").strip('"'),
                    "line": int(line_part.removeprefix("line ")),
                    "label": label_part.removeprefix("in "),
                }
            )
        except ValueError:
            continue
    return frames
