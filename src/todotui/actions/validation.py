"""Field parsers: text from a dialog in, a typed value or one clear message out.

Every action validates all its fields with these before anything is sent, and
collects one message per field (`FieldErrors`), so the dialog can show each beside
its input.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from todotui.actions.model import InvalidInput

T = TypeVar("T")

_UNIT_SUFFIX = re.compile(r"^\s*[-+]?\d+(?:\.\d+)?\s*([A-Za-z%]+)\s*$")


class FieldError(ValueError):
    """One field's problem, in words for the operator."""


_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
"""Everything `str.splitlines` breaks on: a value containing any of them is more than one line."""
_NUMBER_CHARS = frozenset("0123456789+-.eE")


def _char_name(ch: str) -> str:
    return f"{ch!r} U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"


def _one_line(text: str, what: str) -> None:
    """Refuse a value with a line break anywhere (a paste of two lines, a typed newline)."""
    for ch in text:
        if ch in _LINE_BREAKS:
            lines = len(text.splitlines()) or 1
            shown = f"{lines} lines" if lines > 1 else "a line break"
            raise FieldError(
                f"{what} must be one line: it contains {shown} "
                "(nothing was cut or joined: retype it on one line)"
            )


def _number_shape(raw: str, what: str) -> None:
    """Refuse anything but ASCII digits, sign, point and exponent: never reinterpret a character.

    Python's `int`/`float` read full-width (`５０`) and Arabic-Indic digits and `1_000` as numbers;
    the operator may not have meant what they would become, so say which character is wrong.
    """
    for ch in raw:
        if ch in _NUMBER_CHARS or ch.isspace():
            continue
        if not ch.isascii():
            kind = "digit" if unicodedata.category(ch) in {"Nd", "No"} else "character"
            raise FieldError(
                f"use the digits 0-9 only: {_char_name(ch)} is a non-ASCII {kind}, "
                f"never converted (retype it as {what})"
            )
        if ch in "_,":
            raise FieldError(
                f"write {what} without separators (got {raw[:24]!r}; e.g. 40000, not 40,000)"
            )


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
    why_max: str = "",
) -> int:
    _one_line(text or "", "the value")
    raw = (text or "").strip()
    if not raw:
        raise FieldError("required")
    _number_shape_or_unit(raw, unit, "a plain whole number")
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
    _check_range(value, minimum, maximum, unit, why_min, why_max)
    return value


def parse_float(
    text: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    unit: str | None = None,
    why_max: str = "",
) -> float:
    _one_line(text or "", "the value")
    raw = (text or "").strip()
    if not raw:
        raise FieldError("required")
    _number_shape_or_unit(raw, unit, "a plain number")
    try:
        value = float(raw)
    except ValueError:
        raise FieldError(f"not a number: {raw[:20]!r}") from None
    if not math.isfinite(value):
        raise FieldError("must be a finite number")
    _check_range(value, minimum, maximum, unit, "", why_max)
    return value


def _number_shape_or_unit(raw: str, unit: str | None, what: str) -> None:
    hint = _unit_hint(raw, unit) if raw.isascii() else None
    if hint:
        raise FieldError(hint)
    _number_shape(raw, what)


def _check_range(
    value: float,
    minimum: float | None,
    maximum: float | None,
    unit: str | None,
    why: str,
    why_max: str = "",
) -> None:
    suffix = f" {unit}" if unit else ""
    if minimum is not None and value < minimum:
        raise FieldError(
            f"must be at least {format_number(minimum)}{suffix}" + (f": {why}" if why else "")
        )
    if maximum is not None and value > maximum:
        raise FieldError(
            f"must be at most {format_number(maximum)}{suffix}"
            + (f" ({why_max})" if why_max else "")
            + f"; got {format_number(value)}"
        )


HUGE = 1e15
"""From here on a number is shown in scientific notation: nobody reads 16 digits at a glance."""


def format_number(value: float) -> str:
    """A number as a person reads it: `3600`, `40,000`, `0.25`, `1.0e+20` (never a 21-digit run).

    Thousands separators from 10,000 on; scientific notation from 1e15 (and below 1e-4).
    """
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if number != 0 and (abs(number) >= HUGE or abs(number) < 1e-4):
        mantissa, exponent = f"{number:.3e}".split("e")
        mantissa = mantissa.rstrip("0")
        return f"{mantissa}0e{exponent}" if mantissa.endswith(".") else f"{mantissa}e{exponent}"
    if number.is_integer():
        whole = int(number)
        return f"{whole:,}" if abs(whole) >= 10_000 else str(whole)
    if abs(number) >= 10_000:
        return f"{number:,.2f}".rstrip("0").rstrip(".")
    return f"{number:.6g}"


def cli_number(value: float) -> str:
    """A number for a shell command: exact and parseable by the CLI (no separators)."""
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if number.is_integer() and abs(number) < HUGE:
        return str(int(number))
    return repr(number)


def usd(amount: float) -> str:
    """Money per hour as a person reads it: $0.0043, $1.30, $26.00."""
    return f"${amount:,.4f}" if abs(amount) < 0.1 else f"${amount:,.2f}"


def implausible_change(
    what: str, before: float, after: float, factor: float, unit: str = ""
) -> str | None:
    """Why `before` -> `after` is out of proportion (more than x`factor` up, below 1/`factor`),
    in one sentence; None when it is in proportion or there is no live value to compare with."""
    if before <= 0 or after <= 0:
        return None
    suffix = f" {unit}" if unit else ""
    moved = f"{what} goes from {format_number(before)} to {format_number(after)}{suffix}"
    if after > before * factor:
        return (
            f"{moved}: x{format_number(round(after / before, 1))}, more than the x{factor:g} "
            "this app accepts on one key"
        )
    if after * factor < before:
        return (
            f"{moved}: 1/{format_number(round(before / after, 1))} of now, below the 1/{factor:g} "
            "this app accepts on one key"
        )
    return None


def parse_choice(text: str, choices: Iterable[str], *, what: str = "value") -> str:
    options = list(choices)
    _one_line(text or "", what)
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
    _one_line(text or "", "the answer")
    raw = (text or "").strip().lower()
    if raw in {"true", "yes", "y", "on", "1"}:
        return True
    if raw in {"false", "no", "n", "off", "0"}:
        return False
    raise FieldError("answer yes or no")


def parse_text(text: str, *, max_length: int, what: str = "text", single_line: bool = False) -> str:
    if single_line:
        _one_line(text or "", what)
    value = (text or "").strip()
    if not value:
        raise FieldError("required")
    if len(value) > max_length:
        raise FieldError(f"{what} is too long ({len(value)} characters, at most {max_length})")
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
