"""The sandbox's own HTTP control API, on the same port as the AWS APIs, under /_sandbox/.

    GET  /_sandbox/status                         where the sandbox stands (JSON)
    POST /_sandbox/tick      {"count": n}         simulate n periods now, answer the status
    POST /_sandbox/scenario  {"name": "spike"}    switch the traffic scenario (a deploy
                                                  scenario publishes its candidate version;
                                                  the status's stack names it)

Tests drive simulated time through it without sleeping; `todotui scenario NAME` switches a
running sandbox through it. Errors answer JSON `{"error": "..."}` with a 4xx/5xx status.

Each tick's figures (`last_tick` in the status) include `routing` (the alias's configured
weights), `versions` (per ExecutedVersion: weight, observed share, invocations, errors,
throttles, average and p99 duration, and the code it runs: "stable" or "candidate: ...")
and `candidate_version`.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from todotui.sandbox import CONTROL_PREFIX

MAX_TICKS_PER_CALL = 10_000


class Runtime(Protocol):
    """What the control API drives (the runner's SandboxRuntime)."""

    def status(self) -> dict[str, Any]: ...

    def tick(self, count: int) -> dict[str, Any]: ...

    def set_scenario(self, name: str) -> dict[str, Any]: ...


class ControlApi:
    """WSGI middleware: answers /_sandbox/ itself and hands every other request to `app`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.runtime: Runtime | None = None

    def attach(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self.app(environ, start_response)
        response = self._answer(Request(environ))
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        route = request.path[len(CONTROL_PREFIX) :].strip("/")
        routes = {"status": "GET", "tick": "POST", "scenario": "POST"}
        if route not in routes:
            return _json(
                {
                    "error": f"no such control route /_sandbox/{route}; "
                    "use GET /_sandbox/status, POST /_sandbox/tick, POST /_sandbox/scenario"
                },
                404,
            )
        if request.method != routes[route]:
            return _json({"error": f"/_sandbox/{route} takes {routes[route]}"}, 405)
        if self.runtime is None:
            return _json({"error": "the sandbox is still starting (provisioning the stack)"}, 503)
        try:
            body = _body(request)
            if route == "status":
                return _json(self.runtime.status())
            if route == "tick":
                return _json(self.runtime.tick(_tick_count(body)))
            name = body.get("name")
            if not isinstance(name, str):
                raise ValueError('expected a JSON body {"name": "<scenario>"}')
            return _json(self.runtime.set_scenario(name))
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)
        except Exception as exc:  # a simulator bug must not take the server down
            traceback.print_exc(file=sys.stderr)
            return _json({"error": f"{type(exc).__name__}: {exc}"}, 500)


def _body(request: Request) -> dict[str, Any]:
    raw = request.get_data(as_text=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the body is not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _tick_count(body: dict[str, Any]) -> int:
    count = body.get("count", 1)
    whole = isinstance(count, int) and not isinstance(count, bool)
    if not whole or not 1 <= count <= MAX_TICKS_PER_CALL:
        raise ValueError(f"count must be a whole number from 1 to {MAX_TICKS_PER_CALL}")
    return count


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")
