"""What Pannier writes per release: the buyer's consent map, and instruments a store rules out."""

from __future__ import annotations

from typing import Any

from assistant.config import Config, ConsentConfig, demo_wallet
from assistant.domain import Checkout
from assistant.profile import platform_profile
from assistant.shopping.payment import choose_instrument, ruled_out_instruments
from assistant.ucp.request_constraints import unmet
from assistant.ucp.shapes import SHAPES, checkout_write

DECIDED = ConsentConfig(marketing=False, sale_or_sharing=False, analytics=True).decisions()
ECHOED = {  # a 2026-08-25 response's consent: business defaults, with text we must not write
    "email": "ada@example.com",
    "consent": {
        "dev.ucp.consent.marketing": {
            "granted": True,
            "source": "business",
            "description": "Offers by email",
            "links": [{"type": "privacy_policy", "url": "https://shop.example/p"}],
        }
    },
}


def test_the_buyers_consent_goes_as_a_map_of_platform_decisions_in_2026_08_25() -> None:
    written = checkout_write(SHAPES["2026-08-25"], {"buyer": ECHOED}, consent=DECIDED)
    assert written["buyer"] == {
        "email": "ada@example.com",
        "consent": {
            "dev.ucp.consent.marketing": {"granted": False, "source": "platform"},
            "dev.ucp.consent.analytics": {"granted": True, "source": "platform"},
            "dev.ucp.consent.sale_or_sharing": {"granted": False, "source": "platform"},
        },
    }


def test_the_buyers_consent_goes_as_booleans_in_2026_04_08() -> None:
    written = checkout_write(SHAPES["2026-04-08"], {"buyer": {"email": "a@b.c"}}, consent=DECIDED)
    assert written["buyer"]["consent"] == {
        "marketing": False,
        "analytics": True,
        "sale_of_data": False,
    }


def test_a_consent_echoed_from_a_response_is_not_written_back_when_the_buyer_decided_nothing() -> (
    None
):
    written = checkout_write(SHAPES["2026-08-25"], {"buyer": ECHOED}, consent=None)
    assert written["buyer"] == {"email": "ada@example.com"}


def test_the_2026_08_25_platform_profile_takes_part_in_payment_authentication_and_consent() -> None:
    capabilities = platform_profile(Config(), "2026-08-25")["ucp"]["capabilities"]
    authentication = capabilities["dev.ucp.common.payment.authentication"][0]
    assert authentication["schema"].endswith("/schemas/common/payment_authentication.json")
    assert authentication["extends"] == "dev.ucp.shopping.checkout"
    assert "dev.ucp.shopping.buyer_consent" in capabilities
    older = platform_profile(Config(), "2026-04-08")["ucp"]["capabilities"]
    assert not any(name.startswith("dev.ucp.common.payment.") for name in older)


WALLET_PATH = (
    "$['payment']['instruments'][?@['handler_id'] == 'sandbox_wallet' && @['type'] == 'wallet']"
)
NEEDS_BILLING = {
    "path": WALLET_PATH,
    "required": ["billing_address"],
    "properties": {"billing_address": {"required": ["postal_code", "address_country"]}},
}


def _checkout(wallet_constraint: dict[str, Any]) -> Checkout:
    handlers = {
        "dev.pannier.sandbox_wallet": [
            {
                "id": "sandbox_wallet",
                "version": "2026-08-25",
                "available_instruments": [
                    {"type": "wallet", "ucp": {"request_constraints": wallet_constraint}}
                ],
            }
        ],
        "com.google.pay": [
            {"id": "gpay", "version": "2026-08-25", "available_instruments": [{"type": "card"}]}
        ],
    }
    return Checkout.from_ucp(
        {
            "ucp": {"version": "2026-08-25", "payment_handlers": handlers},
            "id": "co_1",
            "status": "ready_for_complete",
            "currency": "EUR",
            "line_items": [],
            "totals": [{"type": "total", "amount": 0}],
        }
    )


def test_an_instrument_the_request_constraints_rule_out_is_passed_over_for_the_next() -> None:
    wallet = demo_wallet()  # card (not taken here), sandbox wallet, Google Pay
    chosen = choose_instrument(_checkout(NEEDS_BILLING), wallet)
    assert chosen is not None and (chosen[0].id, chosen[1]) == ("gpay_visa_1111", "gpay")
    assert ruled_out_instruments(_checkout(NEEDS_BILLING), wallet) == [
        (wallet[1], "the store needs a billing address, which this payment method does not carry")
    ]


def test_with_every_instrument_ruled_out_none_is_chosen_and_each_has_its_reason() -> None:
    only_wallet = [demo_wallet()[1]]
    assert choose_instrument(_checkout(NEEDS_BILLING), only_wallet) is None
    [(instrument, reason)] = ruled_out_instruments(_checkout(NEEDS_BILLING), only_wallet)
    assert instrument.id == "sandbox_wallet" and "billing address" in reason


def test_a_constraint_for_another_handler_or_one_that_does_not_parse_rules_nothing_out() -> None:
    other = {**NEEDS_BILLING, "path": "$['payment']['instruments'][?@['handler_id'] == 'x']"}
    broken = {**NEEDS_BILLING, "path": "$['payment'"}
    for constraint in (other, broken):
        chosen = choose_instrument(_checkout(constraint), [demo_wallet()[1]])
        assert chosen is not None and chosen[1] == "sandbox_wallet"


def test_a_value_constraint_says_which_values_the_store_takes() -> None:
    constraint = {
        "path": "$.payment.instruments[*]",
        "properties": {"credential": {"properties": {"type": {"const": "pan"}}}},
    }
    request = {"payment": {"instruments": [{"credential": {"type": "token", "token": "t"}}]}}
    assert unmet(constraint, request) == "the store takes only pan as its credential type"
    met = {"payment": {"instruments": [{"credential": {"type": "pan"}}]}}
    assert unmet(constraint, met) is None
