"""Cognito: the security-incident actions, the password reset, the auth checks, the pool export.

A password is wrapped in `Secret` as soon as it is parsed: it reaches the one AWS call
that needs it and nothing else (plans, CLI previews, the journal and errors show
"********"; the CLI preview reads it from a shell variable).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from todotui.actions.base import (
    Action,
    ActionContext,
    CallLog,
    Check,
    Observation,
    UndoSpec,
    is_not_found,
    utc_stamp,
)
from todotui.actions.cli_preview import ShellVar, aws_command, read_secret_line
from todotui.actions.model import (
    CheckReport,
    CheckRow,
    Field,
    FieldKind,
    InvalidInput,
    PartialFailure,
    Plan,
    Risk,
    Secret,
)
from todotui.actions.validation import FieldErrors, parse_bool, parse_text
from todotui.aws.errors import describe_error

_PASSWORD_VAR = "NEW_PASSWORD"
_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def _username(text: str) -> str:
    return parse_text(text, max_length=128, what="username", single_line=True)


async def get_user(ctx: ActionContext, pool_id: str, username: str) -> dict[str, Any] | None:
    try:
        return await ctx.read(
            "cognito-idp", "admin_get_user", UserPoolId=pool_id, Username=username
        )
    except ClientError as exc:
        if is_not_found(exc, "UserNotFoundException"):
            return None
        raise


async def _known_user(ctx: ActionContext, errors: FieldErrors) -> tuple[str, str, dict[str, Any]]:
    """Parse the username field and look the user up; an unknown user is a field error."""
    username = errors.take("username", _username)
    errors.raise_if_any()
    assert username
    pool_id = await ctx.resolver.user_pool_id()
    user = await get_user(ctx, pool_id, username)
    if user is None:
        raise InvalidInput(
            {"username": f"no user {username!r} in user pool {ctx.stack.user_pool_name}"}
        )
    return pool_id, username, user


def _user_pairs(user: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return (
        ("Enabled", "yes" if user.get("Enabled", True) else "no"),
        ("Status", str(user.get("UserStatus", "?"))),
    )


def _user_field() -> Field:
    return Field(
        "username", "Username", FieldKind.TEXT, help="the user's name in the pool (often an email)"
    )


class DisableUser(Action):
    id = "cognito-disable-user"
    title = "Disable a user and sign them out everywhere"
    summary = "Security incident: lock a compromised account (runbook: immediate actions)."

    async def fields(self, ctx: ActionContext) -> list[Field]:
        return [_user_field()]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        pool_id, username, user = await _known_user(ctx, FieldErrors(values))
        warnings = []
        if not user.get("Enabled", True):
            warnings.append("The user is already disabled; the global sign-out still runs.")
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"cognito {ctx.stack.user_pool_name}/{username}",
            params={"username": username},
            before=_user_pairs(user),
            after=(
                ("Enabled", "no"),
                ("Status", str(user.get("UserStatus", "?"))),
                ("Sessions", "signed out"),
            ),
            effects=(
                "The user cannot sign in; disabling also revokes the user's access tokens in Cognito.",
                "The global sign-out revokes every refresh token: no new tokens can be obtained.",
                "Access tokens already issued may stay valid up to their expiry (1 h by default) "
                "at services that check them offline (e.g. an API Gateway authorizer's cache).",
            ),
            cli=(
                aws_command(
                    "cognito-idp",
                    "admin-disable-user",
                    ["--user-pool-id", pool_id, "--username", username],
                    ctx.clients.target,
                ),
                aws_command(
                    "cognito-idp",
                    "admin-user-global-sign-out",
                    ["--user-pool-id", pool_id, "--username", username],
                    ctx.clients.target,
                ),
            ),
            risk=Risk.SECURITY,
            confirm_text=username,
            undo_possible=True,
            undo_note="enables the user again (the sign-out cannot be undone: the user signs in anew)",
            state={"pool_id": pool_id, "was_enabled": bool(user.get("Enabled", True))},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        pool_id, username = plan.state["pool_id"], plan.params["username"]
        await calls("cognito-idp", "admin_disable_user", UserPoolId=pool_id, Username=username)
        try:
            resp = await calls(
                "cognito-idp", "admin_user_global_sign_out", UserPoolId=pool_id, Username=username
            )
        except ClientError as exc:
            raise PartialFailure(
                f"the user IS disabled, but the global sign-out failed: {describe_error(exc)}"
            ) from exc
        return {"signout_request_id": resp.get("ResponseMetadata", {}).get("RequestId", "")}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        user = await get_user(ctx, plan.state["pool_id"], plan.params["username"])
        if user is None:
            return Observation(False, (("User", "not found"),), final=True)
        signout = result.get("signout_request_id")
        signed_out = f"accepted by AWS (request {signout})" if signout else "not confirmed"
        pairs = (*_user_pairs(user), ("Global sign-out", signed_out))
        return Observation(not user.get("Enabled", True) and bool(signout), pairs)

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        if not plan.state.get("was_enabled", True):
            return None
        return UndoSpec(EnableUser.id, {"username": plan.params["username"]})


class EnableUser(Action):
    id = "cognito-enable-user"
    title = "Enable a user"
    summary = "Let a disabled user sign in again."

    async def fields(self, ctx: ActionContext) -> list[Field]:
        return [_user_field()]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        pool_id, username, user = await _known_user(ctx, FieldErrors(values))
        if user.get("Enabled", True):
            raise InvalidInput({"username": f"{username} is already enabled"})
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"cognito {ctx.stack.user_pool_name}/{username}",
            params={"username": username},
            before=_user_pairs(user),
            after=(("Enabled", "yes"), ("Status", str(user.get("UserStatus", "?")))),
            effects=(
                "The user can sign in again with their current password.",
                "If the account was compromised, reset the password first.",
            ),
            cli=(
                aws_command(
                    "cognito-idp",
                    "admin-enable-user",
                    ["--user-pool-id", pool_id, "--username", username],
                    ctx.clients.target,
                ),
            ),
            risk=Risk.SECURITY,
            confirm_text=username,
            undo_possible=True,
            undo_note="disables the user and signs them out everywhere",
            state={"pool_id": pool_id},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        await calls(
            "cognito-idp",
            "admin_enable_user",
            UserPoolId=plan.state["pool_id"],
            Username=plan.params["username"],
        )
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        user = await get_user(ctx, plan.state["pool_id"], plan.params["username"])
        if user is None:
            return Observation(False, (("User", "not found"),), final=True)
        return Observation(bool(user.get("Enabled", True)), _user_pairs(user))

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        return UndoSpec(DisableUser.id, {"username": plan.params["username"]})


def password_problems(password: str, policy: dict[str, Any]) -> str | None:
    """What the pool's password policy refuses, without ever echoing the password."""
    minimum = int(policy.get("MinimumLength", 8))
    problems = []
    if len(password) < minimum:
        problems.append(f"at least {minimum} characters")
    if len(password) > 256:
        problems.append("at most 256 characters")
    if policy.get("RequireUppercase") and not any(c.isupper() for c in password):
        problems.append("an uppercase letter")
    if policy.get("RequireLowercase") and not any(c.islower() for c in password):
        problems.append("a lowercase letter")
    if policy.get("RequireNumbers") and not any(c.isdigit() for c in password):
        problems.append("a number")
    if policy.get("RequireSymbols") and not any(c in _SYMBOLS for c in password):
        problems.append("a symbol")
    if password != password.strip():
        problems.append("no leading or trailing spaces")
    if any(ord(c) < 32 for c in password):
        problems.append("no control characters")
    return "the pool's policy needs " + ", ".join(problems) if problems else None


