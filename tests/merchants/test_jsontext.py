"""The stores' JSON text is the standard library's, byte for byte, though orjson writes it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merchants.business.jsontext import dumps, dumps_sorted


def _stdlib(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _stdlib_sorted(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


_NUMBERS = st.one_of(
    st.integers(),  # past 64 bits too, which orjson refuses
    st.floats(allow_nan=False, allow_infinity=False),  # every magnitude, 5e-324 to 1.8e308
    st.builds(lambda m, e: m * 10.0**e, st.floats(-10, 10), st.integers(-12, 20)),
)
_TEXT = st.text(st.characters(exclude_categories=["Cs"]))  # any code point but surrogates
_JSON = st.recursive(
    st.none() | st.booleans() | _NUMBERS | _TEXT | st.sampled_from(["1e-5", ":0.00001", "9e-"]),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_TEXT, children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(_JSON)
def test_any_json_value_is_written_exactly_as_the_standard_library_writes_it(value: Any) -> None:
    assert dumps(value) == _stdlib(value)
    assert dumps_sorted(value) == _stdlib_sorted(value)


@pytest.mark.parametrize(
    "value",
    [
        1e-05,
        -1.5e-07,
        0.000012,
        [0.0001, 1e-4, 9.99e-5],
        {"price": 1e16, "tiny": 5e-324, "huge": 1.7976931348623157e308},
        2**64,
        -(2**63) - 1,
        {"text": "3e-5 and 0.00001 in words", "n": 3},
        '\x00\x1f\x7f\u2028\u2029\ufeff\U0001f600"\\',
        {"z": 1, "a": {"y": [1, {"b": 2, "a": 1}]}, "é": 0, "e": 0},
        (1, "two"),
    ],
)
def test_numbers_and_text_orjson_writes_differently_come_out_as_the_standard_library_writes_them(
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
