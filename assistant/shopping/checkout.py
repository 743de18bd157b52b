"""One merchant's checkout pipeline: cart → checkout → bounded resolve loop → an outcome."""

from __future__ import annotations

from dataclasses import replace

from assistant.domain import (
    CANCELED,
    COMPLETE_IN_PROGRESS,
    COMPLETED,
    READY_FOR_COMPLETE,
    REQUIRES_ESCALATION,
    TERMINAL_STATUSES,
    Buyer,
    Checkout,
    ErrorResponse,
    MerchantState,
    Message,
    Money,
)
from assistant.errors import MerchantError
from assistant.events import (
    CartRecreated,
    CheckoutResolved,
    MerchantFailed,
    MessageAutoResolved,
    QuestionRaised,
)
from assistant.shopping import ledger
from assistant.shopping.basket import (
    CART,
    describe,
    digest,
    is_not_found,
    report_discounts,
    sync_cart,
)
from assistant.shopping.context import TripContext
from assistant.shopping.delivery import address_note, config_file, with_names
from assistant.shopping.orders import record_order, settle_interrupted
from assistant.shopping.outcomes import (
    outcome_of,
    purchase_problem,
    raise_escalation,
    show_problem,
)
from assistant.shopping.reach import buyer_for, learn
from assistant.shopping.resolve import (
    MAX_RESOLVE_ROUNDS,
    Plan,
    buyer_note,
    implied_needs,
    message_key,
    plan_fixes,
)
from assistant.ucp.requests import CheckoutRequest, FulfillmentMethodRequest, LineItemRequest


def _creation_detail(ctx: TripContext, domain: str, cart_id: str | None) -> str:
    """What a checkout is created from: the cart, or (no cart capability) the basket lines."""
    if cart_id is not None:
        return cart_id
    return "lines:" + digest(ctx.state.wanted(domain).snapshot())


def _buyer(ctx: TripContext) -> Buyer:
    profile = ctx.config.buyer
    values = {
        "email": profile.email,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "phone_number": profile.phone_number,
    }
    chosen = ctx.state.choices.buyer
    if chosen is not None:
        values.update(chosen.model_dump(exclude_none=True))
    return Buyer.model_validate({k: v for k, v in values.items() if v})


async def _open_direct_checkout(ctx: TripContext, domain: str) -> Checkout | ErrorResponse:
    """A merchant without carts: its open checkout, else one created with the basket's lines."""
    client = ctx.clients[domain]
    await sync_cart(ctx, domain)
    wanted = ctx.state.wanted(domain)
    if not wanted.lines:
        return ErrorResponse(messages=[Message(type="error", code="empty", content="no items")])
    if ctx.tell_once(domain, CART):
        ctx.emit(
            MessageAutoResolved(
                merchant=ctx.merchant(domain),
                message=Message(type="info", code="no_cart", content="this store has no carts"),
                fix="This store has no carts: its items go straight into a checkout.",
            )
        )
    row = ctx.state.checkout_row(domain)
    if row is not None and row.status not in TERMINAL_STATUSES and row.cart_id is None:
        cached = await client.get_checkout(row.id)
        if isinstance(cached, Checkout) and cached.status not in TERMINAL_STATUSES:
            return cached  # the resolve loop puts the basket's current lines into it
    request = CheckoutRequest(
        line_items=[LineItemRequest(item_id=item, quantity=qty) for item, qty in wanted.lines],
        buyer=_buyer(ctx),
        discount_codes=list(wanted.discount_codes) if wanted.discount_codes else None,
    )
    scope = ctx.creation_scope(domain, "create_checkout", _creation_detail(ctx, domain, None))
    answer = await client.create_checkout(request, idempotency_scope=scope)
    if isinstance(answer, ErrorResponse):
        ctx.store.forget_idempotency_key(scope)  # a definitive answer: nothing to replay
    return answer


def adopt_titles(ctx: TripContext, domain: str, checkout: Checkout) -> None:
    """Lines known only by item id take the title and unit price the checkout returned."""
    if all(line.handle is not None for line in ctx.state.lines_of(domain)):
        return  # every line came from a search (the common case: no pass over the whole basket)
    by_item = {line.item.id: line.item for line in checkout.line_items if line.parent_id is None}
    updated = [
        replace(
            line,
            title=by_item[line.variant_id].display_title() or line.title,
            unit_price=Money(amount=price, currency=checkout.currency)
            if (price := by_item[line.variant_id].price) is not None
            else line.unit_price,
        )
        if line.merchant.domain == domain and line.handle is None and line.variant_id in by_item
        else line
        for line in ctx.state.lines()
    ]
    ctx.state.set_lines(updated)


