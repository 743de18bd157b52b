"""Merchant text made safe for a terminal: the one place that decides what may reach a screen.

A store writes titles, messages, names and links; a hostile one can write escape sequences that
clear the screen or retitle the window, OSC 8 hyperlinks whose target differs from their text,
bidi overrides that reverse what a price line reads, and zero-width characters that make two
different strings look alike. :func:`terminal_safe` removes all of them (keeping the visible
text); :func:`json_safe` does the same to every string inside a JSON-able value, so ``--json``
output stays data without control characters. Rich/Textual markup is escaped by the TUI, which
owns that renderer (``tui.safe``), on top of this.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Final

# ESC-introduced sequences: CSI (ESC [ … final), OSC/DCS/SOS/PM/APC strings (ESC ] … BEL or ST),
# and two-byte escapes; plus their 8-bit C1 forms (CSI U+009B, OSC U+009D, …).
_ESCAPE_SEQUENCE: Final = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?               # CSI … final byte
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])        # OSC DCS SOS PM APC …
      .*?(?:\x07|\x1b\\|\x9c|$)                      #   … up to BEL or ST (or the end)
    | \x1b[ -/]*[0-~]?                               # any other ESC sequence
    """,
    re.VERBOSE | re.DOTALL,
)
# Bidi embeddings, overrides and isolates, and marks: they reorder what the shopper reads.
_BIDI: Final = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Invisible characters that make different strings look the same.
_INVISIBLE: Final = frozenset(
    "\u00ad\u034f\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
)
_LINE_BREAKS: Final = frozenset("\n\u2028\u2029\x85")


def terminal_safe(text: str, *, multiline: bool = False) -> str:
    """``text`` without control characters, escape sequences, bidi controls or invisible tricks.

    Tabs become spaces; line breaks become spaces too unless ``multiline`` (then ``\\n``).
    Unpaired surrogates become U+FFFD, so the result always encodes as UTF-8.
    """
    if text.isprintable() and text.isascii():
        return text  # the common case, fast
    text = _ESCAPE_SEQUENCE.sub("", text)
    out: list[str] = []
    for ch in text:
        if ch in _LINE_BREAKS or ch == "\r":
            if ch != "\r" or not multiline:
                out.append("\n" if multiline else " ")
        elif ch == "\t":
            out.append(" ")
        elif ch in _BIDI or ch in _INVISIBLE:
            continue
        else:
            category = unicodedata.category(ch)
            if category == "Cs":
                out.append("\ufffd")
            elif category in ("Cc", "Cf"):
                continue
            else:
                out.append(ch)
    return "".join(out)


def json_safe(value: Any) -> Any:
    """A JSON-able value with every string (keys too) made terminal-safe, multi-line kept."""
    if isinstance(value, str):
        return terminal_safe(value, multiline=True)
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


class SafeJson(dict[str, Any]):
    """A JSON object parsed from text that :func:`json_text_safe` passed: every string in it is
    terminal-safe as it came (the transports mark answers so; the models then skip the walk)."""


def json_text_safe(text: str) -> bool:
    """Whether every string the JSON ``text`` holds is already terminal-safe: the text is
    printable, holds no U+034F (the one printable character :func:`terminal_safe` removes), and
    no escape but ``\\\\``, ``\\"`` and ``\\/`` (the rest can spell a control character)."""
    if not text.isprintable() or "\u034f" in text:
        return False
    if "\\" not in text:
        return True
    # Left to right, pair by pair, as a JSON reader reads escapes: what remains starts another.
    return "\\" not in text.replace("\\\\", "").replace('\\"', "").replace("\\/", "")


def already_safe(value: Any) -> bool:
    """Whether :func:`json_safe` would leave the JSON-able ``value`` as it is: one C-level
    encoding and :func:`json_text_safe` instead of a walk (the common, plain answer)."""
    if isinstance(value, SafeJson):
        return True
    try:
        text = json.dumps(value, ensure_ascii=False, check_circular=False)
    except (TypeError, ValueError, RecursionError):
        return False  # not plain JSON (a model instance, a set...): the walk decides
    return json_text_safe(text)
