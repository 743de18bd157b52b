"""The offline planner: the ``Model`` interface without a language model.

It reads the shopper's last message as a short command or a simple sentence ("find red roses",
"add 2 of 3", "checkout", "buy"), calls the same tools Claude would, and writes the reply from
the tool results. It only ever acts on the shopper's words: merchant text is shown, never obeyed.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from assistant.domain import BasketLine, SearchResult
from assistant.llm.model import OnText, ToolCall, ToolSpec, Transcript, Turn

HELP: Final = """\
I'm the offline planner (no language model needed). I understand:
  search <words>           search every store (or: "find red roses")
  show <handle>            details of one result
  add <handle> [qty]       put it in the basket (or: "add 2 of 3"; at a store without a
                           catalog, "add <its item id> at <store>")
  buy <handle> again       buy something you already ordered once more
  remove <handle>          take it out of the basket
  qty <handle> <n>         change a quantity
  discount <store> <code>  apply a discount code (undiscount <store> <code> removes it)
  checkout                 open checkouts at every store with your saved details
  buy                      checkout, then ask you to approve the totals and pay
  escalations              what needs you on a store's own page ("back" re-checks)
  orders                   orders placed so far
  basket                   what is in the basket
  help                     this list"""

READY: Final = "ready_for_complete"


class TripView(Protocol):
    """What the planner reads to turn "add 3" into a full basket (it writes only via tools)."""

    last_search: SearchResult | None

    def basket(self) -> list[BasketLine]: ...


@dataclass(frozen=True)
class Intent:
    """What the shopper asked for: a verb and the tool calls it takes, in order."""

    verb: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class _Step:
    name: str
    arguments: dict[str, Any]
    result: Any
    is_error: bool


_HANDLE = r"[\w.:/-]+"
_ADD_ONE = re.compile(rf"^(?:(\d+)\s*(?:x|×|of)\s*)?({_HANDLE})(?:\s+(?:x\s*)?(\d+))?$")


class OfflinePlanner:
    """Implements ``Model`` with plain phrase parsing."""

    def __init__(
        self,
        trip: TripView | None = None,
        *,
        basket: Callable[[], Sequence[BasketLine]] | None = None,
    ) -> None:
        self.trip = trip
        self._basket = basket if basket is not None else (trip.basket if trip else None)

    async def respond(
        self, transcript: Transcript, tools: Sequence[ToolSpec], on_text: OnText
    ) -> Turn:
        command, steps = _current_turn(transcript)
        turn = self._next(command, steps)
        if turn.text:
            on_text(turn.text)
        return turn

    def _next(self, command: str, steps: list[_Step]) -> Turn:
        if steps and steps[-1].is_error:
            return Turn(text=_failure(steps[-1]))
        parsed = self.parse(command)
        if isinstance(parsed, str):
            return Turn(text=parsed if not steps else compose(steps))
        intent = parsed
        if len(steps) < len(intent.calls):
            name, arguments = intent.calls[len(steps)]
            if name == "complete_purchase" and steps and not _any_status(steps[-1].result, READY):
                return Turn(text=compose(steps) + "\nNothing is ready to buy yet.")
            call = ToolCall(f"toolu_offline_{uuid.uuid4().hex[:16]}", name, arguments)
            return Turn(tool_calls=[call], stop_reason="tool_use")
        return Turn(text=compose(steps), stop_reason="end_turn")

    def parse(self, text: str) -> Intent | str:
        """The shopper's message as an intent, or a direct answer (help, a question back)."""
        cleaned = re.sub(r"[.!?]+$", "", " ".join(text.strip().split()))
        cleaned = re.sub(r"^(?:please|pls|ok|okay|now|then)[, ]+", "", cleaned, flags=re.I)
        lowered = cleaned.lower()
        if lowered in ("", "help", "?", "commands", "what can you do"):
            return HELP
        if lowered in ("hi", "hello", "hey"):
            return 'Hello! Tell me what to look for, e.g. "find red roses". Say "help" for more.'
        verb, _, rest = lowered.partition(" ")
        rest_original = cleaned.partition(" ")[2].strip()
        if m := re.match(
            r"^(?:search(?: for)?|find|look for|show me|i want|i need|get me)\s+(.+)$", lowered
        ):
            query = re.sub(r"^(?:some|a|an|the)\s+", "", m.group(1))
            return Intent("search", [("search_products", {"query": query})])
        if verb in ("show", "details", "info", "describe") and re.fullmatch(_HANDLE, rest):
            return Intent("show", [("show_product", {"ref": rest_original})])
        if verb in ("basket", "cart") and not rest:
            return _basket_text(self._lines())
        if lowered.startswith(("remove discount ", "undiscount ")):
            args = lowered.removeprefix("remove discount ").removeprefix("undiscount ").split()
            if len(args) < 2:
                return "Say: undiscount <store> <code>"
            return Intent(
                "discount", [("remove_discount", {"store": " ".join(args[:-1]), "code": args[-1]})]
            )
        if verb in ("discount", "code", "apply", "coupon"):
            args = rest_original.removeprefix("code ").split()
            if len(args) < 2:
                return 'Say: discount <store> <code>, e.g. "discount flowers SPRING10".'
            return Intent(
                "discount", [("apply_discount", {"store": " ".join(args[:-1]), "code": args[-1]})]
            )
        if m := re.match(r"^(?:buy|add|order|get)\s+(.+?)\s+(?:once )?again$", cleaned, re.I):
            if m.group(1).lower() in ("it", "them", "that", "this"):
                return 'Say which item to buy again by its number, e.g. "buy 3 again".'
            return self._basket_intent(m.group(1), "add", again=True)
        if lowered in ("buy again", "buy it again", "buy them again", "order again"):
            return 'Say which item to buy again by its number, e.g. "buy 3 again".'
        if verb == "add" and rest:
            return self._basket_intent(rest_original, "add")
        if verb in ("remove", "delete", "drop") and rest:
            return self._basket_intent(rest_original, "remove")
        if verb in ("qty", "quantity", "set", "change"):
            if m := re.match(rf"^({_HANDLE})\s+(?:to\s+)?(\d+)$", rest_original):
                return self._basket_intent(m.group(1), "set", int(m.group(2)))
            return 'Say: qty <handle> <n>, e.g. "qty 3 2".'
        if lowered in ("checkout", "check out", "prepare checkout", "prepare"):
            return Intent("checkout", [("prepare_checkout", {})])
        if lowered in (
            "buy",
            "buy it",
            "buy them",
            "purchase",
            "pay",
            "complete",
            "place order",
            "place the order",
        ):
            return Intent("buy", [("prepare_checkout", {}), ("complete_purchase", {})])
        if lowered in ("escalations", "what needs me", "todo", "to do"):
            return Intent("escalations", [("list_escalations", {"recheck": False})])
        if lowered in ("back", "i'm back", "im back", "i am back", "done", "recheck"):
            return Intent("escalations", [("list_escalations", {"recheck": True})])
        if verb in ("orders", "order", "status") and (not rest or rest == "status"):
            return Intent("orders", [("order_status", {})])
        return f'Sorry, I didn\'t understand "{cleaned}".\n{HELP}'

    def _basket_intent(
        self, text: str, mode: str, quantity: int | None = None, *, again: bool = False
    ) -> Intent | str:
        changes: list[tuple[str, int]] = []
        # "add bouquet_roses at Flower Shop": an item id at a store that has no catalog.
        text, _, store = text.strip().partition(" at ")
        suffix = f" at {store.strip()}" if store.strip() else ""
        for piece in re.split(r"\s*,\s*|\s+and\s+", text.strip()):
            m = _ADD_ONE.match(piece)
            if m is None:
                return (
                    f'Say e.g. "{mode} 3" or "add 2 of 3" (handles are the numbers in the results).'
                )
            ref = m.group(2) + suffix
            count = quantity if quantity is not None else int(m.group(1) or m.group(3) or 1)
            changes.append((ref, count))
        # Only what is still to be bought: ordered lines are history, not part of the basket.
        to_buy = [line for line in self._lines() if not line.ordered]
        items: dict[str, int] = {line.variant_id: line.quantity for line in to_buy}
        bought_again: set[str] = set()
        for ref, count in changes:
            key = self._variant_for(ref) or ref
            if again:
                bought_again.add(key)
            if mode == "add":
                items[key] = items.get(key, 0) + count
            elif mode == "set":
                items[key] = count
            else:
                items.pop(key, None)
        basket: list[dict[str, object]] = [
            {"ref": ref, "quantity": count} | ({"again": True} if ref in bought_again else {})
            for ref, count in items.items()
            if count > 0
        ]
        return Intent("basket", [("set_basket", {"items": basket})])

    def _lines(self) -> list[BasketLine]:
        return list(self._basket()) if self._basket is not None else []

    def _variant_for(self, ref: str) -> str | None:
        search = self.trip.last_search if self.trip is not None else None
        for hit in search.hits if search else []:
            if hit.handle == ref:
                return hit.variant_id
        for line in self._lines():
            if ref in (line.handle, line.variant_id):
                return line.variant_id
        return None


