"""The ``pannier ask --json`` document: one versioned shape, described by ``docs/ask.schema.json``.

Every run prints exactly one object. ``ok`` says whether the turn ran; when it did not, ``error``
carries a stable ``code`` (the same kinds as the exit status). ``results`` are this turn's search
hits only (empty when the turn did not search); ``merchants`` is where each shop stands now;
``escalations`` are what only the shopper can do (open ones); ``orders`` are the session's orders,
``placed_this_turn`` marking the new ones; ``usage`` is filled when a language model ran;
``purchases`` are the summaries put to the shopper this turn (``approved``: the one ``--approve``
said yes to).
Money is always integer minor units with its currency, plus a display string.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from assistant.domain import (
    Escalation,
    MerchantState,
    Money,
    OrderRecord,
    PurchaseSummary,
    SearchHit,
)

VERSION: Final = 1


def document(
    *,
    reply: str | None,
    needs_approval: bool = False,
    results: Iterable[SearchHit] = (),
    merchants: Iterable[MerchantState] = (),
    escalations: Iterable[Escalation] = (),
    orders: Iterable[OrderRecord] = (),
    new_order_ids: frozenset[str] = frozenset(),
    failures: Iterable[dict[str, str]] = (),
    usage: dict[str, Any] | None = None,
    error: dict[str, str] | None = None,
    purchases: Iterable[tuple[PurchaseSummary, bool]] = (),
) -> dict[str, Any]:
    """The whole document; with ``error`` set, ``ok`` is false."""
    return {
        "version": VERSION,
        "ok": error is None,
        "error": error,
        "reply": reply,
        "needs_approval": needs_approval,
        "results": [hit_json(hit) for hit in results],
        "merchants": [state_json(state) for state in merchants],
        "escalations": [escalation_json(e) for e in escalations],
        "orders": [order_json(o, o.order_id in new_order_ids) for o in orders],
        "failures": list(failures),
        "usage": usage,
        "purchases": [purchase_json(summary, approved) for summary, approved in purchases],
    }


def purchase_json(summary: PurchaseSummary, approved: bool) -> dict[str, Any]:
    """A purchase summary put to the shopper this turn, and whether --approve said yes to it."""
    return {
        "digest": summary.digest,
        "approved": approved,
        "stores": [
            {
                "store": part.merchant.name,
                "domain": part.merchant.domain,
                "checkout_id": part.checkout_id,
                "instrument": part.instrument,
                "total": money_json(part.total.amount, part.total.currency),
                "lines": [
                    {"title": line.title, "quantity": line.quantity, "again": line.again}
                    for line in part.lines
                ],
            }
            for part in summary.merchants
        ],
    }


def money_json(amount: int, currency: str | None) -> dict[str, Any]:
    display = Money(amount=amount, currency=currency).format() if currency else None
    return {"amount": amount, "currency": currency, "display": display}


def hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "handle": hit.handle,
        "store": hit.merchant.name,
        "domain": hit.merchant.domain,
        "product": hit.title,
        "variant": hit.variant_title,
        "variant_id": hit.variant_id,
        "price": money_json(hit.price.amount, hit.price.currency),
        "available": hit.available,
    }


def _message(message: Any) -> dict[str, Any]:
    return {
        "type": message.type,
        "code": message.code,
        "severity": message.severity,
        "content": message.content,
    }


def state_json(state: MerchantState) -> dict[str, Any]:
    currency = state.currency
    return {
        "store": state.merchant.name,
        "domain": state.merchant.domain,
        "cart_id": state.cart_id,
        "checkout_id": state.checkout_id,
        "status": state.status,
        "lines": [
            {
                "variant_id": line.variant_id,
                "title": line.title,
                "quantity": line.quantity,
                "stage": line.stage,
                "order_id": line.order_id,
                "again": line.again,
            }
            for line in state.lines
        ],
        "totals": [
            {"type": total.type, **money_json(total.amount, currency)} for total in state.totals
        ],
        "messages": [_message(m) for m in state.messages],
        "continue_url": state.continue_url,
        "discount_codes": list(state.discount_codes),
        "order": order_json(state.order, False) if state.order is not None else None,
        "failure": state.failure,
        "questions": list(state.questions),
    }


def escalation_json(escalation: Escalation) -> dict[str, Any]:
    return {
        "id": escalation.id,
        "store": escalation.merchant.name,
        "domain": escalation.merchant.domain,
        "checkout_id": escalation.checkout_id,
        "continue_url": escalation.continue_url,
        "state": escalation.state,
        "messages": [_message(m) for m in escalation.messages],
        "disclosures": [_message(m) for m in escalation.disclosures],
    }


def order_json(order: OrderRecord, placed_this_turn: bool) -> dict[str, Any]:
    total = order.total
    return {
        "store": order.merchant.name,
        "domain": order.merchant.domain,
        "order_id": order.order_id,
        "checkout_id": order.checkout_id,
        "status": order.status,
        "total": money_json(total.amount, total.currency) if total is not None else None,
        "url": order.permalink_url,
        "placed_this_turn": placed_this_turn,
    }
