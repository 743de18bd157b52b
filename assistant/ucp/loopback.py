"""The loopback redirect a CLI signs in with (RFC 8252 §7.3): one GET on 127.0.0.1, then closed.

It listens on a port the OS picks, answers the browser's ``GET /callback?…`` with a short page,
and hands the query to whoever awaits it. Anything else (a favicon, a second request) gets a 404
and changes nothing. Only the request line is read: no body, no keep-alive.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import parse_qsl, urlsplit

CALLBACK_PATH = "/callback"
_HOST = "127.0.0.1"
_MAX_HEAD_BYTES = 16 * 1024
_READ_TIMEOUT_S = 10.0
_DONE_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Pannier</title>"
    "<body style='font-family:system-ui,sans-serif;margin:3rem'>"
    "<h1>Back to Pannier</h1><p>You can close this tab and return to the terminal.</p>"
    "</body></html>"
)


class LoopbackRedirect:
    """``async with LoopbackRedirect() as redirect:`` then ``await redirect.answer(timeout_s)``."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._answer: asyncio.Future[dict[str, str]] | None = None
        self.redirect_uri = ""

    async def __aenter__(self) -> LoopbackRedirect:
        self._answer = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._serve, _HOST, 0)
        port = self._server.sockets[0].getsockname()[1]
        self.redirect_uri = f"http://{_HOST}:{port}{CALLBACK_PATH}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._answer is not None and not self._answer.done():
            self._answer.cancel()

    async def answer(self, timeout_s: float) -> dict[str, str]:
        """The redirect's query parameters; TimeoutError when the browser never came back."""
        assert self._answer is not None, "use LoopbackRedirect as an async context manager"
        async with asyncio.timeout(timeout_s):
            return await asyncio.shield(self._answer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_READ_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        request_line = head[:_MAX_HEAD_BYTES].split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = request_line.partition(" ")
        target = rest.rsplit(" ", 1)[0]
        parts = urlsplit(target)
        waiting = self._answer is not None and not self._answer.done()
        if method == "GET" and parts.path == CALLBACK_PATH and waiting:
            assert self._answer is not None
            self._answer.set_result(dict(parse_qsl(parts.query, keep_blank_values=True)))
            await _respond(writer, 200, _DONE_PAGE)
        else:
            await _respond(writer, 404, "not found")


async def _respond(writer: asyncio.StreamWriter, status: int, body: str) -> None:
    payload = body.encode()
    reason = "OK" if status == 200 else "Not Found"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + payload)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    writer.close()
