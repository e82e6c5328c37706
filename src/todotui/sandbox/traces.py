"""X-Ray GetTraceSummaries and BatchGetTraces answered as AWS answers them (moto's gaps).

moto's GetTraceSummaries answers 500 for any FilterExpression, counts a segment as a fault or
an error when the key is present (`"fault": false` is a fault), gives Duration in whole seconds
(every request of under a second lasts 0), ResponseTime 1 always, no Http, Annotations,
ServiceIds, StartTime or NextToken, and ignores TimeRangeType. Its BatchGetTraces gives whole
seconds too. Here both are answered from the segment documents moto stores (read through
moto's own answers, so nothing of moto's internals is touched):

- the time range is by trace id (its start time; the default), or by the time a trace was
  last updated (`Event`, `Service`: the latest segment end), inclusive, at most 24 hours;
- summaries say what the documents say: HasFault/HasError from the root segment (5XX/4XX),
  HasThrottle from any segment or subsegment, Duration (first start to last end) and
  ResponseTime (the root segment) in fractional seconds, Http, Annotations, ServiceIds,
  EntryPoint; pages of 100 with a NextToken;
- the filter expressions the cockpit and the runbook need are honoured: `ok`, `fault`,
  `error`, `throttle`, `partial` (bare or `= true|false`), `duration` and `responsetime` with
  a comparison, `http.status` / `http.method` / `http.url` (`=`, `!=`, `CONTAINS`,
  `BEGINSWITH`, `ENDSWITH`, comparisons for the status), `service("name")`, `annotation.key`,
  combined with AND, OR, NOT and parentheses (`&&`, `||`, `!` too); anything else is refused
  with InvalidRequestException naming what is not understood, never answered wrongly.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

PAGE_SIZE = 100
MAX_RANGE_SECONDS = 24 * 3600
_LOOKAHEAD_SECONDS = 960
"""How far past EndTime a trace that started in the range may end (Lambda's longest timeout,
15 minutes, and API Gateway's own time)."""

App = Callable[..., Iterable[bytes]]


class XRayRefusal(Exception):
    """A request AWS would refuse: answered 400 with `code` and `message`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- calling moto underneath ----------------------------------------------------------------------


def _moto(app: App, environ: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    """moto's JSON answer to `body` posted at `path` (same headers, same credentials)."""
    raw = json.dumps(body).encode()
    env = {k: v for k, v in environ.items() if not k.startswith("werkzeug.")}
    env.update(
        {
            "PATH_INFO": path,
            "REQUEST_URI": path,  # moto reads the action from the URI
            "RAW_URI": path,
            "REQUEST_METHOD": "POST",
            "wsgi.input": io.BytesIO(raw),
            "CONTENT_LENGTH": str(len(raw)),
            "CONTENT_TYPE": "application/json",
            "QUERY_STRING": "",
        }
    )
    status: list[str] = []

    def start_response(s: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
        status.append(s)
        return lambda _b: None

    result = app(env, start_response)
    try:
        data = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not status or not status[0].startswith("2"):
        raise XRayRefusal(
            "ServiceUnavailableException", f"the sandbox's X-Ray store failed: {data[:200]!r}"
        )
    return json.loads(data or b"{}")


def _stored_traces(
    app: App, environ: dict[str, Any], start: float, end: float
) -> list[list[dict[str, Any]]]:
    """The segment documents of every finished trace moto holds that may touch [start, end]."""
    listed = _moto(
        app,
        environ,
        "/TraceSummaries",
        {"StartTime": int(start) - 1, "EndTime": int(end) + _LOOKAHEAD_SECONDS},
    )
    ids = [s["Id"] for s in listed.get("TraceSummaries", [])]
    traces = []
    for chunk in range(0, len(ids), 50):
        got = _moto(app, environ, "/Traces", {"TraceIds": ids[chunk : chunk + 50]})
        for trace in got.get("Traces", []):
            docs = []
            for seg in trace.get("Segments", []):
                try:
                    docs.append(json.loads(seg["Document"]))
                except (KeyError, ValueError):
                    continue
            if docs:
                traces.append(docs)
    return traces


# -- the handlers ---------------------------------------------------------------------------------


def get_trace_summaries(app: App, environ: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    start, end = _timestamp(body, "StartTime"), _timestamp(body, "EndTime")
    if end <= start:
        raise XRayRefusal("InvalidRequestException", "EndTime must be after StartTime")
    if end - start > MAX_RANGE_SECONDS:
        raise XRayRefusal(
            "InvalidRequestException", "The time range cannot be longer than 24 hours"
        )
    range_type = body.get("TimeRangeType") or "TraceId"
    if range_type not in ("TraceId", "Event", "Service"):
        raise XRayRefusal(
            "ValidationException",
            f"1 validation error detected: Value '{range_type}' at 'timeRangeType' failed to "
            "satisfy constraint: Member must satisfy enum value set: [TraceId, Event, Service]",
        )
    expression = str(body.get("FilterExpression") or "").strip()
    matches = compile_filter(expression) if expression else (lambda _s: True)
    offset = _offset(body.get("NextToken"), start, end, expression)
    summaries = []
    for docs in _stored_traces(app, environ, start, end):
        summary = summarize(docs)
        if summary is None:
            continue
        at = summary["_id_time"] if range_type == "TraceId" else summary["_last_end"]
        if start <= at <= end and matches(summary):
            summaries.append(summary)
    summaries.sort(key=lambda s: (s["StartTime"], s["Id"]))
    page = summaries[offset : offset + PAGE_SIZE]
    answer: dict[str, Any] = {
        "TraceSummaries": [{k: v for k, v in s.items() if not k.startswith("_")} for s in page],
        "ApproximateTime": int(end),
        "TracesProcessedCount": len(summaries),
    }
    if offset + PAGE_SIZE < len(summaries):
        answer["NextToken"] = _token(offset + PAGE_SIZE, start, end, expression)
    return answer


def batch_get_traces(app: App, environ: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    ids = body.get("TraceIds")
    if not isinstance(ids, list) or not ids:
        raise XRayRefusal("InvalidRequestException", "TraceIds must name at least one trace")
    got = _moto(app, environ, "/Traces", {"TraceIds": ids})
    traces = []
    for trace in got.get("Traces", []):
        docs = []
        for seg in trace.get("Segments", []):
            try:
                docs.append(json.loads(seg["Document"]))
            except (KeyError, ValueError):
                continue
        starts = [d["start_time"] for d in docs if "start_time" in d]
        ends = [d["end_time"] for d in docs if "end_time" in d]
        traces.append(
            {
                "Id": trace.get("Id"),
                "Duration": round(max(ends) - min(starts), 6) if starts and ends else None,
                "LimitExceeded": False,
                "Segments": trace.get("Segments", []),
            }
        )
    return {"Traces": traces, "UnprocessedTraceIds": got.get("UnprocessedTraceIds", [])}


def _timestamp(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    if value is None:
        raise XRayRefusal("ValidationException", f"{key} is required")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise XRayRefusal("SerializationException", f"{key} must be a timestamp") from None


def _token(offset: int, start: float, end: float, expression: str) -> str:
    raw = json.dumps({"o": offset, "s": start, "e": end, "f": expression})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _offset(token: Any, start: float, end: float, expression: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token)))
        if (data["s"], data["e"], data["f"]) != (start, end, expression):
            raise ValueError
        return int(data["o"])
    except (ValueError, KeyError, TypeError):
        raise XRayRefusal(
            "InvalidRequestException", "The NextToken is not valid for this request"
        ) from None


# -- a trace's summary ----------------------------------------------------------------------------


def _walk(node: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield node
    for sub in node.get("subsegments") or []:
        if isinstance(sub, dict):
            yield from _walk(sub)


def summarize(docs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """GetTraceSummaries' entry for one trace (plus `_id_time` and `_last_end` for the range)."""
    roots = [d for d in docs if not d.get("parent_id")]
    if not roots:
        return None
    root = min(roots, key=lambda d: d.get("start_time", 0))
    trace_id = str(root.get("trace_id", ""))
    try:
        id_time = float(int(trace_id.split("-")[1], 16))
    except (IndexError, ValueError):
        return None
    starts = [d["start_time"] for d in docs if "start_time" in d]
    ends = [d["end_time"] for d in docs if "end_time" in d]
    status = ((root.get("http") or {}).get("response") or {}).get("status")
    request = (root.get("http") or {}).get("request") or {}
    every = [node for d in docs for node in _walk(d)]
    annotations: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        for key, value in (d.get("annotations") or {}).items():
            typed = (
                {"BooleanValue": value}
                if isinstance(value, bool)
                else {"NumberValue": float(value)}
                if isinstance(value, (int, float))
                else {"StringValue": str(value)}
            )
            entry = {"AnnotationValue": typed, "ServiceIds": [_service_id(d)]}
            if entry not in annotations.setdefault(key, []):
                annotations[key].append(entry)
    services = []
    for d in docs:
        sid = _service_id(d)
        if sid not in services:
            services.append(sid)
    summary: dict[str, Any] = {
        "Id": trace_id,
        "StartTime": min(starts),
        "Duration": round(max(ends) - min(starts), 6),
        "ResponseTime": round(root["end_time"] - root["start_time"], 6),
        "HasFault": bool(root.get("fault")) or (isinstance(status, int) and status >= 500),
        "HasError": bool(root.get("error")) or (isinstance(status, int) and 400 <= status < 500),
        "HasThrottle": any(bool(n.get("throttle")) for n in every),
        "IsPartial": any(n.get("in_progress") for n in every),
        "Http": {
            k: v
            for k, v in {
                "HttpURL": request.get("url"),
                "HttpStatus": status,
                "HttpMethod": request.get("method"),
                "UserAgent": request.get("user_agent"),
                "ClientIp": request.get("client_ip"),
            }.items()
            if v is not None
        },
        "Annotations": annotations,
        "Users": [],
        "ServiceIds": services,
        "ResourceARNs": [
            {"ARN": arn}
            for arn in dict.fromkeys(d["resource_arn"] for d in docs if d.get("resource_arn"))
        ],
        "EntryPoint": _service_id(root),
        "Revision": 1,
        "_id_time": id_time,
        "_last_end": max(ends),
        "_names": {str(d.get("name")) for d in docs},
    }
    return summary


def _service_id(doc: dict[str, Any]) -> dict[str, Any]:
    sid: dict[str, Any] = {"Name": doc.get("name"), "Names": [doc.get("name")]}
    if doc.get("origin"):
        sid["Type"] = doc["origin"]
    return sid


# -- filter expressions ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>&&|\|\||!=|<=|>=|=|<|>|!|\(|\)|\{|\}|,)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_BOOLEAN_KEYS = {"ok", "fault", "error", "throttle", "partial"}
_NUMBER_KEYS = {"duration": "Duration", "responsetime": "ResponseTime"}
_STRING_OPS = {"=", "!=", "CONTAINS", "BEGINSWITH", "ENDSWITH"}
_COMPARE_OPS = {"=", "!=", "<", "<=", ">", ">="}

Predicate = Callable[[dict[str, Any]], bool]


@dataclass(slots=True)
class _Tok:
    kind: str
    text: str


def _tokens(expression: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(expression):
        if expression[pos:].strip() == "":
            break
        match = _TOKEN.match(expression, pos)
        if not match or match.end() == pos:
            raise XRayRefusal(
                "InvalidRequestException",
                f"Invalid filter expression: cannot read {expression[pos:].strip()[:30]!r}",
            )
        kind = match.lastgroup or ""
        out.append(_Tok(kind, match.group(kind)))
        pos = match.end()
    return out


def compile_filter(expression: str) -> Predicate:
    """A predicate over summaries; XRayRefusal for what cannot be read or is not supported."""
    parser = _Parser(_tokens(expression), expression)
    predicate = parser.expression()
    if parser.peek() is not None:
        raise parser.refuse(f"unexpected {parser.peek().text!r}")  # type: ignore[union-attr]
    return predicate


class _Parser:
    def __init__(self, tokens: list[_Tok], text: str) -> None:
        self.tokens, self.pos, self.text = tokens, 0, text

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise self.refuse("it ends too early")
        self.pos += 1
        return tok

    def refuse(self, why: str) -> XRayRefusal:
        return XRayRefusal("InvalidRequestException", f"Invalid filter expression: {why}")

    def _is(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and (tok.text.upper() if tok.kind == "word" else tok.text) in words

    def expression(self) -> Predicate:
        left = self.conjunction()
        while self._is("OR", "||"):
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda s: a(s) or b(s))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.negation()
        while self._is("AND", "&&"):
            self.take()
            right = self.negation()
            left = (lambda a, b: lambda s: a(s) and b(s))(left, right)
        return left

    def negation(self) -> Predicate:
        if self._is("NOT", "!"):
            self.take()
            inner = self.negation()
            return lambda s: not inner(s)
        return self.atom()

    def atom(self) -> Predicate:
        tok = self.take()
        if tok.text == "(":
            inner = self.expression()
            if self.take().text != ")":
                raise self.refuse("a parenthesis is not closed")
            return inner
        if tok.kind != "word":
            raise self.refuse(f"unexpected {tok.text!r}")
        key = tok.text.lower()
        if key in _BOOLEAN_KEYS:
            wanted = True
            if self._is("=", "!="):
                op = self.take().text
                word = self.take().text.lower()
                if word not in ("true", "false"):
                    raise self.refuse(f"{key} compares with true or false, not {word!r}")
                wanted = (word == "true") == (op == "=")
            return lambda s: _flag(s, key) is wanted
        if key in _NUMBER_KEYS:
            field = _NUMBER_KEYS[key]
            op, number = self._comparison(key)
            return lambda s: _compare(s.get(field), op, number)
        if key == "http.status":
            op, number = self._comparison(key)
            return lambda s: _compare(s["Http"].get("HttpStatus"), op, number)
        if key in ("http.url", "http.method", "http.useragent", "http.clientip"):
            field = {
                "http.url": "HttpURL",
                "http.method": "HttpMethod",
                "http.useragent": "UserAgent",
                "http.clientip": "ClientIp",
            }[key]
            op, text = self._string_op(key)
            return lambda s: _string_match(s["Http"].get(field), op, text)
        if key == "service":
            if self.take().text != "(":
                raise self.refuse('service is written service("name")')
            name_tok = self.take()
            if name_tok.kind != "string" or self.take().text != ")":
                raise self.refuse('service is written service("name")')
            name = json.loads(name_tok.text)
            if self._is("{"):
                raise self.refuse(
                    "service(...) { ... } edge filters are not supported by the sandbox"
                )
            return lambda s: name in s["_names"]
        if key.startswith("annotation."):
            name = tok.text.split(".", 1)[1]
            if not self._is(*_STRING_OPS, *_COMPARE_OPS):
                return lambda s: name in s["Annotations"]
            op = self.take().text.upper()
            value_tok = self.take()
            value: Any
            if value_tok.kind == "string":
                value = json.loads(value_tok.text)
            elif value_tok.kind == "number":
                value = float(value_tok.text)
            elif value_tok.text.lower() in ("true", "false"):
                value = value_tok.text.lower() == "true"
            else:
                raise self.refuse(
                    f"{tok.text} compares with a quoted string, a number or a boolean"
                )
            return lambda s: any(
                _annotation_match(v["AnnotationValue"], op, value)
                for v in s["Annotations"].get(name, [])
            )
        raise self.refuse(f"{tok.text!r} is not a keyword the sandbox supports")

    def _comparison(self, key: str) -> tuple[str, float]:
        op = self.take().text
        if op not in _COMPARE_OPS:
            raise self.refuse(f"{key} needs a comparison (=, !=, <, <=, >, >=), not {op!r}")
        value = self.take()
        if value.kind != "number":
            raise self.refuse(f"{key} compares with a number, not {value.text!r}")
        return op, float(value.text)

    def _string_op(self, key: str) -> tuple[str, str]:
        op = self.take().text.upper()
        if op not in _STRING_OPS:
            raise self.refuse(f"{key} needs =, !=, CONTAINS, BEGINSWITH or ENDSWITH, not {op!r}")
        value = self.take()
        if value.kind != "string":
            raise self.refuse(f"{key} compares with a quoted string, not {value.text!r}")
        return op, json.loads(value.text)


def _flag(summary: dict[str, Any], key: str) -> bool:
    if key == "ok":
        return not (summary["HasFault"] or summary["HasError"] or summary["HasThrottle"])
    return bool(
        {
            "fault": summary["HasFault"],
            "error": summary["HasError"],
            "throttle": summary["HasThrottle"],
            "partial": summary["IsPartial"],
        }[key]
    )


def _compare(actual: Any, op: str, number: float) -> bool:
    if not isinstance(actual, (int, float)):
        return False
    return {
        "=": actual == number,
        "!=": actual != number,
        "<": actual < number,
        "<=": actual <= number,
        ">": actual > number,
        ">=": actual >= number,
    }[op]


def _string_match(actual: Any, op: str, text: str) -> bool:
    if not isinstance(actual, str):
        return op == "!="
    return {
        "=": actual == text,
        "!=": actual != text,
        "CONTAINS": text in actual,
        "BEGINSWITH": actual.startswith(text),
        "ENDSWITH": actual.endswith(text),
    }[op]


def _annotation_match(typed: dict[str, Any], op: str, value: Any) -> bool:
    actual = next(iter(typed.values()), None)
    if isinstance(value, bool) or isinstance(actual, bool):
        return op in ("=", "!=") and (actual == value) == (op == "=")
    if isinstance(value, float):
        return _compare(actual, op, value)
    if op in _STRING_OPS:
        return _string_match(actual, op, value)
    return False
