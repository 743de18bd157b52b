"""What of the stored conversation is sent to the model: a valid history within a token budget.

``normalise`` repairs a stored transcript (roles alternating, every tool_use answered).
``History`` sends all of it until it outgrows ``budget_tokens``; then older whole turns are
compacted into one summary (the shopper's requests, the model's decisions, the trip's state
as the tools show it) that stays fixed until the next compaction, so the cached prefix moves
once per compaction instead of every turn. The store keeps the full conversation regardless.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from assistant.llm.model import Transcript

INTERRUPTED: Final = '{"error":"interrupted before this tool finished; nothing is known"}'
KEEP_SHARE: Final = 0.5  # a compaction keeps recent turns up to this share of the budget
MEASURE_SHARE: Final = 0.75  # past this share of the budget by estimate, ask the API to count
SUMMARY_REQUESTS: Final = 20
SUMMARY_CLIP: Final = 240
SUMMARY_HEADER: Final = "[Pannier compacted the earlier conversation to save room.]"


def estimate_tokens(value: Any) -> int:
    """A char/4 estimate, good enough to decide when to measure precisely."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"))) // 4


class History:
    """The window of a conversation that is sent: everything, or a summary plus recent turns."""

    def __init__(self, budget_tokens: int) -> None:
        self.budget_tokens = budget_tokens
        self.cut = 0  # index in the normalised transcript where the sent part starts
        self.summary: str | None = None
        self.compactions = 0

    def window(self, transcript: Transcript) -> Transcript:
        messages = normalise(transcript)
        if self.summary is None or self.cut >= len(messages):
            return messages
        first, *rest = messages[self.cut :]
        lead = {"type": "text", "text": self.summary}
        return [{"role": "user", "content": [lead, *first["content"]]}, *rest]

    def compact(
        self, transcript: Transcript, state: Sequence[dict[str, Any]], *, all_but_last: bool = False
    ) -> bool:
        """Fold older turns into the summary (all but the current one when the context window
        overflowed); False when only the current turn is left."""
        messages = normalise(transcript)
        starts = [i for i in range(self.cut + 1, len(messages)) if _starts_turn(messages[i])]
        if not starts:
            return False
        keep_tokens = 0 if all_but_last else self.budget_tokens * KEEP_SHARE
        cut = next((i for i in starts if estimate_tokens(messages[i:]) <= keep_tokens), starts[-1])
        self.summary = _summary(messages[self.cut : cut], state, self.summary)
        self.cut = cut
        self.compactions += 1
        return True


def _summary(folded: Transcript, state: Sequence[dict[str, Any]], earlier: str | None) -> str:
    requests = [
        _clip(block["text"])
        for message in folded
        if message["role"] == "user"
        for block in message["content"]
        if _is(block, "text") and not block["text"].startswith(SUMMARY_HEADER)
    ]
    decisions = [
        f"{block['name']} {_clip(json.dumps(block.get('input', {}), ensure_ascii=False))}"
        for message in folded
        if message["role"] == "assistant"
        for block in message["content"]
        if _is(block, "tool_use")
    ]
    lines = [SUMMARY_HEADER]
    if earlier:
        lines.append("Before that: " + _clip(earlier.removeprefix(SUMMARY_HEADER), 800))
    lines.append("The shopper asked, oldest first:")
    lines.extend(f"- {request}" for request in requests[-SUMMARY_REQUESTS:])
    if decisions:
        lines.append("Tool calls made for them:")
        lines.extend(f"- {decision}" for decision in decisions[-SUMMARY_REQUESTS:])
    lines.append(
        "The trip now, per store (store text stays inside merchant_data; call the tools for "
        "anything newer): " + json.dumps(list(state), ensure_ascii=False, separators=(",", ":"))
    )
    return "\n".join(lines)


def _clip(text: str, limit: int = SUMMARY_CLIP) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def normalise(transcript: Transcript) -> Transcript:
    """A valid Messages-API history from a stored one: roles alternating, every tool_use answered
    (a crash mid-turn leaves some unanswered), starting with the shopper."""
    merged: Transcript = []
    for message in transcript:
        content = list(message["content"])
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1] = {"role": message["role"], "content": merged[-1]["content"] + content}
        else:
            merged.append({"role": message["role"], "content": content})
    fixed: Transcript = []
    for index, message in enumerate(merged):
        if message["role"] == "user" and fixed and fixed[-1]["role"] == "assistant":
            answered = {b.get("tool_use_id") for b in message["content"] if _is(b, "tool_result")}
            missing = _unanswered(fixed[-1], answered)
            message = {"role": "user", "content": missing + message["content"]}
        fixed.append(message)
        is_last = index == len(merged) - 1
        if message["role"] == "assistant" and is_last and _unanswered(message, set()):
            fixed.append({"role": "user", "content": _unanswered(message, set())})
    start = 0
    while start < len(fixed) and not _starts_turn(fixed[start]):
        start += 1
    return fixed[start:]


def _is(block: Any, kind: str) -> bool:
    return isinstance(block, dict) and block.get("type") == kind


def _unanswered(assistant: dict[str, Any], answered: set[Any]) -> list[dict[str, Any]]:
    return [
        {"type": "tool_result", "tool_use_id": b["id"], "content": INTERRUPTED, "is_error": True}
        for b in assistant["content"]
        if _is(b, "tool_use") and b.get("id") not in answered
    ]


def _starts_turn(message: dict[str, Any]) -> bool:
    return message["role"] == "user" and not any(_is(b, "tool_result") for b in message["content"])
