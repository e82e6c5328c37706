"""Cognito AdminInitiateAuth as a test sign-in: the one call the password goes to.

The password is handed in by the caller and passed to the call only; nothing here logs,
keeps or returns it (the caller registers it with the redaction filter for the call's
duration). The answer is reduced to what a check needs: no token leaves this function.
"""

from __future__ import annotations

from typing import Any

#: The admin flows that take a password, in the order tried when the app client allows both.
PASSWORD_FLOWS = {
    "ALLOW_ADMIN_USER_PASSWORD_AUTH": "ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ADMIN_NO_SRP_AUTH",
}


def password_flow(explicit_auth_flows: list[str]) -> str | None:
    """The admin password flow the app client allows (ADMIN_USER_PASSWORD_AUTH is the new
    name of the runbook's ADMIN_NO_SRP_AUTH), or None when it allows neither."""
    for allowed, flow in PASSWORD_FLOWS.items():
        if allowed in explicit_auth_flows:
            return flow
    return None


async def admin_sign_in(
    idp: Any, *, pool_id: str, client_id: str, flow: str, username: str, password: str
) -> dict[str, Any]:
    """AdminInitiateAuth's answer without its tokens: ChallengeName, and for a sign-in the
    token type and lifetime (ExpiresIn); ClientError as AWS refused it."""
    resp = await idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow=flow,
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    result = resp.get("AuthenticationResult") or {}
    return {
        "ChallengeName": resp.get("ChallengeName"),
        "Authenticated": bool(result.get("AccessToken")),
        "ExpiresIn": result.get("ExpiresIn"),
        "TokenType": result.get("TokenType"),
        "RequestId": resp.get("ResponseMetadata", {}).get("RequestId"),
    }
