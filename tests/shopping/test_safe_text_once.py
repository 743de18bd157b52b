"""Merchant text is cleaned once per answer, and the shortcut for plain answers changes nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_hostile_merchant_text import HOSTILE_TITLES, is_terminal_safe

from assistant.domain import Checkout
from assistant.safe_text import already_safe, json_safe

# Mostly plain text with one odd character now and then, and any text at all.
ODD = ["\x1b", "\x7f", "\x9b", "\u034f", "\u202e", "\u200b", "\u00a0", "\\", '"', "\n", "\t"]
TEXT = st.text(st.sampled_from([*"Rose é", *ODD])) | st.text(st.characters(codec="utf-8"))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(JSON)
def test_an_answer_read_as_already_safe_is_one_the_full_cleaning_leaves_unchanged(
    value: Any,
) -> None:
    if already_safe(value):
        assert json_safe(value) == value


def test_plain_answers_take_the_shortcut_and_hostile_ones_never_do() -> None:
    assert already_safe({"title": "Côtes du Rhône 2021", "price": 1950, "tags": ["red", None]})
    for title in [*HOSTILE_TITLES, "Ro\u034fses"]:
        assert not already_safe({"line_items": [{"item": {"title": title}}]}), repr(title)


def test_a_hostile_title_deep_in_an_answer_is_cleaned_in_every_nested_model() -> None:
    lines = [
        {
            "id": f"li_{n}",
            "item": {"id": f"v{n}", "title": title, "price": 100},
            "quantity": 1,
            "totals": [{"type": "subtotal", "amount": 100}],
        }
        for n, title in enumerate(HOSTILE_TITLES)
    ]
    checkout = Checkout.model_validate(
        {
            "id": "co_1",
            "status": "incomplete",
            "currency": "USD",
            "line_items": lines,
            "totals": [{"type": "total", "amount": 100 * len(lines)}],
            "messages": [{"type": "info", "content": "\x1b]0;pwned\x07Hello"}],
        }
    )
    titles = [line.item.title or "" for line in checkout.line_items]
    assert all(is_terminal_safe(title) and title.startswith("Ro") for title in titles), titles
    assert checkout.messages[0].content == "Hello"
