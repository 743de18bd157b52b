"""The ``pannier ask --json`` document: one versioned shape, described by ``docs/ask.schema.json``.

Every run prints exactly one object. ``ok`` says whether the turn ran; when it did not, ``error``
carries a stable ``code`` (the same kinds as the exit status). ``results`` are this turn's search
hits only (empty when the turn did not search); ``merchants`` is where each shop stands now;
``escalations`` are what only the shopper can do (open ones); ``orders`` are the session's orders,
``placed_this_turn`` marking the new ones; ``usage`` is filled when a language model ran;
``purchases`` are the summaries put to the shopper this turn (``approved``: the one ``--approve``
said yes to); ``pickup_locations`` is this turn's listing of where stores let the shopper collect.
Money is always integer minor units with its currency, plus a display string. Each record's
shape is its view's ``for_script()`` (``assistant.views``); this module only assembles them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from assistant.domain import (
    Escalation,
    MerchantState,
    OrderRecord,
    PickupOffer,
    PurchaseSummary,
    SearchHit,
)
from assistant.views import (
    EscalationView,
    HitView,
    MerchantStateView,
    OrderView,
    PickupLocationsView,
    PurchaseView,
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
    pickup_locations: Iterable[PickupOffer] = (),
) -> dict[str, Any]:
    """The whole document; with ``error`` set, ``ok`` is false."""
    return {
        "version": VERSION,
        "ok": error is None,
        "error": error,
        "reply": reply,
        "needs_approval": needs_approval,
        "results": [HitView(hit).for_script() for hit in results],
        "merchants": [MerchantStateView(state).for_script() for state in merchants],
        "escalations": [EscalationView(e).for_script() for e in escalations],
        "orders": [OrderView(o).for_script(o.order_id in new_order_ids) for o in orders],
        "failures": list(failures),
        "pickup_locations": PickupLocationsView(list(pickup_locations)).for_script(),
        "usage": usage,
        "purchases": [
            PurchaseView(summary).for_script(approved) for summary, approved in purchases
        ],
    }
