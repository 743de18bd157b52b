"""A local fake of the Anthropic Messages API, scripted per test, for the real ``anthropic`` SDK.

A raw asyncio HTTP/1.1 server on loopback (listening before ``start`` returns, so nothing waits
on it). ``POST /v1/messages`` pops the next scripted item: a ``Reply`` is sent as the real
streaming event sequence (message_start, ping, content_block_start/delta/stop for text and
tool_use with input_json_delta, message_delta, message_stop) or as one JSON message when
``stream`` is false; a ``Failure`` is an HTTP error (or an SSE ``error`` event mid-stream).
A script item may also be a function of the request body (a "model" that reads the transcript).
Every request body is kept in ``requests``. Usage numbers are a char/4 estimate: input tokens
from the request body's length, output tokens from the reply's text and tool input.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    name: str
    input: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    text: str = ""
    calls: tuple[Call, ...] = ()
    stop_reason: str | None = None


@dataclass(frozen=True)
class Failure:
    status: int = 529
    type: str = "overloaded_error"
    message: str = "Overloaded"
    mid_stream: bool = False


ScriptItem = Reply | Failure | Callable[[dict[str, Any]], Reply | Failure]


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class FakeAnthropic:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.raw_requests: list[str] = []
        self.usage: list[tuple[int, int]] = []  # (input, output) per answered request
        self._script: deque[ScriptItem] = deque()
        self._server: asyncio.Server | None = None
        self.url = ""

    async def start(self) -> FakeAnthropic:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def script(self, *items: ScriptItem) -> None:
        """Replace the script and forget earlier requests."""
        self._script = deque(items)
        self.requests.clear()
        self.raw_requests.clear()
        self.usage.clear()

    @property
    def remaining(self) -> int:
        return len(self._script)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await reader.readline()
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            method, path, _ = request_line.decode("latin-1").split(" ", 2)
            if method != "POST" or not path.startswith("/v1/messages"):
                await self._send_json(writer, 404, _error("not_found_error", f"no route {path}"))
                return
            text = raw.decode("utf-8")
            body = json.loads(text)
            self.raw_requests.append(text)
            self.requests.append(body)
            if not self._script:
                await self._send_json(writer, 500, _error("api_error", "fake: script exhausted"))
                return
            item = self._script.popleft()
            answer = item(body) if callable(item) else item
            if isinstance(answer, Failure):
                if answer.mid_stream and body.get("stream"):
                    await self._send_stream(
                        writer, [("error", _error(answer.type, answer.message))]
                    )
                else:
                    await self._send_json(
                        writer, answer.status, _error(answer.type, answer.message)
                    )
                return
            input_tokens = estimate_tokens(text)
            if body.get("stream"):
                events, output_tokens = _events(answer, body.get("model", ""), input_tokens)
                await self._send_stream(writer, events)
            else:
                message, output_tokens = _message(answer, body.get("model", ""), input_tokens)
                await self._send_json(writer, 200, message)
            self.usage.append((input_tokens, output_tokens))
        finally:
            writer.close()

    async def _send_json(self, writer: asyncio.StreamWriter, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        head = (
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(data)}\r\nrequest-id: req_fake\r\nconnection: close\r\n\r\n"
        )
        writer.write(head.encode() + data)
        await writer.drain()

    async def _send_stream(
        self, writer: asyncio.StreamWriter, events: list[tuple[str, Any]]
    ) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
            b"request-id: req_fake\r\nconnection: close\r\n\r\n"
        )
        for name, data in events:
            writer.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            await writer.drain()


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.text:
        blocks.append({"type": "text", "text": reply.text})
    for call in reply.calls:
        blocks.append(
            {
                "type": "tool_use",
                "id": f"toolu_{uuid.uuid4().hex[:20]}",
                "name": call.name,
                "input": call.input,
            }
        )
    return blocks


def _stop_reason(reply: Reply) -> str:
    return reply.stop_reason or ("tool_use" if reply.calls else "end_turn")


def _output_tokens(blocks: list[dict[str, Any]]) -> int:
    return estimate_tokens(
        "".join(b.get("text", "") or json.dumps(b.get("input", {})) for b in blocks)
    )


def _message(reply: Reply, model: str, input_tokens: int) -> tuple[dict[str, Any], int]:
    blocks = _blocks(reply)
    output_tokens = _output_tokens(blocks)
    return {
        "id": f"msg_{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": _stop_reason(reply),
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }, output_tokens


def _chunks(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _events(reply: Reply, model: str, input_tokens: int) -> tuple[list[tuple[str, Any]], int]:
    message, output_tokens = _message(reply, model, input_tokens)
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1},
    }
    events: list[tuple[str, Any]] = [("message_start", {"type": "message_start", "message": start})]
    events.append(("ping", {"type": "ping"}))
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            opening = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": part} for part in _chunks(block["text"])]
        else:
            opening = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            deltas = [
                {"type": "input_json_delta", "partial_json": part}
                for part in ["", *_chunks(json.dumps(block["input"]))]
            ]
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": opening},
            )
        )
        events.extend(
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            for delta in deltas
        )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events, output_tokens


# --- scripted "models" that read the transcript ---------------------------------------------------


def last_results(body: dict[str, Any]) -> dict[str, list[tuple[Any, bool]]]:
    """Tool name → [(parsed result, is_error)] for the tool results in the last user message."""
    messages = body["messages"]
    if len(messages) < 2:
        return {}
    names = {b["id"]: b["name"] for b in messages[-2]["content"] if b.get("type") == "tool_use"}
    found: dict[str, list[tuple[Any, bool]]] = {}
    for block in messages[-1]["content"]:
        if block.get("type") == "tool_result" and block.get("tool_use_id") in names:
            content = block.get("content")
            try:
                parsed = json.loads(content) if isinstance(content, str) else content
            except json.JSONDecodeError:
                parsed = content
            found.setdefault(names[block["tool_use_id"]], []).append(
                (parsed, bool(block.get("is_error")))
            )
    return found


def competent_claude(wanted: list[tuple[str, str]]) -> Callable[[dict[str, Any]], Reply]:
    """A model that shops like a good Claude: (query, variant-title hint) pairs, bought in 4 calls.

    Round 1 searches every query at once; round 2 sets the whole basket and prepares checkout;
    round 3 asks to complete; round 4 reports.
    """

    def respond(body: dict[str, Any]) -> Reply:
        results = last_results(body)
        if "search_products" in results:
            items = []
            for (result, _), (_, hint) in zip(results["search_products"], wanted, strict=True):
                hits = [h for h in result["results"] if h["available"]]
                chosen = next((h for h in hits if hint.lower() in json.dumps(h).lower()), hits[0])
                items.append({"ref": chosen["handle"], "quantity": 1})
            return Reply(
                "Adding both and checking out.",
                (Call("set_basket", {"items": items}), Call("prepare_checkout")),
            )
        if "prepare_checkout" in results:
            (result, _) = results["prepare_checkout"][0]
            stores = result.get("stores", [])
            if stores and all(s["status"] == "ready_for_complete" for s in stores):
                totals = "; ".join(f"{s['store']}: {s['totals']['total']}" for s in stores)
                return Reply(
                    f"Ready: {totals}. Asking you to approve.", (Call("complete_purchase"),)
                )
            urls = ", ".join(
                s.get("continue_url", "") for s in stores if s["status"] != "ready_for_complete"
            )
            return Reply(f"Some stores need you first: {urls}")
        if "complete_purchase" in results:
            (result, is_error) = results["complete_purchase"][0]
            if is_error or not result.get("shopper_approved_stores"):
                return Reply("You did not approve, so nothing was bought.")
            orders = [s["order"]["order_id"] for s in result["stores"] if s.get("order")]
            return Reply(f"Done: orders {', '.join(orders)}.")
        return Reply("Searching.", tuple(Call("search_products", {"query": q}) for q, _ in wanted))

    return respond
