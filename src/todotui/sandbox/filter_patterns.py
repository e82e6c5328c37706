"""CloudWatch Logs filter patterns, matched as AWS matches them (moto matches anything else
than one term or one quoted phrase against every event).

Pure. `compile_pattern(text)` returns a `FilterPattern` whose `matches(message)` says whether
a log event's message matches, or raises `InvalidFilterPattern` with AWS's words. What it
covers (CloudWatch Logs "Filter pattern syntax"):

- Terms, case-sensitive, each found anywhere in the message: `ERROR Exception` needs both;
  a phrase with anything but letters, digits, `_`, `.` and `-` goes in double quotes
  (`"Task timed out"`); `?ERROR ?WARN` needs either of the `?`-terms; `-DEBUG` excludes
  events with the term. An empty pattern matches every event.
- JSON patterns in braces: `{ $.level = "ERROR" }`, selectors `$.a.b` and `$.a[0]`, string
  comparisons `=` and `!=` (a `*` in the value matches any characters, quoted or not),
  numeric comparisons `= != < > <= >=`, `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`,
  combined with `&&` and `||` (`&&` binds tighter) and parentheses. A message that is not a
  JSON object never matches a JSON pattern.

Anything else is refused, never matched loosely: space-delimited (`[ip, user, ...]`) and
regular-expression (`%...%`) patterns are valid on AWS but not implemented here, so they are
refused with a message that says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_PATTERN_LENGTH = 1024
"""AWS's limit on filterPattern (FilterLogEvents, PutMetricFilter)."""

_BARE_TERM = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.\-]*$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")

_MISSING = object()
"""A selector that names nothing in the event."""


class InvalidFilterPattern(ValueError):
    """AWS's refusal of a filter pattern: 400 InvalidParameterException with `message`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class FilterPattern:
    """A compiled pattern: `matches(message)` for one log event's message."""

    text: str
    _match: Callable[[str], bool]

    def matches(self, message: str) -> bool:
        return self._match(message)


def compile_pattern(text: str | None) -> FilterPattern:
    """`text` compiled, or InvalidFilterPattern in AWS's words."""
    source = text or ""
    if len(source) > MAX_PATTERN_LENGTH:
        raise InvalidFilterPattern(
            "1 validation error detected: Value at 'filterPattern' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_PATTERN_LENGTH}"
        )
    stripped = source.strip()
    if not stripped:
        return FilterPattern(source, lambda _message: True)
    if stripped.startswith("{"):
        return FilterPattern(source, _compile_json(stripped))
    if stripped.startswith("["):
        raise InvalidFilterPattern(
            "Invalid filter pattern: space-delimited patterns ([field, ...]) are not "
            "supported by the sandbox"
        )
    return FilterPattern(source, _compile_terms(stripped))


def matches(pattern: str | None, message: str) -> bool:
    """Whether `message` matches `pattern` (InvalidFilterPattern if it does not compile)."""
    return compile_pattern(pattern).matches(message)


# -- terms ----------------------------------------------------------------------------------------


def _compile_terms(text: str) -> Callable[[str], bool]:
    required: list[str] = []
    optional: list[str] = []
    excluded: list[str] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        start = i
        prefix = ""
        if text[i] in "?-" and i + 1 < len(text) and not text[i + 1].isspace():
            prefix, i = text[i], i + 1
        if text[i] == '"':
            term, i = _quoted(text, i)
            if not term:
                raise InvalidFilterPattern(f"Invalid character(s) in term '{text[start:i]}'")
        else:
            end = i
            while end < len(text) and not text[end].isspace():
                end += 1
            term, i = text[i:end], end
            if term.startswith("%"):
                raise InvalidFilterPattern(
                    "Invalid filter pattern: regular expressions (%...%) are not supported "
                    "by the sandbox"
                )
            if not _BARE_TERM.match(term):
                raise InvalidFilterPattern(f"Invalid character(s) in term '{text[start:i]}'")
        {"": required, "?": optional, "-": excluded}[prefix].append(term)

    def match(message: str) -> bool:
        if any(t not in message for t in required):
            return False
        if any(t in message for t in excluded):
            return False
        return not optional or any(t in message for t in optional)

    return match


