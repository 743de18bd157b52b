"""The Messages-API contract the fake enforces for ``claude-sonnet-5-5``, each rule with its source.

Sources (platform.claude.com/docs/en/…, read through the ``search`` tool on 2026-12-01):

- W  models/sonnet-5-5/whats-new-sonnet-5-5 — adaptive thinking is on when ``thinking`` is
  omitted, effort defaults to ``high``; ``{"type": "disabled"}`` is a 400
  ``invalid_request_error`` whose message points to ``between_tools``, the lowest setting;
  ``between_tools`` is accepted at effort low/medium/high and is a 400 at xhigh/max; progress
  updates written between tool calls come back as ``thinking`` blocks *with* their text under
  ``between_tools``, and the default ``display`` is ``omitted`` (empty thinking text, signature
  kept); forced tool use is a 400; thinking blocks are tied to the model and the conversation
  and go back unmodified.
- M  models/sonnet-5-5/migration-guide — five settings return 400: thinking budgets,
  sampling parameters, assistant prefill, forced ``tool_choice``, ``thinking: disabled``.
- T  build-with-claude/extended-thinking and …/adaptive-thinking — ``thinking`` and
  ``redacted_thinking`` blocks of the latest assistant message are passed back complete and
  unmodified during tool use; thinking tokens count toward ``max_tokens``.
- C  build-with-claude/prompt-caching — prefix order tools → system → messages; at most 4
  ``cache_control`` breakpoints (400 beyond); a top-level ``cache_control`` marks the last
  cacheable block; a read looks back up to 20 blocks from each breakpoint; usage reports
  ``cache_creation_input_tokens`` / ``cache_read_input_tokens`` beside ``input_tokens`` (the
  uncached rest). Minimum cacheable prefix on Sonnet 5.5: 512 tokens (W's comparison, as
  quoted by third parties; the English page excerpt available to us does not show the number).
- S  the "Stop reasons and fallback" page (Building with Claude) and the Messages reference:
  ``end_turn``, ``tool_use``, ``max_tokens``, ``refusal``, ``pause_turn`` (send the assistant
  content back as-is to resume) and ``model_context_window_exceeded``.
- E  api/errors and api/rate-limits — 429 ``rate_limit_error`` carries ``retry-after``; a spend
  cap is a 429 with ``error.details.error_code = enforced_spend_limit_reached`` and no
  ``retry-after`` (retrying cannot succeed); 529 ``overloaded_error``; 401 for a bad key.

Where the issue and these pages differ, the pages win: the issue calls ``display: omitted`` the
reason text goes silent; W adds that under ``between_tools`` progress text comes back anyway.
Token counts are a char/4 estimate, not a tokenizer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Final

MODEL: Final = "claude-sonnet-5-5"
KNOWN_MODELS: Final = frozenset({MODEL})
CONTEXT_WINDOW: Final = 1_000_000
MIN_CACHEABLE_TOKENS: Final = 512  # C / W
MAX_BREAKPOINTS: Final = 4  # C
LOOKBACK_BLOCKS: Final = 20  # C
EFFORTS: Final = ("low", "medium", "high", "xhigh", "max")
SAMPLING: Final = ("temperature", "top_p", "top_k")  # M
_SECRET: Final = b"fake-anthropic-signing-key"


class ApiError(Exception):
    """An HTTP error the fake answers with instead of a message."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_request_error", message)


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Thinking:
    """What a request asks of thinking, after validation: mode, display and effort."""

    mode: str  # "adaptive" | "between_tools"
    display: str  # "summarized" | "omitted"
    effort: str


def check_request(body: dict[str, Any]) -> Thinking:
    """Raise the documented 400 for a request this model refuses; else its thinking settings."""
    model = body.get("model")
    if model not in KNOWN_MODELS:
        raise ApiError(404, "not_found_error", f"model: {model}")
    for name in SAMPLING:
        if name in body:
            raise invalid(f"{name}: sampling parameters are not supported on {model}")  # M
    choice = body.get("tool_choice") or {}
    if choice.get("type") in ("any", "tool"):
        raise invalid("tool_choice: forced tool use is not supported on this model")  # W, M
    messages = body.get("messages") or []
    if not messages:
        raise invalid("messages: at least one message is required")
    effort = (body.get("output_config") or {}).get("effort") or "high"  # W: default high
    if effort not in EFFORTS:
        raise invalid(f"output_config.effort: unknown effort {effort!r}")
    thinking = body.get("thinking") or {"type": "adaptive"}  # W: adaptive when omitted
    kind = thinking.get("type")
    if kind == "disabled":  # W
        raise invalid(
            'thinking.type: "disabled" is not supported on this model; the lowest setting is '
            '{"type": "between_tools"}'
        )
    if kind == "enabled" or "budget_tokens" in thinking:  # M
        raise invalid("thinking: thinking budgets are not supported; use adaptive and effort")
    if kind == "between_tools":
        if effort in ("xhigh", "max"):  # W
            raise invalid(f"thinking: between_tools is not available at effort {effort}")
        return Thinking("between_tools", "summarized", effort)
    if kind != "adaptive":
        raise invalid(f"thinking.type: unknown type {kind!r}")
    display = thinking.get("display") or "omitted"  # W: default omitted
    if display not in ("summarized", "omitted"):
        raise invalid(f"thinking.display: unknown display {display!r}")
    return Thinking("adaptive", display, effort)


