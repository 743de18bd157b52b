"""Hand-written request shape checks: fast, each failure names a JSONPath into the arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, overload

from merchants.business.errors import InvalidRequest


@overload
def expect_dict(value: Any, path: str, optional: Literal[False] = False) -> dict[str, Any]: ...
@overload
def expect_dict(value: Any, path: str, optional: bool) -> dict[str, Any] | None: ...
def expect_dict(value: Any, path: str, optional: bool = False) -> dict[str, Any] | None:
    """An object, or None when optional and absent."""
    if value is None and optional:
        return None
    if not isinstance(value, dict):
        raise InvalidRequest(path, "must be an object")
    return value


@overload
def expect_list(value: Any, path: str, optional: Literal[False] = False) -> list[Any]: ...
@overload
def expect_list(value: Any, path: str, optional: bool) -> list[Any] | None: ...
def expect_list(value: Any, path: str, optional: bool = False) -> list[Any] | None:
    """An array, or None when optional and absent."""
    if value is None and optional:
        return None
    if not isinstance(value, list):
        raise InvalidRequest(path, "must be an array")
    return value


@overload
def expect_str(value: Any, path: str, optional: Literal[False] = False) -> str: ...
@overload
def expect_str(value: Any, path: str, optional: bool) -> str | None: ...
def expect_str(value: Any, path: str, optional: bool = False) -> str | None:
    """A string, or None when optional and absent."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(path, "must be a string")
    return value


@overload
def expect_int(value: Any, path: str, optional: Literal[False] = False) -> int: ...
@overload
def expect_int(value: Any, path: str, optional: bool) -> int | None: ...
def expect_int(value: Any, path: str, optional: bool = False) -> int | None:
    """An integer, or None when optional and absent.

    JSON Schema's `integer` includes numbers with a zero fraction (`14.0`), so those are taken,
    as the exact integer they are; `14.5` and bools are not.
    """
    if value is None and optional:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(path, "must be an integer")
    return value


def expect_str_fields(value: dict[str, Any], path: str, names: tuple[str, ...]) -> None:
    """Every present field among ``names`` must be a string."""
    for name in names:
        expect_str(value.get(name), f"{path}.{name}", optional=True)


@dataclass(frozen=True)
class RequestedLine:
    """A line item as the platform asked for it (id only on update)."""

    id: str | None
    item_id: str
    quantity: int


def parse_line_items(value: Any, path: str, required: bool = True) -> list[RequestedLine] | None:
    """``line_items``: a list of ``{item: {id}, quantity: int, id?}``."""
    items = expect_list(value, path, optional=not required)
    if items is None:
        return None
    lines = []
    for i, raw in enumerate(items):
        here = f"{path}[{i}]"
        raw = expect_dict(raw, here)
        item = expect_dict(raw.get("item"), f"{here}.item")
        lines.append(
            RequestedLine(
                id=expect_str(raw.get("id"), f"{here}.id", optional=True),
                item_id=expect_str(item.get("id"), f"{here}.item.id"),
                quantity=expect_int(raw.get("quantity"), f"{here}.quantity"),
            )
        )
    return lines


BUYER_FIELDS = ("first_name", "last_name", "email", "phone_number")
CONTEXT_FIELDS = (
    "address_country",
    "address_region",
    "postal_code",
    "intent",
    "language",
    "currency",
)
ADDRESS_FIELDS = (
    "street_address",
    "extended_address",
    "address_locality",
    "address_region",
    "postal_code",
    "address_country",
    "first_name",
    "last_name",
    "phone_number",
    "id",
    "name",
)


def parse_buyer(value: Any, path: str) -> dict[str, Any] | None:
    """``buyer``: its known fields, which must be strings; anything else is not kept (or echoed)."""
    buyer = expect_dict(value, path, optional=True)
    if buyer is None:
        return None
    expect_str_fields(buyer, path, BUYER_FIELDS)
    return {name: buyer[name] for name in BUYER_FIELDS if buyer.get(name) is not None}


def parse_context(value: Any, path: str) -> dict[str, Any] | None:
    """``context``: an open object whose known fields are strings (eligibility: strings)."""
    context = expect_dict(value, path, optional=True)
    if context is not None:
        expect_str_fields(context, path, CONTEXT_FIELDS)
        for i, claim in enumerate(expect_list(context.get("eligibility"), path, True) or ()):
            expect_str(claim, f"{path}.eligibility[{i}]")
    return context


def parse_discount_codes(value: Any, path: str) -> list[str] | None:
    """``discounts.codes``: strings; None when the discounts object or codes are absent."""
    discounts = expect_dict(value, path, optional=True)
    if discounts is None:
        return None
    codes = expect_list(discounts.get("codes"), f"{path}.codes", optional=True)
    return [expect_str(c, f"{path}.codes[{i}]") for i, c in enumerate(codes or ())]


def parse_signals(value: Any, path: str) -> dict[str, Any] | None:
    """``signals``: an open object (reverse-domain keys), kept as given."""
    return expect_dict(value, path, optional=True)


def parse_attribution(value: Any, path: str) -> dict[str, str] | None:
    """``attribution``: URL-style parameters, so every value must be a string (attribution.json)."""
    attribution = expect_dict(value, path, optional=True)
    if attribution is None:
        return None
    for name, parameter in attribution.items():
        expect_str(parameter, f"{path}.{name}")
    return attribution