def _quoted(text: str, i: int) -> tuple[str, int]:
    """The double-quoted string at text[i] (backslash escapes a quote) and the index after it."""
    assert text[i] == '"'
    out: list[str] = []
    j = i + 1
    while j < len(text):
        char = text[j]
        if char == "\\" and j + 1 < len(text):
            out.append(text[j + 1])
            j += 2
            continue
        if char == '"':
            return "".join(out), j + 1
        out.append(char)
        j += 1
    raise InvalidFilterPattern(f"Invalid character(s) in term '{text[i:]}'")


# -- JSON -----------------------------------------------------------------------------------------

_Test = Callable[[Any], bool]
"""A test on the parsed event (a dict)."""


@dataclass(slots=True)
class _Token:
    kind: str
    """"(", ")", "&&", "||", "op", "selector", "string", "value", "word"."""
    text: str
    value: Any = None


def _invalid(detail: str) -> InvalidFilterPattern:
    return InvalidFilterPattern(f"Invalid filter pattern: {detail}")


def _compile_json(text: str) -> Callable[[str], bool]:
    if not text.endswith("}"):
        raise _invalid("a JSON pattern ends with '}'")
    tokens = _json_tokens(text[1:-1])
    if not tokens:
        raise _invalid("empty JSON pattern")
    parser = _Parser(tokens)
    test = parser.expression()
    if parser.position != len(tokens):
        raise _invalid(f"unexpected '{tokens[parser.position].text}'")

    def match(message: str) -> bool:
        try:
            event = json.loads(message)
        except (ValueError, RecursionError):
            return False
        return isinstance(event, dict) and test(event)

    return match


def _json_tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char))
            i += 1
        elif text.startswith(("&&", "||"), i):
            tokens.append(_Token(text[i : i + 2], text[i : i + 2]))
            i += 2
        elif text.startswith(("!=", "<=", ">="), i):
            tokens.append(_Token("op", text[i : i + 2]))
            i += 2
        elif char in "=<>":
            tokens.append(_Token("op", char))
            i += 1
        elif char == '"':
            value, end = _quoted_value(text, i)
            tokens.append(_Token("string", text[i:end], value))
            i = end
        elif char == "$":
            end = i
            while end < len(text) and not text[end].isspace() and text[end] not in "()=!<>&|":
                end += 1
            tokens.append(_Token("selector", text[i:end], _selector(text[i:end])))
            i = end
        else:
            end = i
            while end < len(text) and not text[end].isspace() and text[end] not in "()=!<>&|":
                end += 1
            if end == i:
                raise _invalid(f"unexpected '{char}'")
            word = text[i:end]
            tokens.append(_Token("word", word, word))
            i = end
    return tokens


def _quoted_value(text: str, i: int) -> tuple[str, int]:
    try:
        return _quoted(text, i)
    except InvalidFilterPattern:
        raise _invalid(f"unterminated string {text[i:]}") from None


def _selector(text: str) -> tuple[str | int, ...]:
    """`$.a.b[0]` as ("a", "b", 0)."""
    path: list[str | int] = []
    i = 1
    if text == "$":
        raise _invalid("a selector names a field: $.field")
    while i < len(text):
        if text[i] == ".":
            match = _IDENT.match(text, i + 1)
            if not match:
                raise _invalid(f"invalid selector '{text}'")
            path.append(match.group())
            i = match.end()
        elif text[i] == "[":
            close = text.find("]", i)
            index = text[i + 1 : close] if close > 0 else ""
            if not index.isdigit():
                raise _invalid(f"invalid selector '{text}'")
            path.append(int(index))
            i = close + 1
        else:
            raise _invalid(f"invalid selector '{text}'")
    return tuple(path)


