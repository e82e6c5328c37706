"""Keep secrets out of log output and error text while a call that carries one is in flight.

botocore logs request parameters at DEBUG; a password passed to AdminSetUserPassword
would be in that line. While a secret is registered, a filter on the AWS libraries'
loggers (and ours) rewrites any record that contains it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from todotui.actions.model import REDACTED

_LOGGER_PREFIXES = (
    "botocore",
    "aiobotocore",
    "urllib3",
    "aiohttp",
    "asyncio",
    "todotui",
    "moto",
    "werkzeug",
)


def _forms(secret: str) -> set[str]:
    """The secret as it may appear in a log line: raw, JSON-escaped (a request body),
    repr-escaped, and each escaped once more (a JSON body inside a logged dict)."""
    forms = {secret}
    for _ in range(2):
        forms |= {json.dumps(f)[1:-1] for f in forms} | {repr(f)[1:-1] for f in forms}
        forms |= {json.dumps(f, ensure_ascii=False)[1:-1] for f in forms}
    return forms


def scrub(text: str, secrets: set[str]) -> str:
    forms = {form for secret in secrets if secret for form in _forms(secret)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


class _SecretFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        active = set(self.secrets)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: render it ourselves rather than leak args
            message = str(record.msg)
        clean = scrub(message, active)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, active)
        return True


_FILTER = _SecretFilter()


def _install() -> None:
    loggers = [logging.getLogger()]
    for name in list(logging.root.manager.loggerDict):
        if name.startswith(_LOGGER_PREFIXES):
            loggers.append(logging.getLogger(name))
    for logger in loggers:
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)


@contextmanager
def secrets_in_flight(secrets: set[str]) -> Iterator[None]:
    """While inside, any log record containing one of `secrets` is rewritten with "********"."""
    secrets = {s for s in secrets if s}
    if not secrets:
        yield
        return
    _install()
    for s in secrets:
        _FILTER.secrets[s] = _FILTER.secrets.get(s, 0) + 1
    try:
        yield
    finally:
        for s in secrets:
            count = _FILTER.secrets.get(s, 0) - 1
            if count <= 0:
                _FILTER.secrets.pop(s, None)
            else:
                _FILTER.secrets[s] = count
