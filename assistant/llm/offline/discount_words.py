"""Discount codes in the shopper's words: "use code WELCOME10", "remove WELCOME10 at Petal & Stem"
→ ``discount`` / ``undiscount`` with the code and, where named, the store."""

from __future__ import annotations

import re

from assistant.llm.offline.intent import Intent

_CODE = re.compile(r"\b(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Z0-9][A-Z0-9-]{3,}\b")


def discount_intent(text: str, low: str, raw: str) -> Intent | None:
    """The discount intent of a sentence (a code to apply or remove), or None."""
    removing = re.match(
        r"(?:remove|drop|delete|cancel|take off|undo)(?: the)? (?:discount |code |"
        r"coupon |promo )*|undiscount ",
        low,
    )
    has_word = re.search(r"\b(?:code|coupon|promo|voucher|discount)\b", low)
    upper = raw.upper()
    codes = _CODE.findall(upper) if (has_word or removing) else _CODE.findall(raw)
    if re.match(r"(?:use|apply|redeem|enter|try)\b", low):
        codes = _CODE.findall(upper)
    code_word = r"\b(?:code|coupon|promo|voucher)(?: code)?\s+(?!code\b)([A-Za-z0-9-]{3,})"
    if m := re.search(code_word, text, re.I):
        codes = [m.group(1).upper()]
    if not codes or not (
        has_word
        or removing
        or re.match(r"(?:use|apply|add|try|redeem|enter)\b", low)
        or low == codes[0].lower()
    ):
        return None
    code = codes[0]
    rest = re.sub(re.escape(code), " ", text, flags=re.I)
    rest = re.sub(
        r"\b(?:remove|drop|delete|cancel|take off|undo|undiscount|use|apply|add|try|"
        r"redeem|enter|the|my|a|discount|code|coupon|promo|voucher|please|i have)\b",
        " ",
        rest,
        flags=re.I,
    )
    store = re.sub(r"^(?:at|on|for|to|in|with|from)\s+", "", " ".join(rest.split()), flags=re.I)
    store = re.sub(r"^(?:at|on|for|to|in|with|from)\s+", "", store, flags=re.I).strip(" ,")
    return Intent("undiscount" if removing else "discount", code=code, store=store)
