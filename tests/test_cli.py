"""The command line's one-line failures, through `todotui.cli.main` (no sandbox, no AWS)."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from todotui.cli import EXIT_USAGE, main


@contextmanager
def _http_server(status: int, body: bytes, content_type: str) -> Iterator[str]:
    """A throwaway HTTP server on 127.0.0.1 answering every request the same way."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize(
    "status, body, content_type",
    [
        (404, b"<html><head><title>404 Not Found</title></head></html>", "text/html"),
        (200, b"<html><body>It works!</body></html>", "text/html"),
        (200, b'{"ok": true}', "application/json"),
    ],
    ids=["404-html", "200-not-json", "200-other-json"],
)
def test_scenario_against_a_server_that_is_not_a_sandbox_says_so(
    capsys, status, body, content_type
):
    with _http_server(status, body, content_type) as endpoint:
        code = main(["--endpoint-url", endpoint, "scenario", "spike"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"todotui: {endpoint} answered, but it is not a todotui sandbox"
        " (no /_sandbox/ control API)\n"
    )


def test_scenario_against_a_closed_port_cannot_reach(capsys):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["--endpoint-url", f"http://127.0.0.1:{port}", "scenario", "spike"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"todotui: cannot reach a sandbox at http://127.0.0.1:{port} (")
    assert err.count("\n") == 1


# -- no region, no credentials: one line that names what is missing and offers the sandbox -------
# The autouse fixture leaves no AWS_* variables and empty config paths; nothing here can reach
# AWS: without a region nothing is sent, and the last case points at a closed local port.

DEMO_HINT = "`todotui --demo` for the built-in sandbox"


def _cockpit_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    return captured.err


def test_neither_region_nor_credentials_names_both_and_offers_the_demo(capsys):
    err = _cockpit_error(capsys, [])
    assert err.startswith("todotui: no AWS region and no AWS credentials configured (")
    assert DEMO_HINT in err


def test_credentials_without_a_region_names_the_region(capsys, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
    err = _cockpit_error(capsys, [])
    assert err.startswith("todotui: no AWS region configured (use --region or AWS_DEFAULT_REGION")
    assert "credentials" not in err and DEMO_HINT in err


def test_a_profile_with_keys_but_no_region_names_the_region(capsys, monkeypatch, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text("[ops]\naws_access_key_id = AKID\naws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    err = _cockpit_error(capsys, ["--profile", "ops"])
    assert err.startswith("todotui: no AWS region configured (") and DEMO_HINT in err


def test_a_region_without_credentials_names_the_credentials(capsys):
    with socket.socket() as probe:  # a closed local port: nothing can leave this machine
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["--region", "eu-west-1", "--endpoint-url", f"http://127.0.0.1:{port}"]
    err = _cockpit_error(capsys, argv)
    assert err.startswith("todotui: no AWS credentials found (") and DEMO_HINT in err


def test_a_profile_that_does_not_exist_is_one_line(capsys):
    err = _cockpit_error(capsys, ["--profile", "nope"])  # was a ProfileNotFound traceback
    assert err == (
        "todotui: no AWS profile 'nope' in your AWS config files"
        " (`aws configure list-profiles` lists those there are)\n"
    )


@pytest.mark.parametrize(
    "argv, expected",
    [
        (
            ["--region", "eu-west-1", "--endpoint-url", "localhost:4566"],
            "endpoint localhost:4566: not an http:// or https:// URL;"
            " did you mean http://localhost:4566?",
        ),
        (
            ["--endpoint-url", "localhost:4566", "scenario", "spike"],
            "endpoint localhost:4566: not an http:// or https:// URL;"
            " did you mean http://localhost:4566?",
        ),
        (
            ["--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:port"],
            "endpoint http://127.0.0.1:port: not a valid URL",
        ),
    ],
    ids=["cockpit-no-scheme", "scenario-no-scheme", "bad-port"],
)
def test_an_endpoint_that_is_not_a_url_is_one_line(capsys, argv, expected):
    err = _cockpit_error(capsys, argv)  # the cockpit's was a botocore ValueError traceback
    assert err.startswith(f"todotui: {expected}")


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (404, b"<html><title>404 Not Found</title></html>", "answered HTTP 404 with no AWS error"),
        (200, b"hello, not XML", "answer is not an AWS response: it cannot be parsed"),
    ],
    ids=["404-html", "200-garbage"],
)
def test_the_cockpit_against_a_server_that_is_not_aws_is_one_line(
    capsys, monkeypatch, status, body, expected
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
    with _http_server(status, body, "text/html") as endpoint:
        err = _cockpit_error(capsys, ["--region", "eu-west-1", "--endpoint-url", endpoint])
    assert err.startswith("todotui: the endpoint") and expected in err  # the 200 was a traceback


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--fleet", "10"], "--fleet needs --demo"),
        (["--demo", "--fleet", "-1"], "--fleet -1: choose 0 to 500 functions"),
        (["--demo", "--fleet", "501"], "--fleet 501: choose 0 to 500 functions"),
    ],
)
def test_a_fleet_the_demo_cannot_run_is_one_line_before_anything_starts(capsys, argv, expected):
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.startswith("todotui: ") and expected in err and "\n" not in err
