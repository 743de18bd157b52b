"""The offline planner's replies: what the tool results say, as short plain sentences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.domain import BasketLine

READY = "ready_for_complete"


@dataclass(frozen=True)
class Step:
    """One tool call of this turn and its parsed result."""

    name: str
    arguments: dict[str, Any]
    result: Any
    is_error: bool


def any_status(result: Any, status: str) -> bool:
    stores = result.get("stores", []) if isinstance(result, dict) else []
    return any(isinstance(s, dict) and s.get("status") == status for s in stores)


def failure(step: Step) -> str:
    error = step.result.get("error") if isinstance(step.result, dict) else step.result
    return f"That didn't work ({step.name.replace('_', ' ')}): {error}"


def compose(steps: list[Step]) -> str:
    """The reply for a finished plan, from its last tool result (earlier ones led up to it)."""
    if not steps:
        return "Done."
    step = steps[-1]
    result = step.result if isinstance(step.result, dict) else {}
    if step.name == "search_products":
        if not result.get("results"):
            query = str(step.arguments.get("query", "")).strip("* ")
            said = f' for "{query}"' if query else ""
            nothing = f"Nothing found{said}. Try fewer or other words, or a higher price limit."
            return "\n".join([nothing, *_store_notes(result)])
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
    if step.name == "prepare_checkout" and any_status(result, READY):
        text += '\nSay "buy" to review the totals and approve the payment.'
    return text


def _data(entry: dict[str, Any], key: str) -> str:
    value = entry.get("merchant_data", {}).get(key, "")
    return str(value)


def _store(entry: dict[str, Any]) -> str:
    """The store's display name, wherever the tool put it (merchant_data or beside it)."""
    return _data(entry, "store_name") or str(entry.get("store", ""))


def _url(entry: dict[str, Any]) -> str:
    return _data(entry, "continue_url") or str(entry.get("continue_url") or "")


def _search_text(result: dict[str, Any]) -> str:
    products = result.get("results", [])
    if not products:
        return "Nothing found."
    page = int(result.get("page", 1))
    total = int(result.get("products_found", len(products)))
    head = f"Found {total} product{'s' if total != 1 else ''}"
    lines = [head + (f" (page {page}):" if total > len(products) else ":")]
    for product in products:
        title = _data(product, "title")
        variant = _data(product, "variant")
        name = f"{title} ({variant})" if variant and variant.lower() != title.lower() else title
        sold_out = "" if product.get("available", True) else " (sold out)"
        line = f"  {product.get('handle')}. {name} — {product.get('price')} — {_store(product)}"
        lines.append(line + sold_out)
        for offer in product.get("also_at", []):
            lines.append(
                f"       also {offer.get('price')} at {_store(offer)} ({offer.get('handle')})"
            )
        others = [v for v in product.get("variants", [])[1:]]
        if others:
            shown = ", ".join(_data(v, "variant") for v in others[:4])
            more = f" and {len(others) - 4} more" if len(others) > 4 else ""
            lines.append(f"       also: {shown}{more}")
    lines.extend(_store_notes(result))
    first = products[0].get("handle", 1)  # handles run on across searches: name a real one
    tail = f'Say "add {first}", "add 2 of the first one" or "show {first}" for its options'
    lines.append(tail + (', or "more" for the next page.' if result.get("more") else "."))
    return "\n".join(lines)


def _store_notes(result: dict[str, Any]) -> list[str]:
    """One line per store that gave no results, and why (timed out, no catalog to search…)."""
    unavailable = result.get("unavailable_stores", {})
    notes = unavailable.get("merchant_data", unavailable)
    return [f"  ({store}: {note})" for store, note in notes.items()]


def _product_text(result: dict[str, Any]) -> str:
    lines = [f"{_data(result, 'title')} — {_store(result)}"]
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
        head = f"{_store(store)}: {store.get('status')} — {count} item{'s' if count != 1 else ''}"
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
        if _url(store) and store.get("status") == "requires_escalation":
            lines.append(f"    → needs you: {_url(store)}")
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
        lines.append(f"  {_store(escalation)}: {reason}")
        lines.append(f"    → {_url(escalation)}")
    lines.append('Say "back" when you are done there.')
    return "\n".join(lines)


def _orders_text(orders: list[dict[str, Any]]) -> str:
    if not orders:
        return "No orders yet."
    return "\n".join(
        f"{_store(o)}: order {o.get('order_id')} — {o.get('total')}"
        + (f" — {status}" if (status := _data(o, "status") or o.get("status")) else "")
        + (f" — {url}" if (url := _data(o, "url") or o.get("url")) else "")
        for o in orders
    )


def basket_text(lines: list[BasketLine]) -> str:
    if not lines:
        return "The basket is empty."
    return "\n".join(
        f"  {line.handle or line.variant_id}. {line.quantity} × {line.title} — {line.merchant.name}"
        for line in lines
    )
