"""Field parsers: text from a dialog in, a typed value or one clear message out.

Every action validates all its fields with these before anything is sent, and
collects one message per field (`FieldErrors`), so the dialog can show each beside
its input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from todotui.actions.model import InvalidInput

T = TypeVar("T")

_UNIT_SUFFIX = re.compile(r"^\s*[-+]?\d+(?:\.\d+)?\s*([A-Za-z%]+)\s*$")


class FieldError(ValueError):
    """One field's problem, in words for the operator."""


def _unit_hint(text: str, unit: str | None) -> str | None:
    match = _UNIT_SUFFIX.match(text)
    if not match:
        return None
    suffix = match.group(1)
    if unit:
        return f"write a plain number without a unit: the unit is already {unit} (got {suffix!r})"
    return f"write a plain number without a unit (got {suffix!r})"


def parse_int(
    text: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    unit: str | None = None,
    why_min: str = "",
) -> int:
    raw = (text or "").strip()
    if not raw:
        raise FieldError("required")
    hint = _unit_hint(raw, unit)
    if hint:
        raise FieldError(hint)
    try:
        value = int(raw, 10)
    except ValueError:
        try:
            as_float = float(raw)
        except ValueError:
            raise FieldError(f"not a whole number: {raw[:20]!r}") from None
        if math.isfinite(as_float):
            raise FieldError(
                f"must be a whole number{f' of {unit}' if unit else ''} (got {raw[:20]})"
            ) from None
        raise FieldError(f"not a whole number: {raw[:20]!r}") from None
    _check_range(value, minimum, maximum, unit, why_min)
    return value


def parse_float(
    text: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    unit: str | None = None,
) -> float:
    raw = (text or "").strip()
    if not raw:
        raise FieldError("required")
    hint = _unit_hint(raw, unit)
    if hint:
        raise FieldError(hint)
    try:
        value = float(raw)
    except ValueError:
        raise FieldError(f"not a number: {raw[:20]!r}") from None
    if not math.isfinite(value):
        raise FieldError("must be a finite number")
    _check_range(value, minimum, maximum, unit, "")
    return value


def _check_range(
    value: float, minimum: float | None, maximum: float | None, unit: str | None, why: str
) -> None:
    suffix = f" {unit}" if unit else ""
    if minimum is not None and value < minimum:
        raise FieldError(f"must be at least {_fmt(minimum)}{suffix}" + (f": {why}" if why else ""))
    if maximum is not None and value > maximum:
        raise FieldError(f"must be at most {_fmt(maximum)}{suffix}")


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def parse_choice(text: str, choices: Iterable[str], *, what: str = "value") -> str:
    options = list(choices)
    raw = (text or "").strip()
    if not raw:
        raise FieldError("required")
    if raw in options:
        return raw
    shown = ", ".join(options[:12]) + (" ..." if len(options) > 12 else "")
    raise FieldError(
        f"unknown {what} {raw[:40]!r}; choose one of: {shown}"
        if options
        else f"no {what} available"
    )


def parse_bool(text: str) -> bool:
    raw = (text or "").strip().lower()
    if raw in {"true", "yes", "y", "on", "1"}:
        return True
    if raw in {"false", "no", "n", "off", "0"}:
        return False
    raise FieldError("answer yes or no")


def parse_text(text: str, *, max_length: int, what: str = "text", single_line: bool = False) -> str:
    value = (text or "").strip()
    if not value:
        raise FieldError("required")
    if len(value) > max_length:
        raise FieldError(f"{what} is too long ({len(value)} characters, at most {max_length})")
    if single_line and ("\n" in value or "\r" in value):
        raise FieldError(f"{what} must be one line")
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in value):
        raise FieldError(f"{what} contains control characters")
    return value


class FieldErrors:
    """Collects each field's parse result or message; `raise_if_any` ends validation."""

    def __init__(self, values: dict[str, str]):
        self.values = values
        self.errors: dict[str, str] = {}

    def take(self, name: str, parser: Callable[[str], T]) -> T | None:
        try:
            return parser(self.values.get(name, ""))
        except FieldError as exc:
            self.errors[name] = str(exc)
            return None

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)

    def optional(self, name: str) -> bool:
        """True when the field was left empty."""
        return not (self.values.get(name) or "").strip()


def values_as_text(values: dict[str, Any]) -> dict[str, str]:
    """Dialog values as strings (None -> empty), so parsers see one type."""
    return {k: "" if v is None else str(v) for k, v in values.items()}
