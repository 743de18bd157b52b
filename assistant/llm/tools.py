"""The few high-level tools the model may call, each mapped onto one ``Trip`` facade method.

Results are compact JSON: short handles instead of ids, prices formatted with their currency.
Merchant-written text (titles, descriptions, messages) only ever appears under a
``"merchant_data"`` key, which the system prompt declares untrusted. Payment credentials never
appear: nothing here reads the wallet, and every result is scrubbed of the wallet's tokens anyway.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.domain import (
    Approval,
    BasketLine,
    Escalation,
    FulfillmentGroup,
    FulfillmentOption,
    MerchantRef,
    MerchantState,
    Message,
    Money,
    OrderRecord,
    PostalAddress,
    Product,
    ProductGroup,
    PurchaseSummary,
    SearchHit,
    SearchRequest,
    SearchResult,
    Total,
)
from assistant.errors import MerchantError, PannierError
from assistant.events import EventBus
from assistant.llm.model import ToolSpec
from assistant.llm.search_tool import SearchArgs, run_search

Confirm = Callable[[PurchaseSummary], Awaitable[Approval]]

DESCRIPTION_CHARS = 240  # merchant descriptions are clipped: enough to choose, cheap in tokens
REDACTED = "[redacted]"


class TripFacade(Protocol):
    """The part of ``assistant.shopping.trip.Trip`` the agent drives (and nothing else)."""

    bus: EventBus
    session: str
    merchants: list[MerchantRef]
    last_search: SearchResult | None

    async def search(self, query: str | SearchRequest) -> SearchResult: ...
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


# --- arguments -----------------------------------------------------------------------------------


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShowArgs(_Args):
    ref: str = Field(min_length=1, description="A result handle (e.g. '3') or a variant id.")


class BasketItem(_Args):
    ref: str = Field(min_length=1, description="A handle ('3'), a variant id, or 'ID at STORE'.")
    quantity: int = Field(ge=0, le=99, description="Desired quantity; 0 removes the item.")
    again: bool = Field(default=False, description="Only if the shopper asks to rebuy it.")


class SetBasketArgs(_Args):
    items: list[BasketItem] = Field(
        description="The COMPLETE desired basket across all stores; items left out are removed."
    )


class DiscountArgs(_Args):
    store: str = Field(min_length=1, description="The store's name or store_id.")
    code: str = Field(min_length=1, description="The discount code.")


class NoArgs(_Args):
    pass


class AddressArgs(_Args):
    street_address: str
    extended_address: str | None = None
    address_locality: str
    address_region: str | None = None
    postal_code: str
    address_country: str = Field(description="ISO 3166-1 alpha-2, e.g. 'US'.")
    first_name: str | None = None
    last_name: str | None = None


class BuyerArgs(_Args):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = Field(default=None, description="E.164, e.g. +14155550123.")
    address: AddressArgs | None = Field(default=None, description="A new shipping address.")


class EscalationArgs(_Args):
    recheck: bool = Field(
        default=False, description="Ask the stores again (the shopper says they are done)."
    )


class ShipToArgs(_Args):
    address_id: str = Field(min_length=1, description="An address_id from saved_addresses.")
    store: str | None = Field(
        default=None, description="One store's store_id; omitted: every store."
    )


class ChooseDeliveryArgs(_Args):
    store: str = Field(min_length=1, description="The store's store_id.")
    option_id: str = Field(min_length=1, description="An option_id from delivery_options.")


class OrderArgs(_Args):
    order_id: str | None = Field(default=None, description="One order, or all when omitted.")


@dataclass(frozen=True)
class _Tool:
    name: str
    description: str
    args: type[BaseModel]


_TOOLS = (
    _Tool(
        "search_products",
        "Search every store: products by relevance, with variants and other stores' offers, "
        "each with a short handle.",
        SearchArgs,
    ),
    _Tool("show_product", "Details of one product (all its variants) by handle or id.", ShowArgs),
    _Tool(
        "set_basket",
        "Set the whole basket (all stores at once) to exactly these items and quantities; "
        "carts are created or updated per store. Returns each store's state.",
        SetBasketArgs,
    ),
    _Tool("apply_discount", "Add a discount code to one store's cart/checkout.", DiscountArgs),
    _Tool("remove_discount", "Remove a discount code from one store.", DiscountArgs),
    _Tool(
        "prepare_checkout",
        "Open or refresh checkouts at every store with the shopper's saved details and default "
        "address, choose delivery, and return per-store status and totals.",
        NoArgs,
    ),
    _Tool(
        "provide_buyer_details",
        "Change buyer details or the shipping address for every open checkout.",
        BuyerArgs,
    ),
    _Tool(
        "complete_purchase",
        "Ask the shopper to approve the exact per-store totals, then pay only the stores they "
        "approve. Only the shopper can approve; never claim a purchase they did not approve.",
        NoArgs,
    ),
    _Tool(
        "list_escalations",
        "What only the shopper can do on a store's own page, with the link to do it.",
        EscalationArgs,
    ),
    _Tool("order_status", "Orders placed in this session and their status.", OrderArgs),
    _Tool(
        "view_basket",
        "The basket and every store's cart or checkout exactly as they stand now: lines, "
        "totals, status. Read-only: changes nothing, so use it instead of set_basket to look.",
        NoArgs,
    ),
    _Tool(
        "saved_addresses",
        "The shopper's saved addresses with their address_id, default first. Read-only.",
        NoArgs,
    ),
    _Tool(
        "ship_to",
        "Ship to one of the shopper's saved addresses (by address_id), at one store or at every "
        "store; open checkouts are updated and come back with their new totals.",
        ShipToArgs,
    ),
    _Tool(
        "delivery_options",
        "Per store, the delivery options its open checkout offers (option_id, price, expected "
        "window) with the selected one marked. Read-only; call prepare_checkout first.",
        NoArgs,
    ),
    _Tool(
        "choose_delivery",
        "Select one store's delivery option by option_id; its checkout is updated and comes "
        "back with the new totals.",
        ChooseDeliveryArgs,
    ),
)

TOOL_NAMES = frozenset(tool.name for tool in _TOOLS)


def _schema(args: type[BaseModel]) -> dict[str, Any]:
    """The argument model's JSON schema without what costs tokens on every call and says
    nothing: titles, ``null`` defaults, and ``anyOf [X, null]`` for an optional X (leaving it
    out of ``required`` already says it may be omitted)."""
    return cast(dict[str, Any], _lean(args.model_json_schema()))


def _lean(node: Any) -> Any:
    if isinstance(node, list):
        return [_lean(item) for item in node]
    if not isinstance(node, dict):
        return node
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        (kept,) = [option for option in options if option != {"type": "null"}]
        node = {**{k: v for k, v in node.items() if k != "anyOf"}, **kept}
    lean: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default" and value is None:
            continue
        lean[key] = (
            {k: _lean(v) for k, v in value.items()}
            if key in ("properties", "$defs")
            else _lean(value)
        )
    return lean


TOOL_SPECS: tuple[ToolSpec, ...] = tuple(
    ToolSpec(tool.name, tool.description, _schema(tool.args)) for tool in _TOOLS
)


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolResult:
    content: str  # compact JSON
    is_error: bool = False


def _money(value: Money | None) -> str | None:
    return value.format() if value is not None else None


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [
        {
            key: value
            for key, value in {
                "type": m.type,
                "code": m.code,
                "severity": m.severity,
                "content": _clip(m.content, DESCRIPTION_CHARS),
            }.items()
            if value
        }
        for m in messages
    ]


def _totals(totals: Sequence[Total], currency: str | None) -> dict[str, str]:
    if currency is None:
        return {}
    amounts: dict[str, int] = {}
    for total in totals:  # a type may repeat (two discounts): the model sees their sum
        amounts[total.type] = amounts.get(total.type, 0) + total.amount
    return {
        kind: Money(amount=amount, currency=currency).format() for kind, amount in amounts.items()
    }


def _store_data(merchant: MerchantRef, **more: Any) -> dict[str, Any]:
    """What a store says about itself (its name, its links) belongs to merchant_data."""
    return {"store_name": merchant.name, **{k: v for k, v in more.items() if v}}


def order_json(order: OrderRecord) -> dict[str, Any]:
    return {
        "store_id": order.merchant.domain,
        "order_id": order.order_id,
        "total": _money(order.total),
        "merchant_data": _store_data(order.merchant, status=order.status, url=order.permalink_url),
    }


def state_json(state: MerchantState) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "store_id": state.merchant.domain,
        "status": state.status or ("cart" if state.lines else "empty"),
        "lines": [
            {
                "ref": line.handle or line.variant_id,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price),
                **({"stage": line.stage} if line.stage != "basket" else {}),
                **({"order_id": line.order_id} if line.order_id else {}),
                **({"buying_again": True} if line.again else {}),
                "merchant_data": {"title": line.title},
            }
            for line in state.lines
        ],
    }
    if state.totals:
        entry["totals"] = _totals(state.totals, state.currency)
    if state.discount_codes:
        entry["discount_codes"] = state.discount_codes
    if state.order is not None:
        entry["order"] = order_json(state.order)
    merchant_data = _store_data(state.merchant, continue_url=state.continue_url)
    if state.messages:
        merchant_data["messages"] = _messages(state.messages)
    if state.failure:
        merchant_data["failure"] = _clip(state.failure, DESCRIPTION_CHARS)
    if state.questions:
        merchant_data["questions_for_the_shopper"] = [
            _clip(question, DESCRIPTION_CHARS) for question in state.questions
        ]
    entry["merchant_data"] = merchant_data
    return entry


def escalation_json(escalation: Escalation) -> dict[str, Any]:
    return {
        "id": escalation.id,
        "store_id": escalation.merchant.domain,
        "state": escalation.state,
        "merchant_data": {
            **_store_data(escalation.merchant, continue_url=escalation.continue_url),
            "messages": _messages(escalation.messages),
            "disclosures": _messages(escalation.disclosures),
        },
    }


def product_json(
    merchant: MerchantRef, product: Product, hits: Sequence[SearchHit]
) -> dict[str, Any]:
    handles = {hit.variant_id: hit.handle for hit in hits}
    return {
        "store_id": merchant.domain,
        "variants": [
            {
                "ref": handles.get(variant.id, variant.id),
                "price": variant.price.money().format(),
                "available": variant.availability.available,
                "merchant_data": {"title": variant.title},
            }
            for variant in product.variants
        ],
        "merchant_data": {
            "store_name": merchant.name,
            "title": product.title,
            "description": _clip(product.description.text(), DESCRIPTION_CHARS * 2),
        },
    }


# --- the toolbox ---------------------------------------------------------------------------------


class ToolArgumentError(PannierError):
    title = "Bad tool arguments"


class Toolbox:
    """Runs the model's tool calls against one trip; ``confirm`` is the shopper, never the model."""

    def __init__(self, trip: TripFacade, *, secrets: Sequence[str] = ()) -> None:
        self.trip = trip
        self.secrets = [secret for secret in secrets if secret]

    async def call(self, name: str, arguments: dict[str, Any], confirm: Confirm) -> ToolResult:
        """Run one tool; its failures become an error result the model reads, never a crash."""
        tool = next((t for t in _TOOLS if t.name == name), None)
        try:
            if tool is None:
                raise ToolArgumentError(
                    f"unknown tool {name!r}; available: {', '.join(sorted(TOOL_NAMES))}"
                )
            try:
                args = tool.args.model_validate(arguments)
            except ValidationError as exc:
                raise ToolArgumentError(f"bad arguments for {name}: {_first_error(exc)}") from exc
            payload = await getattr(self, f"_{name}")(args, confirm)
        except PannierError as exc:
            return ToolResult(self._scrub(_dumps(_error_json(exc))), True)
        except Exception as exc:  # a bug below: the model still gets a result it can read
            error = {
                "error": f"internal error in {name}: {type(exc).__name__}",
                "kind": "Internal error",
                "merchant_data": {"detail": _clip(str(exc), 400)},
            }
            return ToolResult(self._scrub(_dumps(error)), True)
        return ToolResult(self._scrub(_dumps(payload)))

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    async def _search_products(self, args: SearchArgs, confirm: Confirm) -> dict[str, Any]:
        return await run_search(self.trip, args)

    async def _show_product(self, args: ShowArgs, confirm: Confirm) -> dict[str, Any]:
        merchant, product = await self.trip.show_product(args.ref)
        hits = self.trip.last_search.hits if self.trip.last_search else []
        return product_json(merchant, product, hits)

    async def _set_basket(self, args: SetBasketArgs, confirm: Confirm) -> dict[str, Any]:
        states = await self.trip.set_basket(
            [(item.ref, item.quantity) for item in args.items],
            again=[item.ref for item in args.items if item.again],
        )
        return {"stores": [state_json(state) for state in states]}

    async def _apply_discount(self, args: DiscountArgs, confirm: Confirm) -> dict[str, Any]:
        merchant = self._merchant(args.store)
        codes = self._codes(merchant)
        if args.code not in codes:
            codes.append(args.code)
        return state_json(await self.trip.set_discount_codes(merchant.domain, codes))

    async def _remove_discount(self, args: DiscountArgs, confirm: Confirm) -> dict[str, Any]:
        merchant = self._merchant(args.store)
        codes = [code for code in self._codes(merchant) if code.lower() != args.code.lower()]
        return state_json(await self.trip.set_discount_codes(merchant.domain, codes))

    async def _prepare_checkout(self, args: NoArgs, confirm: Confirm) -> dict[str, Any]:
        return {"stores": [state_json(state) for state in await self.trip.prepare_checkout()]}

    async def _provide_buyer_details(self, args: BuyerArgs, confirm: Confirm) -> dict[str, Any]:
        address = PostalAddress(**args.address.model_dump()) if args.address else None
        states = await self.trip.provide_buyer_details(
            email=args.email,
            first_name=args.first_name,
            last_name=args.last_name,
            phone_number=args.phone_number,
            address=address,
        )
        return {"stores": [state_json(state) for state in states]}

    async def _complete_purchase(self, args: NoArgs, confirm: Confirm) -> dict[str, Any]:
        answers: list[Approval] = []

        async def ask_the_shopper(summary: PurchaseSummary) -> Approval:
            answer = await confirm(summary)
            answers.append(answer)
            return answer

        states = await self.trip.complete(ask_the_shopper)
        approved = sorted(domain for answer in answers for domain in answer.approved_domains)
        payload: dict[str, Any] = {
            "shopper_approved_stores": approved,
            "stores": [state_json(state) for state in states],
        }
        if not approved:
            payload["note"] = "The shopper did not approve; nothing was charged."
        return payload

    async def _list_escalations(self, args: EscalationArgs, confirm: Confirm) -> dict[str, Any]:
        escalations = (
            await self.trip.recheck_escalations() if args.recheck else self.trip.escalations()
        )
        return {"escalations": [escalation_json(e) for e in escalations]}

    async def _order_status(self, args: OrderArgs, confirm: Confirm) -> dict[str, Any]:
        return {"orders": [order_json(order) for order in await self.trip.orders(args.order_id)]}

    async def _view_basket(self, args: NoArgs, confirm: Confirm) -> dict[str, Any]:
        states = self.trip.state()
        if not states:
            return {"stores": [], "note": "The basket is empty."}
        return {"stores": [state_json(state) for state in states]}

    async def _saved_addresses(self, args: NoArgs, confirm: Confirm) -> dict[str, Any]:
        return {
            "addresses": [
                {"address_id": str(index), **address.model_dump(exclude_none=True)}
                for index, address in enumerate(self.trip.saved_addresses(), start=1)
            ]
        }

    async def _ship_to(self, args: ShipToArgs, confirm: Confirm) -> dict[str, Any]:
        addresses = self.trip.saved_addresses()
        if not args.address_id.isdigit() or not 1 <= int(args.address_id) <= len(addresses):
            raise ToolArgumentError(
                f"no saved address {args.address_id!r}; address_id is 1 to {len(addresses)}"
            )
        store = self._merchant(args.store).domain if args.store else None
        states = await self.trip.ship_to(addresses[int(args.address_id) - 1], store)
        return {"stores": [state_json(state) for state in states]}

    async def _delivery_options(self, args: NoArgs, confirm: Confirm) -> dict[str, Any]:
        by_domain = self.trip.delivery_options()
        currency = {state.merchant.domain: state.currency for state in self.trip.state()}
        stores = []
        for merchant in self.trip.merchants:
            groups = by_domain.get(merchant.domain)
            if not groups:
                continue
            stores.append(
                {
                    "store_id": merchant.domain,
                    "options": [
                        _option_json(option, group.selected_option_id, currency[merchant.domain])
                        for group in groups
                        for option in group.options
                    ],
                    "merchant_data": _store_data(merchant),
                }
            )
        if not stores:
            return {"stores": [], "note": "No open checkout yet: call prepare_checkout first."}
        return {"stores": stores}

    async def _choose_delivery(self, args: ChooseDeliveryArgs, confirm: Confirm) -> dict[str, Any]:
        merchant = self._merchant(args.store)
        return state_json(await self.trip.choose_delivery(merchant.domain, args.option_id))

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


READ_ONLY_TOOLS = frozenset(
    {
        "search_products",
        "show_product",
        "list_escalations",
        "order_status",
        "view_basket",
        "saved_addresses",
        "delivery_options",
    }
)


def _option_json(
    option: FulfillmentOption, selected: str | None, currency: str | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "option_id": option.id,
        "price": Money(amount=option.cost, currency=currency).format() if currency else None,
        "selected": option.id == selected,
        "merchant_data": {
            key: value
            for key, value in {
                "title": option.title,
                "description": _clip(option.description or "", DESCRIPTION_CHARS),
                "carrier": option.carrier,
                "earliest": option.earliest_fulfillment_time,
                "latest": option.latest_fulfillment_time,
            }.items()
            if value
        },
    }
    return entry


def _error_json(exc: PannierError) -> dict[str, Any]:
    """A failure as the model reads it: a store's own words stay inside merchant_data."""
    if isinstance(exc, MerchantError):
        return {
            "error": f"{exc.title} ({exc.operation})",
            "kind": exc.title,
            "merchant_data": {"store": exc.merchant, "detail": _clip(exc.detail, 400)},
        }
    return {"error": exc.message, "kind": exc.title}


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(arguments)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