@dataclass
class Signer:
    """Issues signatures for thinking blocks and checks that they come back untouched (W, T)."""

    issued: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # sig → block
    by_tool_use: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    paused: list[list[dict[str, Any]]] = field(default_factory=list)

    def thinking(self, model: str, full_text: str, shown_text: str) -> dict[str, Any]:
        digest = hmac.new(_SECRET, canonical([model, full_text]).encode(), hashlib.sha256)
        signature = base64.b64encode(digest.digest() + full_text.encode()).decode()
        block = {"type": "thinking", "thinking": shown_text, "signature": signature}
        self.issued[signature] = (model, block)
        return block

    def redacted(self, model: str, secret: str) -> dict[str, Any]:
        data = base64.b64encode(hashlib.sha256(secret.encode()).digest()).decode()
        block = {"type": "redacted_thinking", "data": data}
        self.issued[data] = (model, block)
        return block

    def remember(self, content: list[dict[str, Any]], stop_reason: str) -> None:
        thinking = [b for b in content if b["type"] in ("thinking", "redacted_thinking")]
        for block in content:
            if block["type"] == "tool_use":
                self.by_tool_use[block["id"]] = thinking
        if stop_reason == "pause_turn":
            self.paused.append(content)

    def check(self, model: str, messages: list[dict[str, Any]]) -> None:
        for m_index, message in enumerate(messages):
            if message.get("role") != "assistant" or not isinstance(message.get("content"), list):
                continue
            for b_index, block in enumerate(message["content"]):
                if block.get("type") not in ("thinking", "redacted_thinking"):
                    continue
                key = block.get("signature") if block["type"] == "thinking" else block.get("data")
                known = self.issued.get(str(key))
                where = f"messages.{m_index}.content.{b_index}"
                if known is None or _strip(block) != known[1]:
                    raise invalid(
                        f"{where}: thinking or redacted_thinking blocks cannot be modified; "
                        "they must remain as they were in the original response"
                    )
                if known[0] != model:
                    raise invalid(f"{where}: this thinking block was produced by another model")
        self._latest_keeps_its_thinking(messages)

    def _latest_keeps_its_thinking(self, messages: list[dict[str, Any]]) -> None:
        """During tool use the latest assistant message carries its thinking blocks (T)."""
        latest = next(
            (i for i in range(len(messages) - 1, -1, -1) if messages[i]["role"] == "assistant"),
            None,
        )
        if latest is None or not isinstance(messages[latest]["content"], list):
            return
        content = [_strip(b) for b in messages[latest]["content"]]
        for block in content:
            expected = self.by_tool_use.get(str(block.get("id"))) if _is_tool_use(block) else None
            if expected and any(b not in content for b in expected):
                raise invalid(
                    f"messages.{latest}.content: when thinking is on, an assistant message with "
                    "tool_use must keep the thinking blocks it was returned with, unmodified"
                )

    def is_paused_resume(self, message: dict[str, Any]) -> bool:
        content = message.get("content")
        return isinstance(content, list) and [_strip(b) for b in content] in self.paused


def _is_tool_use(block: dict[str, Any]) -> bool:
    return block.get("type") == "tool_use"


def _strip(block: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if k != "cache_control"}


# --- prompt caching (C) --------------------------------------------------------------------------


@dataclass(frozen=True)
class CacheUsage:
    input_tokens: int
    cache_read_input_tokens: int
    cache_creation_input_tokens: int

    @property
    def total(self) -> int:
        return self.input_tokens + self.cache_read_input_tokens + self.cache_creation_input_tokens


def prompt_blocks(body: dict[str, Any]) -> list[tuple[str, bool]]:
    """The request's cacheable blocks in prefix order, each with whether it carries a breakpoint."""
    blocks: list[tuple[str, bool]] = []
    for tool in body.get("tools") or []:
        blocks.append((canonical(_strip(tool)), "cache_control" in tool))
    system = body.get("system")
    if isinstance(system, str):
        blocks.append((canonical(system), False))
    for block in system if isinstance(system, list) else []:
        blocks.append((canonical(_strip(block)), "cache_control" in block))
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        for block in content or []:
            marked = isinstance(block, dict) and "cache_control" in block
            blocks.append((message["role"] + canonical(_strip(block)), marked))
    if body.get("cache_control") and blocks:  # top-level: the last cacheable block
        text, _ = blocks[-1]
        blocks[-1] = (text, True)
    return blocks


@dataclass
class PromptCache:
    """Prefixes written by earlier requests, by hash (no expiry: tests run well inside 5 min)."""

    written: dict[str, int] = field(default_factory=dict)

    def account(self, body: dict[str, Any]) -> CacheUsage:
        blocks = prompt_blocks(body)
        breakpoints = [i for i, (_, marked) in enumerate(blocks) if marked]
        if len(breakpoints) > MAX_BREAKPOINTS:
            raise invalid(
                f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. "
                f"Found {len(breakpoints)}."
            )
        hashes: list[str] = []
        tokens: list[int] = []
        running = hashlib.sha256(str(body.get("model")).encode())
        total = 0
        for text, _ in blocks:
            running.update(text.encode())
            hashes.append(running.hexdigest())
            total += estimate_tokens(text)
            tokens.append(total)
        read = 0
        for point in breakpoints:
            for index in range(point, max(-1, point - LOOKBACK_BLOCKS - 1), -1):
                if hashes[index] in self.written:
                    read = max(read, tokens[index])
                    break
        written_to = read
        for point in breakpoints:
            if tokens[point] >= MIN_CACHEABLE_TOKENS and tokens[point] > read:
                self.written[hashes[point]] = tokens[point]
                written_to = max(written_to, tokens[point])
        return CacheUsage(total - written_to, read, written_to - read)
