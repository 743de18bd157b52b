"""Request JSON parsing that refuses what the stores could not answer or store safely.

`json.loads` accepts three things that later break a response or a SQLite write: lone UTF-16
surrogates (`"\\ud800"`, which no UTF-8 encoder takes), numbers that overflow to infinity (`1e400`)
and nesting deep enough to exhaust the interpreter's recursion limit. Each is refused here with a
message naming the problem, before any business code sees the value.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_JSON_DEPTH = 64

# A `\u` escape into the surrogate range; only then can a parsed string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class UnacceptableJson(ValueError):
    """The body is not JSON, or is JSON the store refuses; the message says which and why."""


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnacceptableJson(f"the number {text[:40]} is out of range (not finite)")
    return value


def _reject_constant(name: str) -> Any:
    raise UnacceptableJson(f"{name} is not a JSON value")


def _check_strings(value: Any) -> None:
    """Walk the parsed value (depth is already bounded) and refuse any lone surrogate."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                _check_string(key)
                stack.append(child)
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            _check_string(node)


def _check_string(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise UnacceptableJson(
            f"a string holds the lone UTF-16 surrogate \\u{code:04x}, which is not Unicode text"
        ) from None


# One decoder for every body: `json.loads` with hooks builds a decoder (and its scanner) per call.
_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_reject_constant)


def parse_json(body: bytes) -> Any:
    """The body as JSON, or raise UnacceptableJson naming what is wrong with it.

    The common case costs one parse plus two byte counts and one regex search: the bytes are
    scanned for depth only when they hold enough brackets to be deep, and the parsed value is
    walked only when a `\\u` escape could be a lone surrogate.
    """
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH:
        # Past the limit by count alone, the body may nest deeply enough to overflow the
        # parser's own recursion; measure the depth from the bytes first.
        _check_bracket_depth(body)
    try:
        # As `json.loads` reads bytes: UTF-8, -16 or -32 by their first bytes.
        value = _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))
    except UnacceptableJson:
        raise
    except RecursionError:
        raise UnacceptableJson(f"nesting deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise UnacceptableJson(f"not valid JSON ({exc})") from None
    if _SURROGATE_ESCAPE.search(body) is not None:
        _check_strings(value)
    return value


def _check_bracket_depth(body: bytes) -> None:
    """Bracket depth outside strings, scanned from the raw bytes (no parse, no recursion)."""
    depth = 0
    in_string = False
    escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise UnacceptableJson(f"nesting deeper than {MAX_JSON_DEPTH} levels")
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
