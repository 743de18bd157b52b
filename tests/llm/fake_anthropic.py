"""A local, faithful fake of the Anthropic Messages API for the real ``anthropic`` SDK.

A raw asyncio HTTP/1.1 server on loopback (listening before ``start`` returns). It answers
``POST /v1/messages`` (streamed as the real SSE sequence, or one JSON message) and
``POST /v1/messages/count_tokens``, and follows the documented contract of the default model
``claude-sonnet-5-5`` written down, rule by rule with its doc page, in ``fake_messages_rules``:
adaptive thinking by default, signed ``thinking``/``redacted_thinking`` blocks that must come back
unmodified, the 400s for forced tool choice, prefill, sampling parameters, thinking budgets and
``disabled``, ``display`` summarized vs omitted, every stop reason, ``retry-after`` on 429/529,
and prompt-cache accounting in ``usage``.

Each request pops the next scripted item: a ``Reply`` (what the model "decides"), a ``Failure``
(an HTTP error, or an SSE ``error`` event mid-stream), or a function of the request body (a
"model" that reads the transcript). A ``Reply`` with tool calls is a step between tool calls, so
its text is a progress update, which this model returns inside a ``thinking`` block.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jiter
from fake_messages_rules import (
    CONTEXT_WINDOW,
    MODEL,
    ApiError,
    PromptCache,
    Signer,
    Thinking,
    check_request,
    estimate_tokens,
    invalid,
    prompt_blocks,
)

__all__ = ["MODEL", "Call", "Failure", "FakeAnthropic", "Reply", "estimate_tokens"]


@dataclass(frozen=True)
class Call:
    name: str
    input: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    text: str = ""
    calls: tuple[Call, ...] = ()
    stop_reason: str | None = None  # force max_tokens, refusal, pause_turn, …context_window…
    reasoning: str = "Working out the shopper's next step."  # up-front thinking (adaptive)
    reasoning_tokens: int = 120  # spent up front under adaptive thinking, out of max_tokens
    redacted: bool = False  # add a redacted_thinking block


@dataclass(frozen=True)
class Failure:
    status: int = 529
    type: str = "overloaded_error"
    message: str = "Overloaded"
    mid_stream: bool = False
    retry_after: float | None = None
    details: dict[str, Any] | None = None


def spend_cap() -> Failure:
    """The monthly spend cap: a 429 that no retry can fix, so it has no retry-after (E)."""
    return Failure(
        429,
        "rate_limit_error",
        "Your organization has reached its monthly spend limit.",
        details={"error_code": "enforced_spend_limit_reached"},
    )


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0


ScriptItem = Reply | Failure | Callable[[dict[str, Any]], Reply | Failure]


class FakeAnthropic:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.raw_requests: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.usage: list[Usage] = []  # per answered message request
        self.count_requests = 0
        self.context_window = CONTEXT_WINDOW
        self.valid_keys: set[str] | None = None  # None: any key is accepted
        self._script: deque[ScriptItem] = deque()
        self._signer = Signer()
        self._cache = PromptCache()
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
        """Replace the script and forget earlier requests (signatures and cache stay valid)."""
        self._script = deque(items)
        self.requests.clear()
        self.raw_requests.clear()
        self.headers.clear()
        self.usage.clear()
        self.count_requests = 0

    def reset(self) -> None:
        """A fresh server for the next test: no script, no signatures, an empty cache."""
        self.script()
        self.context_window = CONTEXT_WINDOW
        self.valid_keys = None
        self._signer = Signer()
        self._cache = PromptCache()

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
            try:
                await self._route(writer, method, path.split("?")[0], headers, raw)
            except ApiError as exc:
                await self._send_json(writer, exc.status, _error(exc.kind, exc.message))
        finally:
            writer.close()

    async def _route(
        self,
        writer: asyncio.StreamWriter,
        method: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
    ) -> None:
        if method != "POST" or path not in ("/v1/messages", "/v1/messages/count_tokens"):
            raise ApiError(404, "not_found_error", f"no route {path}")
        key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
        if self.valid_keys is not None and key not in self.valid_keys:
            raise ApiError(401, "authentication_error", "invalid x-api-key")
        body = json.loads(raw.decode("utf-8"))
        if path.endswith("count_tokens"):
            check_request(body)
            self.count_requests += 1
            total = sum(estimate_tokens(text) for text, _ in prompt_blocks(body))
            await self._send_json(writer, 200, {"input_tokens": total})
            return
        self.raw_requests.append(raw.decode("utf-8"))
        self.requests.append(body)  # refused ones too: a test can see what was sent
        self.headers.append(headers)
        thinking = check_request(body)
        messages = body["messages"]
        self._signer.check(body["model"], messages)
        if messages[-1]["role"] == "assistant" and not self._signer.is_paused_resume(messages[-1]):
            raise invalid(
                "This model does not support assistant message prefill; the last "
                "message must be a user message"
            )  # M
        cache = self._cache.account(body)
        if cache.total > self.context_window:
            raise invalid(
                f"prompt is too long: {cache.total} tokens > {self.context_window} maximum"
            )
        if not self._script:
            raise ApiError(500, "api_error", "fake: script exhausted")
        item = self._script.popleft()
        answer = item(body) if callable(item) else item
        if isinstance(answer, Failure):
            await self._fail(writer, answer, bool(body.get("stream")))
            return
        room = min(int(body["max_tokens"]), self.context_window - cache.total)
        content, stop_reason, output_tokens = self._compose(answer, body["model"], thinking, room)
        if stop_reason == "max_tokens" and room < int(body["max_tokens"]):
            stop_reason = "model_context_window_exceeded"
        self._signer.remember(content, stop_reason)
        usage = Usage(
            cache.input_tokens,
            output_tokens,
            cache.cache_read_input_tokens,
            cache.cache_creation_input_tokens,
        )
        self.usage.append(usage)
        message = _message(content, body["model"], stop_reason, usage)
        if body.get("stream"):
            await self._send_stream(writer, _events(message, content))
        else:
            await self._send_json(writer, 200, message)

    def _compose(
        self, reply: Reply, model: str, thinking: Thinking, room: int
    ) -> tuple[list[dict[str, Any]], str, int]:
        """The content blocks the model returns for ``reply``, its stop reason, output tokens."""
        content: list[dict[str, Any]] = []
        spent = 0
        summarized = thinking.display == "summarized"
        if thinking.mode == "adaptive":  # W: up-front thinking; its text only when summarized
            shown = reply.reasoning if summarized else ""
            content.append(self._signer.thinking(model, reply.reasoning, shown))
            spent += reply.reasoning_tokens
            if spent >= room:  # T: thinking tokens count toward max_tokens
                return content, "max_tokens", room
        if reply.redacted:
            content.append(self._signer.redacted(model, uuid.uuid4().hex))
        forced = reply.stop_reason
        calls = () if forced in ("refusal", "pause_turn") else reply.calls
        if calls and reply.text:  # W: text between tool calls is a thinking block
            shown = reply.text if thinking.mode == "between_tools" or summarized else ""
            content.append(self._signer.thinking(model, reply.text, shown))
            spent += estimate_tokens(reply.text)
        elif reply.text:
            content.append({"type": "text", "text": reply.text})
            spent += estimate_tokens(reply.text)
        for call in calls:
            content.append(
                {
                    "type": "tool_use",
                    "id": f"toolu_{uuid.uuid4().hex[:20]}",
                    "name": call.name,
                    "input": call.input,
                }
            )
            spent += estimate_tokens(json.dumps(call.input))
        if forced in ("max_tokens", "model_context_window_exceeded") or spent > room:
            _cut_last_block(content)
            return content, forced or "max_tokens", min(spent, room)
        if forced in ("refusal", "pause_turn"):
            return content, forced, spent
        return content, "tool_use" if calls else "end_turn", spent

    async def _fail(self, writer: asyncio.StreamWriter, failure: Failure, stream: bool) -> None:
        payload = _error(failure.type, failure.message, failure.details)
        if failure.mid_stream and stream:
            await self._send_stream(writer, [("error", payload)])
            return
        extra = {}
        if failure.retry_after is not None:
            extra["retry-after"] = f"{failure.retry_after:g}"
        await self._send_json(writer, failure.status, payload, extra)

    async def _send_json(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        payload: Any,
        extra: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        more = "".join(f"{name}: {value}\r\n" for name, value in (extra or {}).items())
        head = (
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(data)}\r\nrequest-id: req_fake\r\n{more}"
            "connection: close\r\n\r\n"
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


def _error(kind: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind, "message": message}
    if details:
        error["details"] = details
    return {"type": "error", "error": error, "request_id": "req_fake"}


def _cut_last_block(content: list[dict[str, Any]]) -> None:
    """Cut the last text or tool_use block two thirds of the way, as a token limit would."""
    for block in reversed(content):
        if block["type"] == "text":
            block["text"] = block["text"][: max(1, len(block["text"]) * 2 // 3)]
            return
        if block["type"] == "tool_use":
            raw = json.dumps(block["input"])
            block["partial_json"] = raw[: max(1, len(raw) * 2 // 3)]
            block["input"] = jiter.from_json(block["partial_json"].encode(), partial_mode=True)
            return


def _message(
    content: list[dict[str, Any]], model: str, stop_reason: str, usage: Usage
) -> dict[str, Any]:
    return {
        "id": f"msg_{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{k: v for k, v in b.items() if k != "partial_json"} for b in content],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_read_input_tokens": usage.cache_read_input_tokens,
            "cache_creation_input_tokens": usage.cache_creation_input_tokens,
        },
    }


def _chunks(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _events(message: dict[str, Any], blocks: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    start = {**message, "content": [], "stop_reason": None}
    start["usage"] = {**message["usage"], "output_tokens": 1}
    events: list[tuple[str, Any]] = [("message_start", {"type": "message_start", "message": start})]
    events.append(("ping", {"type": "ping"}))
    for index, block in enumerate(blocks):
        deltas: list[dict[str, Any]]
        if block["type"] == "text":
            opening: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": part} for part in _chunks(block["text"])]
        elif block["type"] == "thinking":
            opening = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [
                {"type": "thinking_delta", "thinking": part} for part in _chunks(block["thinking"])
            ]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        elif block["type"] == "redacted_thinking":
            opening, deltas = dict(block), []
        else:
            opening = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            raw = block.get("partial_json", json.dumps(block["input"]))
            deltas = [
                {"type": "input_json_delta", "partial_json": part} for part in ["", *_chunks(raw)]
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
                "usage": message["usage"],
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


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


def pick_handle(result: dict[str, Any], hint: str) -> str:
    """The handle of the first available search result mentioning ``hint`` (else the first)."""
    hits = [h for h in result["results"] if h["available"]]
    chosen = next((h for h in hits if hint.lower() in json.dumps(h).lower()), hits[0])
    return str(chosen["handle"])


def competent_claude(wanted: list[tuple[str, str]]) -> Callable[[dict[str, Any]], Reply]:
    """A model that shops like a good Claude: (query, variant-title hint) pairs, bought in 4 calls.

    Round 1 searches every query at once; round 2 sets the whole basket and prepares checkout;
    round 3 asks to complete; round 4 reports.
    """

    def respond(body: dict[str, Any]) -> Reply:
        results = last_results(body)
        if "search_products" in results:
            items = [
                {"ref": pick_handle(result, hint), "quantity": 1}
                for (result, _), (_, hint) in zip(results["search_products"], wanted, strict=True)
            ]
            return Reply(
                "Adding both and checking out.",
                (Call("set_basket", {"items": items}), Call("prepare_checkout")),
            )
        if "prepare_checkout" in results:
            (result, _) = results["prepare_checkout"][0]
            stores = result.get("stores", [])
            if stores and all(s["status"] == "ready_for_complete" for s in stores):
                totals = "; ".join(
                    f"{s['merchant_data']['store_name']}: {s['totals']['total']}" for s in stores
                )
                return Reply(
                    f"Ready: {totals}. Asking you to approve.", (Call("complete_purchase"),)
                )
            urls = ", ".join(
                s["merchant_data"].get("continue_url", "")
                for s in stores
                if s["status"] != "ready_for_complete"
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