async def _open_checkout(ctx: TripContext, domain: str) -> Checkout | ErrorResponse:
    """The live checkout for the merchant's cart: the cached one if still open, else a new one."""
    client = ctx.clients[domain]
    if not client.supports(CART):
        return await _open_direct_checkout(ctx, domain)
    state = await sync_cart(ctx, domain)
    if state.cart_id is None:
        return ErrorResponse(messages=[Message(type="error", code="empty", content="no cart")])
    row = ctx.state.checkout_row(domain)
    if row is not None and row.status not in TERMINAL_STATUSES and row.cart_id == state.cart_id:
        cached = await client.get_checkout(row.id)
        # A checkout finished on the store's own page is adopted, never replaced by a new one.
        if isinstance(cached, Checkout) and (
            cached.status not in TERMINAL_STATUSES or cached.order is not None
        ):
            return cached
    answer = await _create_checkout(ctx, domain, state.cart_id)
    if isinstance(answer, ErrorResponse) and is_not_found(answer):
        old_cart_id = state.cart_id
        state = await sync_cart(ctx, domain, force=True)
        if state.cart_id is None or state.cart_id == old_cart_id:
            return answer
        ctx.emit(
            CartRecreated(
                merchant=ctx.merchant(domain),
                old_cart_id=old_cart_id,
                new_cart_id=state.cart_id,
                reason="the store no longer had our cart; rebuilt it from the basket",
            )
        )
        answer = await _create_checkout(ctx, domain, state.cart_id)
    return answer


async def _create_checkout(ctx: TripContext, domain: str, cart_id: str) -> Checkout | ErrorResponse:
    """A checkout for the cart, created with what it will need: saves an update per merchant.

    The cart's lines, buyer and codes win over the body's (UCP's "cart wins"); the buyer and the
    destination are what the resolve loop would otherwise send in a first update. The key stays
    until ``prepare`` saves the checkout's id.
    """
    wanted = ctx.state.wanted(domain)
    buyer = _buyer(ctx)
    request = CheckoutRequest(
        line_items=[LineItemRequest(item_id=item, quantity=qty) for item, qty in wanted.lines],
        buyer=buyer if buyer.model_dump(exclude_none=True) else None,
        discount_codes=list(wanted.discount_codes) if wanted.discount_codes else None,
    )
    notes = [buyer_note(buyer)] if request.buyer is not None else []
    choices = ctx.state.choices
    address = choices.address_by_domain.get(domain, choices.address)
    moved = ""  # why the default is not the profile's first address, at this store
    if address is None:
        profile, moved = buyer_for(ctx, domain)
        address = profile.addresses[0] if profile.addresses else None
    pickup = choices.pickup_by_domain.get(domain)
    if pickup is not None and ctx.clients[domain].supports(FULFILLMENT):
        request.fulfillment_methods = [
            FulfillmentMethodRequest(type="pickup", selected_destination_id=pickup)
        ]
        notes.append(f"collecting at the store's location {pickup!r}.")
    elif address is not None and ctx.clients[domain].supports(FULFILLMENT):
        destination = with_names(address, ctx.config.buyer)
        request.fulfillment_methods = [
            FulfillmentMethodRequest(type="shipping", destinations=[destination])
        ]
        notes.append(f"shipping to {address_note(address)}{moved}.")
    scope = ctx.creation_scope(domain, "create_checkout", cart_id)
    answer = await ctx.clients[domain].create_checkout(
        request, cart_id=cart_id, idempotency_scope=scope
    )
    if isinstance(answer, ErrorResponse):
        ctx.store.forget_idempotency_key(scope)  # a definitive answer: nothing to replay
    elif notes:
        sent = Message(type="info", code="prefilled", content="sent with the new checkout")
        fix = "Opened the checkout with your details from your profile: " + " ".join(notes)
        ctx.emit(MessageAutoResolved(merchant=ctx.merchant(domain), message=sent, fix=fix))
    return answer


