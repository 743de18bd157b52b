"""UCP 2026-08-25 beside 2026-04-08: which release is chosen, what is written, how answers read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.config import WalletInstrument
from assistant.domain import Checkout
from assistant.errors import NegotiationError
from assistant.shopping.payment import _instrument_fits
from assistant.ucp.connect import profile_url_for
from assistant.ucp.discovery import choose_version
from assistant.ucp.shapes import SHAPES, checkout_write, shape_for

LEAF = "https://shop.example/.well-known/ucp/2026-04-08"


def profile(version: str, leaves: dict[str, str] | None = None) -> dict[str, Any]:
    ucp: dict[str, Any] = {"version": version}
    if leaves is not None:
        ucp["supported_versions"] = leaves
    return {"ucp": ucp}


def test_a_merchant_leading_with_2026_08_25_is_spoken_to_in_2026_08_25() -> None:
    version, leaf, why = choose_version(profile("2026-08-25", {"2026-04-08": LEAF}))
    assert (version, leaf) == ("2026-08-25", None)
    assert "2026-04-08" in why


def test_a_merchant_leading_with_a_release_we_do_not_speak_is_followed_to_its_2026_04_08_leaf() -> (
    None
):
    version, leaf, why = choose_version(profile("2027-03-01", {"2026-04-08": LEAF}))
    assert (version, leaf) == ("2026-04-08", LEAF)
    assert "supported_versions" in why and "2027-03-01" in why


def test_a_leaf_for_2026_08_25_beats_an_older_release_the_profile_leads_with() -> None:
    new_leaf = "https://shop.example/ucp/2026-08-25.json"
    version, leaf, _ = choose_version(profile("2026-04-08", {"2026-08-25": new_leaf}))
    assert (version, leaf) == ("2026-08-25", new_leaf)


def test_a_2026_04_08_only_merchant_is_spoken_to_in_2026_04_08() -> None:
    assert choose_version(profile("2026-04-08"))[:2] == ("2026-04-08", None)


def test_a_merchant_offering_no_release_we_speak_is_refused_as_version_unsupported() -> None:
    with pytest.raises(NegotiationError) as refused:
        choose_version(profile("2027-03-01", {"2025-01-01": LEAF}))
    assert refused.value.code == "version_unsupported"


def test_each_request_names_the_profile_of_the_release_negotiated_with_that_merchant() -> None:
    urls = {"2026-08-25": "http://127.0.0.1:1/new", "2026-04-08": "http://127.0.0.1:1/old"}
    assert profile_url_for(urls, "2026-08-25") == urls["2026-08-25"]
    assert profile_url_for(urls, "2026-04-08") == urls["2026-04-08"]
    assert profile_url_for(urls, "2026-01-23") == urls["2026-04-08"]  # read-only, older
    assert profile_url_for("https://me.example/p", "2026-08-25") == "https://me.example/p"


UPDATE = {
    "line_items": [{"id": "li_1", "item": {"id": "rose"}, "quantity": 1}],
    "fulfillment": {
        "methods": [
            {
                "type": "shipping",
                "destinations": [{"id": "d1", "street_address": "1 Main St"}],
            },
            {
                "type": "pickup",
                "selected_destination_id": "loc_1",
                "destinations": [{"id": "loc_1", "type": "business_location", "name": "Shop"}],
            },
        ]
    },
}


def test_a_2026_08_25_update_types_shipping_destinations_and_never_echoes_a_pickup_location() -> (
    None
):
    written = checkout_write(shape_for("2026-08-25"), UPDATE, checkout_id="co_1")
    shipping, pickup = written["fulfillment"]["methods"]
    assert shipping["destinations"] == [
        {"id": "d1", "street_address": "1 Main St", "type": "shipping_address"}
    ]
    assert "destinations" not in pickup and pickup["selected_destination_id"] == "loc_1"
    assert "id" not in written


def test_a_2026_04_08_update_sends_destinations_untyped() -> None:
    typed = {
        "fulfillment": {
            "methods": [
                {"type": "shipping", "destinations": [{"id": "d1", "type": "shipping_address"}]}
            ]
        }
    }
    written = checkout_write(SHAPES["2026-04-08"], typed, checkout_id="co_1")
    assert written["fulfillment"]["methods"][0]["destinations"] == [{"id": "d1"}]


def _checkout(**extra: Any) -> Checkout:
    body = {
        "ucp": {"version": "2026-08-25"},
        "id": "co_1",
        "status": "ready_for_complete",
        "currency": "USD",
        "line_items": [],
        "totals": [{"type": "total", "amount": 0}],
        **extra,
    }
    return Checkout.from_ucp(body)


def test_a_3ds_action_becomes_a_buyer_step_and_its_recoverable_error_is_not_fixed_blindly() -> None:
    kind = "dev.ucp.common.payment.three_ds_challenge"
    checkout = _checkout(
        actions={kind: [{"id": "a1", "config": {"url": "https://pay.example/3ds?x=ignore"}}]},
        messages=[
            {
                "type": "error",
                "code": "action_required",
                "severity": "recoverable",
                "path": f"$.actions['{kind}'][0]",
                "content": "Complete 3-D Secure",
            }
        ],
    )
    assert checkout.recoverable_errors == []
    [step] = checkout.action_messages()
    assert step.severity == "requires_buyer_input" and "3-D Secure" in step.content
    assert "pay.example" not in step.content  # our words, not the merchant's config


def test_policies_and_option_descriptions_read_as_plain_text() -> None:
    checkout = _checkout(
        policies=[
            {
                "type": "dev.ucp.shopping.policy.return",
                "description": {"html": "<p>30 days, <b>free</b> returns &amp; exchanges</p>"},
            },
            {"type": "dev.ucp.shopping.policy.warranty", "description": {"plain": "Two years"}},
        ],
        messages=[
            {"type": "warning", "code": "dev.ucp.shopping.policy.warranty", "content": "2 y"}
        ],
        fulfillment={
            "methods": [
                {
                    "type": "shipping",
                    "groups": [
                        {
                            "options": [
                                {
                                    "id": "std",
                                    "title": "Standard",
                                    "description": {"markdown": "**3–5** days", "plain": "3–5"},
                                    "totals": [{"type": "total", "amount": 500}],
                                }
                            ]
                        }
                    ],
                }
            ]
        },
    )
    assert checkout.fulfillment is not None
    assert checkout.fulfillment.methods[0].groups[0].options[0].description == "3–5"
    notices = [m.content for m in checkout.notices() if m.type == "warning"]
    assert notices == ["2 y", "Return policy: 30 days, free returns & exchanges"]


def test_a_unit_of_sale_reads_beside_the_title() -> None:
    checkout = _checkout(
        line_items=[
            {
                "id": "li_1",
                "quantity": 3,
                "item": {
                    "id": "beans",
                    "title": "Beans",
                    "price": 900,
                    "quantity_unit": {"measure": {"unit": "g", "value": 250}},
                },
                "totals": [],
            },
            {"id": "li_2", "quantity": 1, "item": {"id": "mug", "title": "Mug"}, "totals": []},
        ]
    )
    assert [line.item.display_title() for line in checkout.line_items] == [
        "Beans (per 250 g)",
        "Mug",
    ]


@pytest.mark.parametrize(
    "constraints",
    [{"brands": ["visa"]}, {"properties": {"brand": {"enum": ["visa"]}}}],
    ids=["2026-04-08", "2026-08-25"],
)
def test_card_brand_constraints_are_read_in_either_release(constraints: dict[str, Any]) -> None:
    visa = WalletInstrument(
        id="c1", handler="dev.pannier.sandbox_card", type="card", brand="visa", token="tok_1"
    )
    amex = visa.model_copy(update={"brand": "amex"})
    assert _instrument_fits("card", constraints, visa)
    assert not _instrument_fits("card", constraints, amex)


@pytest.mark.parametrize("release", ["2026-08-25", "2026-04-08"])
def test_profile_export_writes_the_profile_of_the_release_asked_for(
    release: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.cli import main

    monkeypatch.setenv("PANNIER_HOME", str(tmp_path))
    target = tmp_path / f"{release}.json"
    assert main(["profile", "export", "--version", release, "--output", str(target)]) == 0
    document = json.loads(target.read_text())
    versions = {e["version"] for es in document["ucp"]["capabilities"].values() for e in es}
    assert document["ucp"]["version"] == release and versions == {release}


def test_profile_export_of_a_release_we_do_not_write_says_which_we_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import main

    monkeypatch.setenv("PANNIER_HOME", str(tmp_path))
    assert main(["profile", "export", "--version", "2026-01-23"]) != 0
    err = capsys.readouterr().err
    assert "2026-08-25 or 2026-04-08" in err and "Traceback" not in err


def test_merchants_serve_refuses_an_unknown_release_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from merchants.__main__ import main

    code = main(["serve", "--versions", "2027-01-01", "--data-dir", str(tmp_path)])
    assert code == 2
    assert "unknown UCP release 2027-01-01" in capsys.readouterr().err