class SetPassword(Action):
    id = "cognito-set-password"
    title = "Set a user's password"
    summary = "Reset a user's password (runbook: reset user password); the password is never shown or stored."

    async def fields(self, ctx: ActionContext) -> list[Field]:
        return [
            _user_field(),
            Field(
                "password",
                "New password",
                FieldKind.SECRET,
                help="masked; never shown, logged or journaled",
            ),
            Field(
                "permanent",
                "Permanent",
                FieldKind.BOOL,
                help="no: the user must choose a new one at next sign-in",
                default="no",
            ),
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        raw = values.get("password") or ""
        if not raw:
            errors.add("password", "required")
        permanent = errors.take("permanent", parse_bool)
        pool_id, username, user = await _known_user(ctx, errors)
        pool = (await ctx.read("cognito-idp", "describe_user_pool", UserPoolId=pool_id))["UserPool"]
        problem = password_problems(raw, (pool.get("Policies") or {}).get("PasswordPolicy") or {})
        if problem:
            raise InvalidInput({"password": problem})
        new_status = "CONFIRMED" if permanent else "FORCE_CHANGE_PASSWORD"
        flag = "--permanent" if permanent else "--no-permanent"
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"cognito {ctx.stack.user_pool_name}/{username}",
            params={"username": username, "password": Secret(raw), "permanent": bool(permanent)},
            before=(("Status", str(user.get("UserStatus", "?"))), ("Password", "********")),
            after=(("Status", new_status), ("Password", "******** (new)")),
            effects=(
                "The old password stops working at once.",
                "Existing sessions are NOT signed out: pair with a global sign-out if the account was compromised.",
                "Give the password to the user over a separate, trusted channel.",
            ),
            cli=(
                read_secret_line(_PASSWORD_VAR),
                aws_command(
                    "cognito-idp",
                    "admin-set-user-password",
                    [
                        "--user-pool-id",
                        pool_id,
                        "--username",
                        username,
                        "--password",
                        ShellVar(_PASSWORD_VAR),
                        flag,
                    ],
                    ctx.clients.target,
                ),
            ),
            risk=Risk.SECURITY,
            confirm_text=username,
            undo_possible=False,
            undo_note="a password cannot be set back (the old one is not known to anyone)",
            state={"pool_id": pool_id},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        await calls(
            "cognito-idp",
            "admin_set_user_password",
            UserPoolId=plan.state["pool_id"],
            Username=plan.params["username"],
            Password=plan.params["password"].reveal(),
            Permanent=plan.params["permanent"],
        )
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        user = await get_user(ctx, plan.state["pool_id"], plan.params["username"])
        if user is None:
            return Observation(False, (("User", "not found"),), final=True)
        wanted = "CONFIRMED" if plan.params["permanent"] else "FORCE_CHANGE_PASSWORD"
        return Observation(
            user.get("UserStatus") == wanted, (("Status", str(user.get("UserStatus"))),)
        )


class ExportUserPool(Action):
    id = "cognito-export-pool"
    title = "Export the user pool configuration"
    summary = "Save describe-user-pool as JSON to a local file (runbook: backup procedures)."
    mutates_aws = False

    def _default_path(self, ctx: ActionContext) -> Path:
        return (
            ctx.export_dir
            / f"cognito-backup-{ctx.stack.user_pool_name}-{utc_stamp(ctx.now())}.json"
        )

    async def fields(self, ctx: ActionContext) -> list[Field]:
        return [
            Field(
                "path",
                "File",
                FieldKind.TEXT,
                help="a new JSON file (never overwritten)",
                default=str(self._default_path(ctx)),
            )
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        text = errors.take(
            "path", lambda t: parse_text(t, max_length=4096, what="path", single_line=True)
        )
        errors.raise_if_any()
        assert text
        path = await asyncio.to_thread(_new_export_path, text, ctx.export_dir)
        pool_id = await ctx.resolver.user_pool_id()
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"cognito {ctx.stack.user_pool_name}",
            params={"path": str(path)},
            before=(("File", "does not exist"),),
            after=(("File", str(path)),),
            effects=(
                "Reads the pool's configuration (no users, no passwords) and writes it locally.",
            ),
            cli=(
                aws_command(
                    "cognito-idp",
                    "describe-user-pool",
                    ["--user-pool-id", pool_id],
                    ctx.clients.target,
                    redirect_to=str(path),
                ),
            ),
            risk=Risk.LOW,
            confirm_text=ctx.stack.user_pool_name,
            undo_possible=False,
            undo_note="nothing in AWS changed; delete the file if unwanted",
            state={"pool_id": pool_id},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        resp = await calls("cognito-idp", "describe_user_pool", UserPoolId=plan.state["pool_id"])
        body = {k: v for k, v in resp.items() if k != "ResponseMetadata"}
        await asyncio.to_thread(_write_export, Path(plan.params["path"]), body)
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        path = Path(plan.params["path"])
        try:
            data, size = await asyncio.to_thread(_read_export, path)
        except (OSError, ValueError) as exc:
            return Observation(False, (("File", f"unreadable ({exc})"),), final=True)
        pool_id = (data.get("UserPool") or {}).get("Id")
        ok = pool_id == plan.state["pool_id"]
        return Observation(
            ok, (("File", str(path)), ("User pool", str(pool_id)), ("Bytes", str(size)))
        )


# The export's file work runs in a thread: a slow disk must not stall the cockpit's loop.


def _new_export_path(text: str, export_dir: Path) -> Path:
    """Where the export goes: a new file in a writable directory (InvalidInput otherwise)."""
    path = Path(os.path.expanduser(text))
    if not path.is_absolute():
        path = export_dir / path
    if path.exists():
        raise InvalidInput({"path": f"{path} already exists: choose a new file"})
    parent = next((p for p in [path.parent, *path.parent.parents] if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK):
        raise InvalidInput({"path": f"cannot write under {path.parent}"})
    return path


def _write_export(path: Path, body: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as fh:  # "x": never overwrite a file
        json.dump(body, fh, indent=2, default=str)


def _read_export(path: Path) -> tuple[dict[str, Any], int]:
    return json.loads(path.read_text(encoding="utf-8")), path.stat().st_size


class AuthChecks(Check):
    id = "auth-checks"
    title = "Authentication checks"
    summary = "User pool, app client and API authorizers, as the runbook checks them."

    async def run(self, ctx: ActionContext, calls: CallLog) -> CheckReport:
        rows: list[CheckRow] = []
        errors: list[str] = []
        cli: list[str] = []
        target = ctx.clients.target
        pool_arn = None
        try:
            pool_id = await ctx.resolver.user_pool_id()
            pool = (await calls("cognito-idp", "describe_user_pool", UserPoolId=pool_id))[
                "UserPool"
            ]
            pool_arn = pool.get("Arn")
            cli.append(
                aws_command(
                    "cognito-idp", "describe-user-pool", ["--user-pool-id", pool_id], target
                )
            )
            rows.append(CheckRow("User pool", f"{pool.get('Name')} ({pool_id})", True))
            status = pool.get("Status")
            if status:
                rows.append(CheckRow("Pool status", status, status == "Enabled"))
            rows.append(
                CheckRow("Users (estimate)", str(pool.get("EstimatedNumberOfUsers", "unknown")))
            )
            rows.append(CheckRow("MFA", str(pool.get("MfaConfiguration", "unknown"))))
            policy = (pool.get("Policies") or {}).get("PasswordPolicy") or {}
            if policy:
                rows.append(
                    CheckRow("Password minimum length", str(policy.get("MinimumLength", "?")))
                )
            client_id = await ctx.resolver.user_pool_client_id()
            client = (
                await calls(
                    "cognito-idp",
                    "describe_user_pool_client",
                    UserPoolId=pool_id,
                    ClientId=client_id,
                )
            )["UserPoolClient"]
            cli.append(
                aws_command(
                    "cognito-idp",
                    "describe-user-pool-client",
                    ["--user-pool-id", pool_id, "--client-id", client_id],
                    target,
                )
            )
            flows = client.get("ExplicitAuthFlows") or []
            rows.append(CheckRow("App client", f"{client.get('ClientName')} ({client_id})", True))
            rows.append(CheckRow("Auth flows", ", ".join(flows) or "none", bool(flows)))
            rows.append(
                CheckRow(
                    "Refresh tokens allowed",
                    "yes" if "ALLOW_REFRESH_TOKEN_AUTH" in flows else "no",
                    "ALLOW_REFRESH_TOKEN_AUTH" in flows,
                )
            )
            units = client.get("TokenValidityUnits") or {}
            for key, label, unit_default, default in (
                ("AccessTokenValidity", "Access token validity", "hours", "1 hour (default)"),
                ("IdTokenValidity", "ID token validity", "hours", "1 hour (default)"),
                ("RefreshTokenValidity", "Refresh token validity", "days", "30 days (default)"),
            ):
                value = client.get(key)
                unit = units.get(key.removesuffix("Validity"), unit_default)
                rows.append(CheckRow(label, f"{value} {unit}" if value else default))
        except (ClientError, LookupError) as exc:
            errors.append(describe_error(exc) if isinstance(exc, ClientError) else str(exc))
        try:
            api_id = await ctx.resolver.rest_api_id()
            auths = (await calls("apigateway", "get_authorizers", restApiId=api_id)).get(
                "items", []
            )
            cli.append(
                aws_command("apigateway", "get-authorizers", ["--rest-api-id", api_id], target)
            )
            if not auths:
                rows.append(
                    CheckRow(
                        "API authorizers", "none: the API accepts unauthenticated calls", False
                    )
                )
            for auth in auths:
                providers = auth.get("providerARNs") or []
                linked = pool_arn in providers if pool_arn else None
                rows.append(
                    CheckRow(
                        f"Authorizer {auth.get('name')}",
                        f"{auth.get('type')}, "
                        + (
                            "uses this user pool"
                            if linked
                            else "does NOT use this user pool"
                            if linked is False
                            else "pool unknown"
                        ),
                        linked,
                    )
                )
        except (ClientError, LookupError) as exc:
            errors.append(describe_error(exc) if isinstance(exc, ClientError) else str(exc))
        return CheckReport(
            self.id, self.title, tuple(rows), tuple(cli), tuple(errors), tuple(calls.request_ids)
        )
