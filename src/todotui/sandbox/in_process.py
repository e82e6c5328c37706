"""The sandbox's own boto3 calls, answered in its process by the app its server serves.

Provisioning the stack is ~70 calls one after another; over loopback HTTP each one also pays
for urllib3, a socket round trip, werkzeug parsing the request in a server thread and the GIL
passing between the two threads. A client made with `in_process=True` (see
`provision.sandbox_client`) hands its signed request to the very WSGI application the server
runs (control API, gap filler, moto, in that order), in the calling thread, and reads the
answer as botocore would: the same bytes, the same middleware (CloudTrail records the call,
the gap filler checks it), the same backends as any HTTP client sees. Only the socket is
skipped. The server keeps serving everyone else (the cockpit, the aws CLI) over HTTP.
"""

from __future__ import annotations

import sys
import threading
import traceback
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

_APPS: dict[str, Any] = {}
_APPS_LOCK = threading.Lock()


def serve_in_process(endpoint: str, app: Any) -> None:
    """Answer this process's in-process clients of `endpoint` with `app` (the server's own)."""
    with _APPS_LOCK:
        _APPS[endpoint.rstrip("/")] = app


def stop_in_process(endpoint: str) -> None:
    with _APPS_LOCK:
        _APPS.pop(endpoint.rstrip("/"), None)


def app_for(endpoint: str) -> Any | None:
    """The WSGI app serving `endpoint` in this process, or None (then calls go over HTTP)."""
    return _APPS.get(endpoint.rstrip("/"))


class _RawBody(BytesIO):
    """What botocore reads a response body from (urllib3's `stream()` shape)."""

    def stream(self, **_: Any) -> Any:
        while chunk := self.read(65536):
            yield chunk


def attach(client: Any, app: Any) -> None:
    """Send `client`'s requests to `app` instead of the network (botocore's before-send hook:
    the first handler to answer a response ends the send)."""
    client.meta.events.register("before-send", _Dispatch(app))


class _Dispatch:
    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        url = urlsplit(request.url)
        body = request.body
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes | bytearray):
            body = body.read()  # a file-like body (botocore streams uploads)
        headers = {
            name: value.decode("utf-8") if isinstance(value, bytes) else str(value)
            for name, value in request.headers.items()
        }
        content_type = headers.pop("Content-Type", None)
        headers.pop("Content-Length", None)  # set from the body, as the server would
        builder = EnvironBuilder(
            path=url.path or "/",
            base_url=f"{url.scheme}://{url.netloc}",
            query_string=url.query,
            method=request.method,
            headers=headers,
            data=bytes(body),
            content_type=content_type,
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        environ["REMOTE_ADDR"] = "127.0.0.1"
        try:
            app_iter, status, answer_headers = run_wsgi_app(self.app, environ, buffered=True)
            payload = b"".join(app_iter)
        except Exception:  # what werkzeug's server does with an app's exception: a 500
            traceback.print_exc(file=sys.stderr)
            return AWSResponse(request.url, 500, {}, _RawBody(b"Internal Server Error"))
        return AWSResponse(
            request.url, int(status.split(" ", 1)[0]), dict(answer_headers), _RawBody(payload)
        )
