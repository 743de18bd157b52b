"""Resolve-loop decisions over domain objects: no merchant involved."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from assistant.config import BuyerConfig, PolicyConfig, WalletInstrument, demo_buyer, demo_wallet
from assistant.domain import Checkout, Message
from assistant.shopping.payment import choose_instrument, payment_for
from assistant.shopping.resolve import (
    message_key,
    plan_fixes,
    rejected_discounts,
)
from assistant.shopping.state import Wanted


def _checkout(**overrides: Any) -> Checkout:
    payload: dict[str, Any] = {
        "ucp": {
            "version": "2026-04-08",
            "payment_handlers": {
                "dev.pannier.sandbox_card": [
                    {
                        "id": "sandbox_card",
                        "version": "2026-04-08",
                        "available_instruments": [
                            {"type": "card", "constraints": {"brands": ["visa", "mastercard"]}}
                        ],
                    }
                ]
            },
        },
        "id": "chk_1",
        "status": "incomplete",
        "currency": "USD",
        "line_items": [
            {"id": "li_1", "item": {"id": "v1", "title": "Beans", "price": 1800}, "quantity": 2}
        ],
        "totals": [{"type": "subtotal", "amount": 3600}, {"type": "total", "amount": 3600}],
        "messages": [],
        "links": [],
    }
    payload.update(overrides)
    return Checkout.from_ucp(payload)


def _error(path: str, code: str = "missing", content: str = "") -> dict[str, Any]:
    return {
        "type": "error",
        "code": code,
        "severity": "recoverable",
        "path": path,
        "content": content,
    }


def _options() -> list[dict[str, Any]]:
    return [
        {
            "id": "express",
            "title": "Express",
            "latest_fulfillment_time": "2026-05-02T00:00:00Z",
            "totals": [{"type": "total", "amount": 1500}],
        },
        {
            "id": "standard",
            "title": "Standard",
            "latest_fulfillment_time": "2026-05-08T00:00:00Z",
            "totals": [{"type": "total", "amount": 500}],
        },
        {
            "id": "economy",
            "title": "Economy",
            "latest_fulfillment_time": "2026-05-12T00:00:00Z",
            "totals": [{"type": "total", "amount": 700}],
        },
    ]


def _with_group(**overrides: Any) -> Checkout:
    return _checkout(
        buyer={"email": "ada@example.com"},
        fulfillment={
            "methods": [
                {
                    "id": "m1",
                    "type": "shipping",
                    "line_item_ids": ["li_1"],
                    "destinations": [{"id": "d1", "street_address": "1 Infinite Loop"}],
                    "selected_destination_id": "d1",
                    "groups": [{"id": "g1", "line_item_ids": ["li_1"], "options": _options()}],
                }
            ]
        },
        messages=[_error("$.fulfillment.methods[0].groups[0].selected_option_id")],
        **overrides,
    )


WANTED = Wanted(lines=(("v1", 2),))


def test_fresh_checkout_gets_buyer_and_shipping_address_from_the_profile() -> None:
    checkout = _checkout(
        messages=[
            _error("$.buyer.email"),
            _error("$.buyer.phone_number"),
            _error("$.fulfillment.methods"),
        ]
    )
    plan = plan_fixes(checkout, wanted=WANTED, buyer=demo_buyer(), policy=PolicyConfig())
    body = plan.request.to_ucp()
    assert plan.changed
    assert body["buyer"] == {
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone_number": "+14155550123",
    }
    method = body["fulfillment"]["methods"][0]
    assert method["type"] == "shipping" and method["line_item_ids"] == ["li_1"]
    assert method["destinations"][0]["postal_code"] == "95014"
    assert [fix.message.path for fix in plan.fixes] == ["$.buyer.email", "$.fulfillment.methods"]
    assert plan.unresolved == [] and plan.questions == []


def test_missing_phone_without_one_in_the_profile_asks_for_it_where_the_shopper_adds_it() -> None:
    buyer = BuyerConfig(email="a@b.c", first_name="A", last_name="B", addresses=[])
    plan = plan_fixes(
        _checkout(messages=[_error("$.buyer.phone_number")]),
        wanted=WANTED,
        buyer=buyer,
        policy=PolicyConfig(),
        config_file="/home/sam/.config/pannier/config.toml",
    )
    assert [prompt for _, prompt in plan.questions] == [
        "The store needs your phone number: add phone_number under [buyer] in "
        "/home/sam/.config/pannier/config.toml."
    ]


def test_cheapest_policy_picks_the_cheapest_option_not_the_first() -> None:
    plan = plan_fixes(_with_group(), wanted=WANTED, buyer=demo_buyer(), policy=PolicyConfig())
    group = plan.request.to_ucp()["fulfillment"]["methods"][0]["groups"][0]
    assert group == {"id": "g1", "selected_option_id": "standard"}
    assert "cheapest of 3 options" in plan.fixes[0].description


def test_an_option_chosen_for_a_pickup_method_is_called_pickup_not_delivery() -> None:
    checkout = _with_group()
    assert checkout.fulfillment is not None
    checkout.fulfillment.methods[0].type = "pickup"
    plan = plan_fixes(
        checkout, wanted=WANTED, buyer=demo_buyer(), policy=PolicyConfig(), pickup_location="d1"
    )
    [chosen] = [f.description for f in plan.fixes if f.description.startswith("Chose ")]
    assert chosen.startswith("Chose pickup 'Standard'"), plan.fixes


def test_fastest_policy_picks_the_earliest_arrival() -> None:
    plan = plan_fixes(
        _with_group(),
        wanted=WANTED,
        buyer=demo_buyer(),
        policy=PolicyConfig(fulfillment="fastest"),
    )
    group = plan.request.to_ucp()["fulfillment"]["methods"][0]["groups"][0]
    assert group["selected_option_id"] == "express"


def _low_stock() -> Checkout:
    return _checkout(
        line_items=[
            {"id": "li_1", "item": {"id": "v1", "title": "Beans", "price": 1800}, "quantity": 1}
        ],
        messages=[
            {
                "type": "warning",
                "code": "quantity_adjusted",
                "path": "$.line_items[0].quantity",
                "content": "Only 1 left",
            }
        ],
    )


def test_stock_reduction_is_asked_about_unless_policy_allows_it() -> None:
    plan = plan_fixes(_low_stock(), wanted=WANTED, buyer=demo_buyer(), policy=PolicyConfig())
    assert plan.accepted_quantities == {}
    assert "Only 1 of 2" in plan.questions[0][1]
    # The store's quantity is not fought over while the shopper decides.
    assert plan.request.line_items[0].quantity == 1


def test_stock_reduction_is_accepted_when_policy_allows_it() -> None:
    plan = plan_fixes(
        _low_stock(),
        wanted=WANTED,
        buyer=demo_buyer(),
        policy=PolicyConfig(allow_quantity_reduction=True),
    )
    assert plan.accepted_quantities == {"v1": 1}
    assert plan.questions == []
    assert "Kept 1 of 2" in plan.fixes[0].description


def test_a_message_that_survived_its_fix_is_surfaced_not_retried() -> None:
    checkout = _checkout(messages=[_error("$.buyer.email")])
    key = message_key(checkout.messages[0])
    plan = plan_fixes(
        checkout,
        wanted=WANTED,
        buyer=demo_buyer(),
        policy=PolicyConfig(),
        exhausted=frozenset({key}),
    )
    assert plan.unresolved == checkout.messages and plan.fixes == []


def test_rejected_discount_codes_carry_the_stores_reason() -> None:
    messages = [
        Message(
            type="warning",
            code="discount_code_min_spend",
            path="$.discounts.codes[1]",
            content="Spend $55.00 more to use BIGSPEND20",
        )
    ]
    assert rejected_discounts(messages, ["WELCOME10", "BIGSPEND20"]) == [
        ("BIGSPEND20", "Spend $55.00 more to use BIGSPEND20")
    ]


def test_instrument_comes_from_the_intersection_of_handlers_and_wallet() -> None:
    chosen = choose_instrument(_checkout(), demo_wallet())
    assert chosen is not None
    instrument, handler_id = chosen
    assert (instrument.id, handler_id) == ("sandbox_card_4242", "sandbox_card")
    amex = WalletInstrument(
        id="amex",
        handler="dev.pannier.sandbox_card",
        type="card",
        brand="amex",
        token=SecretStr("t"),
    )
    assert choose_instrument(_checkout(), [amex]) is None


def test_payment_carries_the_token_only_in_the_credential() -> None:
    instrument = demo_wallet()[0]
    payment = payment_for(instrument, "sandbox_card")
    assert payment.instruments[0].credential == {"type": "token", "token": "tok_sandbox_approved"}
    assert "tok_sandbox" not in repr(instrument)


def test_the_instrument_follows_the_wallet_and_the_handlers_of_each_answer_asked_about() -> None:
    wallet = demo_wallet()
    visa_only = _checkout()
    amex_only = _checkout()
    handler = amex_only.ucp.payment_handlers["dev.pannier.sandbox_card"][0]
    handler["available_instruments"] = [{"type": "card", "constraints": {"brands": ["amex"]}}]
    for _again in range(2):  # the same answer asked about twice (every step asks)
        chosen = choose_instrument(visa_only, wallet)
        assert chosen is not None and chosen[0].id == "sandbox_card_4242"
        assert choose_instrument(amex_only, wallet) is None
    amex = WalletInstrument(
        id="amex",
        handler="dev.pannier.sandbox_card",
        type="card",
        brand="amex",
        token=SecretStr("t"),
    )
    wallet.append(amex)  # the same wallet, one card more
    chosen = choose_instrument(amex_only, wallet)
    assert chosen is not None and chosen[0].id == "amex"
