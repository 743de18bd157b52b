"""``pannier ask "<message>"``: one agent turn, headless, printed as text or one JSON object.

The trip and the conversation live in the session (``--session``), so consecutive calls continue
the same trip. A purchase needs ``--approve``: without it the confirmation is declined and the
command says so; with it, the shopper's yes is given for this turn's purchase summary only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Final

from assistant import locations
from assistant.config import Config, load_config
from assistant.domain import Approval, MerchantState, Money, PurchaseSummary
from assistant.errors import PannierError
from assistant.llm.loop import build_agent
from assistant.llm.tools import order_json
from assistant.shopping.trip import Trip
from assistant.store import Store

NEEDS_APPROVAL: Final = (
    "This purchase needs your confirmation: run the same request with --approve."
)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``ask`` on the ``pannier`` subcommand parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ask",
        help="one shopping request, answered headlessly",
        description="Run one agent turn against the configured merchants (or the sandbox).",
    )
    parser.add_argument("message", help='what you want, e.g. "find red roses" or "buy"')
    parser.add_argument("--session", default="default", help="trip to continue (default: default)")
    parser.add_argument("--offline", action="store_true", help="use the offline planner")
    parser.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")
    parser.add_argument("--approve", action="store_true", help="approve a purchase in this turn")
    parser.add_argument(
        "--merchant",
        action="append",
        dest="merchant_urls",
        metavar="URL",
        help="shop at this merchant instead of the configured ones (repeatable)",
    )
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    parser.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="database dir")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the command; errors print as one readable line with a non-zero status."""
    try:
        return asyncio.run(_ask(args))
    except PannierError as exc:
        print(f"pannier ask: {exc.title}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug, but the shopper still gets one line, not a traceback
        print(f"pannier ask: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 70


async def _ask(args: argparse.Namespace) -> int:
    config = load_config(getattr(args, "config", None))
    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None:
        config = config.model_copy(update={"data_dir": data_dir})
    store = Store.open(locations.database_path(config.data_dir))
    try:
        trip = await Trip.open(
            config, session=args.session, store=store, merchant_urls=args.merchant_urls
        )
        try:
            return await _turn(args, config, trip, store)
        finally:
            await trip.aclose()
    finally:
        store.close()


async def _turn(args: argparse.Namespace, config: Config, trip: Trip, store: Store) -> int:
    summaries: list[PurchaseSummary] = []

    async def confirm(summary: PurchaseSummary) -> Approval:
        summaries.append(summary)
        if args.approve:
            return Approval(frozenset(part.merchant.domain for part in summary.merchants))
        return Approval.declined()

    agent = build_agent(config, trip, offline=args.offline, store=store)
    reply = await agent.turn(args.message, confirm)
    needs_approval = bool(summaries) and not args.approve
    if args.as_json:
        print(json.dumps(_json(reply, trip, needs_approval), ensure_ascii=False, indent=2))
    else:
        print(reply)
        for summary in summaries:
            print("\n".join(summary_lines(summary)))
        if needs_approval:
            print(NEEDS_APPROVAL)
    return 0


def summary_lines(summary: PurchaseSummary) -> list[str]:
    """The purchase as the shopper must see it: per store its items, every totals line, the card."""
    lines = ["Purchase to approve:"]
    for part in summary.merchants:
        lines.append(f"  {part.merchant.name} — paid with {part.instrument}")
        lines += [f"    {line.quantity} × {line.title}" for line in part.lines]
        currency = part.total.currency
        lines += [
            f"    {total.label:<28} {Money(amount=total.amount, currency=currency).format()}"
            for total in part.totals
        ]
    return lines


def _json(reply: str, trip: Trip, needs_approval: bool) -> dict[str, Any]:
    hits = trip.last_search.hits if trip.last_search else []
    return {
        "reply": reply,
        "needs_approval": needs_approval,
        "results": [
            {
                "handle": hit.handle,
                "store": hit.merchant.name,
                "product": hit.title,
                "variant": hit.variant_title,
                "variant_id": hit.variant_id,
                "price": hit.price.format(),
                "available": hit.available,
            }
            for hit in hits
        ],
        "merchants": [_state(state) for state in trip.state()],
    }


def _state(state: MerchantState) -> dict[str, Any]:
    currency = state.currency
    return {
        "store": state.merchant.name,
        "domain": state.merchant.domain,
        "cart_id": state.cart_id,
        "checkout_id": state.checkout_id,
        "status": state.status,
        "lines": [
            {"variant_id": line.variant_id, "title": line.title, "quantity": line.quantity}
            for line in state.lines
        ],
        "totals": [
            {
                "type": total.type,
                "amount": total.amount,
                "currency": currency,
                "display": _fmt(total.amount, currency),
            }
            for total in state.totals
        ],
        "messages": [
            {"type": m.type, "code": m.code, "severity": m.severity, "content": m.content}
            for m in state.messages
        ],
        "continue_url": state.continue_url,
        "discount_codes": state.discount_codes,
        "order": order_json(state.order) if state.order is not None else None,
        "failure": state.failure,
        "questions": state.questions,
    }


def _fmt(amount: int, currency: str | None) -> str | None:
    return Money(amount=amount, currency=currency).format() if currency else None
