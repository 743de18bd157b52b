"""continue_url hygiene, request models, configuration and our platform profile."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2
import pytest

from assistant.config import Config, load_config
from assistant.domain import Checkout
from assistant.errors import ConfigError
from assistant.profile import ProfileServer, platform_profile
from assistant.ucp.requests import CheckoutRequest
from assistant.ucp.urls import safe_continue_url
from tests.ucp.fakes import checkout_payload

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "origin", "expected"),
    [
        (
            "https://shop.example/checkout/1",
            "https://shop.example",
            "https://shop.example/checkout/1?utm_source=pannier&utm_medium=agentic_commerce",
        ),
        (
            "https://shop.example/c?key=a&utm_source=x",
            "https://shop.example",
            "https://shop.example/c?key=a&utm_source=x&utm_medium=agentic_commerce",
        ),
        (
            "http://127.0.0.1:8710/checkout/1",
            "http://127.0.0.1:8710",
            "http://127.0.0.1:8710/checkout/1?utm_source=pannier&utm_medium=agentic_commerce",
        ),
        ("http://shop.example/checkout/1", "https://shop.example", None),
        ("https://evil.example/checkout/1", "https://shop.example", None),
        ("https://user:pw@shop.example/c", "https://shop.example", None),
        ("javascript:alert(1)", "https://shop.example", None),
        ("data:text/html,hi", "https://shop.example", None),
        ("/checkout/1", "https://shop.example", None),
        ("http://127.0.0.1:9999/checkout/1", "http://127.0.0.1:8710", None),
        (None, "https://shop.example", None),
    ],
)
def test_safe_continue_url(url: str | None, origin: str, expected: str | None) -> None:
    assert safe_continue_url(url, origin) == expected


def test_a_put_base_holds_only_writable_fields() -> None:
    payload = checkout_payload(
        "co_1",
        buyer={"email": "a@b.c"},
        discounts={
            "codes": ["WELCOME10"],
            "applied": [{"code": "WELCOME10", "title": "10%", "amount": 100}],
        },
        fulfillment={
            "methods": [
                {
                    "id": "m1",
                    "type": "shipping",
                    "line_item_ids": ["li_1"],
                    "destinations": [
                        {"id": "d1", "street_address": "1 Loop", "address_country": "US"}
                    ],
                    "groups": [
                        {
                            "id": "g1",
                            "options": [{"id": "o1", "title": "Std", "totals": []}],
                            "selected_option_id": "o1",
                        }
                    ],
                }
            ],
            "available_methods": [{"type": "shipping"}],
        },
    )
    body = CheckoutRequest.from_checkout(Checkout.from_ucp(payload)).to_ucp()
    assert body == {
        "line_items": [{"id": "li_1", "item": {"id": "v1"}, "quantity": 1}],
        "buyer": {"email": "a@b.c"},
        "fulfillment": {
            "methods": [
                {
                    "type": "shipping",
                    "id": "m1",
                    "line_item_ids": ["li_1"],
                    "destinations": [
                        {"street_address": "1 Loop", "address_country": "US", "id": "d1"}
                    ],
                    "groups": [{"id": "g1", "selected_option_id": "o1"}],
                }
            ]
        },
        "discounts": {"codes": ["WELCOME10"]},
    }


def test_the_example_config_is_complete_and_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(REPO / "config.example.toml")
    assert config.merchants == [] and not config.buyer.demo
    assert {i.handler for i in config.wallet} == {
        "dev.pannier.sandbox_card",
        "dev.pannier.sandbox_wallet",
        "com.google.pay",
    }


def test_no_config_file_means_the_demo_buyer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANNIER_HOME", str(tmp_path))
    monkeypatch.delenv("PANNIER_CONFIG", raising=False)
    config = load_config()
    assert config.buyer.demo and config.buyer.email == "ada@example.com" and config.source is None


def test_a_bad_key_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[policy]\nfulfillment = "slowest"\n')
    with pytest.raises(ConfigError, match=r"config.toml: key 'policy.fulfillment'"):
        load_config(path)
    path.write_text('[[merchants]]\nurl = "https://a.example"\ntransprt = "mcp"\n')
    with pytest.raises(ConfigError, match=r"key 'merchants\[0\].transprt'"):
        load_config(path)
    path.write_text("[policy]\nescalation_recheck_s = 0\n")  # a timer of 0 s would spin
    with pytest.raises(ConfigError, match=r"key 'policy.escalation_recheck_s'"):
        load_config(path)


def test_tokens_never_show_in_the_config_repr() -> None:
    assert "tok_sandbox_approved" not in repr(Config())


async def test_the_platform_profile_is_served_on_loopback_with_cache_control() -> None:
    async with ProfileServer(platform_profile(Config())) as server, httpx2.AsyncClient() as http:
        response = await http.get(server.url)
        again = await http.get(server.url)
    assert response.status_code == again.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    document = response.json()
    assert (
        document["ucp"]["payment_handlers"]["dev.pannier.sandbox_card"][0]["id"] == "sandbox_card"
    )
    assert set(document["ucp"]["capabilities"]) >= {
        "dev.ucp.shopping.checkout",
        "dev.ucp.shopping.cart",
    }


def test_profile_export_writes_the_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import main

    monkeypatch.setenv("PANNIER_HOME", str(tmp_path))
    assert main(["profile", "export", "--output", str(tmp_path / "ucp.json")]) == 0
    assert (tmp_path / "ucp.json").read_text().startswith("{")


@pytest.mark.parametrize(
    "head",
    [
        b"GET /.well-known/ucp HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"GET /.well-known/ucp HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"\x16\x03\x01 not http at all\r\n\r\n",
    ],
)
async def test_a_malformed_request_gets_400_and_the_profile_stays_served(head: bytes) -> None:
    async with ProfileServer(platform_profile(Config())) as server, httpx2.AsyncClient() as http:
        port = int(server.url.split(":")[2].split("/")[0])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(head)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
        writer.close()
        await writer.wait_closed()
        response = await http.get(server.url)
    assert status_line.startswith(b"HTTP/1.1 400")
    assert response.status_code == 200 and response.json()["ucp"]["capabilities"]
