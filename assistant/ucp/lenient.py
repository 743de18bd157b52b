"""Lenient reads, strict boundaries: one off-spec element never discards a whole answer.

A merchant's payload is first coerced where the intent is plain (``null`` means absent; a string
where the spec has a
``Description`` object becomes ``{"plain": …}``; an object where we hold a string becomes its
text). If it still does not validate, the smallest list element holding the error (one product,
variant, line item, message, option…) is dropped and validation runs again. Every coercion and
drop is noted, for the protocol log.

Money is the strict boundary: nothing under ``totals`` is ever dropped or coerced (a total we
cannot read makes the whole answer a protocol error), prices are never coerced (an unreadable
price drops its product or variant), and nothing outside a list is dropped (a resource without
its ``id`` cannot be understood).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Final, TypeVar

from pydantic import ValidationError

MAX_REPAIRS: Final = 50
# Money we would pay: nothing under these keys is dropped or coerced.
STRICT_KEYS: Final = frozenset({"totals"})
# Money we only show: never coerced (an unreadable price drops its product or variant).
UNCOERCED_KEYS: Final = STRICT_KEYS | {"price", "price_range"}
# Object keys the domain holds as a ``Description`` ({plain, html, markdown}).
DESCRIPTION_OBJECT_PARENTS: Final = frozenset({"products", "variants", "product"})

_T = TypeVar("_T")


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def _coerce(node: Any, parent_key: str | None, notes: list[str], where: str) -> Any:
    """The node with plain-intent coercions applied (returns new containers when changed)."""
    if isinstance(node, list):
        return [
            _coerce(item, parent_key, notes, f"{where}[{index}]") for index, item in enumerate(node)
        ]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        here = f"{where}.{key}" if where else key
        if value is None:
            continue  # null reads as absent (2026-01-11 SDKs write every unset field as null)
        if key in UNCOERCED_KEYS:
            result[key] = value
            continue
        if key == "description":
            if parent_key in DESCRIPTION_OBJECT_PARENTS and isinstance(value, str):
                notes.append(f"coerced {here}: a plain string, read as a plain description")
                value = {"plain": value}
            elif parent_key not in DESCRIPTION_OBJECT_PARENTS and isinstance(value, dict):
                text = next(
                    (
                        value[k]
                        for k in ("plain", "markdown", "html")
                        if isinstance(value.get(k), str)
                    ),
                    None,
                )
                notes.append(f"coerced {here}: a description object, read as its text")
                value = text
        result[key] = _coerce(value, key, notes, here)
    return result


def _droppable(loc: tuple[int | str, ...]) -> tuple[int | str, ...] | None:
    """The path of the innermost list element holding the error, unless it is money we would pay."""
    if any(part in STRICT_KEYS for part in loc):
        return None
    for end in range(len(loc), 0, -1):
        if isinstance(loc[end - 1], int):
            return loc[:end]
    return None


def _remove(payload: Any, path: tuple[int | str, ...]) -> tuple[bool, Any]:
    """(removed?, the element) for the list element at ``path``."""
    node = payload
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    last = path[-1]
    if isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        return True, node.pop(last)
    return False, None


def validate_leniently(
    validate: Callable[[dict[str, Any]], _T], payload: dict[str, Any]
) -> tuple[_T, list[str]]:
    """``validate(payload)`` after the smallest repairs, and a note per repair.

    Raises the last ``ValidationError`` when no element-level repair can make the answer valid.
    """
    notes: list[str] = []
    try:
        return validate(payload), notes
    except ValidationError:
        pass
    working = _coerce(copy.deepcopy(payload), None, notes, "")
    for _ in range(MAX_REPAIRS):
        try:
            return validate(working), notes
        except ValidationError as exc:
            first = exc.errors()[0]
            target = _droppable(tuple(first["loc"]))
            removed, element = (False, None) if target is None else _remove(working, target)
            if target is None or not removed:
                raise
            detail = _path(tuple(first["loc"])[len(target) :])
            reason = f"{detail}: {first['msg']}" if detail != "(root)" else first["msg"]
            named = element.get("id") if isinstance(element, dict) else None
            label = f"{_path(target)} (id {named!r})" if isinstance(named, str) else _path(target)
            notes.append(f"dropped {label}: {reason}")
    return validate(working), notes