def _lookup(event: Any, path: tuple[str | int, ...]) -> Any:
    node = event
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return _MISSING
            node = node[step]
        else:
            if not isinstance(node, dict) or step not in node:
                return _MISSING
            node = node[step]
    return node


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def _peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _next(self, what: str) -> _Token:
        token = self._peek()
        if token is None:
            raise _invalid(f"expected {what} at the end of the pattern")
        self.position += 1
        return token

    def expression(self) -> _Test:
        terms = [self._conjunction()]
        while (token := self._peek()) is not None and token.kind == "||":
            self.position += 1
            terms.append(self._conjunction())
        if len(terms) == 1:
            return terms[0]
        return lambda event: any(t(event) for t in terms)

    def _conjunction(self) -> _Test:
        terms = [self._unary()]
        while (token := self._peek()) is not None and token.kind == "&&":
            self.position += 1
            terms.append(self._unary())
        if len(terms) == 1:
            return terms[0]
        return lambda event: all(t(event) for t in terms)

    def _unary(self) -> _Test:
        token = self._next("a selector or '('")
        if token.kind == "(":
            inner = self.expression()
            close = self._next("')'")
            if close.kind != ")":
                raise _invalid(f"expected ')' at '{close.text}'")
            return inner
        if token.kind != "selector":
            raise _invalid(f"expected a selector such as $.field at '{token.text}'")
        return self._comparison(token.value)

    def _comparison(self, path: tuple[str | int, ...]) -> _Test:
        token = self._next("a comparison")
        if token.kind == "word" and token.text in ("IS", "NOT"):
            return self._keyword_test(token.text, path)
        if token.kind != "op":
            raise _invalid(f"expected a comparison operator at '{token.text}'")
        op = token.text
        value = self._next("a value")
        if value.kind == "word" and _NUMBER.match(value.text):
            return _numeric_test(path, op, float(value.text))
        if value.kind not in ("string", "word"):
            raise _invalid(f"expected a value at '{value.text}'")
        if op not in ("=", "!="):
            raise _invalid(f"'{op}' compares numbers, not '{value.text}'")
        return _string_test(path, op == "=", str(value.value))

    def _keyword_test(self, keyword: str, path: tuple[str | int, ...]) -> _Test:
        word = self._next("NULL, TRUE, FALSE or EXISTS")
        if keyword == "NOT":
            if word.text != "EXISTS":
                raise _invalid(f"expected EXISTS after NOT, not '{word.text}'")
            return lambda event: _lookup(event, path) is _MISSING
        wanted = {"NULL": None, "TRUE": True, "FALSE": False}
        if word.text not in wanted:
            raise _invalid(f"expected NULL, TRUE or FALSE after IS, not '{word.text}'")
        expected = wanted[word.text]
        return lambda event: _lookup(event, path) is expected


def _numeric_test(path: tuple[str | int, ...], op: str, number: float) -> _Test:
    compare: dict[str, Callable[[float], bool]] = {
        "=": lambda x: x == number,
        "!=": lambda x: x != number,
        "<": lambda x: x < number,
        ">": lambda x: x > number,
        "<=": lambda x: x <= number,
        ">=": lambda x: x >= number,
    }
    check = compare[op]

    def test(event: Any) -> bool:
        found = _lookup(event, path)
        if isinstance(found, bool) or not isinstance(found, int | float):
            return False
        return check(float(found))

    return test


def _string_test(path: tuple[str | int, ...], equal: bool, value: str) -> _Test:
    if "*" in value:
        pieces = [re.escape(p) for p in value.split("*")]
        regex = re.compile("(?s:" + ".*".join(pieces) + r")\Z")

        def same(text: str) -> bool:
            return regex.match(text) is not None

    else:

        def same(text: str) -> bool:
            return text == value

    def test(event: Any) -> bool:
        found = _lookup(event, path)
        if found is _MISSING or found is None or isinstance(found, dict | list):
            return False
        text = json.dumps(found) if isinstance(found, bool) else str(found)
        return same(text) == equal

    return test
