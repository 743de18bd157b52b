"""Request bodies for UCP writes, holding only what a platform may send.

Responses carry response-only fields (``ucp``, ``id``, ``status``, ``totals``, ``messages``…);
these models never emit them. ``to_ucp()`` gives the body of the ``checkout`` / ``cart`` object
(never with an ``id`` inside: the id travels in the URL or as the MCP top-level ``id``; releases
that also want it in the body get it from ``assistant.ucp.shapes``).
``from_checkout`` builds the full writable state of a response, the base of a PUT.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.domain import Buyer, Cart, Checkout, FulfillmentDestination, Payment, PostalAddress


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True, by_alias=True)


class LineItemRequest(_Request):
    item_id: str
    quantity: int
    id: str | None = None  # an existing line's id, on update

    def to_ucp(self) -> dict[str, Any]:
        body: dict[str, Any] = {"item": {"id": self.item_id}, "quantity": self.quantity}
        if self.id is not None:
            body["id"] = self.id
        return body


class FulfillmentGroupRequest(_Request):
    id: str
    selected_option_id: str | None = None

    def to_ucp(self) -> dict[str, Any]:
        return {"id": self.id, "selected_option_id": self.selected_option_id}


class FulfillmentMethodRequest(_Request):
    type: str
    line_item_ids: list[str] = Field(default_factory=list)
    destinations: list[PostalAddress] = Field(default_factory=list)  # may carry an ``id`` extra
    id: str | None = None
    selected_destination_id: str | None = None
    groups: list[FulfillmentGroupRequest] = Field(default_factory=list)

    def to_ucp(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type}
        if self.id is not None:
            body["id"] = self.id
        if self.line_item_ids:
            body["line_item_ids"] = list(self.line_item_ids)
        if self.destinations:
            body["destinations"] = [_dump(destination) for destination in self.destinations]
        if self.selected_destination_id is not None:
            body["selected_destination_id"] = self.selected_destination_id
        if self.groups:
            body["groups"] = [group.to_ucp() for group in self.groups]
        return body


def _destination(destination: FulfillmentDestination) -> PostalAddress:
    return PostalAddress.model_validate(_dump(destination))


def _line_items(lines: list[Any]) -> list[LineItemRequest]:
    # Child lines (``parent_id``) belong to their parent's bundle; the merchant derives them.
    return [
        LineItemRequest(item_id=line.item.id, quantity=line.quantity, id=line.id)
        for line in lines
        if line.parent_id is None
    ]


def _codes(resource: Cart | Checkout) -> list[str] | None:
    return list(resource.discounts.codes) if resource.discounts is not None else None


class CartRequest(_Request):
    line_items: list[LineItemRequest]
    buyer: Buyer | None = None
    context: dict[str, Any] | None = None
    discount_codes: list[str] | None = None

    def to_ucp(self) -> dict[str, Any]:
        body: dict[str, Any] = {"line_items": [line.to_ucp() for line in self.line_items]}
        if self.buyer is not None:
            body["buyer"] = _dump(self.buyer)
        if self.context is not None:
            body["context"] = dict(self.context)
        if self.discount_codes is not None:
            body["discounts"] = {"codes": list(self.discount_codes)}
        return body


class CheckoutRequest(_Request):
    line_items: list[LineItemRequest]
    buyer: Buyer | None = None
    context: dict[str, Any] | None = None
    fulfillment_methods: list[FulfillmentMethodRequest] | None = None
    discount_codes: list[str] | None = None
    payment: Payment | None = None
    currency: str | None = None  # not in to_ucp(): written only where the release wants it

    def to_ucp(self) -> dict[str, Any]:
        body: dict[str, Any] = {"line_items": [line.to_ucp() for line in self.line_items]}
        if self.buyer is not None:
            body["buyer"] = _dump(self.buyer)
        if self.context is not None:
            body["context"] = dict(self.context)
        if self.fulfillment_methods is not None:
            body["fulfillment"] = {
                "methods": [method.to_ucp() for method in self.fulfillment_methods]
            }
        if self.discount_codes is not None:
            body["discounts"] = {"codes": list(self.discount_codes)}
        if self.payment is not None:
            body["payment"] = _dump(self.payment)
        return body

    @classmethod
    def from_checkout(cls, checkout: Checkout) -> CheckoutRequest:
        """The full writable state of a checkout response (PUT base).

        Payment is left out: instruments (with credentials) travel on ``complete_checkout`` only.
        """
        methods: list[FulfillmentMethodRequest] | None = None
        if checkout.fulfillment is not None and checkout.fulfillment.methods:
            methods = [
                FulfillmentMethodRequest(
                    type=method.type,
                    id=method.id,
                    line_item_ids=list(method.line_item_ids),
                    destinations=[_destination(d) for d in method.destinations],
                    selected_destination_id=method.selected_destination_id,
                    groups=[
                        FulfillmentGroupRequest(
                            id=group.id, selected_option_id=group.selected_option_id
                        )
                        for group in method.groups
                        if group.id is not None
                    ],
                )
                for method in checkout.fulfillment.methods
            ]
        return cls(
            line_items=_line_items(checkout.line_items),
            buyer=checkout.buyer,
            context=checkout.context,
            fulfillment_methods=methods,
            discount_codes=_codes(checkout),
            currency=checkout.currency,
        )
