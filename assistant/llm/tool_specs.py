"""The tools the model may call, as the model sees them: names, descriptions, argument schemas.

Each tool's arguments are one pydantic model (validated before anything runs); ``TOOL_SPECS``
is what every model call sends, its schemas trimmed of what costs tokens and says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field

from assistant.llm.model import ToolSpec
from assistant.llm.search_tool import SearchArgs

# --- arguments -----------------------------------------------------------------------------------


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShowArgs(_Args):
    ref: str = Field(
        min_length=1, description="A result handle of the latest search (e.g. '3') or a variant id."
    )


class BasketItem(_Args):
    ref: str = Field(
        min_length=1,
        description="A basket line's ref ('#7'), a result handle of the latest search ('3'), a "
        "variant id, or 'ID at STORE'.",
    )
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


class PickupListArgs(_Args):
    store: str | None = Field(
        default=None, description="One store's store_id; omitted: every store in the basket."
    )
    near: str | None = Field(
        default=None, description="Words or a postal code to search near, e.g. '10001'."
    )


class ChoosePickupArgs(_Args):
    store: str = Field(min_length=1, description="The store's store_id.")
    location_id: str | None = Field(
        default=None,
        description="A location_id from pickup_locations; omitted: back to delivery.",
    )


class OrderArgs(_Args):
    order_id: str | None = Field(default=None, description="One order, or all when omitted.")


@dataclass(frozen=True)
class Tool:
    """One tool: its name, what it does, and the model of its arguments."""

    name: str
    description: str
    args: type[BaseModel]


TOOLS = (
    Tool(
        "search_products",
        "Search every store: products by relevance, with variants and other stores' offers, "
        "each with a short handle (each search numbers its results from 1).",
        SearchArgs,
    ),
    Tool("show_product", "Details of one product (all its variants) by handle or id.", ShowArgs),
    Tool(
        "set_basket",
        "Set the whole basket (all stores at once) to exactly these items and quantities; "
        "carts are created or updated per store. Returns each store's state.",
        SetBasketArgs,
    ),
    Tool("apply_discount", "Add a discount code to one store's cart/checkout.", DiscountArgs),
    Tool("remove_discount", "Remove a discount code from one store.", DiscountArgs),
    Tool(
        "prepare_checkout",
        "Open or refresh checkouts at every store with the shopper's saved details and default "
        "address, choose delivery, and return per-store status and totals.",
        NoArgs,
    ),
    Tool(
        "provide_buyer_details",
        "Change buyer details or the shipping address for every open checkout.",
        BuyerArgs,
    ),
    Tool(
        "complete_purchase",
        "Ask the shopper to approve the exact per-store totals, then pay only the stores they "
        "approve. Only the shopper can approve; never claim a purchase they did not approve.",
        NoArgs,
    ),
    Tool(
        "list_escalations",
        "What only the shopper can do on a store's own page, with the link to do it.",
        EscalationArgs,
    ),
    Tool("order_status", "Orders placed in this session and their status.", OrderArgs),
    Tool(
        "view_basket",
        "The basket and every store's cart or checkout exactly as they stand now: lines, "
        "totals, status. Read-only: changes nothing, so use it instead of set_basket to look.",
        NoArgs,
    ),
    Tool(
        "saved_addresses",
        "The shopper's saved addresses with their address_id, default first. Read-only.",
        NoArgs,
    ),
    Tool(
        "ship_to",
        "Ship to one of the shopper's saved addresses (by address_id), at one store or at every "
        "store; open checkouts are updated and come back with their new totals.",
        ShipToArgs,
    ),
    Tool(
        "delivery_options",
        "Per store, the delivery options its open checkout offers (option_id, price, expected "
        "window) with the selected one marked. Read-only; call prepare_checkout first.",
        NoArgs,
    ),
    Tool(
        "choose_delivery",
        "Select one store's delivery option by option_id; its checkout is updated and comes "
        "back with the new totals.",
        ChooseDeliveryArgs,
    ),
    Tool(
        "pickup_locations",
        "Where the stores in the basket let the shopper collect instead of delivery: each "
        "store's pickup locations (location_id, name, address, hours), the chosen one, or why a "
        "store offers no pickup. Read-only.",
        PickupListArgs,
    ),
    Tool(
        "choose_pickup",
        "Collect one store's order at a location_id from pickup_locations (its checkout is "
        "updated and comes back with the new totals); without location_id, deliver it again.",
        ChoosePickupArgs,
    ),
)

TOOL_NAMES = frozenset(tool.name for tool in TOOLS)


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
    ToolSpec(tool.name, tool.description, _schema(tool.args)) for tool in TOOLS
)


READ_ONLY_TOOLS = frozenset(
    {
        "search_products",
        "show_product",
        "list_escalations",
        "order_status",
        "view_basket",
        "saved_addresses",
        "delivery_options",
        "pickup_locations",
    }
)
