"""A small HTTP/1.1 proxy between the app and the sandbox, with faults a test switches on.

The app's endpoint_url points at `proxy.url`; every request is counted by operation (the
`X-Amz-Target` operation, the query protocol's `Action=`, else "METHOD /path"), then:

- `fail_after(match)`: forwarded (so the change is applied), then answered HTTP 500;
- `throttle(match)`: answered 400 ThrottlingException without forwarding;
- `hold(match)`: forwarded only once `release(match)` is called (an answer still on its way);
- otherwise forwarded and answered with the sandbox's own response.

`match` is a substring of the operation key ("PUT /2015-03-31/functions/"). Content-Length
bodies only (what botocore sends for these APIs); one upstream connection per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass


@dataclass
class _Fault:
    match: str
    status: int
    code: str
    message: str
    forward: bool
    times: int | None


class FaultProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.requests: Counter[str] = Counter()
        """Requests received, by operation key (faulted ones included)."""
        self._faults: list[_Fault] = []
        self._holds: dict[str, asyncio.Event] = {}
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_after(self, match: str, *, times: int | None = None) -> None:
        """Forward a matching request, then answer 500 (the change is applied, the answer lost)."""
        self._faults.append(
            _Fault(match, 500, "ServiceException", "Internal error (fault proxy)", True, times)
        )

    def throttle(self, match: str, *, times: int | None = None) -> None:
        """Answer a matching request 400 ThrottlingException without forwarding it."""
        self._faults.append(
            _Fault(match, 400, "ThrottlingException", "Rate exceeded", False, times)
        )

    def hold(self, match: str) -> None:
        """Keep a matching request (counted) unanswered until `release(match)`."""
        self._holds[match] = asyncio.Event()

    def release(self, match: str) -> None:
        self._holds.pop(match).set()

    def clear(self) -> None:
        self._faults.clear()

    def sent(self, match: str) -> int:
        """How many requests whose operation key contains `match` reached the proxy."""
        return sum(n for key, n in self.requests.items() if match in key)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- one connection from the app, many requests --------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while head := await reader.readuntil(b"\r\n\r\n"):
                body = await reader.readexactly(_content_length(head))
                writer.write(await self._handle(head, body))
                await writer.drain()
        writer.close()

    async def _handle(self, head: bytes, body: bytes) -> bytes:
        key = _operation(head, body)
        self.requests[key] += 1
        for match, gate in list(self._holds.items()):
            if match in key:
                await gate.wait()
        fault = next((f for f in self._faults if f.match in key), None)
        if fault is not None and fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
        if fault is None or fault.forward:
            answer = await self._forward(head, body)
            if fault is None:
                return answer
        assert fault is not None
        return _error(fault)

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        try:
            lines = [
                line
                for line in head.decode("latin-1").split("\r\n")
                if line and not line.lower().startswith("connection:")
            ]
            up_writer.write(("\r\n".join([*lines, "Connection: close"]) + "\r\n\r\n").encode())
            up_writer.write(body)
            await up_writer.drain()
            raw = await up_reader.read()
        finally:
            up_writer.close()
        resp_head, _, resp_body = raw.partition(b"\r\n\r\n")
        kept = [
            line
            for line in resp_head.decode("latin-1").split("\r\n")
            if not line.lower().startswith(("connection:", "content-length:", "transfer-encoding:"))
        ]
        if b"transfer-encoding: chunked" in resp_head.lower():
            resp_body = _dechunk(resp_body)
        kept.append(f"Content-Length: {len(resp_body)}")
        return ("\r\n".join(kept) + "\r\n\r\n").encode("latin-1") + resp_body


def _content_length(head: bytes) -> int:
    match = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.IGNORECASE)
    return int(match.group(1)) if match else 0


def _operation(head: bytes, body: bytes) -> str:
    text = head.decode("latin-1")
    target = re.search(r"\r\nx-amz-target:\s*([^\r]+)", text, re.IGNORECASE)
    if target:
        return target.group(1).strip().rpartition(".")[2]
    action = re.search(rb"(?:^|&)Action=(\w+)", body)
    if action:
        return action.group(1).decode()
    method, path, _ = text.split(" ", 2)
    return f"{method} {path.partition('?')[0]}"


def _error(fault: _Fault) -> bytes:
    body = json.dumps({"__type": fault.code, "message": fault.message}).encode()
    reason = {400: "Bad Request", 500: "Internal Server Error"}.get(fault.status, "Error")
    head = (
        f"HTTP/1.1 {fault.status} {reason}\r\n"
        "Content-Type: application/json\r\n"
        f"x-amzn-ErrorType: {fault.code}\r\n"
        f"x-amzn-RequestId: {uuid.uuid4()}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2 :]
    return out