async def prepare(ctx: TripContext, domain: str) -> MerchantState:
    """Drive one merchant to ready_for_complete, an escalation, a question or a failure."""
    merchant = ctx.merchant(domain)
    try:
        answer = await _open_checkout(ctx, domain)
        if isinstance(answer, ErrorResponse):
            return _failed(ctx, domain, "create_checkout", describe(answer), answer.messages)
        checkout = answer
        cart_id = cart_id_of(ctx, domain)
        ctx.state.save_checkout(domain, checkout, cart_id)
        learn(ctx, domain, checkout)
        detail = _creation_detail(ctx, domain, cart_id)
        ctx.state.forget_key(ctx.creation_scope(domain, "create_checkout", detail))
        adopt_titles(ctx, domain, checkout)
        if checkout.status in TERMINAL_STATUSES:
            return _conclude(ctx, domain, checkout, None)
        exhausted: set[tuple[str | None, str | None]] = set()
        plan: Plan | None = None
        for _round in range(MAX_RESOLVE_ROUNDS):
            wanted = ctx.state.wanted(domain)
            choices = ctx.state.choices
            report_discounts(ctx, domain, checkout.messages, list(wanted.discount_codes))
            plan = plan_fixes(
                checkout,
                implied=implied_needs(checkout, delivers=ctx.clients[domain].supports(FULFILLMENT)),
                wanted=wanted,
                buyer=buyer_for(ctx, domain)[0],
                policy=ctx.config.policy,
                exhausted=frozenset(exhausted),
                buyer_override=choices.buyer,
                address_override=choices.address_by_domain.get(domain, choices.address),
                chosen_options=choices.options_by_domain.get(domain, {}),
                pickup_location=choices.pickup_by_domain.get(domain),
                config_file=config_file(ctx.config),
            )
            if plan.accepted_quantities:
                _accept_quantities(ctx, domain, plan.accepted_quantities)
            if not plan.changed:
                break
            answer = await ctx.clients[domain].update_checkout(checkout.id, plan.request)
            if isinstance(answer, ErrorResponse):
                return _failed(ctx, domain, "update_checkout", describe(answer), answer.messages)
            for fix in plan.fixes:
                ctx.emit(
                    MessageAutoResolved(merchant=merchant, message=fix.message, fix=fix.description)
                )
            still_there = {message_key(m) for m in answer.recoverable_errors}
            exhausted |= {message_key(f.message) for f in plan.fixes} & still_there
            checkout = answer
            ctx.state.save_checkout(domain, checkout, cart_id)
            learn(ctx, domain, checkout)
            adopt_titles(ctx, domain, checkout)
        else:
            plan = None  # rounds ran out: whatever remains is surfaced below
        return _conclude(ctx, domain, checkout, plan)
    except MerchantError as exc:
        return _failed(ctx, domain, exc.operation, exc.detail, [])


FULFILLMENT = "fulfillment"


async def resume(ctx: TripContext) -> None:
    """After a restart: learn the fate of completions left under way; give checkouts saved by
    older code (no outcome kept) what their saved answer says."""
    state = ctx.state
    for domain in ctx.clients:
        row = state.checkout_row(domain)
        if row is None:
            continue
        if row.status == COMPLETE_IN_PROGRESS:
            await settle_interrupted(ctx, domain, row)
        elif not state.has_outcome(domain) and (saved := state.answer(domain)) is not None:
            state.set_outcome(domain, outcome_of(ctx, domain, saved))


def cart_id_of(ctx: TripContext, domain: str) -> str | None:
    """The cart a checkout at ``domain`` is built from (None at a merchant without carts)."""
    cart = ctx.state.cart(domain)
    return cart.cart_id if cart is not None and ctx.clients[domain].supports(CART) else None


def _accept_quantities(ctx: TripContext, domain: str, accepted: dict[str, int]) -> None:
    ctx.state.set_lines(
        [
            replace(line, quantity=accepted[line.variant_id])
            if line.merchant.domain == domain and line.variant_id in accepted and not line.ordered
            else line
            for line in ctx.state.lines()
        ]
    )


def _failed(
    ctx: TripContext, domain: str, operation: str, reason: str, messages: list[Message]
) -> MerchantState:
    ctx.emit(MerchantFailed(merchant=ctx.merchant(domain), operation=operation, reason=reason))
    ctx.state.note(domain, failure=reason, messages=messages)
    return ctx.view(domain)


def _conclude(
    ctx: TripContext, domain: str, checkout: Checkout, plan: Plan | None
) -> MerchantState:
    merchant = ctx.merchant(domain)
    questions = [] if plan is None else list(plan.questions)
    # Recoverable messages we could not fix (or that survived a fix) go to the shopper.
    unresolved = checkout.recoverable_errors if plan is None else plan.unresolved
    questions += [(m, f"{merchant.name} says: {m.content or m.code}") for m in unresolved]
    if checkout.status in TERMINAL_STATUSES:
        questions = []  # nothing is left to decide about a finished checkout
    ctx.state.set_outcome(
        domain, outcome_of(ctx, domain, checkout, [prompt for _, prompt in questions])
    )
    if checkout.status not in TERMINAL_STATUSES:
        ledger.mark_in_checkout(ctx, domain, checkout)
    for message, prompt in questions:
        ctx.emit(QuestionRaised(merchant=merchant, message=message, prompt=prompt))
    actions = [] if checkout.status in TERMINAL_STATUSES else checkout.action_messages()
    if actions:  # 2026-08-25 actions (3-D Secure…): Pannier performs none; the store's page does
        raise_escalation(ctx, domain, checkout, actions)
    elif checkout.status == READY_FOR_COMPLETE and not questions:
        problem = purchase_problem(ctx, domain, checkout)
        if problem is not None:
            show_problem(ctx, domain, problem)
            raise_escalation(ctx, domain, checkout, [problem])
    elif checkout.status == REQUIRES_ESCALATION:
        raise_escalation(ctx, domain, checkout, checkout.buyer_messages)
    elif checkout.status == COMPLETED:
        record_order(ctx, domain, checkout)
    elif checkout.status == CANCELED:
        ctx.state.note(domain, failure="the store canceled this checkout")
    view = ctx.view(domain)
    ctx.emit(CheckoutResolved(state=view))
    return view
