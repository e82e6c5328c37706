"""The `aws` CLI (v1) command equivalent to an action, quoted so it pastes safely.

Every argument goes through `shlex.quote`: a `$LATEST`, a `*/*` patch path or a
message with quotes reaches the CLI exactly as written. Secrets never appear: the
command reads them from a shell variable the operator fills with `read -rs`.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from todotui.aws.session import ResolvedTarget


class ShellVar:
    """An argument taken from a shell variable (for secrets): rendered as "$NAME"."""

    def __init__(self, name: str):
        self.name = name

    def render(self) -> str:
        return f'"${self.name}"'


Arg = str | ShellVar


def aws_command(
    service: str,
    operation: str,
    args: Sequence[Arg],
    target: ResolvedTarget | None = None,
    *,
    redirect_to: str | None = None,
) -> str:
    """One shell line: `aws SERVICE OPERATION ARGS [--region R] [--endpoint-url U] [> FILE]`."""
    parts: list[Arg] = ["aws", service, operation, *args]
    if target is not None:
        if target.profile:
            parts += ["--profile", target.profile]
        if target.region:
            parts += ["--region", target.region]
        if target.endpoint_url:
            parts += ["--endpoint-url", target.endpoint_url]
    line = " ".join(p.render() if isinstance(p, ShellVar) else shlex.quote(str(p)) for p in parts)
    if redirect_to is not None:
        line += " > " + shlex.quote(redirect_to)
    return line


def read_secret_line(var: str) -> str:
    """The line that asks for a secret without echoing it or keeping it in history."""
    return f"read -rs {var}  # type the value; it is not shown and not kept in history"