# --- reading the transcript ----------------------------------------------------------------------


def _current_turn(transcript: Transcript) -> tuple[str, list[_Step]]:
    """The shopper's latest words and the tool steps taken since."""
    start = len(transcript)
    command = ""
    for index in range(len(transcript) - 1, -1, -1):
        message = transcript[index]
        texts = [b.get("text", "") for b in message["content"] if _is(b, "text")]
        if message["role"] == "user" and texts:
            start, command = index, texts[-1]
            break
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    steps: list[_Step] = []
    for message in transcript[start:]:
        for block in message["content"]:
            if _is(block, "tool_use"):
                calls[block["id"]] = (block["name"], block.get("input") or {})
            elif _is(block, "tool_result") and block.get("tool_use_id") in calls:
                name, arguments = calls[block["tool_use_id"]]
                steps.append(
                    _Step(
                        name, arguments, _parse(block.get("content")), bool(block.get("is_error"))
                    )
                )
    return command, steps


def _is(block: Any, kind: str) -> bool:
    return isinstance(block, dict) and block.get("type") == kind


def _parse(content: Any) -> Any:
    if isinstance(content, list):
        content = "".join(b.get("text", "") for b in content if _is(b, "text"))
    try:
        return json.loads(content) if isinstance(content, str) else content
    except json.JSONDecodeError:
        return {"error": content}


