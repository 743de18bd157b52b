"""Hostile store text never reaches a terminal raw: titles, messages and links, on resume too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shopping_helpers import OpenTrip

from assistant.domain import Checkout, Escalation, Product
from assistant.safe_text import json_safe, terminal_safe
from assistant.ucp.urls import safe_continue_url

HOSTILE_TITLES = [
    "Roses\x1b[2J\x1b[H",  # clears the screen
    "Roses\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07",  # OSC 8 hyperlink
    "Roses\x1b]0;pwned\x1b\\",  # retitles the window
    "Roses\x07\x08\x7f",  # bell, backspace, delete
    "Roses\x9b31m red",  # 8-bit CSI
    "Roses \u202egnp.exe",  # right-to-left override
    "Ro\u200bses\u2060\ufeff",  # zero-width tricks
    "Roses\u2066\u2069\u200e",  # isolates and marks
    "Roses\r\nTotal: USD 0.00",  # a fake second line
    "Roses \ud800",  # an unpaired surrogate
]

MERCHANT = "http://127.0.0.1:8710"
HOSTILE_URLS = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://evil.example/checkout/1",
    "http://127.0.0.1:8710@evil.example/checkout/1",
    "http://user:pass@127.0.0.1:8710/checkout/1",
    "http://127.0.0.1:9999/checkout/1",
    "http://127.0.0.1.evil.example:8710/checkout/1",
    "ftp://127.0.0.1:8710/checkout/1",
    "//evil.example/checkout/1",
    "/checkout/1",
    "https://127.0.0.1:8710\\@evil.example/",
    " http://127.0.0.1:8710/checkout/1",
    "",
]


def is_terminal_safe(text: str) -> bool:
    bidi_or_invisible = set(
        "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff"
    )
    return (
        all(ch.isprintable() or ch == "\n" for ch in text)
        and not set(text) & bidi_or_invisible
        and text.encode("utf-8") is not None
    )


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_a_hostile_title_is_plain_text_once_read_from_the_store(title: str) -> None:
    checkout = Checkout.model_validate(
        {
            "id": "chk_1",
            "status": "incomplete",
            "currency": "USD",
            "line_items": [
                {"id": "li_1", "item": {"id": "v1", "title": title, "price": 100}, "quantity": 1}
            ],
            "totals": [{"type": "total", "display_text": title, "amount": 100}],
            "messages": [{"type": "error", "code": "x", "content": title}],
        }
    )
    texts = [checkout.line_items[0].item.title or "", checkout.messages[0].content or ""]
    assert all(is_terminal_safe(text) and "Roses" in text for text in texts)
    assert "\x1b" not in json.dumps(checkout.model_dump(mode="json"))


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_terminal_safe_keeps_the_visible_text_and_drops_the_rest(title: str) -> None:
    safe = terminal_safe(title)
    assert is_terminal_safe(safe) and safe.startswith("Ro")
    assert "pwned" not in safe and "evil" not in safe
    assert terminal_safe(safe) == safe  # idempotent


def test_product_descriptions_keep_their_line_breaks_but_nothing_else() -> None:
    product = Product.model_validate(
        {
            "id": "p1",
            "title": "Mug\x1b[31m",
            "description": {"plain": "Line one\nLine two\x1b[2J"},
            "variants": [],
        }
    )
    assert product.title == "Mug"
    assert json_safe({"k\x1b": ["a\x07", {"b": "c\u202e"}]}) == {"k": ["a", {"b": "c"}]}


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_hostile_continue_url_is_never_offered(url: str) -> None:
    assert safe_continue_url(url, MERCHANT) is None


async def test_hostile_links_saved_by_older_code_are_dropped_on_resume(
    open_trip: OpenTrip, tmp_path: Path
) -> None:
    db = tmp_path / "resume.db"
    trip = await open_trip("flowers", session="hostile", db=db)
    merchant = trip.merchants[0]
    store = trip.store
    for index, url in enumerate(HOSTILE_URLS):
        store.save_checkout(
            "hostile",
            merchant.domain,
            f"chk_{index}",
            cart_id=None,
            status="requires_escalation",
            continue_url=url,
            expires_at=None,
            messages=[],
        )
        store.save_escalation(
            "hostile",
            Escalation(f"esc_{index}", merchant, f"chk_{index}", [], [], continue_url=url),
        )
    await trip.aclose()

    resumed = await open_trip("flowers", session="hostile", db=db)
    [state] = resumed.state()
    assert state.continue_url is None
    assert [e.continue_url for e in resumed.escalations()] == [""] * len(HOSTILE_URLS)
