"""The names of the resources that make up the application, and how a settings file gives them.

A plain frozen dataclass rather than a pydantic model, so the sandbox (which needs only these
names and a region) starts without importing pydantic: ~0.2-0.5 s of a demo's start-up on a
2-core machine. `config.Settings` validates it as one of its sections all the same.
"""

from __future__ import annotations

import dataclasses
import tomllib
from argparse import Namespace
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from todotui.errors import ConfigError
from todotui.locations import config_file


@dataclass(frozen=True, slots=True)
class StackNames:
    """The names of the resources that make up the application."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    function_name: str = "todo-handler"
    """The Lambda function that serves the API."""
    alias: str = "PROD"
    """The function alias that API Gateway invokes; blue-green shifts happen on it."""
    table_name: str = "todos-table"
    """The DynamoDB table the function reads and writes."""
    ondemand_table_name: str = "todos-audit"
    """A second, PAY_PER_REQUEST table (audit trail); shown for contrast in capacity dialogs."""
    api_name: str = "todo-api"
    """The REST API's name (CloudWatch's ApiName dimension)."""
    stage_name: str = "prod"
    """The API stage that serves traffic."""
    user_pool_name: str = "todo-users"
    """The Cognito user pool that signs users in."""
    user_pool_client_name: str = "todo-web"
    """The user pool's app client."""
    error_alarm: str = "todo-lambda-error-rate-dev"
    """CloudWatch alarm on the function's errors."""
    duration_alarm: str = "todo-lambda-duration-dev"
    """CloudWatch alarm on the function's average duration."""
    throttle_alarm: str = "todo-dynamodb-throttles-dev"
    """CloudWatch alarm on the table's throttled requests."""
    alerts_topic: str = "todo-app-alerts-dev"
    """SNS topic that alarms and the emergency notification publish to."""
    log_group: str = "/aws/lambda/todo-handler"
    """The function's log group."""
    emergency_log_group: str = "/aws/operational/emergency"
    """Where the runbook's emergency script logs its notifications."""

    @property
    def alarm_names(self) -> tuple[str, ...]:
        return (self.error_alarm, self.duration_alarm, self.throttle_alarm)

    def replace(self, **names: str) -> StackNames:
        """A copy with some names changed."""
        return dataclasses.replace(self, **names)

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


NAME_FIELDS = frozenset(field.name for field in dataclasses.fields(StackNames))

_SANDBOX_SECTIONS = frozenset({"stack", "aws"})


def settings_path(args: Namespace) -> Path:
    """The settings file a command reads: `--config` (which must exist), else the default
    path (which need not)."""
    path: Path | None = getattr(args, "config", None)
    if path is None:
        return config_file()
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    return path


def read_settings_toml(path: Path) -> dict[str, Any]:
    """A settings file's TOML as a table; unreadable or malformed is a `ConfigError`."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None


def read_sandbox_target(path: Path) -> tuple[StackNames, str | None] | None:
    """The stack's names and the region from a settings file that holds only those, else None.

    The sandbox needs nothing more; a file with other sections (or other `[aws]` keys) is
    left to the full settings model, which validates all of it. A missing file means the
    defaults. Problems are `ConfigError`s in the full model's words: `stack.alias: ...`.
    """
    if not path.exists():
        return StackNames(), None
    data = read_settings_toml(path)
    stack, aws = data.get("stack", {}), data.get("aws", {})
    if set(data) - _SANDBOX_SECTIONS or not isinstance(stack, dict) or not isinstance(aws, dict):
        return None
    if set(aws) - {"region"}:
        return None
    problems = [f"stack.{key}: not a setting" for key in sorted(set(stack) - NAME_FIELDS)]
    problems += [
        f"{section}.{key}: should be a string"
        for section, values in (("stack", stack), ("aws", aws))
        for key, value in values.items()
        if not isinstance(value, str)
    ]
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    names = {key: value for key, value in stack.items() if key in NAME_FIELDS}
    return StackNames(**names), aws.get("region")
