"""Every action and check, by id, and which of them answer which alert topic."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from todotui.actions.apigateway_actions import ApiCache
from todotui.actions.base import Action, ActionContext, CallLog, Check
from todotui.actions.cli_preview import aws_command
from todotui.actions.cloudwatch_actions import AlarmThreshold, EmergencyNotify
from todotui.actions.cognito_actions import (
    AuthChecks,
    DisableUser,
    EnableUser,
    ExportUserPool,
    SetPassword,
)
from todotui.actions.dynamodb_actions import (
    DynamoDbBackup,
    DynamoDbBillingMode,
    DynamoDbCapacity,
    DynamoDbRestore,
    list_backups,
)
from todotui.actions.lambda_actions import (
    AliasRoute,
    LambdaMemory,
    ProvisionedConcurrency,
    PublishVersion,
    RemoveProvisionedConcurrency,
    RemoveReservedConcurrency,
    ReservedConcurrency,
    Rollback,
)
from todotui.actions.model import CheckReport, CheckRow, UnknownAction
from todotui.alerts.model import Topic


class ListBackups(Check):
    id = "list-backups"
    title = "DynamoDB backups"
    summary = "The table's on-demand backups, newest first (runbook: recovery procedures)."

    async def run(self, ctx: ActionContext, calls: CallLog) -> CheckReport:
        table = ctx.stack.table_name
        backups = await list_backups(ctx, table)
        rows = tuple(
            CheckRow(
                b["BackupName"],
                f"{b.get('BackupStatus', '?')}, {b.get('BackupCreationDateTime', '?')}, "
                f"{b.get('BackupSizeBytes', '?')} bytes",
                b.get("BackupStatus") == "AVAILABLE",
            )
            for b in backups
        ) or (CheckRow("Backups", f"none for {table}", None),)
        cli = (
            aws_command("dynamodb", "list-backups", ["--table-name", table], ctx.clients.target),
        )
        return CheckReport(self.id, self.title, rows, cli)


ACTIONS: dict[str, Action] = {
    a.id: a
    for a in (
        DynamoDbCapacity(),
        DynamoDbBillingMode(),
        LambdaMemory(),
        ProvisionedConcurrency(),
        RemoveProvisionedConcurrency(),
        ReservedConcurrency(),
        RemoveReservedConcurrency(),
        ApiCache(),
        Rollback(),
        AliasRoute(),
        PublishVersion(),
        DisableUser(),
        EnableUser(),
        SetPassword(),
        ExportUserPool(),
        DynamoDbBackup(),
        DynamoDbRestore(),
        AlarmThreshold(),
        EmergencyNotify(),
    )
}

CHECKS: dict[str, Check] = {c.id: c for c in (AuthChecks(), ListBackups())}

# The runbook's answer to each alert topic, most likely fix first.
TOPIC_ACTIONS: dict[Topic, tuple[str, ...]] = {
    Topic.THROTTLING: (
        "dynamodb-capacity",
        "dynamodb-billing-mode",
        "reserved-concurrency",
        "provisioned-concurrency",
        "alarm-threshold",
        "emergency-notify",
    ),
    Topic.LATENCY: (
        "lambda-memory",
        "provisioned-concurrency",
        "api-cache",
        "alarm-threshold",
        "emergency-notify",
    ),
    Topic.ERRORS: (
        "rollback",
        "lambda-memory",
        "dynamodb-capacity",
        "dynamodb-backup",
        "alarm-threshold",
        "emergency-notify",
    ),
    Topic.AUTH: (
        "cognito-disable-user",
        "auth-checks",
        "cognito-set-password",
        "cognito-enable-user",
        "cognito-export-pool",
        "emergency-notify",
    ),
    Topic.CONCURRENCY: (
        "provisioned-concurrency",
        "reserved-concurrency",
        "reserved-concurrency-remove",
        "provisioned-concurrency-remove",
        "emergency-notify",
    ),
}


class ActionKind(Enum):
    ACTION = "action"
    """Fields, a plan, a confirmation: `ActionRunner.prepare` then `run`."""
    CHECK = "check"
    """A read-only report: `ActionRunner.check`."""


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """What the command palette and the alert feed list."""

    id: str
    title: str
    summary: str
    kind: ActionKind
    topics: tuple[Topic, ...]


def _info(item: Action | Check) -> ActionInfo:
    kind = ActionKind.CHECK if isinstance(item, Check) else ActionKind.ACTION
    topics = tuple(topic for topic, ids in TOPIC_ACTIONS.items() if item.id in ids)
    return ActionInfo(item.id, item.title, item.summary, kind, topics)


def catalog() -> list[ActionInfo]:
    """Every action then every check, for the command palette."""
    return [_info(a) for a in ACTIONS.values()] + [_info(c) for c in CHECKS.values()]


def info(item_id: str) -> ActionInfo:
    item = ACTIONS.get(item_id) or CHECKS.get(item_id)
    if item is None:
        raise UnknownAction(item_id)
    return _info(item)


def actions_for_topic(topic: Topic | None) -> list[ActionInfo]:
    """The runbook's answers to an alert about `topic`, most likely first; an alert with no
    runbook topic (or one the runbook has no answer for) gets the emergency notification."""
    answers = TOPIC_ACTIONS.get(topic, ()) if topic is not None else ()
    return [info(i) for i in answers or ("emergency-notify",)]


def action(action_id: str) -> Action:
    try:
        return ACTIONS[action_id]
    except KeyError:
        raise UnknownAction(action_id) from None
