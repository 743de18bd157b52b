"""The facade the protocol bindings call: one Shop per store, synchronous, no HTTP.

Arguments are UCP request objects as dicts; answers are ``Result`` bodies without the ``ucp``
block. Every write runs in one SQLite transaction, so a request that fails changes nothing.
Catalog and cart operations live here; checkout sessions in ``sessions``, what the continue_url
page does to them in ``handoff``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from merchants.business import handoff
from merchants.business.carts import apply_cart_input, new_cart_state, parse_cart_input, render_cart
from merchants.business.catalog import Catalog
from merchants.business.env import Env, utc_now
from merchants.business.errors import InvalidRequest
from merchants.business.result import Result
from merchants.business.sessions import CheckoutSessions, checkout_cart_id
from merchants.business.specs import StoreSpec, load_store_specs
from merchants.business.storage import Row, Storage
from merchants.business.storage_idempotency import StoredResponse
from merchants.business.validation import expect_dict
from merchants.business.views import ContinueView, OrderView, build_order_view, build_view

__all__ = [
    "ContinueView",
    "InvalidRequest",
    "Result",
    "Shop",
    "StoreSpec",
    "StoredResponse",
    "load_store_specs",
]


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
        self.checkouts = CheckoutSessions(self.env, self.storage)

    def close(self) -> None:
        self.storage.close()

    def transaction(self) -> AbstractContextManager[None]:
        """One SQLite transaction around an operation and its idempotency record (re-entrant)."""
        return self.storage.transaction()

    def idempotency_get(self, scope: str, key: str) -> StoredResponse | None:
        return self.storage.idempotency.get(scope, key, self.env.clock().timestamp())

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
        self.storage.idempotency.put(
            scope, key, request_hash, status_code, text, self.env.clock().timestamp(), ucp
        )

    def use_background_checkpoints(self) -> None:
        """Leave WAL checkpoints to ``checkpoint()``, which a maintenance task runs off the loop."""
        self.storage.use_background_checkpoints()

    def checkpoint_owed(self) -> bool:
        """Whether anything was written since the last checkpoint (``checkpoint`` is then due)."""
        return self.storage.checkpoint_owed()

    def checkpoint(self) -> None:
        """A passive WAL checkpoint on its own connection (call it from a worker thread)."""
        self.storage.checkpoint()

    def prune_quota(self) -> int:
        """How many expired idempotency records the next paced prune may delete."""
        return self.storage.idempotency.quota()

    def prune_idempotency(self, batch: int | None = None) -> int:
        """One bounded batch of expired idempotency records (``batch``, else the paced quota);
        how many were deleted."""
        records = self.storage.idempotency
        quota = records.quota() if batch is None else batch
        return records.prune(self.env.clock().timestamp(), quota)

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
    def _live_cart(self, cart_id: str, with_body: bool = True) -> Row | None:
        row = self.storage.get_cart(cart_id, with_body)
        if row is None or row.expires < self.env.clock().timestamp():
            return None
        return row

    def create_cart(self, cart: dict[str, Any]) -> Result:
        given = parse_cart_input(expect_dict(cart, "$.cart"), "$.cart")
        state = new_cart_state(f"cart_{secrets.token_hex(10)}", self.env.clock())
        apply_cart_input(state, given, self.env)
        body = render_cart(state, self.env)
        with self.transaction():
            self.storage.put_cart(state, body)
        return Result(body, created=True)

    def get_cart(self, id: str) -> Result:
        row = self._live_cart(id)
        if row is None:
            return Result(self.env.not_found("cart", id), is_error=True)
        return Result(row.body)

    def update_cart(self, id: str, cart: dict[str, Any]) -> Result:
        given = parse_cart_input(expect_dict(cart, "$.cart"), "$.cart")
        with self.transaction():
            row = self._live_cart(id, with_body=False)
            if row is None:
                return Result(self.env.not_found("cart", id), is_error=True)
            state = row.cart
            apply_cart_input(state, given, self.env)
            body = render_cart(state, self.env)
            self.storage.put_cart(state, body)
        return Result(body)

    def cancel_cart(self, id: str) -> Result:
        with self.transaction():
            row = self._live_cart(id)
            if row is None:
                return Result(self.env.not_found("cart", id), is_error=True)
            self.storage.delete_cart(id)
        return Result(row.body)

    # checkouts -------------------------------------------------------------------------------
    def create_checkout(self, checkout: dict[str, Any] | None, cart_id: str | None) -> Result:
        cart_id = checkout_cart_id(checkout, cart_id)
        with self.transaction():
            row = self._live_cart(cart_id, with_body=False) if cart_id is not None else None
            return self.checkouts.create(checkout, cart_id, row.cart if row else None)

    def get_checkout(self, id: str) -> Result:
        return self.checkouts.get(id)

    def update_checkout(self, id: str, checkout: dict[str, Any]) -> Result:
        return self.checkouts.update(id, checkout)

    def cancel_checkout(self, id: str) -> Result:
        return self.checkouts.cancel(id)

    def complete_checkout(
        self, id: str, checkout: dict[str, Any], *, hold_request_constraints: bool = False
    ) -> Result:
        """``hold_request_constraints``: the platform was shown the instruments'
        ``ucp.request_constraints`` (2026-08-25 on), so a request breaking one is refused."""
        return self.checkouts.complete(id, checkout, hold_request_constraints)

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
        """Size or age confirmed on the page: the checkout goes back to the agent, unpaid."""
        return handoff.confirm_continue(self.checkouts, id, form)

    def submit_continue(self, id: str, form: Mapping[str, str]) -> Result:
        """Confirmed and paid on the page: place the order."""
        return handoff.submit_continue(self.checkouts, id, form)