def _any_status(result: Any, status: str) -> bool:
    stores = result.get("stores", []) if isinstance(result, dict) else []
    return any(isinstance(s, dict) and s.get("status") == status for s in stores)


# --- writing the reply ---------------------------------------------------------------------------


def _failure(step: _Step) -> str:
    error = step.result.get("error") if isinstance(step.result, dict) else step.result
    return f"That didn't work ({step.name.replace('_', ' ')}): {error}"


def compose(steps: list[_Step]) -> str:
    """The reply for a finished plan, from its last tool result (earlier ones led up to it)."""
    if not steps:
        return "Done."
    step = steps[-1]
    result = step.result if isinstance(step.result, dict) else {}
    if step.name == "search_products":
        return _search_text(result)
    if step.name == "show_product":
        return _product_text(result)
    if step.name in ("apply_discount", "remove_discount"):
        return _stores_text([result])
    if step.name == "complete_purchase":
        return _purchase_text(result)
    if step.name == "list_escalations":
        return _escalations_text(result.get("escalations", []))
    if step.name == "order_status":
        return _orders_text(result.get("orders", []))
    text = _stores_text(result.get("stores", []))
    if step.name == "prepare_checkout" and _any_status(result, READY):
        text += '\nSay "buy" to review the totals and approve the payment.'
    return text


def _data(entry: dict[str, Any], key: str) -> str:
    value = entry.get("merchant_data", {}).get(key, "")
    return str(value)


