"""The trip's one state: every record of a session, read once, changed only here, written through.

``TripState`` is the only owner of what a trip knows: the basket, each merchant's cart and checkout,
the discount codes, orders, escalations, the shopper's explicit choices and what each merchant last
said. A change is made in memory and staged for the store; ``flush`` writes what a step staged
in one transaction on the store's writer thread (never on the event loop), and each step flushes
before it ends, so a restart that loads the session again sees exactly the trip as it was. ``view``
projects a merchant's ``MerchantState`` from the records (never a copy).

The basket's words, used in this sense throughout ``shopping/``:
- **lines**: the session's basket, every ``BasketLine`` of every merchant (ordered history too);
- **wanted**: what the shopper wants of one merchant now (``Wanted``: its active lines as
  (variant id, quantity) and its discount codes);
- **snapshot**: ``wanted`` as JSON, the form that is compared and stored;
- **synced**: the snapshot last sent to the merchant's cart (kept with the cart row).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from pydantic import TypeAdapter

from assistant.domain import (
    COMPLETED,
    REQUIRES_ESCALATION,
    BasketLine,
    Checkout,
    Escalation,
    MerchantRef,
    MerchantState,
    Message,
    OrderRecord,
    PostalAddress,
)
from assistant.domain.choices import MerchantOutcome, ShopperChoices
from assistant.domain.destination import delivering_to
from assistant.shopping.pickup_plan import collecting_at
from assistant.store import CartRow, CheckoutRow, Store
from assistant.store.refused_addresses import RefusedAddress
from assistant.store.session_read import SessionRecords
from assistant.ucp.urls import safe_continue_url

_MESSAGES: Final = TypeAdapter(list[Message])


@dataclass(frozen=True)
class Wanted:
    """What the shopper wants of one merchant: (variant id, quantity) lines and codes."""

    lines: tuple[tuple[str, int], ...]
    discount_codes: tuple[str, ...] = ()

    def snapshot(self) -> dict[str, Any]:
        """The JSON form, compared with (and stored as) what was last synced to the cart."""
        return {"lines": [list(line) for line in self.lines], "codes": list(self.discount_codes)}


class TripState:
    """One session's records in memory, each change written through to the store."""

    def __init__(
        self,
        store: Store,
        session: str,
        merchants: Mapping[str, MerchantRef],
        records: SessionRecords,
    ) -> None:
        """``records``: the session as ``read_session`` read it when the trip opened (its one
        read of each table, which also found it readable)."""
        self.store = store
        self.session = session
        self._merchants = dict(merchants)
        self._lines: list[BasketLine] = records.lines
        self._by_shop: dict[str, list[BasketLine]] | None = None  # ``_lines`` by shop, as read
        self._carts = {row.merchant: row for row in records.carts}
        self._checkouts: dict[str, list[CheckoutRow]] = {}  # oldest first, as the store orders
        for row in records.checkouts:
            self._checkouts.setdefault(row.merchant, []).append(row)
        self._answers: dict[str, Checkout] = {}  # parsed payloads of the latest rows
        self._answered_at: dict[str, float] = {}  # monotonic time of answers of this process
        self._parsed: dict[str, Checkout] = {}  # this process's answers, by checkout id
        self._codes = records.codes
        self._orders = records.orders
        self._escalations = records.escalations
        self._choices = records.choices
        self._outcomes = records.outcomes
        self._refused: dict[str, list[RefusedAddress]] = {}  # by store: what it cannot deliver to
        for refusal in records.refused:
            self._refused.setdefault(refusal.merchant, []).append(refusal)
        self.search_at_open = records.last_search  # the latest search when the trip opened
        self.listed_before_at_open = records.listed_before  # what its turn listed before it
        self._staged: list[Callable[[], object]] = []  # writes not yet in the store, in order
        self._basket_written = True  # the stored basket is ours line for line (no batch lost)
        self._last_batch: asyncio.Future[None] | None = None  # the latest batch handed off

    # --- writing -------------------------------------------------------------------------------

    def _stage(self, write: Callable[[], object]) -> None:
        self._staged.append(write)

    async def flush(self) -> None:
        """Write what was staged, in one transaction, on the store's writer thread; return once
        every write staged so far (by any step) is on disk.

        Batches are handed off as they are flushed and the writer thread commits them in that
        order, so no step waits for another's batch to commit before handing off its own: the
        steps of 40 shops that flush in one turn of the loop ride one commit (a lock here made
        each wait for the one before, a thread round trip each). A step whose writes another
        step's flush took waits for that batch. A batch that fails is dropped whole (as if the
        process had died before it); the error reaches every step waiting for it.
        """
        batch, self._staged = self._staged, []
        if not batch:
            if self._last_batch is not None and not self._last_batch.done():
                await asyncio.shield(self._last_batch)
            return
        written = self.store.off_loop(self._apply, batch)
        self._last_batch = written
        try:
            await asyncio.shield(written)
        except BaseException:
            self._basket_written = False  # the next basket write is the whole basket
            raise

    def _apply(self, batch: list[Callable[[], object]]) -> None:
        with self.store.transaction():
            for write in batch:
                write()

    def forget_key(self, scope: str) -> None:
        """Forget a creation's idempotency key in the same batch as the record it created."""
        self._stage(lambda: self.store.forget_idempotency_key(scope))

    # --- the basket ----------------------------------------------------------------------------

    def lines(self) -> list[BasketLine]:
        return list(self._lines)

    def lines_of(self, domain: str) -> list[BasketLine]:
        return list(self._shop_lines(domain))

    def _shop_lines(self, domain: str) -> Sequence[BasketLine]:
        """One shop's lines, in basket order: every view and step of every shop asks, so the
        basket is indexed by shop once per change (not scanned whole per question)."""
        if self._by_shop is None:
            self._by_shop = {}
            for line in self._lines:
                self._by_shop.setdefault(line.merchant.domain, []).append(line)
        return self._by_shop.get(domain, ())

    def set_lines(self, lines: Sequence[BasketLine]) -> None:
        """The whole basket from now on (written only when it changed): the lines that changed
        at their positions, else (lines added or removed; a batch lost) the whole basket. A step
        at one shop changes its lines only: rewriting all of them, at every shop's every step,
        was quadratic in the shops (1,600 rows a step at 40)."""
        new = list(lines)
        if new == self._lines:
            return
        old, self._lines = self._lines, new
        self._by_shop = None
        if len(old) == len(new) and self._basket_written:
            pairs = enumerate(zip(old, new, strict=True))
            changed = [(i, line) for i, (was, line) in pairs if was != line]
            self._stage(lambda: self.store.update_basket_lines(self.session, changed))
        else:
            self._basket_written = True
            self._stage(lambda: self.store.replace_basket(self.session, new))

    def wanted(self, domain: str) -> Wanted:
        return Wanted(
            lines=tuple(
                (line.variant_id, line.quantity)
                for line in self._shop_lines(domain)
                if not line.ordered
            ),
            discount_codes=tuple(self._codes.get(domain, [])),
        )

    def codes(self, domain: str) -> list[str]:
        return list(self._codes.get(domain, []))

    def set_codes(self, domain: str, codes: list[str]) -> None:
        self._codes[domain] = list(codes)
        self._stage(lambda: self.store.set_discount_codes(self.session, domain, list(codes)))

    # --- carts and checkouts -------------------------------------------------------------------

    def cart(self, domain: str) -> CartRow | None:
        return self._carts.get(domain)

    def save_cart(
        self, domain: str, cart_id: str, synced: dict[str, Any], currency: str | None
    ) -> None:
        self._carts[domain] = CartRow(self.session, domain, cart_id, synced, currency)
        self._stage(lambda: self.store.save_cart(self.session, domain, cart_id, synced, currency))

    def forget_cart(self, domain: str) -> None:
        """Drop the cart and every unfinished checkout built from it."""
        self._stage(lambda: self.store.forget_cart(self.session, domain))
        self._carts.pop(domain, None)
        kept = [row for row in self._checkouts.get(domain, []) if row.status == COMPLETED]
        if kept != self._checkouts.get(domain, []):
            self._answers.pop(domain, None)
            self._answered_at.pop(domain, None)
        self._checkouts[domain] = kept

    def checkout_row(self, domain: str) -> CheckoutRow | None:
        """The merchant's latest checkout as remembered."""
        rows = self._checkouts.get(domain)
        return rows[-1] if rows else None

    def answer(self, domain: str) -> Checkout | None:
        """The merchant's latest checkout answer, whole (parsed once)."""
        if domain not in self._answers:
            row = self.checkout_row(domain)
            if row is None:
                return None
            parsed = self._parsed.get(row.id)
            if parsed is None:
                if row.payload is None:
                    return None
                parsed = Checkout.model_validate(row.payload)
            self._answers[domain] = parsed
        return self._answers[domain]

    def fresh_answer(self, domain: str, within_s: float) -> Checkout | None:
        """The latest answer if this process received it less than ``within_s`` ago."""
        at = self._answered_at.get(domain)
        if at is None or within_s <= 0 or time.monotonic() - at > within_s:
            return None
        return self._answers.get(domain)

    def answers(self) -> dict[str, Checkout]:
        """The latest checkout answer of each of the trip's merchants that has one."""
        return {d: a for d in self._checkouts if d in self._merchants and (a := self.answer(d))}

    def save_checkout(
        self, domain: str, checkout: Checkout, cart_id: str | None, *, completing: bool = False
    ) -> None:
        """Remember the checkout answer; ``completing`` marks a completion under way instead
        (its answer is not known yet, so none is kept: a restart asks the merchant)."""
        merchant = self._merchants[domain]
        # In memory the answer is kept parsed (``answer``); the store gets it as JSON, dumped
        # once by pydantic (no dict in between: this runs for every answer of every shop).
        row = CheckoutRow(
            id=checkout.id,
            session=self.session,
            merchant=domain,
            cart_id=cart_id,
            status="complete_in_progress" if completing else checkout.status,
            continue_url=safe_continue_url(checkout.continue_url, merchant.url),
            expires_at=checkout.expires_at,
            messages=[],
        )
        messages = (
            "[]"
            if completing
            else _MESSAGES.dump_json(checkout.messages, exclude_none=True).decode()
        )
        payload = None if completing else checkout.model_dump_json()
        self._stage(
            lambda: self.store.save_checkout(
                self.session,
                domain,
                row.id,
                cart_id=row.cart_id,
                status=row.status,
                continue_url=row.continue_url,
                expires_at=row.expires_at,
                messages=messages,
                payload=payload,
            )
        )
        rows = [r for r in self._checkouts.get(domain, []) if r.id != row.id]
        self._checkouts[domain] = [*rows, row]
        if completing:
            self._parsed.pop(checkout.id, None)
            self._answers.pop(domain, None)
            self._answered_at.pop(domain, None)
        else:
            self._parsed[checkout.id] = checkout
            self._answers[domain] = checkout
            self._answered_at[domain] = time.monotonic()

    # --- orders and escalations ----------------------------------------------------------------

    def orders(self) -> list[OrderRecord]:
        return list(self._orders)

    def save_order(self, order: OrderRecord) -> bool:
        """Record an order once; False when it was already recorded."""
        self._stage(lambda: self.store.save_order(self.session, order))
        same = (order.merchant.domain, order.order_id)
        index = next(
            (i for i, o in enumerate(self._orders) if (o.merchant.domain, o.order_id) == same),
            None,
        )
        if index is None:
            self._orders.append(order)
        else:
            self._orders[index] = order
        return index is None

    def escalations(self, *, state: str | None = None) -> list[Escalation]:
        return [e for e in self._escalations if state is None or e.state == state]

    def save_escalation(self, escalation: Escalation) -> None:
        self._stage(lambda: self.store.save_escalation(self.session, escalation))
        index = next((i for i, e in enumerate(self._escalations) if e.id == escalation.id), None)
        if index is None:
            self._escalations.append(escalation)
        else:
            self._escalations[index] = escalation

    # --- the shopper's choices and each merchant's outcome -------------------------------------

    @property
    def choices(self) -> ShopperChoices:
        return self._choices

    def choose(self, choices: ShopperChoices) -> None:
        if choices != self._choices:
            self._stage(lambda: self.store.save_trip_choices(self.session, choices))
            self._choices = choices

    def outcome(self, domain: str) -> MerchantOutcome:
        return self._outcomes.get(domain, MerchantOutcome())

    def has_outcome(self, domain: str) -> bool:
        return domain in self._outcomes

    def set_outcome(self, domain: str, outcome: MerchantOutcome) -> None:
        if outcome != self._outcomes.get(domain):
            self._stage(lambda: self.store.save_merchant_outcome(self.session, domain, outcome))
            self._outcomes[domain] = outcome

    def note(self, domain: str, **changes: Any) -> None:
        """Change some fields of what the merchant's last answer said (written through)."""
        self.set_outcome(domain, replace(self.outcome(domain), **changes))

    # --- where each store delivers (every trip's, not this session's: ``shopping.reach``) --------

    def refused(self, domain: str, address: PostalAddress) -> bool:
        """Whether the store said it cannot deliver to ``address`` (or to its country)."""
        return any(r.refuses(address) for r in self._refused.get(domain, ()))

    def refuses_any(self, domain: str) -> bool:
        return bool(self._refused.get(domain))

    def refuse_address(self, domain: str, address: PostalAddress, *, whole_country: bool) -> None:
        refusal = RefusedAddress.of(domain, address, whole_country=whole_country)
        known = self._refused.setdefault(domain, [])
        if refusal not in known:
            known[:] = [r for r in known if r.key() != refusal.key()] + [refusal]
            self._stage(lambda: self.store.save_refused_address(refusal))

    def take_address(self, domain: str, address: PostalAddress) -> None:
        """The store delivers to ``address``: no refusal of it (or of its country) stands."""
        known = self._refused.get(domain, [])
        for refusal in [r for r in known if r.refuses(address)]:
            known.remove(refusal)
            self._stage(functools.partial(self.store.forget_refused_address, refusal))

    # --- the projection ------------------------------------------------------------------------

    def view(self, domain: str) -> MerchantState:
        """Where the merchant's part of the trip stands, computed from the records."""
        row = self.checkout_row(domain)
        cart = self._carts.get(domain)
        outcome = self.outcome(domain)
        status = None
        if row is not None and not outcome.resolve_again:
            escalated = any(e.checkout_id == row.id for e in self.escalations(state="open"))
            status = REQUIRES_ESCALATION if escalated else row.status
        orders = [o for o in self._orders if o.merchant.domain == domain]
        return MerchantState(
            merchant=self._merchants[domain],
            lines=self.lines_of(domain),
            cart_id=cart.cart_id if cart is not None else None,
            checkout_id=row.id if row is not None else None,
            status=status,
            currency=outcome.currency,
            totals=list(outcome.totals),
            messages=list(outcome.messages),
            # Checked again as it is read: the row may have been written by older code.
            continue_url=safe_continue_url(row.continue_url, self._merchants[domain].url)
            if row is not None
            else None,
            discount_codes=self.codes(domain),
            order=orders[-1] if orders else None,
            failure=outcome.failure,
            questions=list(outcome.questions),
            pickup=collecting_at(self.answer(domain)) if row is not None else None,
            delivery=delivering_to(self.answer(domain)) if row is not None else None,
        )

    def views(self, domains: Iterable[str]) -> list[MerchantState]:
        return [self.view(domain) for domain in domains]
