"""The facade the protocol bindings call: one Shop per store, synchronous, no HTTP.

Arguments are UCP request objects as dicts; answers are ``Result`` bodies without the ``ucp``
block. Every write runs in one SQLite transaction, so a request that fails changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from merchants.business import checkouts as co
from merchants.business.carts import apply_cart_input, new_cart_state, parse_cart_input, render_cart
from merchants.business.catalog import Catalog
from merchants.business.env import Env, utc_now
from merchants.business.errors import InvalidRequest
from merchants.business.fulfillment import iso
from merchants.business.lines import error
from merchants.business.orders import build_order
from merchants.business.payments import APPROVED_TOKEN, PaymentOutcome, authorize, parse_payment
from merchants.business.specs import StoreSpec, load_store_specs
from merchants.business.storage import Row, Storage, StoredResponse
from merchants.business.validation import expect_dict, expect_str
from merchants.business.views import (
    CHALLENGE,
    CONFIRM_AGE,
    CONFIRM_SIZE,
    PAYMENT_TOKEN,
    TRUTHY,
    ContinueView,
    OrderView,
    build_order_view,
    build_view,
)

__all__ = [
    "ContinueView",
    "InvalidRequest",
    "Result",
    "Shop",
    "StoreSpec",
    "StoredResponse",
    "load_store_specs",
]


@dataclass(frozen=True)
class Result:
    """An operation's answer: a UCP resource body, or a no-resource outcome when ``is_error``."""

    body: dict[str, Any]
    is_error: bool = False
    created: bool = False


