"""The embedded AWS world: moto's server on 127.0.0.1, the Todo stack, live traffic.

This package module stays import-light (constants only): the CLI and the tests import
it without paying for moto or boto3.
"""

from __future__ import annotations

import ipaddress

SANDBOX_REGION = "us-west-2"
"""The runbook's region (its emergency script publishes to arn:aws:sns:us-west-2:...)."""
SANDBOX_ACCOUNT_ID = "123456789012"
"""moto's default account."""
DUMMY_ACCESS_KEY_ID = "testing"
DUMMY_SECRET_ACCESS_KEY = "testing"
CONTROL_PREFIX = "/_sandbox/"
"""Where the sandbox's own control API lives, on the same port as the AWS APIs."""
SANDBOX_USER_AGENT = "todotui-sandbox"
"""The user agent suffix of the sandbox's own clients: CloudTrail records their calls as the
stack's deployer's, and leaves out its own alarm evaluation."""
FLEET_TAG = ("fleet", "sandbox")
"""The tag every `--fleet` member carries: `[fleet] tag = "fleet=sandbox"` discovers them."""
MAX_FLEET = 500
"""`--fleet` at most (the fleet view's two calls hold fewer; more is for benchmarks)."""
BACKFILLED_LINE = "history: backfilled"
"""What the sandbox prints once its backfill is simulated (the charts' history is there)."""
PARENT_WATCH_ENV = "TODOTUI_SANDBOX_EXIT_WITH_PARENT"
"""Set to 1 by a parent that owns the sandbox: the sandbox exits when its stdin closes."""


def client_environment(endpoint: str, region: str = SANDBOX_REGION) -> dict[str, str]:
    """The environment variables that point an AWS client (boto3, the aws CLI) at a sandbox."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": region,
    }


def require_loopback(host: str) -> None:
    """Refuse any address but loopback: the sandbox has no authentication."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"--host {host}: the sandbox listens on loopback only (use 127.0.0.1); "
            "it has no authentication"
        )
