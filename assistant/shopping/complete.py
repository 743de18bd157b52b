"""Completion (summary → limits → confirm → complete_checkout) and the escalation inbox."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Final

from assistant.domain import (
    CANCELED,
    COMPLETE_IN_PROGRESS,
    COMPLETED,
    IN_CHECKOUT,
    INCOMPLETE,
    READY_FOR_COMPLETE,
    REQUIRES_ESCALATION,
    Approval,
    BasketLine,
    Checkout,
    ErrorResponse,
    Escalation,
    MerchantState,
    MerchantSummary,
    Money,
    PurchaseSummary,
)
from assistant.domain.destination import delivering_to, place_label
from assistant.errors import MerchantError, PurchaseRefused
from assistant.events import EscalationCleared, MerchantFailed
from assistant.shopping import ledger
from assistant.shopping.basket import describe, is_not_found
from assistant.shopping.checkout import cart_id_of
from assistant.shopping.context import TripContext
from assistant.shopping.declined import (
    card_declined,
    card_declined_before,
    declined_card_only,
    payable,
)
from assistant.shopping.orders import record_order, settle_interrupted
from assistant.shopping.outcomes import (
    checked_escalation,
    expired,
    purchase_problem,
    raise_escalation,
    show_problem,
)
from assistant.shopping.payment import payment_for
from assistant.shopping.pickup_plan import collecting_at

Confirm = Callable[[PurchaseSummary], Awaitable[Approval]]

# A checkout answer younger than this is shown as it is, without reading it again first: it is
# the merchant's own word of moments ago. After the shopper's yes it is completed as shown only
# while it is younger than ``policy.complete_as_shown_s``; an older one is read again and completed
# only if it still is exactly what was shown (``_complete_one``).
FRESH_ANSWER_S: Final = 60.0


async def _ready_checkout(ctx: TripContext, domain: str) -> Checkout | None:
    """The merchant's checkout as it now stands, if it may be completed autonomously.

    Read again unless this process holds a fresh answer (``FRESH_ANSWER_S``); a completion left
    under way (``complete_in_progress``) is always read, to learn whether it went through. A
    checkout whose card was declined is paid again only once a re-read shows nothing else.
    """
    state = ctx.view(domain)
    retry = state.status in (INCOMPLETE, REQUIRES_ESCALATION)
    if (
        (state.status not in (READY_FOR_COMPLETE, COMPLETE_IN_PROGRESS) and not retry)
        or (state.questions and not retry)
        or state.checkout_id is None
        or not ctx.state.wanted(domain).lines
    ):
        return None
    if retry and not card_declined_before(ctx, domain, state.checkout_id):
        return None
    answer = None if retry else ctx.state.fresh_answer(domain, FRESH_ANSWER_S)
    if answer is None or answer.status != state.status:
        answer = await _read_checkout(ctx, domain, state.checkout_id)
        if answer is None:
            return None
        ctx.state.save_checkout(domain, answer, cart_id_of(ctx, domain))
    if answer.status == COMPLETED:
        record_order(ctx, domain, answer)  # an interrupted completion that went through
        return None
    if not payable(answer):
        return None
    problem = purchase_problem(ctx, domain, answer)
    if problem is not None:
        show_problem(ctx, domain, problem)
        raise_escalation(ctx, domain, answer, [problem])
        return None
    return answer


async def _read_checkout(ctx: TripContext, domain: str, checkout_id: str) -> Checkout | None:
    try:
        answer = await ctx.clients[domain].get_checkout(checkout_id)
    except MerchantError as exc:
        ctx.emit(
            MerchantFailed(
                merchant=ctx.merchant(domain), operation=exc.operation, reason=exc.detail
            )
        )
        return None
    return answer if isinstance(answer, Checkout) else None


def _checkout_lines(ctx: TripContext, domain: str, checkout: Checkout) -> list[BasketLine]:
    """The lines the merchant will charge for, from its checkout (it may differ from the basket)."""
    wanted = {line.variant_id: line for line in ledger.active(ctx.state.lines_of(domain))}
    return [
        BasketLine(
            merchant=ctx.merchant(domain),
            variant_id=line.item.id,
            title=line.item.title or line.item.id,
            quantity=line.quantity,
            unit_price=(
                Money(amount=line.item.price, currency=checkout.currency)
                if line.item.price is not None
                else None
            ),
            handle=wanted[line.item.id].handle if line.item.id in wanted else None,
            stage=IN_CHECKOUT,
            again=line.item.id in wanted and wanted[line.item.id].again,
        )
        for line in checkout.line_items
    ]


def merchant_summary(ctx: TripContext, domain: str, checkout: Checkout) -> MerchantSummary:
    instrument, _handler = ctx.instrument(domain)
    total = checkout.total()
    assert total is not None  # purchase_problem() checked it
    return MerchantSummary(
        merchant=ctx.merchant(domain),
        checkout_id=checkout.id,
        lines=_checkout_lines(ctx, domain, checkout),
        totals=list(checkout.totals),
        total=total,
        instrument=instrument.display(),
        policies=[
            f"{policy.label().capitalize()} policy: {policy.description}"
            for policy in checkout.policies
            if policy.description
        ],
        pickup=at.place_label() if (at := collecting_at(checkout)) is not None else None,
        delivery=place_label(to) if (to := delivering_to(checkout)) is not None else None,
    )


def build_summary(ctx: TripContext, checkouts: dict[str, Checkout]) -> PurchaseSummary:
    merchants = [merchant_summary(ctx, domain, c) for domain, c in checkouts.items()]
    limits: dict[str, Money] = {}
    for currency, amount in ctx.config.limits.per_order.items():
        limits[f"per_order:{currency}"] = Money(amount=amount, currency=currency)
    for currency, amount in ctx.config.limits.per_session.items():
        limits[f"per_session:{currency}"] = Money(amount=amount, currency=currency)
    return PurchaseSummary(merchants=merchants, limits=limits, placed=ctx.state.orders())


def check_limits(ctx: TripContext, summary: PurchaseSummary) -> None:
    """Refuse, before anyone is asked, a purchase that breaks a spending limit."""
    limits = ctx.config.limits
    spent: dict[str, int] = {}
    for order in ctx.state.orders():
        if order.total is not None:
            spent[order.total.currency] = spent.get(order.total.currency, 0) + order.total.amount
    for part in summary.merchants:
        currency, amount = part.total.currency, part.total.amount
        per_order = limits.per_order.get(currency)
        if per_order is None or amount > per_order:
            raise PurchaseRefused(
                f"{part.merchant.name}: {part.total.format()} is over the per-order limit "
                + (
                    f"of {Money(amount=per_order, currency=currency).format()}"
                    if per_order
                    else f"(no {currency} limit is set)"
                )
            )
        spent[currency] = spent.get(currency, 0) + amount
    for currency, amount in spent.items():
        per_session = limits.per_session.get(currency)
        if per_session is None or amount > per_session:
            limit = Money(amount=per_session or 0, currency=currency).format()
            raise PurchaseRefused(
                f"this would bring the session's {currency} spending to "
                f"{Money(amount=amount, currency=currency).format()}, over the limit of {limit}"
            )


async def complete(ctx: TripContext, confirm: Confirm) -> list[MerchantState]:
    """Summarise, enforce limits, ask, and complete only what the shopper approved, as shown."""
    domains = [d for d in ctx.clients if _takes_part(ctx, d)]
    refreshed = await asyncio.gather(*(_ready_checkout(ctx, d) for d in domains))
    ready = {d: c for d, c in zip(domains, refreshed, strict=True) if c is not None}
    if not ready:
        raise PurchaseRefused("no checkout is ready to complete")
    summary = build_summary(ctx, ready)
    check_limits(ctx, summary)
    await ctx.state.flush()  # what the shopper is asked about is on disk before the question
    approval = await confirm(summary)
    approved = [p for p in summary.merchants if p.merchant.domain in approval.approved_domains]
    if approved and approval.digest != summary.digest:
        raise PurchaseRefused(
            "that approval was given for a different purchase summary; nothing was charged"
        )
    await asyncio.gather(*(_complete_one(ctx, part) for part in approved))
    return ctx.state.views(domains)


async def _complete_one(ctx: TripContext, approved: MerchantSummary) -> None:
    """Complete one approved checkout, only if it still is exactly what the shopper approved."""
    domain = approved.merchant.domain
    state = ctx.state
    merchant = ctx.merchant(domain)
    cart_id = cart_id_of(ctx, domain)
    checkout = _shown_answer(ctx, domain, approved)
    if checkout is None:
        checkout = await _read_checkout(ctx, domain, approved.checkout_id)
    if checkout is None:
        state.note(domain, failure="could not re-read the checkout; nothing was charged")
        return
    changed = not payable(checkout) or purchase_problem(ctx, domain, checkout)
    if changed or merchant_summary(ctx, domain, checkout).digest != approved.digest:
        reason = (
            "the store changed this checkout after you approved it (it now says "
            f"{_total_text(checkout)}); nothing was charged: review it and approve again"
        )
        state.save_checkout(domain, checkout, cart_id)
        state.note(domain, failure=reason, totals=checkout.totals)
        ctx.emit(MerchantFailed(merchant=merchant, operation="complete_checkout", reason=reason))
        return
    instrument, handler_id = ctx.instrument(domain)
    state.save_checkout(domain, checkout, cart_id, completing=True)
    await state.flush()  # the mark is on disk before the request can take effect
    try:
        answer = await ctx.clients[domain].complete_checkout(
            checkout.id, payment_for(instrument, handler_id)
        )
    except MerchantError as exc:
        # Whether it went through is unknown: the checkout stays marked as completing, and the
        # next completion (or a restart) reads it before anything is sent again.
        ctx.emit(MerchantFailed(merchant=merchant, operation=exc.operation, reason=exc.detail))
        state.note(domain, failure=exc.detail)
        return
    if isinstance(answer, ErrorResponse):
        reason = describe(answer)
        state.save_checkout(domain, checkout, cart_id)  # nothing happened: as it was
        state.note(domain, failure=reason, messages=answer.messages)
        ctx.emit(MerchantFailed(merchant=merchant, operation="complete_checkout", reason=reason))
        return
    state.save_checkout(domain, answer, cart_id)
    state.note(
        domain,
        messages=answer.messages,
        totals=answer.totals,
        failure=None,
        questions=[],  # asked of the last answer, not of this one
    )
    actions = answer.action_messages()
    if answer.status == COMPLETED:
        record_order(ctx, domain, answer)
        if (charged := answer.total()) is not None and charged != approved.total:
            # Completed as shown, unread again: the store's own answer says it charged otherwise.
            reason = (
                f"the store completed this order at {charged.format()}, not the "
                f"{approved.total.format()} you approved: check the order with the store"
            )
            state.note(domain, failure=reason)
            ctx.emit(
                MerchantFailed(merchant=merchant, operation="complete_checkout", reason=reason)
            )
    elif actions:  # 2026-08-25: an action (3-D Secure…) we cannot perform: the store's page
        raise_escalation(ctx, domain, answer, actions)
    elif answer.status == REQUIRES_ESCALATION:
        raise_escalation(ctx, domain, answer, answer.buyer_messages)
    else:
        errors = [m for m in answer.messages if m.is_error]
        reason = "; ".join(m.content or m.code or "error" for m in errors) or answer.status
        ctx.emit(MerchantFailed(merchant=merchant, operation="complete_checkout", reason=reason))
        if declined_card_only(answer):
            card_declined(ctx, domain, answer, failure=reason)
        else:
            state.note(domain, failure=reason)


def _shown_answer(ctx: TripContext, domain: str, approved: MerchantSummary) -> Checkout | None:
    """The answer the approved summary was made from, while it is the store's word of moments
    ago (``policy.complete_as_shown_s``): the last answer holds the state, so the checkout is
    not read again (issue 16). It is checked against the approval all the same."""
    answer = ctx.state.fresh_answer(domain, ctx.config.policy.complete_as_shown_s)
    return answer if answer is not None and answer.id == approved.checkout_id else None


def _takes_part(ctx: TripContext, domain: str) -> bool:
    """Whether the merchant has a part in the trip (lines, a checkout or an order)."""
    view = ctx.view(domain)
    return bool(view.lines or view.checkout_id or view.order)


def _total_text(checkout: Checkout) -> str:
    total = checkout.total()
    return total.format() if total is not None else f"status {checkout.status}"


async def recheck(ctx: TripContext) -> list[Escalation]:
    """Re-read every open escalation's checkout and settle the ones that moved on; learn the
    fate of completions that were interrupted."""
    rows = [(domain, ctx.state.checkout_row(domain)) for domain in ctx.clients]
    await asyncio.gather(
        *(
            settle_interrupted(ctx, domain, row)
            for domain, row in rows
            if row is not None and row.status == COMPLETE_IN_PROGRESS
        )
    )
    open_ones = ctx.state.escalations(state="open")
    results = await asyncio.gather(*(_recheck_one(ctx, e) for e in open_ones))
    return [checked_escalation(e) for e in results]


async def _recheck_one(ctx: TripContext, escalation: Escalation) -> Escalation:
    domain = escalation.merchant.domain
    client = ctx.clients.get(domain)
    if client is None:
        return escalation
    try:
        answer = await client.get_checkout(escalation.checkout_id)
    except MerchantError:
        return escalation  # try again next time
    new_state: str | None = None
    if isinstance(answer, ErrorResponse):
        if is_not_found(answer):
            new_state = "expired"
    elif answer.status == COMPLETED:
        ctx.state.save_checkout(domain, answer, cart_id_of(ctx, domain))
        record_order(ctx, domain, answer)  # it settles this checkout's escalations itself
        return replace(escalation, state="resolved")
    elif answer.status == CANCELED:
        ctx.state.save_checkout(domain, answer, cart_id_of(ctx, domain))
        new_state = "canceled"
    elif expired(answer.expires_at):
        new_state = "expired"
    elif declined_card_only(answer):
        # The card was declined on the store's page: back in the inbox, never a dead end.
        ctx.state.save_checkout(domain, answer, cart_id_of(ctx, domain))
        return card_declined(ctx, domain, answer)
    elif answer.status == INCOMPLETE:
        # Handed back to the API (e.g. a field the page could not fill): the page's part is over,
        # and what the checkout now says is the shopper's next step.
        errors = [m for m in answer.messages if m.is_error]
        reason = "; ".join(m.content or m.code or "error" for m in errors) or "needs attention"
        ctx.state.save_checkout(domain, answer, cart_id_of(ctx, domain))
        ctx.state.note(domain, messages=answer.messages, totals=answer.totals, failure=reason)
        ctx.emit(
            MerchantFailed(merchant=ctx.merchant(domain), operation="get_checkout", reason=reason)
        )
        new_state = "resolved"
    elif answer.status == READY_FOR_COMPLETE:
        ctx.state.save_checkout(domain, answer, cart_id_of(ctx, domain))
        ctx.state.note(domain, messages=answer.messages, totals=answer.totals)
        problem = purchase_problem(ctx, domain, answer)
        if problem is not None:
            show_problem(ctx, domain, problem)
            raise_escalation(ctx, domain, answer, [problem])
            return ctx.state.escalations(state="open")[-1]
        new_state = "resolved"
    if new_state is None:
        return escalation
    settled = replace(escalation, state=new_state)
    ctx.state.save_escalation(settled)
    ctx.emit(EscalationCleared(escalation=settled))
    return settled
