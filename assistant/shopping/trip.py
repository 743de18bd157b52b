"""The trip: the one facade the agent and the TUI use to shop across many merchants at once.

``open_trip`` (``assistant/shopping/compose.py``) builds it; the trip only shops.

About 415 lines, on purpose: it is the whole public surface of shopping (search, basket,
checkout, delivery, payment, orders), one short method each that hands over to the module doing
the work (``searches``, ``resolve``, ``delivery``, ``payment``, ``complete``, ``orders``); split,
a front end would have to know which module owns which verb.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection, Sequence
from contextlib import AsyncExitStack
from dataclasses import replace

from assistant.domain import (
    INCOMPLETE,
    READY_FOR_COMPLETE,
    REQUIRES_ESCALATION,
    BasketLine,
    Buyer,
    ErrorResponse,
    Escalation,
    FulfillmentGroup,
    MerchantRef,
    MerchantState,
    OrderRecord,
    PickupOffer,
    PostalAddress,
    Product,
    ProductGroup,
    SearchHit,
    SearchRequest,
    SearchResult,
)
from assistant.errors import PannierError
from assistant.events import EventBus, MerchantFailed
from assistant.shopping import basket as basket_ops
from assistant.shopping import checkout as checkout_ops
from assistant.shopping import complete as complete_ops
from assistant.shopping import ledger, outcomes, pickup, searches
from assistant.shopping.accounts import TripAccounts
from assistant.shopping.complete import Confirm
from assistant.shopping.context import TripContext
from assistant.shopping.order_watch import OrderWatch
from assistant.shopping.orders import refreshed_orders
from assistant.shopping.payment import preload_constraint_checkers
from assistant.shopping.refs import LOOKUP, Refs, Unlisted
from assistant.shopping.searches import PER_MERCHANT
from assistant.store import Store

__all__ = ["Confirm", "Trip"]

# A checkout the trip keeps open: its totals carry the store's shipping and tax.
OPEN_CHECKOUT_STATUSES = frozenset({INCOMPLETE, REQUIRES_ESCALATION, READY_FOR_COMPLETE})


class Trip:
    """A shopping session across merchants; state lives in the store, so a trip can be resumed."""

    def __init__(self, ctx: TripContext, *, resources: AsyncExitStack | None = None) -> None:
        self._ctx = ctx
        self.bus: EventBus = ctx.bus
        self.session: str = ctx.session
        self.merchants: list[MerchantRef] = [c.merchant for c in ctx.clients.values()]
        # Configured merchants that did not answer when the trip opened, with the reason.
        self.unreachable: list[tuple[MerchantRef, str]] = []
        # Other words the shopper may call a store by (a sandbox store's slug), by domain.
        self.merchant_aliases: dict[str, str] = {}
        self.last_search: SearchResult | None = None
        # This turn's listing, every search's (numbered on from each other): what numbers name.
        self.listing: list[SearchHit] = []
        self._listing_started = False  # a search this turn: the next one numbers on
        self.last_pickup: list[PickupOffer] | None = None  # the latest pickup_locations answer
        # The shopper's linked accounts at these stores (`pannier link`); open_trip sets a reader.
        self.accounts = TripAccounts(None, self.merchants)
        self._resources = resources if resources is not None else AsyncExitStack()
        self._refs = Refs(ctx, lambda: self.listing)
        self._watches: set[asyncio.Task[object]] = set()  # order watches running (watch_orders)
        # A store here declares payment request constraints: shopping preloads their checkers.
        self.checks_constraints = False

    @property
    def store(self) -> Store:
        """The local store holding this session (the agent persists the conversation there)."""
        return self._ctx.store

    async def aclose(self) -> None:
        """Close what was opened for this trip (``open_trip`` hands it over), newest first."""
        for watch in list(self._watches):
            watch.cancel()
        with contextlib.suppress(PannierError):
            await self._ctx.state.flush()  # every step flushes; this is for one cut short
        await self._resources.aclose()

    async def restore(self) -> None:
        """Learn the fate of completions left under way, and the latest search (``open_trip``
        calls it once; the trip's records were read when its ``TripState`` was made)."""
        await checkout_ops.resume(self._ctx)
        await self._ctx.state.flush()
        self.last_search = searches.restored(self._ctx)
        latest = self.last_search.hits if self.last_search is not None else []
        self.listing = [*searches.restored_before(self._ctx), *latest]

    # --- catalog -------------------------------------------------------------------------------

    async def search(
        self, query: str | SearchRequest, *, per_merchant: int = PER_MERCHANT, store: str = ""
    ) -> SearchResult:
        """Every merchant at once, ranked and grouped by product, numbered from 1 (``searches``)."""
        self._shopping()
        only = [self._refs.merchant(store)] if store else None  # an unknown store: an error
        result = await searches.search(
            self._ctx, query, per_merchant=per_merchant, before=self._listed_this_turn, only=only
        )
        self.listing = [*self._listed_this_turn(), *result.hits]
        self._listing_started = True
        self.last_search = result
        return result

    def start_listing(self) -> None:
        """The shopper spoke: the next search numbers its results from 1 again."""
        self._listing_started = False

    def _listed_this_turn(self) -> list[SearchHit]:
        return self.listing if self._listing_started else []

    def search_page(self, page: int) -> list[ProductGroup]:
        """Page ``page`` (1-based) of the latest search."""
        if self.last_search is None:
            return []
        self.last_search, groups = searches.page(self._ctx, self.last_search, page)
        return groups

    async def show_product(self, ref: str) -> tuple[MerchantRef, Product]:
        hit = await self._refs.hit(ref)
        client = self._refs.client(hit.merchant.domain)
        answer = await client.get_product(hit.product_id)
        if isinstance(answer, ErrorResponse):
            raise PannierError(
                f"{hit.merchant.name}: {basket_ops.describe(answer)}", title="Product unavailable"
            )
        return hit.merchant, answer.product

    # --- basket --------------------------------------------------------------------------------

    async def set_basket(
        self, items: Sequence[tuple[str, int]], *, again: Collection[str] = ()
    ) -> list[MerchantState]:
        """Replace what is still to be bought; only merchants whose part changed are called.

        Ordered lines stay as they are: an item already ordered is bought again only when its
        ref is in ``again`` (the shopper asked for exactly that).
        """
        ctx = self._ctx
        self._shopping()
        lines = []
        hits = await self._refs.items([ref for ref, _ in items] + list(again))
        held = {(line.merchant.domain, line.variant_id): line for line in self.basket()}
        for ref, quantity in items:
            if quantity < 0:
                raise PannierError(
                    f"quantity for '{ref}' must not be negative", title="Invalid quantity"
                )
            hit = hits[ref]
            if isinstance(hit, Unlisted):
                # Titled by its id until the merchant's checkout returns its title and price.
                known = held.get((hit.merchant.domain, hit.item_id))
                title = known.title if known is not None else hit.item_id
                price = known.unit_price if known is not None else None
                lines.append(BasketLine(hit.merchant, hit.item_id, title, quantity, price))
                continue
            lines.append(
                BasketLine(
                    hit.merchant, hit.variant_id, _line_title(hit), quantity, hit.price, hit.handle
                )
            )
        again_keys = {(hits[ref].merchant.domain, _item_id(hits[ref])) for ref in again}
        existing = ctx.state.lines()
        merged, _already_ordered = ledger.new_basket(
            existing, basket_ops.merge_lines(lines), again_keys
        )
        before = {line.merchant.domain for line in ledger.active(existing)}
        ctx.state.set_lines(merged)
        await ctx.state.flush()  # what the shopper asked for is on disk before any shop is called
        touched = before | {line.merchant.domain for line in merged}
        await self._sync([d for d in ctx.clients if d in touched])
        await ctx.state.flush()
        await self._checkouts_alongside()
        return self.state()

    def _shopping(self) -> None:
        """The trip starts shopping: what its checkouts will need loads meanwhile."""
        if self.checks_constraints:
            preload_constraint_checkers()

    async def _sync(self, domains: Sequence[str]) -> None:
        await self._each_merchant(domains, basket_ops.sync_cart, "cart")

    async def _checkouts_alongside(self) -> None:
        """Once a store in the basket has an open checkout, every store with items gets one.

        A cart's total leaves out shipping and tax, so a store at "cart" beside one at "ready"
        (after a pickup or a delivery chosen for one store) showed totals that do not compare;
        while every store is still at "cart" nothing is called.
        """
        ctx = self._ctx
        views = {d: ctx.view(d) for d in ctx.clients if ctx.state.wanted(d).lines}
        if not any(v.status in OPEN_CHECKOUT_STATUSES for v in views.values()):
            return
        behind = [d for d, v in views.items() if v.status is None and not v.failure]
        if behind:
            await self._each_merchant(behind, checkout_ops.prepare, "checkout")
            await ctx.state.flush()

    async def _each_merchant(
        self,
        domains: Sequence[str],
        step: Callable[[TripContext, str], Awaitable[object]],
        operation: str,
    ) -> None:
        """Run ``step`` for every merchant at once; one merchant's failure (even of the local
        database) becomes that merchant's failure state, never an ExceptionGroup for the trip."""
        ctx = self._ctx

        async def guarded(domain: str) -> None:
            try:
                await step(ctx, domain)
                await ctx.state.flush()  # the step's writes, as one batch
            except PannierError as exc:
                reason = f"{exc.title}: {exc.message}"
                ctx.state.note(domain, failure=reason)
                with contextlib.suppress(PannierError):
                    await ctx.state.flush()
                with contextlib.suppress(PannierError):
                    ctx.emit(
                        MerchantFailed(
                            merchant=ctx.merchant(domain), operation=operation, reason=reason
                        )
                    )

        async with asyncio.TaskGroup() as group:
            for domain in domains:
                group.create_task(guarded(domain))

    def _to_buy(self) -> list[BasketLine]:
        return ledger.active(self.basket())

    def _items(self) -> list[tuple[str, int]]:
        return [(self._ref(line), line.quantity) for line in self._to_buy()]

    def _ref(self, line: BasketLine) -> str:
        """How to name a basket line again: its handle ("#7": never a listing's number), else its
        id (at its merchant)."""
        client = self._ctx.clients.get(line.merchant.domain)
        if line.handle:
            return f"#{line.handle}"
        if client is None or client.supports(LOOKUP):
            return line.variant_id
        return f"{line.variant_id} at {line.merchant.domain}"

    async def add(self, ref: str, quantity: int = 1) -> list[MerchantState]:
        return await self.set_basket([*self._items(), (ref, quantity)])

    async def buy_again(self, ref: str, quantity: int = 1) -> list[MerchantState]:
        """Put an item already ordered back in the basket, on purpose, as a new purchase."""
        return await self.set_basket([*self._items(), (ref, quantity)], again=[ref])

    async def remove(self, ref: str) -> list[MerchantState]:
        hit = await self._refs.hit(ref)
        return await self.set_basket(
            [
                (r, q)
                for (r, q), line in zip(self._items(), self._to_buy(), strict=True)
                if line.variant_id != hit.variant_id or line.merchant != hit.merchant
            ]
        )

    async def set_quantity(self, ref: str, quantity: int) -> list[MerchantState]:
        hit = await self._refs.hit(ref)
        items = [
            (
                r,
                quantity
                if (line.variant_id, line.merchant.domain) == (hit.variant_id, hit.merchant.domain)
                else q,
            )
            for (r, q), line in zip(self._items(), self._to_buy(), strict=True)
        ]
        if not any(line.variant_id == hit.variant_id for line in self._to_buy()):
            items.append((ref, quantity))
        return await self.set_basket(items)

    async def set_discount_codes(self, merchant: str, codes: list[str]) -> MerchantState:
        domain = self._refs.merchant(merchant)
        ctx = self._ctx
        ctx.state.set_codes(domain, [c.strip() for c in codes if c.strip()])
        await ctx.state.flush()
        await basket_ops.sync_cart(ctx, domain)
        await ctx.state.flush()
        await self._checkouts_alongside()
        return ctx.view(domain)

    # --- checkout ------------------------------------------------------------------------------

    async def prepare_checkout(self) -> list[MerchantState]:
        """Every merchant with items, concurrently, to its outcome."""
        ctx = self._ctx
        domains = [d for d in ctx.clients if ctx.state.wanted(d).lines]
        await self._each_merchant(domains, checkout_ops.prepare, "checkout")
        return self.state()

    async def provide_buyer_details(
        self,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        phone_number: str | None = None,
        address: PostalAddress | None = None,
    ) -> list[MerchantState]:
        ctx = self._ctx
        given = {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "phone_number": phone_number,
        }
        choices = ctx.state.choices
        current = choices.buyer.model_dump(exclude_none=True) if choices.buyer else {}
        current.update({k: v for k, v in given.items() if v})
        ctx.state.choose(
            replace(
                choices,
                buyer=Buyer.model_validate(current) if current else None,
                address=address if address is not None else choices.address,
            )
        )
        await ctx.state.flush()
        pending = [d for d in ctx.clients if ctx.state.wanted(d).lines]
        await self._each_merchant(pending, checkout_ops.prepare, "checkout")
        await ctx.state.flush()
        return self.state()

    def saved_addresses(self) -> list[PostalAddress]:
        """The shopper's saved addresses, default first."""
        return list(self._ctx.config.buyer.addresses)

    def delivery_options(self) -> dict[str, list[FulfillmentGroup]]:
        """Per merchant domain, the delivery groups its checkout offers, with what is selected."""
        return {
            domain: [group for method in checkout.fulfillment.methods for group in method.groups]
            for domain, checkout in self._ctx.state.answers().items()
            if checkout.fulfillment is not None
        }

    async def choose_delivery(self, merchant: str, option_id: str) -> MerchantState:
        """Select one of a merchant's delivery options and bring its checkout up to date."""
        domain = self._refs.merchant(merchant)
        groups = self.delivery_options().get(domain, [])
        group = next((g for g in groups if any(o.id == option_id for o in g.options)), None)
        if group is None or group.id is None:
            raise PannierError(
                f"{merchant} offers no delivery option {option_id!r} in its open checkout",
                title="Unknown delivery option",
            )
        choices = self._ctx.state.choices
        options = {**choices.options_by_domain.get(domain, {}), group.id: option_id}
        self._ctx.state.choose(
            replace(choices, options_by_domain={**choices.options_by_domain, domain: options})
        )
        await self._ctx.state.flush()
        state = await checkout_ops.prepare(self._ctx, domain)
        await self._ctx.state.flush()
        await self._checkouts_alongside()
        return state

    async def pickup_locations(
        self, merchant: str | None = None, near: str | None = None
    ) -> list[PickupOffer]:
        """Where one store (or each store in the basket) lets the shopper collect instead."""
        ctx = self._ctx
        if merchant:
            domains = [self._refs.merchant(merchant)]
        else:
            domains = [d for d in ctx.clients if ctx.state.wanted(d).lines]
        offers = list(await asyncio.gather(*(pickup.pickup_offer(ctx, d, near) for d in domains)))
        self.last_pickup = offers
        return offers

    async def choose_pickup(self, merchant: str, location_id: str | None) -> MerchantState:
        """Collect one store's order at ``location_id`` (None: back to delivery)."""
        state = await pickup.choose_pickup(self._ctx, self._refs.merchant(merchant), location_id)
        await self._checkouts_alongside()
        return state

    async def ship_to(
        self, address: PostalAddress, merchant: str | None = None
    ) -> list[MerchantState]:
        """Ship one merchant's order (or every one) to ``address``; open checkouts follow."""
        ctx = self._ctx
        domains = [self._refs.merchant(merchant)] if merchant else list(ctx.clients)
        choices = ctx.state.choices
        ctx.state.choose(
            replace(
                choices,
                address_by_domain={**choices.address_by_domain, **dict.fromkeys(domains, address)},
                # The options depend on the destination; shipping somewhere is not collecting.
                options_by_domain={
                    d: o for d, o in choices.options_by_domain.items() if d not in domains
                },
                pickup_by_domain={
                    d: loc for d, loc in choices.pickup_by_domain.items() if d not in domains
                },
            )
        )
        await ctx.state.flush()
        pending = [d for d in domains if ctx.state.wanted(d).lines and ctx.view(d).order is None]
        await self._each_merchant(pending, checkout_ops.prepare, "checkout")
        await ctx.state.flush()
        await self._checkouts_alongside()
        return self.state()

    async def complete(self, confirm: Confirm) -> list[MerchantState]:
        try:
            await complete_ops.complete(self._ctx, confirm)
        finally:
            await self._ctx.state.flush()
        return self.state()

    # --- reading -------------------------------------------------------------------------------

    def basket(self) -> list[BasketLine]:
        return self._ctx.state.lines()

    def state(self) -> list[MerchantState]:
        """Every merchant with a part in the trip (lines, a checkout or an order), as it stands."""
        views = self._ctx.state.views(self._ctx.clients)
        return [view for view in views if view.lines or view.checkout_id or view.order]

    def escalations(self) -> list[Escalation]:
        """The inbox, each link checked again as it is read (the database may be older code's)."""
        return [outcomes.checked_escalation(e) for e in self._ctx.state.escalations()]

    async def recheck_escalations(self) -> list[Escalation]:
        settled = await complete_ops.recheck(self._ctx)
        await self._ctx.state.flush()
        return settled

    async def watch_orders(self) -> None:
        """Poll the trip's open orders in the background until cancelled (``order_watch``)."""
        policy = self._ctx.config.policy
        watch = OrderWatch(
            self._ctx, first_s=policy.order_poll_first_s, longest_s=policy.order_poll_longest_s
        )
        task = asyncio.current_task()
        if task is not None:
            self._watches.add(task)  # stopped by aclose: it must not poll a closed trip
        try:
            await watch.run()
        finally:
            self._watches.discard(task)

    async def orders(self, order_id: str | None = None) -> list[OrderRecord]:
        """Orders of this session (or one by id), refreshed from the merchants."""
        records = await refreshed_orders(self._ctx, order_id)
        await self._ctx.state.flush()
        return records


def _item_id(hit: SearchHit | Unlisted) -> str:
    return hit.item_id if isinstance(hit, Unlisted) else hit.variant_id


def _line_title(hit: SearchHit) -> str:
    if hit.variant_title and hit.variant_title.lower() not in (
        "default",
        "default title",
        hit.title.lower(),
    ):
        return f"{hit.title} — {hit.variant_title}"
    return hit.title
