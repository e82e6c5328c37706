"""moto's server on 127.0.0.1, wrapped in the sandbox's own layers.

Requests pass through the control API (`/_sandbox/...`), then the gap filler (the calls
moto answers wrongly or not at all), then moto. One port serves all three.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import urllib.request
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from todotui.sandbox import require_loopback


class QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without werkzeug's line per request (it would paint over a TUI)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def moto_app() -> Any:
    """moto's own WSGI application, every service on one port."""
    return DomainDispatcherApplication(create_backend_app)


class SandboxServer:
    """A threaded WSGI server on a loopback port, started and stopped from Python."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        require_loopback(host)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        # Bind here, so a busy port raises OSError (werkzeug would print and sys.exit instead).
        host = "127.0.0.1" if host == "localhost" else host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
            listener.listen(128)
            self._server: BaseWSGIServer = make_server(
                host,
                port,
                app,
                threaded=True,
                request_handler=QuietRequestHandler,
                fd=listener.fileno(),
            )
        finally:
            listener.close()  # the server holds its own duplicate
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        address = str(self._server.server_address[0])
        host = f"[{address}]" if ":" in address else address
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox-server", daemon=True
        )
        self._thread.start()
        self._configure_moto()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def _configure_moto(self) -> None:
        """Lambda without Docker: the sandbox never runs function code (AWS_FACTS)."""
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/config",
            data=json.dumps({"lambda": {"use_docker": False}}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