class Shop:
    """One sandbox store's business: catalog, carts, checkouts, orders, idempotency records."""

    def __init__(
        self,
        spec: StoreSpec,
        db_path: Path,
        base_url: str,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.spec = spec
        self.env = Env(spec, Catalog(spec), base_url.rstrip("/"), clock or utc_now)
        self.storage = Storage(db_path)

    def close(self) -> None:
        self.storage.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One SQLite transaction around an operation and its idempotency record (re-entrant)."""
        with self.storage.transaction():
            yield

    def idempotency_get(self, scope: str, key: str) -> StoredResponse | None:
        return self.storage.idempotency_get(scope, key, self.env.clock().timestamp())

    def idempotency_put(
        self,
        scope: str,
        key: str,
        request_hash: str,
        status_code: int,
        body: dict[str, Any] | str,
        ucp: str | None = None,
    ) -> None:
        """Remember the answer to an idempotent request.

        ``body`` may be JSON text already; with ``ucp`` (the block's JSON text) it is the
        resource body the block is spliced into, else the whole response.
        """
        text = body if isinstance(body, str) else self.storage.encoded(body)
        self.storage.idempotency_put(
            scope, key, request_hash, status_code, text, self.env.clock().timestamp(), ucp
        )

    def use_background_checkpoints(self) -> None:
        """Leave WAL checkpoints to ``checkpoint()``, which a maintenance task runs off the loop."""
        self.storage.use_background_checkpoints()

    def checkpoint(self) -> None:
        """A passive WAL checkpoint on its own connection (call it from a worker thread)."""
        self.storage.checkpoint()

    def prune_idempotency(self) -> int:
        """One bounded batch of expired idempotency records; how many were deleted."""
        return self.storage.prune_idempotency(self.env.clock().timestamp())

    def encoded(self, body: dict[str, Any]) -> str:
        """A result body as compact JSON; a body just stored is not encoded a second time."""
        return self.storage.encoded(body)

    # catalog ---------------------------------------------------------------------------------
    def search_catalog(self, catalog: dict[str, Any]) -> Result:
        request = expect_dict(catalog, "$.catalog")
        # Search MUST carry at least one recognized input (a query, or filters); an empty
        # query string is still a query: it browses the whole catalog.
        if not isinstance(request.get("query"), str) and not request.get("filters"):
            raise InvalidRequest("$.catalog", "a search needs a query or filters")
        return Result(self.env.catalog.search(request))

    def lookup_catalog(self, catalog: dict[str, Any]) -> Result:
        return Result(self.env.catalog.lookup(expect_dict(catalog, "$.catalog")))

    def get_product(self, catalog: dict[str, Any]) -> Result:
        request = expect_dict(catalog, "$.catalog")
        found = self.env.catalog.get_product(request)
        if found is None:
            return Result(self.env.not_found("product", str(request.get("id"))), is_error=True)
        return Result(found)

    # carts -----------------------------------------------------------------------------------
    def _live_cart(self, cart_id: str) -> Row | None:
        row = self.storage.get_cart(cart_id)
        if row is None or row.expires < self.env.clock().timestamp():
            return None
        return row

    def create_cart(self, cart: dict[str, Any]) -> Result:
        given = parse_cart_input(expect_dict(cart, "$.cart"), "$.cart")
        state = new_cart_state(f"cart_{secrets.token_hex(10)}", self.env.clock())
        apply_cart_input(state, given, self.env)
        body = render_cart(state, self.env)
        with self.transaction():
            self.storage.put_cart(state["id"], state, body, state["expires"])
        return Result(body, created=True)

    def get_cart(self, id: str) -> Result:
        row = self._live_cart(id)
        if row is None:
            return Result(self.env.not_found("cart", id), is_error=True)
        return Result(row.body)

    def update_cart(self, id: str, cart: dict[str, Any]) -> Result:
        given = parse_cart_input(expect_dict(cart, "$.cart"), "$.cart")
        with self.transaction():
            row = self._live_cart(id)
            if row is None:
                return Result(self.env.not_found("cart", id), is_error=True)
            state = row.state
            apply_cart_input(state, given, self.env)
            body = render_cart(state, self.env)
            self.storage.put_cart(id, state, body, state["expires"])
        return Result(body)

    def cancel_cart(self, id: str) -> Result:
        with self.transaction():
            row = self._live_cart(id)
            if row is None:
                return Result(self.env.not_found("cart", id), is_error=True)
            self.storage.delete_cart(id)
        return Result(row.body)

    # checkouts -------------------------------------------------------------------------------
    def _load_checkout(self, checkout_id: str) -> dict[str, Any] | None:
        """The checkout's state; a session past ``expires_at`` is canceled on first touch."""
        row = self.storage.get_checkout(checkout_id)
        if row is None:
            return None
        state = row.state
        if state["status"] not in co.TERMINAL and row.expires < self.env.clock().timestamp():
            state["status"] = "canceled"
            state["notices"] = []
            self._save(state)
        return state

    def _stored_body(self, checkout_id: str) -> dict[str, Any]:
        row = self.storage.get_checkout(checkout_id)
        assert row is not None
        return row.body

    def _save(self, state: dict[str, Any]) -> co.Rendered:
        rendered = co.render_checkout(state, self.env, self.env.clock())
        if state["status"] not in co.TERMINAL:
            state["status"] = rendered.status
        self.storage.put_checkout(
            state["id"],
            state.get("cart_id"),
            state["status"],
            state,
            rendered.body,
            state["expires"],
        )
        return rendered

    def create_checkout(self, checkout: dict[str, Any] | None, cart_id: str | None) -> Result:
        raw = expect_dict(checkout, "$.checkout", optional=True) or {}
        cart_id = expect_str(cart_id, "$.cart_id", optional=True) or expect_str(
            raw.get("cart_id"), "$.checkout.cart_id", optional=True
        )
        if checkout is None and cart_id is None:
            raise InvalidRequest("$.checkout", "checkout (or cart_id) is required")
        given = co.parse_checkout_input(raw, "$.checkout", require_lines=cart_id is None)
        with self.transaction():
            cart_state: dict[str, Any] | None = None
            if cart_id is not None:
                cart_row = self._live_cart(cart_id)
                if cart_row is None:
                    return Result(self.env.not_found("cart", cart_id), is_error=True)
                cart_state = cart_row.state
                existing = self.storage.open_checkout_for_cart(cart_id)
                if existing is not None:
                    state = self._load_checkout(existing)
                    if state is not None and state["status"] not in co.TERMINAL:
                        self._take_from_cart(state, cart_state)
                        return Result(self._save(state).body)
            now = self.env.clock()
            state = co.new_state(f"chk_{secrets.token_hex(10)}", now, cart_id)
            co.apply_input(state, given, self.env)
            if cart_state is not None:
                self._take_from_cart(state, cart_state)
            refusal = co.nothing_purchasable(state, self.env)
            if refusal is not None:
                # Every requested item is unavailable: no checkout is created (checkout.md).
                return Result(refusal, is_error=True)
            return Result(self._save(state).body, created=True)

    @staticmethod
    def _take_from_cart(state: dict[str, Any], cart: dict[str, Any]) -> None:
        """Cart wins: its lines, and its buyer, context and codes where the cart has them."""
        state["lines"] = [list(line) for line in cart["lines"]]
        state["next_line"] = max(state["next_line"], cart["next_line"])
        state["notices"] = [n for n in state["notices"] if not n["path"].startswith("$.line")]
        for name in ("buyer", "context", "discount_codes"):
            if cart.get(name) is not None:
                state[name] = cart[name]

    def get_checkout(self, id: str) -> Result:
        row = self.storage.get_checkout(id)
        if row is None:
            return Result(self.env.not_found("checkout", id), is_error=True)
        if row.status in co.TERMINAL or row.expires >= self.env.clock().timestamp():
            return Result(row.body)
        with self.transaction():
            self._load_checkout(id)
            fresh = self.storage.get_checkout(id)
        assert fresh is not None
        return Result(fresh.body)

    def update_checkout(self, id: str, checkout: dict[str, Any]) -> Result:
        given = co.parse_checkout_input(
            expect_dict(checkout, "$.checkout"), "$.checkout", require_lines=True
        )
        with self.transaction():
            state = self._load_checkout(id)
            if state is None:
                return Result(self.env.not_found("checkout", id), is_error=True)
            if state["status"] in co.TERMINAL:
                return Result(
                    self.env.not_allowed(f"Checkout {id} is {state['status']}; it cannot change."),
                    is_error=True,
                )
            co.apply_input(state, given, self.env)
            return Result(self._save(state).body)

    def cancel_checkout(self, id: str) -> Result:
        with self.transaction():
            state = self._load_checkout(id)
            if state is None:
                return Result(self.env.not_found("checkout", id), is_error=True)
            if state["status"] == "completed":
                return Result(
                    self.env.not_allowed(f"Checkout {id} is completed; it cannot be canceled."),
                    is_error=True,
                )
            state["status"] = "canceled"
            state["notices"] = []
            return Result(self._save(state).body)

    def complete_checkout(self, id: str, checkout: dict[str, Any]) -> Result:
        raw = expect_dict(checkout, "$.checkout")
        instruments = parse_payment(raw.get("payment"), "$.checkout.payment")
        with self.transaction():
            state = self._load_checkout(id)
            if state is None:
                return Result(self.env.not_found("checkout", id), is_error=True)
            if state["status"] == "completed":
                return Result(self._stored_body(id))
            if state["status"] == "canceled":
                return Result(
                    self.env.not_allowed(f"Checkout {id} was canceled; start a new one."),
                    is_error=True,
                )
            # A new payment replaces the last attempt, so its failure no longer blocks.
            state["notices"] = [
                n for n in state["notices"] if not n.get("path", "").startswith("$.payment")
            ]
            rendered = co.render_checkout(state, self.env, self.env.clock())
            only_3ds = bool(state.get("pending_3ds")) and not rendered.escalations
            if rendered.status == "incomplete" or (
                rendered.status == "requires_escalation" and not only_3ds
            ):
                return Result(rendered.body)
            outcome = authorize(instruments, self.spec)
            return Result(self._settle(state, rendered, outcome))

    def _settle(
        self, state: dict[str, Any], rendered: co.Rendered, outcome: PaymentOutcome
    ) -> dict[str, Any]:
        """Place the order, or record why the money did not move."""
        if outcome.instruments is not None:
            state["payment"] = outcome.instruments
        if outcome.verdict == "approved":
            return self._place_order(state, rendered)
        state["pending_3ds"] = outcome.message if outcome.verdict == "challenge" else None
        state["notices"] = [outcome.message] if outcome.verdict != "challenge" else []
        return self._save(state).body

    def _place_order(self, state: dict[str, Any], rendered: co.Rendered) -> dict[str, Any]:
        now = self.env.clock()
        order_id = f"ord_{secrets.token_hex(10)}"
        label = f"{self.spec.order_prefix}-{1000 + self.storage.next_order_number()}"
        email = (state.get("buyer") or {}).get("email")
        order = build_order(order_id, label, rendered, self.env, iso(now), email)
        self.storage.put_order(order_id, state["id"], order)
        state["status"] = "completed"
        state["notices"] = []
        state["pending_3ds"] = None
        state["order"] = {"id": order_id, "label": label, "permalink_url": order["permalink_url"]}
        return self._save(state).body

    # orders ----------------------------------------------------------------------------------
    def get_order(self, id: str) -> Result:
        order = self.storage.get_order(id)
        if order is None:
            return Result(self.env.not_found("order", id), is_error=True)
        return Result(order)

    # the continue_url page ---------------------------------------------------------------------
    def continue_view(self, kind: Literal["checkout", "cart"], id: str) -> ContinueView | None:
        """What the continue_url page shows, or None for an unknown id."""
        result = self.get_checkout(id) if kind == "checkout" else self.get_cart(id)
        if result.is_error:
            return None
        return build_view(kind, result.body, self.spec.name, f"{self.env.base_url}/")

    def order_view(self, id: str) -> OrderView | None:
        """What the order permalink page shows, or None for an unknown id."""
        order = self.storage.get_order(id)
        return None if order is None else build_order_view(order, self.spec.name)

    def confirm_continue(self, id: str, form: Mapping[str, str]) -> Result:
        """The buyer confirmed size or age on the page and hands the checkout back to their
        agent: nothing is paid here; with nothing else missing it becomes ready_for_complete."""
        with self.transaction():
            state = self._load_checkout(id)
            if state is None:
                return Result(self.env.not_found("checkout", id), is_error=True)
            if state["status"] in co.TERMINAL:
                return Result(self._stored_body(id))
            rendered = co.render_checkout(state, self.env, self.env.clock())
            confirmed = [list(pair) for pair in state.get("buyer_confirmed", [])]
            for message in rendered.escalations:
                if message["code"] == "size_confirmation_required":
                    field, subject = CONFIRM_SIZE, self._variant_at(state, message["path"])
                else:
                    field, subject = CONFIRM_AGE, co.AGE_CONFIRMED
                if form.get(field, "").lower() not in TRUTHY:
                    return Result(rendered.body)
                confirmed.append([message["code"], subject])
            state["buyer_confirmed"] = confirmed
            return Result(self._save(state).body)

    def _variant_at(self, state: dict[str, Any], path: str) -> str:
        """The variant id of ``$.line_items[N]`` in this checkout."""
        index = int(path.rsplit("[", 1)[1].rstrip("]"))
        return co.lines_of(state)[index].variant_id

    def submit_continue(self, id: str, form: Mapping[str, str]) -> Result:
        """The buyer confirmed on the page (size, age, 3-D Secure) and paid: place the order."""
        with self.transaction():
            state = self._load_checkout(id)
            if state is None:
                return Result(self.env.not_found("checkout", id), is_error=True)
            if state["status"] in co.TERMINAL:
                return Result(self._stored_body(id))
            rendered = co.render_checkout(state, self.env, self.env.clock())
            if rendered.status == "incomplete":
                return Result(rendered.body)
            for message in rendered.escalations:
                field = (
                    CONFIRM_SIZE if message["code"] == "size_confirmation_required" else CONFIRM_AGE
                )
                if form.get(field, "").lower() not in TRUTHY:
                    return Result(rendered.body)
            if state.get("pending_3ds"):
                if form.get(CHALLENGE, "").lower() not in TRUTHY:
                    if form.get(CHALLENGE, "").lower() == "fail":
                        failed = PaymentOutcome(
                            "declined",
                            error(
                                "payment_failed",
                                "$.payment.instruments[0]",
                                "The bank challenge failed; the payment was declined.",
                            ),
                        )
                        return Result(self._settle(state, rendered, failed))
                    return Result(rendered.body)
                return Result(self._place_order(state, rendered))
            token = form.get(PAYMENT_TOKEN) or APPROVED_TOKEN
            handler_id = sorted(self.spec.handler_ids)[0]
            kind = "wallet" if handler_id == "sandbox_wallet" else "card"
            page_instrument = {
                "id": "continue_page",
                "handler_id": handler_id,
                "type": kind,
                "credential": {"type": "token", "token": token},
                "display": {"description": "Paid on the store page (sandbox)"},
            }
            outcome = authorize([page_instrument], self.spec)
            if outcome.verdict == "challenge":  # the page's own card never asks twice
                outcome = PaymentOutcome("approved", None, outcome.instruments)
            return Result(self._settle(state, rendered, outcome))
