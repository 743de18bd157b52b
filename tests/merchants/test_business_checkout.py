"""The sandbox stores' business core, driven as plain functions against a tmp_path SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ucp_sdk.models.schemas.shopping import cart as cart_models
from ucp_sdk.models.schemas.shopping import discount as discount_models
from ucp_sdk.models.schemas.shopping import fulfillment as fulfillment_models
from ucp_sdk.models.schemas.shopping import order as order_models
from ucp_sdk.models.schemas.shopping.types.error_response import ErrorResponse

from merchants.business.shop import Result, Shop, load_store_specs

VERSION = "2026-04-08"
SPECS = {spec.slug: spec for spec in load_store_specs()}
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "street_address": "2150 Mission St",
    "address_locality": "San Francisco",
    "address_region": "CA",
    "postal_code": "94110",
    "address_country": "US",
}
EU_ADDRESS = {
    **ADDRESS,
    "address_locality": "Berlin",
    "address_region": "BE",
    "postal_code": "10115",
    "address_country": "DE",
}
ROSES = "red-rose-bouquet--classic-no-vase"  # $69.00
BEANS = "colombia-huila-finca-el-paraiso--250-g-whole-bean"  # $18.00


class StrictCheckout(fulfillment_models.Checkout, discount_models.Checkout, cart_models.Checkout):
    """Checkout with the fulfillment, discount and cart-link extensions, as 0.4.6 generates them."""


def ucp_block(capability: str, with_handlers: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {
        "version": VERSION,
        "capabilities": {f"dev.ucp.shopping.{capability}": [{"version": VERSION}]},
    }
    if with_handlers:
        block["payment_handlers"] = {}
    return block


def assert_no_floats(value: Any, path: str = "$") -> None:
    """Money is integers everywhere: no float may appear anywhere in a body."""
    assert not isinstance(value, float), path
    if isinstance(value, dict):
        for key, inner in value.items():
            assert_no_floats(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            assert_no_floats(inner, f"{path}[{i}]")


def assert_totals_invariant(totals: list[dict[str, Any]]) -> None:
    """Exactly one subtotal and total; discounts negative; non-total entries sum to the total."""
    types = [t["type"] for t in totals]
    assert types.count("subtotal") == 1 and types.count("total") == 1
    for entry in totals:
        if entry["type"] in ("discount", "items_discount"):
            assert entry["amount"] < 0
    total = next(t["amount"] for t in totals if t["type"] == "total")
    assert sum(t["amount"] for t in totals if t["type"] != "total") == total


def valid_checkout(result: Result) -> dict[str, Any]:
    assert not result.is_error, result.body
    body = result.body
    StrictCheckout.model_validate({"ucp": ucp_block("checkout", True), **body})
    assert_no_floats(body)
    assert_totals_invariant(body["totals"])
    for line in body["line_items"]:
        assert_totals_invariant(line["totals"])
    if body["status"] not in ("completed", "canceled"):
        assert body["continue_url"].endswith(f"/checkout/{body['id']}")
    return body


def valid_cart(result: Result) -> dict[str, Any]:
    assert not result.is_error, result.body
    discount_models.Cart.model_validate({"ucp": ucp_block("cart"), **result.body})
    assert_no_floats(result.body)
    assert_totals_invariant(result.body["totals"])
    return result.body


def valid_order(result: Result) -> dict[str, Any]:
    assert not result.is_error, result.body
    order_models.Order.model_validate({"ucp": ucp_block("order"), **result.body})
    assert_no_floats(result.body)
    assert_totals_invariant(result.body["totals"])
    return result.body


def valid_error(result: Result, code: str) -> dict[str, Any]:
    assert result.is_error, result.body
    ErrorResponse.model_validate(
        {"ucp": {**ucp_block("checkout"), "status": "error"}, **result.body}
    )
    assert [m["code"] for m in result.body["messages"]] == [code]
    return result.body


def make_shop(tmp_path: Path, slug: str = "flowers", clock: Any = None) -> Shop:
    return Shop(
        SPECS[slug],
        tmp_path / f"{slug}.db",
        f"http://127.0.0.1:{SPECS[slug].default_port}",
        clock=clock,
    )


def lines(*items: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"item": {"id": item_id}, "quantity": quantity} for item_id, quantity in items]


def echo_lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": li["id"], "item": {"id": li["item"]["id"]}, "quantity": li["quantity"]}
        for li in body["line_items"]
    ]


def shipping(address: dict[str, Any] = ADDRESS, option: str | None = None) -> dict[str, Any]:
    method: dict[str, Any] = {"type": "shipping", "destinations": [address]}
    if option is not None:
        method["groups"] = [{"selected_option_id": option}]
    return {"methods": [method]}


def codes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(m.get("code"), m.get("path")) for m in body.get("messages", [])]


def payment(
    token: str = "tok_sandbox_approved", handler: str = "sandbox_card", kind: str = "card"
) -> dict[str, Any]:
    return {
        "payment": {
            "instruments": [
                {
                    "id": "instr_1",
                    "handler_id": handler,
                    "type": kind,
                    "selected": True,
                    "credential": {"type": "token", "token": token},
                    "display": {"brand": "visa", "last_digits": "4242"},
                }
            ]
        }
    }


def ready_checkout(
    shop: Shop,
    item: str,
    quantity: int = 1,
    option: str = "standard",
    address: dict[str, Any] = ADDRESS,
    **extra: Any,
) -> dict[str, Any]:
    created = valid_checkout(shop.create_checkout({"line_items": lines((item, quantity))}, None))
    assert [li["item"]["id"] for li in created["line_items"]] == [item]
    update = {
        "line_items": echo_lines(created),
        "buyer": {"email": "ada@example.com"},
        "fulfillment": shipping(address, option),
        **extra,
    }
    return valid_checkout(shop.update_checkout(created["id"], update))


# lifecycle ----------------------------------------------------------------------------------


def test_fresh_checkout_is_incomplete_with_one_missing_error_per_piece(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    result = shop.create_checkout({"line_items": lines((ROSES, 2))}, None)
    body = valid_checkout(result)
    assert result.created
    assert body["status"] == "incomplete"
    assert codes(body) == [("missing", "$.buyer.email"), ("missing", "$.fulfillment.methods")]
    assert all(m["severity"] == "recoverable" for m in body["messages"])
    assert [m["type"] for m in body["fulfillment"]["available_methods"]] == ["shipping", "pickup"]
    assert {link["type"] for link in body["links"]} >= {
        "privacy_policy",
        "terms_of_service",
        "refund_policy",
    }
    created_at = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(hours=5, minutes=59) < created_at - datetime.now(UTC) <= timedelta(hours=6)


def test_checkout_goes_incomplete_then_ready_then_completed_with_an_order(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    created = valid_checkout(shop.create_checkout({"line_items": lines((ROSES, 2))}, None))
    with_address = valid_checkout(
        shop.update_checkout(
            created["id"],
            {
                "line_items": echo_lines(created),
                "buyer": {"email": "ada@example.com"},
                "fulfillment": shipping(),
            },
        )
    )
    path = "$.fulfillment.methods[0].groups[0].selected_option_id"
    assert with_address["status"] == "incomplete"
    assert codes(with_address) == [("missing", path)]
    group = with_address["fulfillment"]["methods"][0]["groups"][0]
    assert group["selected_option_id"] is None
    assert [o["id"] for o in group["options"]] == ["standard", "same_day"]
    ready = valid_checkout(
        shop.update_checkout(
            created["id"],
            {
                "line_items": echo_lines(created),
                "buyer": {"email": "ada@example.com"},
                "fulfillment": shipping(option="same_day"),
            },
        )
    )
    assert ready["status"] == "ready_for_complete" and "messages" not in ready
    assert [(t["type"], t["amount"]) for t in ready["totals"]] == [
        ("subtotal", 13800),
        ("fulfillment", 1999),
        ("tax", 828),
        ("total", 16627),
    ]
    done = valid_checkout(shop.complete_checkout(created["id"], payment()))
    assert done["status"] == "completed" and "continue_url" not in done
    assert "credential" not in done["payment"]["instruments"][0]
    order = valid_order(shop.get_order(done["order"]["id"]))
    assert order["checkout_id"] == created["id"]
    assert order["permalink_url"] == done["order"]["permalink_url"]
    assert order["totals"] == ready["totals"]
    assert order["fulfillment"]["expectations"][0]["destination"]["postal_code"] == "94110"
    assert valid_checkout(shop.get_checkout(created["id"])) == done
    again = shop.complete_checkout(created["id"], payment())
    assert again.body == done  # completing twice never places a second order
    valid_error(
        shop.update_checkout(created["id"], {"line_items": echo_lines(done)}),
        "operation_not_allowed",
    )


def test_update_replaces_the_whole_checkout_like_put(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    ready = ready_checkout(shop, ROSES, discounts={"codes": ["WELCOME10"]})
    assert ready["status"] == "ready_for_complete"
    kept_id = ready["line_items"][0]["id"]
    replaced = valid_checkout(
        shop.update_checkout(
            ready["id"],
            {
                "line_items": [
                    *echo_lines(ready),
                    {"item": {"id": BEANS.replace("x", "")}, "quantity": 1},
                    {"item": {"id": "tulip-bundle--red"}, "quantity": 3},
                ]
            },
        )
    )
    assert replaced["line_items"][0]["id"] == kept_id
    assert [li["item"]["id"] for li in replaced["line_items"]] == [ROSES, "tulip-bundle--red"]
    assert "buyer" not in replaced and "discounts" not in replaced
    assert replaced["fulfillment"]["methods"] == []
    assert ("item_unavailable", "$.line_items") in codes(replaced)
    assert ("missing", "$.buyer.email") in codes(replaced)
    assert replaced["status"] == "incomplete"


def test_checkout_from_a_cart_takes_the_cart_and_returns_the_same_open_checkout(
    tmp_path: Path,
) -> None:
    shop = make_shop(tmp_path)
    cart = valid_cart(
        shop.create_cart(
            {
                "line_items": lines((ROSES, 1), ("tulip-bundle--red", 2)),
                "buyer": {"email": "cart@example.com"},
                "discounts": {"codes": ["WELCOME10"]},
            }
        )
    )
    first = shop.create_checkout(
        {
            "line_items": lines(("snake-plant--30-cm-terracotta", 5)),
            "buyer": {"email": "ignored@example.com"},
        },
        cart["id"],
    )
    body = valid_checkout(first)
    assert first.created
    assert [(li["item"]["id"], li["quantity"]) for li in body["line_items"]] == [
        (ROSES, 1),
        ("tulip-bundle--red", 2),
    ]
    assert body["buyer"]["email"] == "cart@example.com"
    assert body["discounts"]["applied"][0]["code"] == "WELCOME10"
    second = shop.create_checkout({"cart_id": cart["id"]}, None)
    assert not second.created and valid_checkout(second)["id"] == body["id"]
    valid_error(shop.create_checkout(None, "cart_nope"), "not_found")


@pytest.mark.parametrize(
    ("codes_sent", "quantity", "applied", "warning", "content"),
    [
        (["welcome10"], 1, ["WELCOME10"], None, None),
        (["BIGSPEND20"], 1, [], "discount_code_min_spend", "spend $31.00 more"),
        (["BIGSPEND20"], 2, ["BIGSPEND20"], None, None),
        (["SPRING2025"], 1, [], "discount_code_expired", "expired"),
        (["FREESTUFF"], 1, [], "discount_code_invalid", "not a valid"),
        (
            ["WELCOME10", "BIGSPEND20"],
            2,
            ["WELCOME10"],
            "discount_code_combination_disallowed",
            "cannot be combined",
        ),
    ],
)
def test_each_discount_code_outcome(
    tmp_path: Path,
    codes_sent: list[str],
    quantity: int,
    applied: list[str],
    warning: str | None,
    content: str | None,
) -> None:
    shop = make_shop(tmp_path)
    body = ready_checkout(shop, ROSES, quantity, discounts={"codes": codes_sent})
    assert [a["code"] for a in body["discounts"]["applied"]] == applied
    assert body["discounts"]["codes"] == codes_sent
    discount = [t["amount"] for t in body["totals"] if t["type"] == "discount"]
    percent = {"WELCOME10": 10, "BIGSPEND20": 20}
    assert discount == [-(6900 * quantity * percent[c] // 100) for c in applied]
    warnings = [m for m in body.get("messages", []) if m["type"] == "warning"]
    if warning is None:
        assert warnings == []
        assert body["status"] == "ready_for_complete"
    else:
        assert [(m["code"], m["path"]) for m in warnings] == [
            (warning, f"$.discounts.codes[{len(codes_sent) - 1}]")
        ]
        assert content is not None and content in warnings[0]["content"]


def test_choosing_a_delivery_option_changes_totals_and_standard_ships_free_over_50(
    tmp_path: Path,
) -> None:
    shop = make_shop(tmp_path, "coffee")
    cheap = ready_checkout(shop, BEANS, 1, option="economy")
    options = cheap["fulfillment"]["methods"][0]["groups"][0]["options"]
    assert len(options) >= 3
    assert len({o["totals"][-1]["amount"] for o in options}) == len(options)
    assert len({o["latest_fulfillment_time"] for o in options}) == len(options)
    fast = ready_checkout(shop, BEANS, 1, option="overnight")
    total = {
        b["id"]: next(t["amount"] for t in b["totals"] if t["type"] == "total")
        for b in (cheap, fast)
    }
    assert total[cheap["id"]] == 1800 + 399 and total[fast["id"]] == 1800 + 2499
    below = ready_checkout(shop, BEANS, 2, option="standard")
    above = ready_checkout(shop, BEANS, 3, option="standard")
    fee = {
        b["id"]: next(t["amount"] for t in b["totals"] if t["type"] == "fulfillment")
        for b in (below, above)
    }
    assert fee == {below["id"]: 599, above["id"]: 0}
    assert "Spend $14.00 more" in below["messages"][0]["content"]


def test_pickup_at_a_retail_location_is_free(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    created = valid_checkout(shop.create_checkout({"line_items": lines((ROSES, 1))}, None))
    update = {
        "line_items": echo_lines(created),
        "buyer": {"email": "a@example.com"},
        "fulfillment": {"methods": [{"type": "pickup"}]},
    }
    unchosen = valid_checkout(shop.update_checkout(created["id"], update))
    assert codes(unchosen) == [("missing", "$.fulfillment.methods[0].selected_destination_id")]
    update["fulfillment"] = {
        "methods": [
            {
                "type": "pickup",
                "selected_destination_id": "mission",
                "groups": [{"selected_option_id": "pickup"}],
            }
        ]
    }
    body = valid_checkout(shop.update_checkout(created["id"], update))
    assert body["status"] == "ready_for_complete"
    assert next(t for t in body["totals"] if t["type"] == "fulfillment")["amount"] == 0
    order = valid_order(
        shop.get_order(
            valid_checkout(shop.complete_checkout(created["id"], payment()))["order"]["id"]
        )
    )
    assert order["fulfillment"]["expectations"][0]["method_type"] == "pickup"


def test_invalid_or_undeliverable_address_is_a_recoverable_error(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    body = ready_checkout(shop, ROSES, address={**ADDRESS, "postal_code": ""})
    assert codes(body) == [
        ("invalid_address", "$.fulfillment.methods[0].destinations[0].postal_code")
    ]
    abroad = ready_checkout(shop, ROSES, address=EU_ADDRESS)
    assert codes(abroad) == [
        ("address_undeliverable", "$.fulfillment.methods[0].destinations[0].address_country")
    ]
    assert {body["status"], abroad["status"]} == {"incomplete"}
