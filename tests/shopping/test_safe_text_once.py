"""Merchant text is cleaned once per answer, and the shortcut for plain answers changes nothing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_hostile_merchant_text import HOSTILE_TITLES, is_terminal_safe

from assistant.domain import Checkout
from assistant.safe_text import SafeJson, already_safe, json_safe
from assistant.ucp.http import parse_json

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


@settings(max_examples=300, deadline=None, derandomize=True)
@given(JSON)
def test_an_answer_marked_safe_as_it_is_read_off_the_wire_needs_no_cleaning(value: Any) -> None:
    for text in (json.dumps({"v": value}), json.dumps({"v": value}, ensure_ascii=False)):
        # As the MCP answer carries it too: the payload again, as a string inside the envelope.
        for body in (text, json.dumps({"structured": json.loads(text), "text": text})):
            parsed = parse_json(body.encode("utf-8", "surrogatepass"))
            if isinstance(parsed, SafeJson):
                assert json_safe(parsed) == parsed


def test_plain_answers_take_the_shortcut_and_hostile_ones_never_do() -> None:
    assert already_safe({"title": "Côtes du Rhône 2021", "price": 1950, "tags": ["red", None]})
    assert isinstance(parse_json('{"title": "Rosé \\"brut\\" 1/2"}'.encode()), SafeJson)
    for title in [*HOSTILE_TITLES, "Ro\u034fses"]:
        answer = {"line_items": [{"item": {"title": title}}]}
        assert not already_safe(answer), repr(title)
        for ascii_only in (True, False):
            body = json.dumps(answer, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
            assert not isinstance(parse_json(body), SafeJson), repr(title)


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
