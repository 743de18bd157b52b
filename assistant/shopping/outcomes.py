"""What a checkout answer comes to: what it says to the shopper, whether it may be paid, an
escalation for what only the shopper can do on the store's page, or an order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from assistant.domain import (
    REQUIRES_BUYER_INPUT,
    REQUIRES_BUYER_REVIEW,
    TERMINAL_STATUSES,
    Checkout,
    Escalation,
    MerchantState,
    Message,
)
from assistant.domain.choices import MerchantOutcome
from assistant.events import EscalationRaised
from assistant.shopping.context import TripContext
from assistant.shopping.payment import choose_instrument, ruled_out_instruments
from assistant.ucp.urls import safe_continue_url

TOTALS_MISMATCH = "totals_mismatch"
NO_PAYMENT_MATCH = "payment_handler_unsupported"
CURRENCY_CHANGED = "currency_changed"
ALREADY_ORDERED = "already_ordered"


def page_url(ctx: TripContext, domain: str, url: str | None) -> str | None:
    """A merchant link checked on every read and write: on the merchant's own site, or None."""
    return safe_continue_url(url, ctx.merchant(domain).url)


def checked_escalation(escalation: Escalation) -> Escalation:
    """An inbox entry as read back from the database, its link checked again."""
    url = safe_continue_url(escalation.continue_url, escalation.merchant.url) or ""
    return escalation if url == escalation.continue_url else replace(escalation, continue_url=url)


def outcome_of(
    ctx: TripContext, domain: str, checkout: Checkout, questions: list[str] | None = None
) -> MerchantOutcome:
    """What this checkout answer says to the shopper (live, or read from an older database).

    ``questions`` None: those of the answer itself (its recoverable errors, unless finished).
    """
    if questions is None:
        merchant = ctx.merchant(domain)
        unresolved = [] if checkout.status in TERMINAL_STATUSES else checkout.recoverable_errors
        questions = [f"{merchant.name} says: {m.content or m.code}" for m in unresolved]
    return MerchantOutcome(
        currency=checkout.currency,
        totals=checkout.totals,
        messages=checkout.notices(),  # policies (2026-08-25) show as notices
        questions=questions,
    )


def purchase_problem(ctx: TripContext, domain: str, checkout: Checkout) -> Message | None:
    """Why this ready checkout must go to the shopper instead of being paid, or None.

    None also means the instrument to pay with is chosen (``ctx.instrument``).
    """
    if not checkout.totals_reconcile():
        return _problem(
            TOTALS_MISMATCH,
            REQUIRES_BUYER_REVIEW,
            "$.totals",
            "The store's totals do not add up; review the order on the store's page.",
        )
    cart = ctx.state.cart(domain)
    if cart is not None and cart.currency and cart.currency != checkout.currency:
        return _problem(
            CURRENCY_CHANGED,
            REQUIRES_BUYER_REVIEW,
            "$.currency",
            f"The store priced your cart in {cart.currency} but asks for {checkout.currency} "
            "at checkout; nothing is paid automatically. Review it on the store's page.",
        )
    lines = ctx.state.lines_of(domain)
    ordered = {line.variant_id for line in lines if line.ordered}
    again = {line.variant_id for line in lines if line.again and not line.ordered}
    repeated = [i for i in checkout.line_items if i.item.id in ordered and i.item.id not in again]
    if repeated:
        title = repeated[0].item.title or repeated[0].item.id
        return _problem(
            ALREADY_ORDERED,
            REQUIRES_BUYER_REVIEW,
            "$.line_items",
            f'{title} was already ordered in this trip; say "buy it again" to buy it once more.',
        )
    handlers = ctx.clients[domain].payment_handlers
    chosen = choose_instrument(checkout, ctx.config.wallet, handlers)
    if chosen is None:
        ruled_out = ruled_out_instruments(checkout, ctx.config.wallet, handlers)
        why = "".join(
            f" {instrument.display()} is ruled out: {reason}." for instrument, reason in ruled_out
        )
        return _problem(
            NO_PAYMENT_MATCH,
            REQUIRES_BUYER_INPUT,
            "$.ucp.payment_handlers",
            "None of your wallet's payment methods is accepted here;"
            f"{why} Pay on the store's page.",
        )
    instrument, handler_id = chosen
    choices = ctx.state.choices
    ctx.state.choose(
        replace(choices, instruments={**choices.instruments, domain: (instrument.id, handler_id)})
    )
    return None


def show_problem(ctx: TripContext, domain: str, problem: Message) -> None:
    """Put Pannier's reason for not paying beside the shop's state, where every reply shows it."""
    shown = [m for m in ctx.state.outcome(domain).messages if m.code != problem.code]
    ctx.state.note(domain, messages=[*shown, problem])


def _problem(code: str, severity: str, path: str, content: str) -> Message:
    return Message(type="error", code=code, severity=severity, path=path, content=content)


def raise_escalation(
    ctx: TripContext, domain: str, checkout: Checkout, messages: list[Message]
) -> MerchantState:
    """Keep an inbox entry for what only the shopper can do on the store's own page."""
    merchant = ctx.merchant(domain)
    url = safe_continue_url(checkout.continue_url, merchant.url) or ""
    escalation = Escalation(
        id=f"esc_{domain}_{checkout.id}",
        merchant=merchant,
        checkout_id=checkout.id,
        messages=messages or checkout.buyer_messages,
        disclosures=checkout.disclosures,
        continue_url=url,
    )
    known = {e.id: e for e in ctx.state.escalations()}
    previous = known.get(escalation.id)
    ctx.state.save_escalation(escalation)
    if previous is None or previous.state != "open" or previous.messages != escalation.messages:
        ctx.emit(EscalationRaised(escalation=escalation))
    return ctx.view(domain)


def expired(expires_at: str | None) -> bool:
    if not expires_at:
        return False
    try:
        moment = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment < datetime.now(UTC)
