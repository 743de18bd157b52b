"""Business outcomes of the sandbox core: payments, escalations, stock, errors, persistence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_business_checkout import (
    EU_ADDRESS,
    ROSES,
    codes,
    echo_lines,
    lines,
    make_shop,
    payment,
    ready_checkout,
    shipping,
    valid_checkout,
    valid_error,
    valid_order,
)

from merchants.business.checkouts import render_checkout
from merchants.business.errors import InvalidRequest
from merchants.business.views import CHALLENGE, CONFIRM_AGE, CONFIRM_SIZE, PAYMENT_TOKEN

JEANS = "slim-tapered-jeans--32-32"
TEE = "everyday-organic-tee--m-white"
BAROLO = "barolo-cascina-fiori--2019-75-cl"
CORKSCREW = "waiter-s-friend-corkscrew"
PHONE_LOW = "volt-x1-smartphone--256-gb-coral"  # 2 in stock
POWER_BANK = "voltcharge-20-000-mah-power-bank--black"


def test_declined_token_leaves_the_checkout_incomplete_with_payment_failed(
    tmp_path: Path,
) -> None:
    shop = make_shop(tmp_path)
    ready = ready_checkout(shop, ROSES)
    declined = valid_checkout(shop.complete_checkout(ready["id"], payment("tok_sandbox_declined")))
    assert declined["status"] == "incomplete"
    assert codes(declined) == [("payment_failed", "$.payment.instruments[0]")]
    assert declined["messages"][0]["severity"] == "recoverable"
    assert "tok_sandbox" not in str(declined)
    missing = valid_checkout(shop.complete_checkout(ready["id"], {}))
    assert codes(missing) == [("missing", "$.payment.instruments")]
    wrong = valid_checkout(
        shop.complete_checkout(ready["id"], payment(handler="sandbox_wallet", kind="wallet"))
    )
    assert codes(wrong) == [("payment_failed", "$.payment.instruments[0].handler_id")]
    paid = valid_checkout(shop.complete_checkout(ready["id"], payment()))
    assert paid["status"] == "completed"


def test_3ds_token_escalates_and_passing_the_challenge_places_the_order(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    ready = ready_checkout(shop, ROSES)
    challenged = valid_checkout(shop.complete_checkout(ready["id"], payment("tok_sandbox_3ds")))
    assert challenged["status"] == "requires_escalation"
    assert codes(challenged) == [("requires_3ds", "$.payment.instruments[0]")]
    assert challenged["messages"][0]["severity"] == "requires_buyer_input"
    view = shop.continue_view("checkout", ready["id"])
    assert view is not None and view.needs == (CHALLENGE,) and view.can_submit
    assert valid_checkout(shop.submit_continue(ready["id"], {}))["status"] == (
        "requires_escalation"
    )
    done = valid_checkout(shop.submit_continue(ready["id"], {CHALLENGE: "pass"}))
    assert done["status"] == "completed"
    assert valid_checkout(shop.get_checkout(ready["id"]))["order"] == done["order"]
    view = shop.continue_view("checkout", ready["id"])
    assert view is not None and view.order_url == done["order"]["permalink_url"]


def test_size_sensitive_apparel_escalates_until_confirmed_on_the_page(tmp_path: Path) -> None:
    shop = make_shop(tmp_path, "apparel")
    plain = ready_checkout(shop, TEE, option="standard")
    assert plain["status"] == "ready_for_complete"
    body = ready_checkout(shop, JEANS, option="standard")
    assert body["status"] == "requires_escalation"
    assert codes(body) == [("size_confirmation_required", "$.line_items[0]")]
    assert body["messages"][0]["severity"] == "requires_buyer_review"
    refused = valid_checkout(shop.complete_checkout(body["id"], payment()))
    assert refused["status"] == "requires_escalation" and "order" not in refused
    view = shop.continue_view("checkout", body["id"])
    assert view is not None and view.needs == (CONFIRM_SIZE, PAYMENT_TOKEN)
    done = valid_checkout(shop.submit_continue(body["id"], {CONFIRM_SIZE: "on"}))
    assert done["status"] == "completed"
    valid_order(shop.get_order(done["order"]["id"]))


def test_age_restricted_wine_is_finished_only_on_the_continue_page(tmp_path: Path) -> None:
    shop = make_shop(tmp_path, "wine")
    corkscrew = ready_checkout(shop, CORKSCREW, address=EU_ADDRESS)
    assert corkscrew["currency"] == "EUR" and corkscrew["status"] == "ready_for_complete"
    body = ready_checkout(shop, BAROLO, address=EU_ADDRESS)
    assert body["status"] == "requires_escalation"
    assert ("age_verification_required", "$.line_items[0]") in codes(body)
    error = next(m for m in body["messages"] if m["type"] == "error")
    assert error["severity"] == "requires_buyer_input"
    assert valid_checkout(
        shop.complete_checkout(body["id"], payment(handler="sandbox_wallet", kind="wallet"))
    )["status"] == ("requires_escalation")
    assert valid_checkout(shop.submit_continue(body["id"], {PAYMENT_TOKEN: "x"}))["status"] == (
        "requires_escalation"
    )
    done = valid_checkout(shop.submit_continue(body["id"], {CONFIRM_AGE: "on"}))
    assert done["status"] == "completed"


def test_a_wallet_payment_without_the_billing_address_its_constraint_requires_is_refused(
    tmp_path: Path,
) -> None:
    """Cellar Door's wallet carries `ucp.request_constraints` (a billing address with postal code
    and country). Held to it (a 2026-08-25 platform was shown it), a request breaking it gets a
    recoverable error naming the member and no order; a 2026-04-08 platform was never shown it."""
    shop = make_shop(tmp_path, "wine")
    ready = ready_checkout(shop, CORKSCREW, address=EU_ADDRESS)
    wallet = payment(handler="sandbox_wallet", kind="wallet")

    def complete() -> dict[str, Any]:
        return valid_checkout(
            shop.complete_checkout(ready["id"], wallet, hold_request_constraints=True)
        )

    refused = complete()
    assert "order" not in refused and refused["status"] != "completed"
    assert codes(refused) == [("missing", "$.payment.instruments[0].billing_address")]
    assert refused["messages"][0]["severity"] == "recoverable"
    [instrument] = wallet["payment"]["instruments"]
    instrument["billing_address"] = {"postal_code": "10115"}
    partial = complete()
    assert codes(partial) == [
        ("missing", "$.payment.instruments[0].billing_address.address_country")
    ]
    instrument["billing_address"] = {"postal_code": "10115", "address_country": "DE"}
    paid = complete()
    assert paid["status"] == "completed" and paid["order"]["id"]

    unshown = ready_checkout(shop, CORKSCREW, address=EU_ADDRESS)
    bare = payment(handler="sandbox_wallet", kind="wallet")
    assert valid_checkout(shop.complete_checkout(unshown["id"], bare))["status"] == "completed"


def test_low_stock_adjusts_the_quantity_with_a_warning_and_a_recoverable_error(
    tmp_path: Path,
) -> None:
    shop = make_shop(tmp_path, "electronics")
    body = valid_checkout(shop.create_checkout({"line_items": lines((PHONE_LOW, 5))}, None))
    assert body["line_items"][0]["quantity"] == 2
    assert codes(body)[:2] == [
        ("quantity_adjusted", "$.line_items[0].quantity"),
        ("out_of_stock", "$.line_items[0].quantity"),
    ]
    error = body["messages"][1]
    assert error["type"] == "error" and error["severity"] == "recoverable"
    accepted = valid_checkout(
        shop.update_checkout(
            body["id"],
            {
                "line_items": echo_lines(body),
                "buyer": {"email": "a@example.com", "phone_number": "+15125550100"},
                "fulfillment": shipping(option="ground"),
            },
        )
    )
    assert accepted["status"] == "ready_for_complete"
    sold_out = shop.create_checkout({"line_items": lines(("smart-plug-4-pack", 1))}, None)
    assert sold_out.is_error and not sold_out.created
    assert [m["code"] for m in sold_out.body["messages"]] == ["out_of_stock"]


def test_electronics_needs_a_phone_number_for_delivery(tmp_path: Path) -> None:
    shop = make_shop(tmp_path, "electronics")
    body = valid_checkout(
        shop.create_checkout({"line_items": lines(("wireless-mouse--graphite", 1))}, None)
    )
    assert ("missing", "$.buyer.phone_number") in codes(body)
    bad = ready_checkout(
        shop,
        "wireless-mouse--graphite",
        option="ground",
        buyer={"email": "a@example.com", "phone_number": "555"},
    )
    assert codes(bad) == [("invalid_phone", "$.buyer.phone_number")]
    good = ready_checkout(
        shop,
        "wireless-mouse--graphite",
        option="ground",
        buyer={"email": "a@example.com", "phone_number": "+15125550100"},
    )
    assert good["status"] == "ready_for_complete"


def test_the_battery_disclosure_sits_on_its_line_item(tmp_path: Path) -> None:
    shop = make_shop(tmp_path, "electronics")
    body = valid_checkout(
        shop.create_checkout(
            {"line_items": lines(("wireless-mouse--graphite", 1), (POWER_BANK, 1))}, None
        )
    )
    disclosures = [m for m in body["messages"] if m.get("presentation") == "disclosure"]
    assert len(disclosures) == 1
    assert disclosures[0]["type"] == "warning" and disclosures[0]["path"] == "$.line_items[1]"
    assert disclosures[0]["image_url"].startswith("https://")
    ready = ready_checkout(
        shop,
        POWER_BANK,
        option="ground",
        buyer={"email": "a@example.com", "phone_number": "+15125550100"},
    )
    assert ready["status"] == "ready_for_complete"
    assert [m["code"] for m in ready["messages"]] == ["lithium_battery"]


def test_unknown_ids_are_not_found_outcomes(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    for result in (
        shop.get_checkout("chk_nope"),
        shop.update_checkout("chk_nope", {"line_items": lines((ROSES, 1))}),
        shop.complete_checkout("chk_nope", payment()),
        shop.cancel_checkout("chk_nope"),
        shop.get_cart("cart_nope"),
        shop.update_cart("cart_nope", {"line_items": lines((ROSES, 1))}),
        shop.cancel_cart("cart_nope"),
        shop.get_order("ord_nope"),
        shop.get_product({"id": "prod_nope"}),
    ):
        body = valid_error(result, "not_found")
        assert body["messages"][0]["severity"] == "unrecoverable"
        assert body["continue_url"] == "http://127.0.0.1:8710/"
    assert shop.continue_view("checkout", "chk_nope") is None
    assert valid_error(shop.submit_continue("chk_nope", {}), "not_found")


@pytest.mark.parametrize(
    ("arguments", "path"),
    [
        ({}, "$.checkout.line_items"),
        ({"line_items": {"item": {"id": ROSES}}}, "$.checkout.line_items"),
        (
            {"line_items": [{"item": {"id": ROSES}, "quantity": "2"}]},
            "$.checkout.line_items[0].quantity",
        ),
        (
            {"line_items": [{"item": {"id": ROSES}, "quantity": 1.5}]},
            "$.checkout.line_items[0].quantity",
        ),
        ({"line_items": [{"item": {}, "quantity": 1}]}, "$.checkout.line_items[0].item.id"),
        ({"line_items": lines((ROSES, 1)), "buyer": {"email": 7}}, "$.checkout.buyer.email"),
        (
            {"line_items": lines((ROSES, 1)), "fulfillment": {"methods": [{"type": "drone"}]}},
            "$.checkout.fulfillment.methods[0].type",
        ),
        (
            {"line_items": lines((ROSES, 1)), "discounts": {"codes": "WELCOME10"}},
            "$.checkout.discounts.codes",
        ),
    ],
)
def test_schema_invalid_arguments_raise_and_change_nothing(
    tmp_path: Path, arguments: dict[str, Any], path: str
) -> None:
    shop = make_shop(tmp_path)
    before = valid_checkout(shop.create_checkout({"line_items": lines((ROSES, 1))}, None))
    with pytest.raises(InvalidRequest) as raised:
        shop.update_checkout(before["id"], arguments)
    assert raised.value.path == path
    assert shop.get_checkout(before["id"]).body == before
    with pytest.raises(InvalidRequest):
        shop.create_cart({"line_items": [{"item": {"id": ROSES}, "quantity": True}]})


def test_absurd_quantities_are_messages_not_exceptions(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    body = valid_checkout(
        shop.create_checkout({"line_items": lines((ROSES, 0), ("tulip-bundle--red", 5000))}, None)
    )
    assert [li["quantity"] for li in body["line_items"]] == [99]
    assert ("invalid_quantity", "$.line_items") in codes(body)
    assert ("quantity_adjusted", "$.line_items[0].quantity") in codes(body)


def test_state_and_idempotency_records_survive_a_restart(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    cart = shop.create_cart({"line_items": lines((ROSES, 1))}).body
    open_checkout = ready_checkout(shop, ROSES)
    done = valid_checkout(shop.complete_checkout(ready_checkout(shop, ROSES)["id"], payment()))
    with shop.transaction():
        shop.idempotency_put("profile|complete_checkout", "key-1", "hash-1", 200, done)
    shop.close()
    reopened = make_shop(tmp_path)
    assert reopened.get_cart(cart["id"]).body == cart
    assert reopened.get_checkout(open_checkout["id"]).body == open_checkout
    assert reopened.get_checkout(done["id"]).body == done
    valid_order(reopened.get_order(done["order"]["id"]))
    stored = reopened.idempotency_get("profile|complete_checkout", "key-1")
    assert stored is not None
    assert (stored.request_hash, stored.status_code, stored.body) == ("hash-1", 200, done)
    assert reopened.idempotency_get("other-scope", "key-1") is None
    reopened.close()


def test_an_operation_and_its_idempotency_record_roll_back_together(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    ready = ready_checkout(shop, ROSES)
    with pytest.raises(RuntimeError), shop.transaction():
        shop.complete_checkout(ready["id"], payment())
        shop.idempotency_put("s", "k", "h", 200, {"x": 1})
        raise RuntimeError("the response could not be sent")
    assert shop.idempotency_get("s", "k") is None
    assert shop.get_checkout(ready["id"]).body["status"] == "ready_for_complete"


def test_expired_checkouts_are_canceled_and_canceled_ones_cannot_complete(
    tmp_path: Path,
) -> None:
    now = [datetime(2026, 5, 1, 12, 0, tzinfo=UTC)]
    shop = make_shop(tmp_path, clock=lambda: now[0])
    ready = ready_checkout(shop, ROSES)
    now[0] += timedelta(hours=6, seconds=1)
    expired = valid_checkout(shop.get_checkout(ready["id"]))
    assert expired["status"] == "canceled" and "continue_url" not in expired
    valid_error(shop.complete_checkout(ready["id"], payment()), "operation_not_allowed")
    other = ready_checkout(shop, ROSES)
    canceled = valid_checkout(shop.cancel_checkout(other["id"]))
    assert canceled["status"] == "canceled"
    done = valid_checkout(shop.complete_checkout(ready_checkout(shop, ROSES)["id"], payment()))
    valid_error(shop.cancel_checkout(done["id"]), "operation_not_allowed")


@pytest.mark.parametrize("paid", ["by card", "after a 3-D Secure challenge", "on the store page"])
def test_a_completed_checkout_is_what_rendering_it_afresh_gives_member_for_member(
    tmp_path: Path, paid: str
) -> None:
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    shop = make_shop(tmp_path, clock=lambda: now)
    ready = ready_checkout(shop, ROSES, discounts={"codes": ["WELCOME10"]})
    if paid == "by card":
        done = valid_checkout(shop.complete_checkout(ready["id"], payment()))
    elif paid == "after a 3-D Secure challenge":
        shop.complete_checkout(ready["id"], payment("tok_sandbox_3ds"))
        done = valid_checkout(shop.submit_continue(ready["id"], {CHALLENGE: "pass"}))
    else:
        done = valid_checkout(shop.submit_continue(ready["id"], {}))
    assert done["status"] == "completed" and done["discounts"]["applied"]
    state = shop.checkouts.load(ready["id"])
    assert state is not None
    fresh = render_checkout(state, shop.env, now).body
    assert list(done) == list(fresh)  # the members in render_checkout's order
    assert done == fresh
    assert shop.get_checkout(ready["id"]).body == done
    shop.close()
