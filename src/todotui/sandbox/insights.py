"""CloudWatch Logs Insights queries, parsed and evaluated as AWS does (moto returns every line).

Pure: `parse_query(text)` gives a `Query` or raises `MalformedQuery` (AWS's 400
MalformedQueryException); `Query.run(events, ...)` evaluates it over log events (dicts with
`timestamp`, `message`, `logStreamName`, and the group they came from) and gives the rows and
statistics GetQueryResults answers with.

The subset (what the runbook and the weekly review use), commands joined by `|`, `#` comments:

- `fields a, b, expr as alias` (several `fields` commands show the union), `display a, b`.
- `filter expr`: comparisons `= != < <= > >=`, `and`/`or`/`not`, parentheses, arithmetic
  `+ - * / %`, `like "substring"`, `like /regex/` (also `=~`), `not like`, `in [...]`,
  `not in [...]`; functions `ispresent`, `isempty`, `isblank`, `tolower`, `toupper`,
  `strlen`, `abs`, `floor`, `ceil`.
- `sort field [asc|desc], ...` (asc when not said) in AWS's natural order (words before
  numbers, runs of digits by length then value; rows without the field last), `limit N`
  (1 to 10,000).
- `stats agg [as alias], ... [by expr [as alias], ...]` with `count(*)`, `count(field)`,
  `avg`, `sum`, `min`, `max`, `pct(field, N)`, grouped by fields or `bin(5m)` (ms, s, m, h,
  d, w and their long names; rows in ascending order of the groups).

Fields: `@timestamp`, `@message`, `@logStream`, `@log`, `@ingestionTime`; the keys of JSON
messages (nested keys with dots: `latency.ms`); and, in `/aws/lambda/` groups, what AWS
discovers in Lambda's own lines: `@type` (START, END, REPORT), `@requestId` on those three,
and on REPORT lines only `@duration`, `@billedDuration`, `@initDuration` (ms) and
`@memorySize`, `@maxMemoryUsed` (bytes, as AWS gives them).

Defaults as AWS: without `sort` (and without `stats`) the newest events first; at most 1,000
rows unless a `limit` command or StartQuery's `limit` says otherwise; values as strings; a
field with no value is left out of its row. Anything outside the subset (`parse`, `dedup`,
`unmask`, a second `stats`, other functions) is refused with a message naming it — the
sandbox never answers a query it does not understand with rows.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10000
MAX_QUERY_LENGTH = 10000

_UNIT_NAMES = {
    1: ("ms", "msec", "millisecond"),
    1000: ("s", "sec", "second"),
    60_000: ("m", "min", "minute"),
    3_600_000: ("h", "hr", "hour"),
    86_400_000: ("d", "day"),
    604_800_000: ("w", "week"),
}
_UNITS_MS = {
    name + plural: ms
    for ms, names in _UNIT_NAMES.items()
    for name in names
    for plural in (("", "s") if len(name) > 1 and name != "ms" else ("",))
}
"""bin()'s units as the stats reference lists them (a unit of more than one letter may take
an s). Calendar units (mo, q, y) are not a fixed span and are refused."""
_CALENDAR_UNITS = {"mo", "mon", "month", "q", "qtr", "quarter", "y", "yr", "year"}
_REFUSED_COMMANDS = {
    "parse": "parse",
    "dedup": "dedup",
    "unmask": "unmask",
    "pattern": "pattern",
    "diff": "diff",
    "anomaly": "anomaly",
    "filterindex": "filterIndex",
    "source": "SOURCE",
    "unnest": "unnest",
    "lookup": "lookup",
}
_COMMANDS = ("fields", "display", "filter", "sort", "limit", "stats")
_AGGREGATES = ("count", "avg", "sum", "min", "max", "pct")
_REPORT_FIELDS = (
    ("@duration", r"Duration: ([0-9.]+) ms", 1),
    ("@billedDuration", r"Billed Duration: ([0-9.]+) ms", 1),
    ("@memorySize", r"Memory Size: ([0-9]+) MB", 1_000_000),
    ("@maxMemoryUsed", r"Max Memory Used: ([0-9]+) MB", 1_000_000),
    ("@initDuration", r"Init Duration: ([0-9.]+) ms", 1),
)
_REPORT_PATTERNS = [
    (name, re.compile(r"(?:^|\t)" + rx), scale) for name, rx, scale in _REPORT_FIELDS
]
_LAMBDA_LINE = re.compile(r"^(START|END|REPORT) RequestId: ([0-9a-fA-F-]+)")


class MalformedQuery(ValueError):
    """AWS's refusal of a query string: 400 MalformedQueryException, with where it failed."""

    def __init__(self, message: str, start: int = 0, end: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


# -- tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # name, field, string, number, duration, regex, op, end
    text: str
    value: Any
    start: int
    end: int


_OPS = (
    "!=",
    "<=",
    ">=",
    "=~",
    "=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "(",
    ")",
    "[",
    "]",
    ",",
    "|",
)
_NAME = re.compile(r"[@A-Za-z_][A-Za-z0-9_.@$]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "#":  # a comment runs to the end of its line
            while i < n and text[i] != "\n":
                i += 1
            continue
        start = i
        if c in "\"'":
            value, i = _quoted(text, i, c)
            out.append(_Token("string", text[start:i], value, start, i))
            continue
        if c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise MalformedQuery(f"unterminated quoted field name at position {i}", i, n)
            out.append(_Token("field", text[start : end + 1], text[i + 1 : end], start, end + 1))
            i = end + 1
            continue
        previous = out[-1] if out else None
        if (
            c == "/"
            and previous is not None
            and (
                (previous.kind == "name" and previous.text.lower() == "like")
                or previous.text == "=~"
            )
        ):
            pattern, i = _regex(text, i)
            out.append(_Token("regex", text[start:i], pattern, start, i))
            continue
        if c.isdigit():
            match = _NUMBER.match(text, i)
            assert match is not None
            i = match.end()
            unit = re.match(r"[A-Za-z]+", text[i:])
            if unit:
                if unit.group(0).rstrip("s") in _CALENDAR_UNITS or unit.group(0) in _CALENDAR_UNITS:
                    raise MalformedQuery(
                        f"the sandbox does not support calendar spans such as "
                        f"{text[start : i + unit.end()]} (position {start}); use ms, s, m, h, "
                        "d or w",
                        start,
                        i + unit.end(),
                    )
                if unit.group(0) not in _UNITS_MS:
                    raise MalformedQuery(
                        f"unexpected symbol found {text[start : i + unit.end()]} at position "
                        f"{start}: a time span takes ms, s, m, h, d or w",
                        start,
                        i + unit.end(),
                    )
                i += unit.end()
                amount = float(match.group(0)) * _UNITS_MS[unit.group(0)]
                out.append(_Token("duration", text[start:i], amount, start, i))
                continue
            number = float(match.group(0))
            out.append(_Token("number", text[start:i], number, start, i))
            continue
        if match := _NAME.match(text, i):
            i = match.end()
            kind = "field" if c == "@" else "name"
            out.append(_Token(kind, match.group(0), match.group(0), start, i))
            continue
        for op in _OPS:
            if text.startswith(op, i):
                i += len(op)
                out.append(_Token("op", op, op, start, i))
                break
        else:
            raise MalformedQuery(f"unexpected symbol found {c} at position {i}", i, i + 1)
    out.append(_Token("end", "", None, n, n))
    return out


def _quoted(text: str, i: int, quote: str) -> tuple[str, int]:
    chars: list[str] = []
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\" and j + 1 < len(text):
            chars.append(text[j + 1])
            j += 2
            continue
        if c == quote:
            return "".join(chars), j + 1
        chars.append(c)
        j += 1
    raise MalformedQuery(f"unterminated string at position {i}", i, len(text))


def _regex(text: str, i: int) -> tuple[re.Pattern[str], int]:
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == "/":
            source = text[i + 1 : j]
            try:
                return re.compile(source), j + 1
            except re.error as exc:
                raise MalformedQuery(
                    f"invalid regular expression /{source}/ at position {i}: {exc}", i, j + 1
                ) from None
        j += 1
    raise MalformedQuery(f"unterminated regular expression at position {i}", i, len(text))


# -- expressions ------------------------------------------------------------------------------

Row = dict[str, Any]
Expr = Callable[[Row], Any]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _text(value: Any) -> str:
    if isinstance(value, _NumericText):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _format_number(value)
    return str(value)


def _format_number(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        return False
    a, b = _number(left), _number(right)
    numeric = a is not None and b is not None
    if numeric and not (isinstance(left, str) and isinstance(right, str)):
        x, y = a, b
    elif op not in ("=", "!=") and (_number(left) is None) != (_number(right) is None):
        return False  # a number is neither less nor more than a word
    else:
        x, y = _text(left), _text(right)  # type: ignore[assignment]
    if op == "=":
        return bool(x == y)
    if op == "!=":
        return bool(x != y)
    if op == "<":
        return bool(x < y)  # type: ignore[operator]
    if op == "<=":
        return bool(x <= y)  # type: ignore[operator]
    if op == ">":
        return bool(x > y)  # type: ignore[operator]
    return bool(x >= y)  # type: ignore[operator]


def _arith(op: str, left: Any, right: Any) -> float | None:
    a, b = _number(left), _number(right)
    if a is None or b is None:
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return None
    return a / b if op == "/" else math.fmod(a, b)


def _string_function(fn: Callable[[str], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else fn(_text(v))


def _number_function(fn: Callable[[float], float]) -> Callable[[Any], Any]:
    def apply(v: Any) -> Any:
        number = _number(v)
        return None if number is None else fn(number)

    return apply


_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "ispresent": lambda v: v is not None,
    "isempty": lambda v: v is None or _text(v) == "",
    "isblank": lambda v: v is None or _text(v).strip() == "",
    "tolower": _string_function(str.lower),
    "toupper": _string_function(str.upper),
    "strlen": _string_function(len),
    "abs": _number_function(abs),
    "floor": _number_function(lambda x: float(math.floor(x))),
    "ceil": _number_function(lambda x: float(math.ceil(x))),
}


@dataclass(slots=True)
class _Aggregate:
    name: str  # count, avg, sum, min, max, pct
    argument: Expr | None  # None: count(*)
    percentile: float = 0.0

    def value(self, rows: Sequence[Row]) -> Any:
        if self.argument is None:
            return len(rows)
        values = [v for v in (self.argument(r) for r in rows) if v is not None]
        if self.name == "count":
            return len(values)
        numbers = [n for n in (_number(v) for v in values) if n is not None]
        if self.name in ("min", "max") and values and len(numbers) < len(values):
            texts = [_text(v) for v in values]  # strings: min and max compare as text
            return min(texts) if self.name == "min" else max(texts)
        if not numbers:
            return None
        if self.name == "sum":
            return sum(numbers)
        if self.name == "avg":
            return sum(numbers) / len(numbers)
        if self.name == "min":
            return min(numbers)
        if self.name == "max":
            return max(numbers)
        ordered = sorted(numbers)  # pct: nearest rank
        rank = max(1, math.ceil(self.percentile / 100 * len(ordered)))
        return ordered[min(rank, len(ordered)) - 1]


# -- commands ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Fields:
    items: list[tuple[str, Expr]]


@dataclass(slots=True)
class _Display:
    names: list[str]


@dataclass(slots=True)
class _Filter:
    condition: Expr


@dataclass(slots=True)
class _Sort:
    keys: list[tuple[Expr, bool]]  # (key, descending)


@dataclass(slots=True)
class _Limit:
    count: int


@dataclass(slots=True)
class _Stats:
    aggregates: list[tuple[str, _Aggregate]]
    groups: list[tuple[str, Expr]]


_Command = _Fields | _Display | _Filter | _Sort | _Limit | _Stats


@dataclass(slots=True)
class QueryOutcome:
    """What GetQueryResults answers: rows (lists of field/value), and statistics."""

    results: list[list[dict[str, str]]]
    records_matched: int
    records_scanned: int
    bytes_scanned: int
    fields: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Query:
    """A parsed query; `run` evaluates it."""

    text: str
    commands: list[_Command]

    @property
    def has_stats(self) -> bool:
        return any(isinstance(c, _Stats) for c in self.commands)

    def run(
        self, events: Iterable[Mapping[str, Any]], *, account: str, limit: int | None = None
    ) -> QueryOutcome:
        """Evaluate over `events` (each: logGroupName, logStreamName, timestamp, message,
        optionally ingestionTime and eventId). `limit` is StartQuery's."""
        rows: list[Row] = []
        scanned = bytes_scanned = 0
        for event in events:
            scanned += 1
            bytes_scanned += len(str(event.get("message", "")).encode())
            rows.append(event_fields(event, account))
        has_sort = any(isinstance(c, _Sort) for c in self.commands)
        if not has_sort and not self.has_stats:  # AWS: newest first unless told otherwise
            rows.sort(key=lambda r: r["@timestamp"], reverse=True)
        shown: list[str] = []
        display: list[str] | None = None
        matched: int | None = None
        limited = False
        aggregated = False
        for command in self.commands:
            if isinstance(command, _Filter):
                rows = [r for r in rows if command.condition(r) is True]
            elif isinstance(command, _Fields):
                for name, expr in command.items:
                    for r in rows:
                        value = expr(r)
                        if value is None:
                            r.pop(name, None)
                        else:
                            r[name] = value
                    if name not in shown:
                        shown.append(name)
            elif isinstance(command, _Display):
                display = list(command.names)
            elif isinstance(command, _Sort):
                rows = _sorted(rows, command.keys)
            elif isinstance(command, _Limit):
                if matched is None:
                    matched = len(rows)
                rows = rows[: command.count]
                limited = True
            else:
                matched = len(rows) if matched is None else matched
                rows = _aggregate(rows, command)
                shown = [name for name, _ in command.groups] + [
                    name for name, _ in command.aggregates
                ]
                aggregated = True
        if matched is None:
            matched = len(rows)
        cap = limit if limit is not None else (None if limited else DEFAULT_LIMIT)
        if cap is not None:
            rows = rows[:cap]
        columns = display if display is not None else shown
        if not columns:
            columns = ["@timestamp", "@message", "@logStream", "@log"]
        results = []
        for r in rows:
            line = [
                {"field": name, "value": _show(name, r[name])}
                for name in columns
                if r.get(name) is not None
            ]
            if not aggregated:
                line.append({"field": "@ptr", "value": r["@ptr"]})
            results.append(line)
        return QueryOutcome(results, matched, scanned, bytes_scanned, columns)


def _show(name: str, value: Any) -> str:
    if isinstance(value, _Instant):
        return _timestamp_text(int(value))
    return _text(value)


class _Instant(int):
    """Milliseconds since the epoch that show as a timestamp (bin() values)."""


def _timestamp_text(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


def _sorted(rows: list[Row], keys: list[tuple[Expr, bool]]) -> list[Row]:
    """Stable sorts, last key first; rows without a value for a key go last either way."""
    out = list(rows)
    for key, descending in reversed(keys):
        present = [(key(r), r) for r in out]
        have = [(v, r) for v, r in present if v is not None]
        missing = [r for v, r in present if v is None]
        have.sort(key=lambda item: _natural(item[0]), reverse=descending)
        out = [r for _, r in have] + missing
    return out


_CHUNKS = re.compile(r"\d+|\D+")


@functools.total_ordering
class _NaturalKey:
    """AWS's sort order (the `sort` reference): every non-number before every number;
    numbers by value; other values chunk by chunk, runs of digits by length then value,
    anything else by Unicode."""

    __slots__ = ("chunks", "number")

    def __init__(self, value: Any) -> None:
        self.number = (
            _number(value) if not isinstance(value, str) or _NUMERIC.match(value) else None
        )
        self.chunks = [] if self.number is not None else _CHUNKS.findall(_text(value))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _NaturalKey) and self._cmp(other) == 0

    def __lt__(self, other: _NaturalKey) -> bool:
        return self._cmp(other) < 0

    def _cmp(self, other: _NaturalKey) -> int:
        if (self.number is None) != (other.number is None):
            return -1 if self.number is None else 1
        if self.number is not None and other.number is not None:
            return (self.number > other.number) - (self.number < other.number)
        for a, b in zip(self.chunks, other.chunks, strict=False):
            if a.isdigit() and b.isdigit():
                x: tuple[int, int] | str = (len(a), int(a))
                y: tuple[int, int] | str = (len(b), int(b))
            else:
                x, y = a, b
            if x != y:
                return -1 if x < y else 1  # type: ignore[operator]
        return (len(self.chunks) > len(other.chunks)) - (len(self.chunks) < len(other.chunks))


_NUMERIC = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")


def _natural(value: Any) -> _NaturalKey:
    return _NaturalKey(value)


def _aggregate(rows: list[Row], stats: _Stats) -> list[Row]:
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for r in rows:
        key = tuple(expr(r) for _, expr in stats.groups)
        if any(k is None for k in key):
            continue  # AWS leaves out events without a value for a group
        groups.setdefault(key, []).append(r)
    if not stats.groups and not groups:
        groups[()] = []
    out: list[Row] = []
    for key in sorted(groups, key=lambda k: tuple(_natural(v) for v in k)):
        members = groups[key]
        row: Row = {name: value for (name, _), value in zip(stats.groups, key, strict=True)}
        for name, aggregate in stats.aggregates:
            row[name] = aggregate.value(members)
        out.append(row)
    return out


# -- the parser -------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    # helpers
    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def advance(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_op(self, *ops: str) -> bool:
        return self.token.kind == "op" and self.token.text in ops

    def is_word(self, *words: str) -> bool:
        return self.token.kind == "name" and self.token.text.lower() in words

    def expect_op(self, op: str, what: str) -> _Token:
        if not self.is_op(op):
            self.fail(f"expected {op} {what}")
        return self.advance()

    def fail(self, why: str, token: _Token | None = None) -> None:
        token = token or self.token
        found = "the end of the query" if token.kind == "end" else token.text
        raise MalformedQuery(
            f"unexpected symbol found {found} at position {token.start}: {why}",
            token.start,
            token.end,
        )

    # query
    def query(self) -> Query:
        commands: list[_Command] = []
        if self.token.kind == "end":
            raise MalformedQuery("the query is empty", 0, 0)
        while True:
            commands.append(self.command(commands))
            if self.token.kind == "end":
                break
            self.expect_op("|", "between commands")
        return Query(self.text, commands)

    def command(self, before: list[_Command]) -> _Command:
        token = self.token
        word = token.text.lower() if token.kind == "name" else ""
        if word in _REFUSED_COMMANDS:
            raise MalformedQuery(
                f"the sandbox does not support the {_REFUSED_COMMANDS[word]} command "
                f"(position {token.start}); it supports {', '.join(_COMMANDS)}",
                token.start,
                token.end,
            )
        if word not in _COMMANDS:
            raise MalformedQuery(
                f"unexpected symbol found {token.text or 'the end of the query'} at position "
                f"{token.start}: expected a command ({', '.join(_COMMANDS)})",
                token.start,
                token.end,
            )
        self.advance()
        if word == "fields":
            return _Fields(self.named_list(allow_expressions=True))
        if word == "display":
            return _Display([name for name, _ in self.named_list(allow_expressions=False)])
        if word == "filter":
            return _Filter(self.expression())
        if word == "sort":
            return _Sort(self.sort_keys())
        if word == "limit":
            if self.token.kind != "number" or self.token.value != int(self.token.value):
                self.fail("limit takes a whole number")
            count = int(self.advance().value)
            if not 1 <= count <= MAX_LIMIT:
                raise MalformedQuery(
                    f"limit {count} is out of range: it must be from 1 to {MAX_LIMIT}",
                    self.tokens[self.at - 1].start,
                    self.tokens[self.at - 1].end,
                )
            return _Limit(count)
        if any(isinstance(c, _Stats) for c in before):
            raise MalformedQuery(
                f"the sandbox does not support a second stats command (position {token.start})",
                token.start,
                token.end,
            )
        return self.stats()

    def named_list(self, *, allow_expressions: bool) -> list[tuple[str, Expr]]:
        items: list[tuple[str, Expr]] = []
        while True:
            start = self.token
            if allow_expressions:
                expr = self.expression()
            else:
                if start.kind not in ("name", "field"):
                    self.fail("expected a field name")
                expr = _field(self.advance().value)
            name = self.text[start.start : self.tokens[self.at - 1].end]
            if start.kind == "field" and self.tokens[self.at - 1] is start:
                name = start.value
            if self.is_word("as"):
                self.advance()
                name = self.alias()
            items.append((name, expr))
            if not self.is_op(","):
                return items
            self.advance()

    def alias(self) -> str:
        if self.token.kind not in ("name", "field"):
            self.fail("expected a name after as")
        return str(self.advance().value)

    def sort_keys(self) -> list[tuple[Expr, bool]]:
        keys: list[tuple[Expr, bool]] = []
        while True:
            expr = self.expression()
            descending = False
            if self.is_word("asc", "desc"):
                descending = self.advance().text.lower() == "desc"
            keys.append((expr, descending))
            if not self.is_op(","):
                return keys
            self.advance()

    def stats(self) -> _Stats:
        aggregates: list[tuple[str, _Aggregate]] = []
        while True:
            start = self.token
            aggregate = self.aggregate()
            name = self.text[start.start : self.tokens[self.at - 1].end]
            if self.is_word("as"):
                self.advance()
                name = self.alias()
            aggregates.append((name, aggregate))
            if not self.is_op(","):
                break
            self.advance()
        groups: list[tuple[str, Expr]] = []
        if self.is_word("by"):
            self.advance()
            while True:
                start = self.token
                expr = self.group()
                name = self.text[start.start : self.tokens[self.at - 1].end]
                if start.kind == "field" and self.tokens[self.at - 1] is start:
                    name = start.value
                if self.is_word("as"):
                    self.advance()
                    name = self.alias()
                groups.append((name, expr))
                if not self.is_op(","):
                    break
                self.advance()
        return _Stats(aggregates, groups)

    def aggregate(self) -> _Aggregate:
        token = self.token
        name = token.text.lower() if token.kind == "name" else ""
        if name not in _AGGREGATES:
            raise MalformedQuery(
                f"the sandbox does not support {token.text or 'an empty'} in stats (position "
                f"{token.start}); it supports {', '.join(a + '()' for a in _AGGREGATES)}",
                token.start,
                token.end,
            )
        self.advance()
        self.expect_op("(", f"after {name}")
        if name == "count" and (self.is_op("*") or self.is_op(")")):
            if self.is_op("*"):
                self.advance()
            self.expect_op(")", "to close count(*)")
            return _Aggregate("count", None)
        argument = self.expression()
        percentile = 0.0
        if name == "pct":
            self.expect_op(",", "between pct's field and its percentile")
            if self.token.kind != "number" or not 0 <= self.token.value <= 100:
                self.fail("pct takes a percentile from 0 to 100")
            percentile = float(self.advance().value)
        self.expect_op(")", f"to close {name}(")
        return _Aggregate(name, argument, percentile)

    def group(self) -> Expr:
        if self.is_word("bin") and self.tokens[self.at + 1].text == "(":
            self.advance()
            self.advance()
            span = self.token
            if span.kind != "duration" or span.value <= 0:
                self.fail("bin takes a time span such as 5m")
            self.advance()
            self.expect_op(")", "to close bin(")
            width = int(span.value)

            def binned(row: Row) -> Any:
                ms = row.get("@timestamp")
                return None if ms is None else _Instant(int(ms) // width * width)

            return binned
        return self.expression()

    # expressions, loosest first
    def expression(self) -> Expr:
        left = self.conjunction()
        while self.is_word("or"):
            self.advance()
            right = self.conjunction()
            left = (lambda a, b: lambda r: a(r) is True or b(r) is True)(left, right)
        return left

    def conjunction(self) -> Expr:
        left = self.negation()
        while self.is_word("and"):
            self.advance()
            right = self.negation()
            left = (lambda a, b: lambda r: a(r) is True and b(r) is True)(left, right)
        return left

    def negation(self) -> Expr:
        if self.is_word("not"):
            self.advance()
            inner = self.negation()
            return lambda r: inner(r) is not True
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        negated = False
        if self.is_word("not") and self.tokens[self.at + 1].text.lower() in ("like", "in"):
            self.advance()
            negated = True
        if self.is_op("=", "!=", "<", "<=", ">", ">="):
            op = self.advance().text
            right = self.additive()
            return lambda r: _compare(op, left(r), right(r))
        if self.is_word("like") or self.is_op("=~"):
            self.advance()
            token = self.token
            if token.kind == "regex":
                pattern: re.Pattern[str] = token.value
                test: Callable[[str], bool] = lambda s: pattern.search(s) is not None  # noqa: E731
            elif token.kind == "string":
                needle: str = token.value
                test = lambda s: needle in s  # noqa: E731
            else:
                self.fail('like takes a "string" or a /regular expression/')
            self.advance()

            def like(row: Row) -> bool:
                value = left(row)
                return value is not None and test(_text(value)) != negated

            return like
        if self.is_word("in"):
            self.advance()
            self.expect_op("[", "after in")
            members: list[Any] = []
            while not self.is_op("]"):
                if self.token.kind not in ("string", "number"):
                    self.fail("in takes a list of strings and numbers")
                members.append(self.advance().value)
                if self.is_op(","):
                    self.advance()
                elif not self.is_op("]"):
                    self.fail("expected , or ] in the list")
            self.advance()

            def within(row: Row) -> bool:
                value = left(row)
                return (
                    value is not None and any(_compare("=", value, m) for m in members) != negated
                )

            return within
        if negated:
            self.fail("expected like or in after not")
        return left

    def additive(self) -> Expr:
        left = self.multiplicative()
        while self.is_op("+", "-"):
            op = self.advance().text
            right = self.multiplicative()
            left = (lambda a, b, o: lambda r: _arith(o, a(r), b(r)))(left, right, op)
        return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        while self.is_op("*", "/", "%"):
            op = self.advance().text
            right = self.unary()
            left = (lambda a, b, o: lambda r: _arith(o, a(r), b(r)))(left, right, op)
        return left

    def unary(self) -> Expr:
        if self.is_op("-"):
            self.advance()
            inner = self.unary()
            return lambda r: _arith("-", 0.0, inner(r))
        return self.primary()

    def primary(self) -> Expr:
        token = self.token
        if token.kind in ("number", "string"):
            self.advance()
            constant = token.value
            return lambda r: constant
        if self.is_op("("):
            self.advance()
            inner = self.expression()
            self.expect_op(")", "to close (")
            return inner
        if token.kind == "name" and self.tokens[self.at + 1].text == "(":
            name = token.text.lower()
            if name not in _FUNCTIONS:
                raise MalformedQuery(
                    f"the sandbox does not support the function {token.text} here (position "
                    f"{token.start}); it supports {', '.join(_FUNCTIONS)}",
                    token.start,
                    token.end,
                )
            self.advance()
            self.advance()
            argument = self.expression()
            self.expect_op(")", f"to close {name}(")
            function = _FUNCTIONS[name]
            return lambda r: function(argument(r))
        if token.kind == "field" or (
            token.kind == "name"
            and token.text.lower()
            not in ("and", "or", "not", "like", "in", "as", "by", "asc", "desc")
        ):
            self.advance()
            return _field(token.value)
        self.fail("expected a field, a value or (")
        raise AssertionError("unreachable")


def _field(name: str) -> Expr:
    return lambda r: r.get(name)


def parse_query(text: str) -> Query:
    """The query in `text`, or MalformedQuery naming what is wrong or not supported."""
    if len(text) > MAX_QUERY_LENGTH:
        raise MalformedQuery(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    return _Parser(text).query()


# -- events as fields -------------------------------------------------------------------------


def event_fields(event: Mapping[str, Any], account: str) -> Row:
    """The fields Logs Insights discovers in one event."""
    message = str(event.get("message", ""))
    group = str(event.get("logGroupName", ""))
    row: Row = {}
    if message.lstrip().startswith("{"):
        try:
            document = json.loads(message)
        except json.JSONDecodeError:
            document = None
        if isinstance(document, dict):
            _flatten(document, "", row)
    timestamp = int(event.get("timestamp", 0))
    row.update(
        {
            "@timestamp": _Instant(timestamp),
            "@message": message,
            "@logStream": str(event.get("logStreamName", "")),
            "@log": f"{account}:{group}",
        }
    )
    if event.get("ingestionTime") is not None:
        row["@ingestionTime"] = _Instant(int(event["ingestionTime"]))
    if group.startswith("/aws/lambda/") and (line := _LAMBDA_LINE.match(message)):
        row["@type"], row["@requestId"] = line.group(1), line.group(2)
        if line.group(1) == "REPORT":
            for name, pattern, scale in _REPORT_PATTERNS:
                if found := pattern.search(message):
                    text = found.group(1)
                    row[name] = float(text) * scale if scale != 1 else _numeric_text(text)
    pointer = f"{group}|{event.get('logStreamName', '')}|{timestamp}|{event.get('eventId', '')}"
    row["@ptr"] = base64.b64encode(pointer.encode()).decode()
    return row


class _NumericText(float):
    """A number read from a log line that shows as it was written (`5123.45`, not 5123.45000)."""

    text: str

    def __new__(cls, text: str) -> _NumericText:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text


def _numeric_text(text: str) -> float:
    return _NumericText(text)


def _flatten(value: Mapping[str, Any], prefix: str, into: Row) -> None:
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            _flatten(item, name + ".", into)
        elif isinstance(item, list):
            for index, element in enumerate(item):
                if isinstance(element, dict):
                    _flatten(element, f"{name}.{index}.", into)
                elif element is not None:
                    into[f"{name}.{index}"] = element
        elif item is not None:
            into[name] = item
