"""The stores' JSON text is the standard library's, though orjson writes it; the one difference
(floats under 1e-4) changes no value and no idempotent replay."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from merchant_flows import UcpCaller
from test_business_checkout import ROSES

from merchants.bindings.dispatch import canonical_hash
from merchants.business.jsontext import dumps, dumps_sorted


def _stdlib(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _stdlib_sorted(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _small_float(value: Any) -> bool:
    if isinstance(value, float):
        return 0 < abs(value) < 1e-4
    if isinstance(value, dict):
        return any(_small_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_small_float(v) for v in value)
    return False


_NUMBERS = st.one_of(
    st.integers(),  # past 64 bits too, which orjson refuses
    st.floats(allow_nan=False, allow_infinity=False),  # every magnitude, 5e-324 to 1.8e308
    st.builds(lambda m, e: m * 10.0**e, st.floats(-10, 10), st.integers(-12, 20)),
)
_TEXT = st.text(st.characters(exclude_categories=["Cs"]))  # any code point but surrogates
_JSON = st.recursive(
    st.none() | st.booleans() | _NUMBERS | _TEXT,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_TEXT, children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(_JSON)
def test_any_json_value_is_written_as_the_standard_library_writes_it(value: Any) -> None:
    if _small_float(value):  # the same number in another form
        assert json.loads(dumps(value)) == json.loads(_stdlib(value))
        assert json.loads(dumps_sorted(value)) == json.loads(_stdlib_sorted(value))
    else:
        assert dumps(value) == _stdlib(value)
        assert dumps_sorted(value) == _stdlib_sorted(value)


@pytest.mark.parametrize(
    "value",
    [
        {"price": 1e16, "tiny": 5e-324, "huge": 1.7976931348623157e308, "edge": 0.0001},
        2**64,
        -(2**63) - 1,
        '\x00\x1f\x7f\u2028\u2029\ufeff\U0001f600"\\',
        {"z": 1, "a": {"y": [1, {"b": 2, "a": 1}]}, "é": 0, "e": 0},
        (1, "two"),
    ],
)
def test_text_orjson_refuses_or_might_write_otherwise_comes_out_as_the_standard_library_writes_it(
    value: Any,
) -> None:
    assert dumps(value) == _stdlib(value)
    assert dumps_sorted(value) == _stdlib_sorted(value)


def test_keys_that_are_not_strings_are_written_as_the_standard_library_writes_them() -> None:
    value = {1: "one", 2.5: "two and a half", False: "no", None: "nothing"}
    assert dumps(value) == _stdlib(value)


@dataclass
class _Point:
    x: int


@pytest.mark.parametrize("value", [datetime(2026, 12, 1, tzinfo=UTC), _Point(1), object()])
def test_a_value_the_standard_library_cannot_write_is_refused_as_it_refused_it(
    value: Any,
) -> None:
    with pytest.raises(TypeError):
        dumps(value)
    with pytest.raises(TypeError):
        dumps_sorted({"value": value})


async def test_a_request_an_earlier_release_hashed_with_a_tiny_float_still_replays_and_conflicts(
    ucp: UcpCaller, sandbox_data_dir: Path
) -> None:
    key = str(uuid.uuid4())
    line = {"item": {"id": ROSES}, "quantity": 1}
    arguments = {"cart": {"line_items": [line], "context": {"weight": 1e-05}}}
    status, created = await ucp.call("flowers", "create_cart", arguments, idempotency_key=key)
    assert status == ucp.created, created
    assert canonical_hash(arguments, legacy=True) != canonical_hash(arguments)
    with sqlite3.connect(sandbox_data_dir / "flowers.sqlite3") as db:  # as that release stored it
        db.execute(
            "UPDATE idempotency SET request_hash = ? WHERE key = ?",
            (canonical_hash(arguments, legacy=True), key),
        )
    db.close()
    again = await ucp.call("flowers", "create_cart", arguments, idempotency_key=key)
    assert again == (status, created)
    other = {"cart": {"line_items": [line], "context": {"weight": 2e-05}}}
    conflict_status, _ = await ucp.call("flowers", "create_cart", other, idempotency_key=key)
    assert conflict_status == 409
