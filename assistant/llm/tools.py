"""The toolbox: each of the model's tool calls mapped onto one ``Trip`` facade method.

A call's arguments are validated against its model (``tool_specs``); its result is a typed
outcome (``results``, ``assistant.views``) whose compact JSON the model reads: short handles
instead of ids, prices formatted with their currency, merchant-written text (titles,
descriptions, messages) only ever under a ``"merchant_data"`` key, which the system prompt
declares untrusted. Payment credentials never appear: nothing here reads the wallet, and every
result is scrubbed of the wallet's tokens anyway.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from assistant.domain import (
    Approval,
    BasketLine,
    Escalation,
    FulfillmentGroup,
    MerchantRef,
    MerchantState,
    OrderRecord,
    PickupOffer,
    PostalAddress,
    Product,
    ProductGroup,
    PurchaseSummary,
    SearchRequest,
    SearchResult,
)
from assistant.errors import PannierError
from assistant.events import EventBus
from assistant.llm import tool_specs as specs
from assistant.llm.account_tools import StoreAddressView
from assistant.llm.results import (
    Addresses,
    DeliveryOptions,
    Escalations,
    Failure,
    OneStore,
    Orders,
    Purchase,
    StoreOptions,
    Stores,
    ToolOutcome,
)
from assistant.llm.search_tool import SearchArgs, run_search
from assistant.llm.tool_specs import READ_ONLY_TOOLS, TOOL_NAMES, TOOL_SPECS, TOOLS
from assistant.shopping.accounts import TripAccounts
from assistant.views import AddressView, DeliveryOptionView, PickupLocationsView, ProductView

__all__ = ["READ_ONLY_TOOLS", "TOOL_SPECS", "Confirm", "ToolResult", "Toolbox", "TripFacade"]

Confirm = Callable[[PurchaseSummary], Awaitable[Approval]]

REDACTED = "[redacted]"


class TripFacade(Protocol):
    """The part of ``assistant.shopping.trip.Trip`` the agent drives (and nothing else)."""

    bus: EventBus
    session: str
    merchants: list[MerchantRef]
    last_search: SearchResult | None
    accounts: TripAccounts

    async def search(self, query: str | SearchRequest, *, store: str = "") -> SearchResult: ...
    def start_listing(self) -> None: ...
    def search_page(self, page: int) -> list[ProductGroup]: ...
    async def show_product(self, ref: str) -> tuple[MerchantRef, Product]: ...
    async def set_basket(
        self, items: Sequence[tuple[str, int]], *, again: Sequence[str] = ()
    ) -> list[MerchantState]: ...
    async def set_discount_codes(self, merchant: str, codes: list[str]) -> MerchantState: ...
    async def prepare_checkout(self) -> list[MerchantState]: ...
    async def provide_buyer_details(
        self,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        phone_number: str | None = None,
        address: PostalAddress | None = None,
    ) -> list[MerchantState]: ...
    async def complete(self, confirm: Confirm) -> list[MerchantState]: ...
    def basket(self) -> list[BasketLine]: ...
    def state(self) -> list[MerchantState]: ...
    def escalations(self) -> list[Escalation]: ...
    async def recheck_escalations(self) -> list[Escalation]: ...
    async def orders(self, order_id: str | None = None) -> list[OrderRecord]: ...
    def saved_addresses(self) -> list[PostalAddress]: ...
    def delivery_options(self) -> dict[str, list[FulfillmentGroup]]: ...
    async def choose_delivery(self, merchant: str, option_id: str) -> MerchantState: ...
    async def ship_to(
        self, address: PostalAddress, merchant: str | None = None
    ) -> list[MerchantState]: ...
    async def pickup_locations(
        self, merchant: str | None = None, near: str | None = None
    ) -> list[PickupOffer]: ...
    async def choose_pickup(self, merchant: str, location_id: str | None) -> MerchantState: ...


@dataclass(frozen=True)
class ToolResult:
    content: str  # compact JSON, scrubbed of secrets: what the model reads
    is_error: bool = False
    outcome: ToolOutcome | None = None  # the same result, typed: what the offline planner reads


class ToolArgumentError(PannierError):
    title = "Bad tool arguments"


class Toolbox:
    """Runs the model's tool calls against one trip; ``confirm`` is the shopper, never the model."""

    def __init__(self, trip: TripFacade, *, secrets: Sequence[str] = ()) -> None:
        self.trip = trip
        self.secrets = [secret for secret in secrets if secret]

    async def call(self, name: str, arguments: dict[str, Any], confirm: Confirm) -> ToolResult:
        """Run one tool; its failures become an error result the model reads, never a crash."""
        tool = next((t for t in TOOLS if t.name == name), None)
        outcome: ToolOutcome
        try:
            if tool is None:
                raise ToolArgumentError(
                    f"unknown tool {name!r}; available: {', '.join(sorted(TOOL_NAMES))}"
                )
            try:
                args = tool.args.model_validate(arguments)
            except ValidationError as exc:
                raise ToolArgumentError(f"bad arguments for {name}: {_first_error(exc)}") from exc
            outcome = await getattr(self, f"_{name}")(args, confirm)
        except PannierError as exc:
            return self.failed(Failure.of(exc))
        except Exception as exc:  # a bug below: the model still gets a result it can read
            return self.failed(Failure.internal(name, exc))
        return ToolResult(self.scrub(_dumps(outcome.for_model())), outcome=outcome)

    def failed(self, failure: Failure) -> ToolResult:
        return ToolResult(self.scrub(_dumps(failure.for_model())), True, failure)

    def scrub(self, text: str) -> str:
        """``text`` without the wallet's tokens (whoever wrote them: a store may echo one)."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    async def _search_products(self, args: SearchArgs, confirm: Confirm) -> ToolOutcome:
        return await run_search(self.trip, args)

    async def _show_product(self, args: specs.ShowArgs, confirm: Confirm) -> ToolOutcome:
        merchant, product = await self.trip.show_product(args.ref)
        hits = self.trip.last_search.hits if self.trip.last_search else []
        return ProductView(merchant, product, hits)

    async def _set_basket(self, args: specs.SetBasketArgs, confirm: Confirm) -> ToolOutcome:
        states = await self.trip.set_basket(
            [(item.ref, item.quantity) for item in args.items],
            again=[item.ref for item in args.items if item.again],
        )
        return Stores(states)

    async def _apply_discount(self, args: specs.DiscountArgs, confirm: Confirm) -> ToolOutcome:
        merchant = self._merchant(args.store)
        codes = self._codes(merchant)
        if args.code not in codes:
            codes.append(args.code)
        return OneStore(await self.trip.set_discount_codes(merchant.domain, codes))

    async def _remove_discount(self, args: specs.DiscountArgs, confirm: Confirm) -> ToolOutcome:
        merchant = self._merchant(args.store)
        codes = [code for code in self._codes(merchant) if code.lower() != args.code.lower()]
        return OneStore(await self.trip.set_discount_codes(merchant.domain, codes))

    async def _prepare_checkout(self, args: specs.NoArgs, confirm: Confirm) -> ToolOutcome:
        return Stores(await self.trip.prepare_checkout())

    async def _provide_buyer_details(self, args: specs.BuyerArgs, confirm: Confirm) -> ToolOutcome:
        address = PostalAddress(**args.address.model_dump()) if args.address else None
        states = await self.trip.provide_buyer_details(
            email=args.email,
            first_name=args.first_name,
            last_name=args.last_name,
            phone_number=args.phone_number,
            address=address,
        )
        return Stores(states)

    async def _complete_purchase(self, args: specs.NoArgs, confirm: Confirm) -> ToolOutcome:
        answers: list[Approval] = []

        async def ask_the_shopper(summary: PurchaseSummary) -> Approval:
            answer = await confirm(summary)
            answers.append(answer)
            return answer

        states = await self.trip.complete(ask_the_shopper)
        approved = sorted(domain for answer in answers for domain in answer.approved_domains)
        return Purchase(approved, states)

    async def _list_escalations(self, args: specs.EscalationArgs, confirm: Confirm) -> ToolOutcome:
        escalations = (
            await self.trip.recheck_escalations() if args.recheck else self.trip.escalations()
        )
        return Escalations(escalations, self.trip.state())

    async def _order_status(self, args: specs.OrderArgs, confirm: Confirm) -> ToolOutcome:
        orders = await self.trip.orders(args.order_id)
        if args.order_id:
            return Orders(orders)
        accounts = self.trip.accounts
        history = await accounts.accounts()
        return Orders(orders, history, dict(accounts.failures))

    async def _view_basket(self, args: specs.NoArgs, confirm: Confirm) -> ToolOutcome:
        states = self.trip.state()
        return Stores(states, note=None if states else "The basket is empty.")

    async def _saved_addresses(self, args: specs.NoArgs, confirm: Confirm) -> ToolOutcome:
        at_stores = await self.trip.accounts.saved_at_stores()
        return Addresses(
            [
                AddressView(str(index), address)
                for index, address in enumerate(self.trip.saved_addresses(), start=1)
            ],
            [
                StoreAddressView(a_id, address, account.store)
                for a_id, account, address in at_stores
            ],
        )

    async def _ship_to(self, args: specs.ShipToArgs, confirm: Confirm) -> ToolOutcome:
        saved = await self.trip.accounts.saved_at_stores()
        at_stores = {address_id: (acct, address) for address_id, acct, address in saved}
        if args.address_id in at_stores:
            account, address = at_stores[args.address_id]
            saved_at = self.trip.accounts.merchant_of(account)
            merchant = self._merchant(args.store) if args.store else saved_at
            domain = merchant.domain if merchant is not None else None
            return Stores(await self.trip.ship_to(address, domain))
        addresses = self.trip.saved_addresses()
        if not args.address_id.isdigit() or not 1 <= int(args.address_id) <= len(addresses):
            raise ToolArgumentError(
                f"no saved address {args.address_id!r}; address_id is 1 to {len(addresses)}"
            )
        store = self._merchant(args.store).domain if args.store else None
        return Stores(await self.trip.ship_to(addresses[int(args.address_id) - 1], store))

    async def _delivery_options(self, args: specs.NoArgs, confirm: Confirm) -> ToolOutcome:
        by_domain = self.trip.delivery_options()
        currency = {state.merchant.domain: state.currency for state in self.trip.state()}
        stores = [
            StoreOptions(
                merchant,
                [
                    DeliveryOptionView(
                        option, option.id == group.selected_option_id, currency[merchant.domain]
                    )
                    for group in groups
                    for option in group.options
                ],
            )
            for merchant in self.trip.merchants
            if (groups := by_domain.get(merchant.domain))
        ]
        return DeliveryOptions(stores)

    async def _choose_delivery(
        self, args: specs.ChooseDeliveryArgs, confirm: Confirm
    ) -> ToolOutcome:
        merchant = self._merchant(args.store)
        return OneStore(await self.trip.choose_delivery(merchant.domain, args.option_id))

    async def _pickup_locations(self, args: specs.PickupListArgs, confirm: Confirm) -> ToolOutcome:
        store = self._merchant(args.store).domain if args.store else None
        return PickupLocationsView(await self.trip.pickup_locations(store, args.near))

    async def _choose_pickup(self, args: specs.ChoosePickupArgs, confirm: Confirm) -> ToolOutcome:
        merchant = self._merchant(args.store)
        return OneStore(await self.trip.choose_pickup(merchant.domain, args.location_id))

    def _merchant(self, store: str) -> MerchantRef:
        key = store.strip().lower()
        merchants = self.trip.merchants
        exact = [m for m in merchants if key in (m.domain.lower(), m.name.lower())]
        if len(exact) == 1:
            return exact[0]
        loose = [m for m in merchants if key in m.name.lower() or m.domain.lower().startswith(key)]
        if len(loose) == 1:
            return loose[0]
        ids = ", ".join(m.domain for m in merchants)  # names are the stores' words: not here
        raise ToolArgumentError(f"no single store matches {store!r}; store_ids are: {ids}")

    def _codes(self, merchant: MerchantRef) -> list[str]:
        for state in self.trip.state():
            if state.merchant.domain == merchant.domain:
                return list(state.discount_codes)
        return []


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(arguments)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
