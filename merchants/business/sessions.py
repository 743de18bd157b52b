"""Checkout sessions as operations: create (from lines or a cart), read, update, cancel, complete.

Every write runs inside the caller's transaction (``Storage.transaction`` nests); a session past
``expires_at`` is canceled on first touch. Completing authorizes the payment and either places
the order or records why the money did not move.
"""

from __future__ import annotations

import secrets
from typing import Any

from merchants.business import checkouts as co
from merchants.business.env import Env
from merchants.business.errors import InvalidRequest
from merchants.business.fulfillment import iso
from merchants.business.orders import build_order
from merchants.business.payments import PaymentOutcome, authorize, parse_payment
from merchants.business.result import Result
from merchants.business.state import CartState, CheckoutState
from merchants.business.storage import Storage
from merchants.business.validation import expect_dict, expect_str


class CheckoutSessions:
    """One store's checkout sessions over its storage."""

    def __init__(self, env: Env, storage: Storage) -> None:
        self.env = env
        self.storage = storage

    def load(self, checkout_id: str) -> CheckoutState | None:
        """The checkout's state; a session past ``expires_at`` is canceled on first touch."""
        row = self.storage.get_checkout(checkout_id, with_body=False)
        if row is None:
            return None
        state = row.checkout
        if state.status not in co.TERMINAL and row.expires < self.env.clock().timestamp():
            state.status = "canceled"
            state.notices = []
            self.save(state)
        return state

    def stored_body(self, checkout_id: str) -> dict[str, Any]:
        row = self.storage.get_checkout(checkout_id)
        assert row is not None
        return row.body

    def render(self, state: CheckoutState) -> co.Rendered:
        return co.render_checkout(state, self.env, self.env.clock())

    def save(self, state: CheckoutState) -> co.Rendered:
        rendered = self.render(state)
        if state.status not in co.TERMINAL:
            state.status = rendered.status
        self.storage.put_checkout(state, rendered.body)
        return rendered

    def create(
        self, checkout: dict[str, Any] | None, cart_id: str | None, cart: CartState | None
    ) -> Result:
        """A new session from ``checkout``'s lines, or from the cart ``cart_id`` names (the
        caller loads it: ``cart`` None with a ``cart_id`` means it is gone)."""
        raw = expect_dict(checkout, "$.checkout", optional=True) or {}
        given = co.parse_checkout_input(raw, "$.checkout", require_lines=cart_id is None)
        if cart_id is not None:
            if cart is None:
                return Result(self.env.not_found("cart", cart_id), is_error=True)
            existing = self.storage.open_checkout_for_cart(cart_id)
            if existing is not None:
                state = self.load(existing)
                if state is not None and state.status not in co.TERMINAL:
                    co.take_from_cart(state, cart)
                    return Result(self.save(state).body)
        state = co.new_state(f"chk_{secrets.token_hex(10)}", self.env.clock(), cart_id)
        co.apply_input(state, given, self.env)
        if cart is not None:
            co.take_from_cart(state, cart)
        refusal = co.nothing_purchasable(state, self.env)
        if refusal is not None:
            # Every requested item is unavailable: no checkout is created (checkout.md).
            return Result(refusal, is_error=True)
        return Result(self.save(state).body, created=True)

    def get(self, id: str) -> Result:
        row = self.storage.get_checkout(id)
        if row is None:
            return Result(self.env.not_found("checkout", id), is_error=True)
        if row.status in co.TERMINAL or row.expires >= self.env.clock().timestamp():
            return Result(row.body)
        with self.storage.transaction():
            self.load(id)
            fresh = self.storage.get_checkout(id)
        assert fresh is not None
        return Result(fresh.body)

    def update(self, id: str, checkout: dict[str, Any]) -> Result:
        given = co.parse_checkout_input(
            expect_dict(checkout, "$.checkout"), "$.checkout", require_lines=True
        )
        with self.storage.transaction():
            state = self.load(id)
            if state is None:
                return Result(self.env.not_found("checkout", id), is_error=True)
            if state.status in co.TERMINAL:
                return Result(
                    self.env.not_allowed(f"Checkout {id} is {state.status}; it cannot change."),
                    is_error=True,
                )
            co.apply_input(state, given, self.env)
            return Result(self.save(state).body)

    def cancel(self, id: str) -> Result:
        with self.storage.transaction():
            state = self.load(id)
            if state is None:
                return Result(self.env.not_found("checkout", id), is_error=True)
            if state.status == "completed":
                return Result(
                    self.env.not_allowed(f"Checkout {id} is completed; it cannot be canceled."),
                    is_error=True,
                )
            state.status = "canceled"
            state.notices = []
            return Result(self.save(state).body)

    def complete(
        self, id: str, checkout: dict[str, Any], hold_request_constraints: bool = False
    ) -> Result:
        raw = expect_dict(checkout, "$.checkout")
        instruments = parse_payment(raw.get("payment"), "$.checkout.payment")
        with self.storage.transaction():
            state = self.load(id)
            if state is None:
                return Result(self.env.not_found("checkout", id), is_error=True)
            if state.status == "completed":
                return Result(self.stored_body(id))
            if state.status == "canceled":
                return Result(
                    self.env.not_allowed(f"Checkout {id} was canceled; start a new one."),
                    is_error=True,
                )
            # A new payment replaces the last attempt, so its failure no longer blocks.
            state.notices = [
                n for n in state.notices if not n.get("path", "").startswith("$.payment")
            ]
            rendered = self.render(state)
            only_3ds = bool(state.pending_3ds) and not rendered.escalations
            if rendered.status == "incomplete" or (
                rendered.status == "requires_escalation" and not only_3ds
            ):
                return Result(self.save(state).body)  # the page then shows what this said
            outcome = authorize(
                instruments, self.env.spec, raw if hold_request_constraints else None
            )
            return Result(self.settle(state, rendered, outcome))

    def settle(
        self, state: CheckoutState, rendered: co.Rendered, outcome: PaymentOutcome
    ) -> dict[str, Any]:
        """Place the order, or record why the money did not move."""
        if outcome.instruments is not None:
            state.payment = outcome.instruments
        if outcome.verdict == "approved":
            return self.place_order(state, rendered)
        state.pending_3ds = outcome.message if outcome.verdict == "challenge" else None
        refusal = outcome.message if outcome.verdict != "challenge" else None
        state.notices = [refusal] if refusal is not None else []
        return self.save(state).body

    def place_order(self, state: CheckoutState, rendered: co.Rendered) -> dict[str, Any]:
        spec = self.env.spec
        order_id = f"ord_{secrets.token_hex(10)}"
        label = f"{spec.order_prefix}-{1000 + self.storage.next_order_number()}"
        email = (state.buyer or {}).get("email")
        order = build_order(order_id, label, rendered, self.env, iso(self.env.clock()), email)
        self.storage.put_order(order_id, state.id, order)
        state.status = "completed"
        state.notices = []
        state.pending_3ds = None
        state.order = {"id": order_id, "label": label, "permalink_url": order["permalink_url"]}
        body = co.completed_body(rendered, state)  # not rendered a second time
        self.storage.put_checkout(state, body)
        return body


def checkout_cart_id(checkout: dict[str, Any] | None, cart_id: str | None) -> str | None:
    """The cart a create_checkout names, as an argument or inside ``checkout``."""
    raw = expect_dict(checkout, "$.checkout", optional=True) or {}
    found = expect_str(cart_id, "$.cart_id", optional=True) or expect_str(
        raw.get("cart_id"), "$.checkout.cart_id", optional=True
    )
    if checkout is None and found is None:
        raise InvalidRequest("$.checkout", "checkout (or cart_id) is required")
    return found
