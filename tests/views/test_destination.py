"""Where a delivery goes, read from a checkout as the store echoes it: the place alone, the way
the shopper wrote it, in every view; never the names or phone number it was sent with."""

from __future__ import annotations

from typing import Any

from assistant.domain import (
    BasketLine,
    Checkout,
    MerchantRef,
    MerchantState,
    MerchantSummary,
    Message,
    Money,
    PostalAddress,
)
from assistant.domain.destination import delivering_to, place_label
from assistant.views import MerchantStateView, MerchantSummaryView

SHOP = MerchantRef("wine.example", "Cellar Door Wines", "http://wine.example")
PARIS: dict[str, Any] = {
    "id": "dest_1",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone_number": "+33155550123",
    "street_address": "8 Rue de Rivoli",
    "extended_address": "Bâtiment B",
    "address_locality": "Paris",
    "address_region": "Île-de-France",
    "postal_code": "75004",
    "address_country": "FR",
}


def checkout(*methods: dict[str, Any]) -> Checkout:
    return Checkout.model_validate(
        {
            "id": "chk_1",
            "status": "ready_for_complete",
            "currency": "EUR",
            "line_items": [],
            "totals": [],
            "fulfillment": {"methods": list(methods)},
        }
    )


def shipping(**fields: Any) -> dict[str, Any]:
    return {"type": "shipping", "destinations": [PARIS], **fields}


def test_a_checkout_shipping_to_paris_delivers_to_the_place_without_the_person() -> None:
    place = delivering_to(checkout(shipping(selected_destination_id="dest_1")))
    assert place is not None
    assert place.model_dump(exclude_none=True) == {
        "street_address": "8 Rue de Rivoli",
        "address_locality": "Paris",
        "postal_code": "75004",
        "address_country": "FR",
    }
    assert place_label(place) == "8 Rue de Rivoli, Paris, 75004, FR"


def test_a_store_that_names_no_selected_destination_delivers_to_its_only_one() -> None:
    place = delivering_to(checkout(shipping()))
    assert place is not None and place.address_locality == "Paris"


def test_a_checkout_with_no_address_yet_or_collecting_delivers_nowhere() -> None:
    assert delivering_to(None) is None
    assert delivering_to(checkout()) is None
    assert delivering_to(checkout({"type": "shipping", "destinations": []})) is None
    two = {"type": "shipping", "destinations": [PARIS, {**PARIS, "id": "dest_2"}]}
    assert delivering_to(checkout(two)) is None  # none chosen of two: nowhere yet
    store = {"type": "pickup", "destinations": [{"id": "camden", "name": "Camden"}]}
    assert delivering_to(checkout({**store, "selected_destination_id": "camden"})) is None


def test_a_checkout_saved_without_fulfillment_loads_with_no_destination() -> None:
    saved = {
        "id": "chk_1",
        "status": "incomplete",
        "currency": "EUR",
        "line_items": [],
        "totals": [],
    }
    assert delivering_to(Checkout.model_validate(saved)) is None
    state = MerchantState(SHOP, [], checkout_id="chk_1", status="incomplete")
    assert MerchantStateView(state).delivery_line() is None
    assert MerchantStateView(state).for_script()["delivery"] is None


def test_the_shop_the_model_and_the_purchase_all_name_the_same_place() -> None:
    place = delivering_to(checkout(shipping(selected_destination_id="dest_1")))
    state = MerchantState(
        SHOP, [], checkout_id="chk_1", status="ready_for_complete", delivery=place
    )
    view = MerchantStateView(state)
    assert view.delivery_line() == "Deliver to 8 Rue de Rivoli, Paris, 75004, FR"
    assert view.for_model()["merchant_data"]["delivering_to"] == "8 Rue de Rivoli, Paris, 75004, FR"
    assert view.for_script()["delivery"]["label"] == "8 Rue de Rivoli, Paris, 75004, FR"
    part = MerchantSummary(
        SHOP,
        "chk_1",
        [],
        [],
        Money(amount=0, currency="EUR"),
        "visa •••• 4242",
        delivery=place_label(place) if place else None,
    )
    assert (
        MerchantSummaryView(part).lines()[1] == "    Deliver to 8 Rue de Rivoli, Paris, 75004, FR"
    )
    everything = str(view.for_model()) + str(view.for_script()) + "\n".join(view.lines())
    for private in ("Ada", "Lovelace", "+33", "Bâtiment", "Île"):
        assert private not in everything


def test_a_summary_sent_elsewhere_is_another_summary() -> None:
    def summary(delivery: str | None) -> MerchantSummary:
        return MerchantSummary(
            SHOP, "chk_1", [], [], Money(amount=0, currency="EUR"), "visa", delivery=delivery
        )

    paris = summary("8 Rue de Rivoli, Paris, 75004, FR")
    assert paris.digest != summary("9 Rue de Rivoli, Paris, 75004, FR").digest
    assert paris.digest != summary(None).digest
    assert (
        summary(None).digest
        == MerchantSummary(SHOP, "chk_1", [], [], Money(amount=0, currency="EUR"), "visa").digest
    )  # a summary without a destination reads as it did before


def test_a_destination_the_store_refuses_reads_cannot_deliver_to_it() -> None:
    refused = Message(
        type="error",
        code="address_undeliverable",
        content="Ember & Oak Roasters ships only to US.",
        path="$.fulfillment.methods[0].destinations[0]",
    )
    paris = PostalAddress(street_address="8 Rue de Rivoli", address_locality="Paris")
    mug = BasketLine(SHOP, "mug", "Ember & Oak Mug", 1)
    state = MerchantState(SHOP, [mug], checkout_id="c", messages=[refused], delivery=paris)
    view = MerchantStateView(state)
    assert view.delivery_refused
    assert view.delivery_line() == "Cannot deliver to 8 Rue de Rivoli, Paris"
    assert "    Cannot deliver to 8 Rue de Rivoli, Paris" in view.lines()