def _search_text(result: dict[str, Any]) -> str:
    hits = result.get("results", [])
    lines = [
        f"Found {len(hits)} result{'s' if len(hits) != 1 else ''}:" if hits else "Nothing found."
    ]
    for hit in hits:
        title = _data(hit, "title")
        variant = _data(hit, "variant")
        name = f"{title} ({variant})" if variant and variant.lower() != title.lower() else title
        sold_out = "" if hit.get("available", True) else " (sold out)"
        lines.append(
            f"  {hit.get('handle')}. {name} — {hit.get('price')} — "
            f"{_data(hit, 'store_name')}{sold_out}"
        )
    for store, note in result.get("unavailable_stores", {}).get("merchant_data", {}).items():
        lines.append(f"  ({store}: {note})")
    if hits:
        lines.append('Say "add <handle> [qty]" to put one in the basket.')
    return "\n".join(lines)


def _product_text(result: dict[str, Any]) -> str:
    lines = [f"{_data(result, 'title')} — {_data(result, 'store_name')}"]
    if description := _data(result, "description"):
        lines.append(f"  {description}")
    for variant in result.get("variants", []):
        sold_out = "" if variant.get("available", True) else " (sold out)"
        lines.append(
            f"  {variant.get('ref')}. {_data(variant, 'title')} — {variant.get('price')}{sold_out}"
        )
    return "\n".join(lines)


def _stores_text(stores: list[dict[str, Any]]) -> str:
    if not stores or all(not s.get("lines") and not s.get("order") for s in stores):
        return "The basket is empty."
    lines: list[str] = []
    for store in stores:
        if not store.get("lines") and not store.get("order"):
            continue
        count = sum(int(line.get("quantity", 0)) for line in store.get("lines", []))
        total = store.get("totals", {}).get("total")
        head = (
            f"{_data(store, 'store_name')}: {store.get('status')} — "
            f"{count} item{'s' if count != 1 else ''}"
        )
        lines.append(head + (f" — total {total}" if total else ""))
        for line in store.get("lines", []):
            price = f" @ {line['unit_price']}" if line.get("unit_price") else ""
            lines.append(f"    {line.get('quantity')} × {_data(line, 'title')}{price}")
        if store.get("discount_codes"):
            lines.append(f"    codes: {', '.join(store['discount_codes'])}")
        merchant_data = store.get("merchant_data", {})
        for message in merchant_data.get("messages", []):
            lines.append(f"    ! {message.get('content', '')}")
        for question in merchant_data.get("questions_for_the_shopper", []):
            lines.append(f"    ? {question}")
        if merchant_data.get("failure"):
            lines.append(f"    ! {merchant_data['failure']}")
        if merchant_data.get("continue_url") and store.get("status") == "requires_escalation":
            lines.append(f"    → needs you: {merchant_data['continue_url']}")
        if order := store.get("order"):
            lines.append(f"    order {order.get('order_id')} placed — {order.get('total')}")
    return "\n".join(lines)


def _purchase_text(result: dict[str, Any]) -> str:
    if not result.get("shopper_approved_stores"):
        return "Nothing was bought: the purchase needs your approval."
    return _stores_text(result.get("stores", []))


def _escalations_text(escalations: list[dict[str, Any]]) -> str:
    open_ones = [e for e in escalations if e.get("state", "open") == "open"]
    if not open_ones:
        return "Nothing needs you right now."
    count = len(open_ones)
    lines = [f"{count} thing needs you:" if count == 1 else f"{count} things need you:"]
    for escalation in open_ones:
        messages = escalation.get("merchant_data", {}).get("messages", [])
        reason = "; ".join(m.get("content", "") for m in messages) or "the store needs you"
        lines.append(f"  {_data(escalation, 'store_name')}: {reason}")
        lines.append(f"    → {_data(escalation, 'continue_url')}")
    lines.append('Say "back" when you are done there.')
    return "\n".join(lines)


def _orders_text(orders: list[dict[str, Any]]) -> str:
    if not orders:
        return "No orders yet."
    return "\n".join(
        f"{_data(o, 'store_name')}: order {o.get('order_id')} — {o.get('total')}"
        + (f" — {_data(o, 'status')}" if _data(o, "status") else "")
        + (f" — {_data(o, 'url')}" if _data(o, "url") else "")
        for o in orders
    )


def _basket_text(lines: list[BasketLine]) -> str:
    if not lines:
        return "The basket is empty."
    return "\n".join(
        f"  {line.handle or line.variant_id}. {line.quantity} × {line.title} — {line.merchant.name}"
        for line in lines
    )
