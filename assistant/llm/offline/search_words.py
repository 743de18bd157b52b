"""A search in the shopper's words: what to look for, price bounds, currency and order."""

from __future__ import annotations

import re
from typing import Final, Literal

from assistant.llm.offline.intent import Intent
from assistant.llm.offline.items import NUM, content_words
from assistant.shopping.words import wants

CURRENCIES: Final = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "usd": "USD",
    "dollar": "USD", "dollars": "USD", "bucks": "USD", "£": "GBP", "gbp": "GBP",
    "pound": "GBP", "pounds": "GBP", "quid": "GBP",
}  # fmt: skip
_CUR = r"(?:€|\$|£|eur|usd|gbp)"
_CUR_WORD = r"(?:euros?|dollars?|bucks|pounds?|quid|eur|usd|gbp)"
_AMOUNT = rf"(?P<pre>{_CUR})?\s?(?P<amount>\d+(?:[.,]\d{{1,2}})?)\s?(?P<post>{_CUR_WORD}\b|{_CUR})?"
SEARCH_LEAD = re.compile(
    r"^(?:(?:can|could) you |would you |please )?(?:help me )?(?:search(?: for)?|find(?: me)?|"
    r"look(?:ing)? for|i'?m looking for|i am looking for|show me|do you have|have you got|"
    r"got any|any|what about|how about|i need|we need|i'?d like|i would like|i want|i'?m after|"
    r"get me|give me|i'?ll take|i'?ll have|buy me|order me|browse)\b\s*",
    re.I,
)
_PERSON = (
    r"(?:mum|mom|mother|dad|father|wife|husband|partner|friend|sister|brother|son|daughter|"
    r"boss|gran|grandma|grandmother|grandad|grandpa|aunt|uncle|girlfriend|boyfriend|colleague)"
)
# "a gift for my mum, she likes flowers": what she likes is what to look for.
_TASTE = re.compile(
    r"^.*\b(?:she|he|they|who|mum|mom|dad)\s+(?:really\s+)?(?:likes?|loves?|enjoys?|adores?|"
    r"is into|are into|is a fan of)\b",
    re.I,
)
_GREETING = re.compile(r"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))\b[\s,!.]*", re.I)
# "two bags of coffee", "3 red roses": how many is no word of what to look for ("65 w charger",
# "10 year old port" and "2 pack" keep theirs: the number is part of the product).
_COUNT = re.compile(
    rf"^(?:{NUM}|dozen|half dozen)\s+(?!(?:w|gb|tb|mb|mm|cm|m|ml|cl|l|g|kg|oz|inch|in|k|mah|"
    r"pack|packs|year|years|piece|pieces|of)\b)",
    re.I,
)
_RECIPIENT = re.compile(
    rf"\b(?:for|to give) (?:my|a|our|the) {_PERSON}(?:'s\b|\b)(?: who (?:\w+ )?)?", re.I
)
# "a birthday present for my sister, she likes flowers": the occasion says which flowers fit.
_OCCASION = re.compile(
    r"\b(?:birthday|anniversary|wedding|engagement|graduation|retirement|valentine'?s?|"
    r"christmas|housewarming|get well|congratulations)\b",
    re.I,
)


def price_bounds(text: str) -> tuple[str, dict[str, str]]:
    """The text without its price words, and the bounds/currency they said."""
    found: dict[str, str] = {}
    patterns = (
        (
            "between",
            rf"\bbetween {_AMOUNT} and (?P<pre2>{_CUR})?\s?(?P<amount2>\d+(?:[.,]\d{{1,2}})?)"
            rf"\s?(?P<post2>{_CUR_WORD}\b|{_CUR})?",
        ),
        (
            "max",
            rf"\b(?:under|below|less than|cheaper than|max(?:imum)?|at most|up to|no more than|"
            rf"not more than|within|for less than|under the price of)\s+{_AMOUNT}",
        ),
        ("min", rf"\b(?:over|above|more than|at least|min(?:imum)?|from)\s+{_AMOUNT}"),
        ("max", rf"\b{_AMOUNT}\s+(?:or less|max|or under|tops)\b"),
    )
    for kind, pattern in patterns:
        m = re.search(pattern, text, re.I)
        if m is None:
            continue
        groups = m.groupdict()
        currency = (
            groups.get("pre") or groups.get("post") or groups.get("pre2") or groups.get("post2")
        )
        if currency:
            found["currency"] = CURRENCIES[currency.lower()]
        if kind == "between":
            found["min"], found["max"] = groups["amount"], groups["amount2"]
        else:
            found[kind] = groups["amount"]
        text = (text[: m.start()] + " " + text[m.end() :]).strip()
    return " ".join(text.split()), {k: v.replace(",", ".") for k, v in found.items()}


# "red wine from the wine shop", "a mug from Ember & Oak": the store to search (the planner keeps
# the words as the shopper's when they name no store: "coffee from Colombia")
_FROM_STORE = re.compile(
    r"\s+(?:from|at) (?:the |your )?(?P<store>[\w&' -]+?)(?: (?:shop|store|one))?$", re.I
)


def search_intent(text: str) -> Intent | None:
    body = SEARCH_LEAD.sub("", text).strip()
    body = SEARCH_LEAD.sub("", body).strip()
    body, prices = price_bounds(body)
    store = ""
    if (named := _FROM_STORE.search(body)) is not None and named.start() > 0:
        store, body = named.group("store"), body[: named.start()]
    low = body.lower()
    order: Literal["relevance", "cheapest", "priciest"] = "relevance"
    if re.search(r"\b(?:cheapest|cheap|cheaper|budget|inexpensive|affordable|lowest price)\b", low):
        order = "cheapest"
    elif re.search(r"\b(?:most expensive|priciest|luxury|top of the range|fanciest)\b", low):
        order = "priciest"
    in_stock = bool(re.search(r"\b(?:in stock|available (?:now|today)|that you have)\b", low))
    low = re.sub(
        r"\b(?:cheapest|cheap|cheaper|budget|inexpensive|affordable|lowest price|"
        r"most expensive|priciest|luxury|top of the range|fanciest|in stock|"
        r"available now|available today|that you have|the price|price|priced)\b",
        " ",
        low,
    )
    occasion = _OCCASION.search(low)
    low = _RECIPIENT.sub(" ", low)
    low = _GREETING.sub("", _TASTE.sub("", low)).strip()
    if occasion and not _OCCASION.search(low):
        low = f"{occasion.group()} {low}"
    # Each thing listed keeps its own words ("flowers and red wine" is searched as two wants).
    query = " and ".join(
        q for part in wants(low) if (q := _COUNT.sub("", content_words(part), count=1))
    )
    query = re.sub(
        r"^(?:you have|do you have|there|any|what'?s|what is|which is|which one is|which are|"
        r"which one'?s|which)\b\s*",
        "",
        query,
    ).strip()
    query = re.sub(r"\s*\b(?:you have|you'?ve got|you got|have you got)$", "", query).strip()
    if not query and not prices and order == "relevance" and not store:
        return None
    return Intent(
        "search",
        query=query,
        max_price=prices.get("max", ""),
        min_price=prices.get("min", ""),
        currency=prices.get("currency", ""),
        in_stock=in_stock,
        order=order,
        store=store,
    )
