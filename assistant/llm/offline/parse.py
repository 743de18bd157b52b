"""The shopper's sentence as an intent with slots: deterministic, no model, no trip.

References ("3", "the first one", "the red tulips", "both", "it") and quantities ("2 of 3",
"two of the first one", "3 x2") are read here and resolved against the trip by the planner.

Quantity rule: the number an "x" (or "×") is written against is the count. "3 x2" and "2x 3"
both mean two of item 3; "2 x roses" and "roses x2" two of the roses. When the x touches both
numbers or neither ("3x2", "3 x 2"), or two bare numbers follow "add" ("add 3 2"), it is
ambiguous and the planner asks back. "2 of 3" is two of item 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final, Literal

RefKind = Literal["number", "ordinal", "words", "it", "all", "both", "id"]


@dataclass(frozen=True)
class Ref:
    """Something the shopper points at: a shown number, a position, words, or a pronoun."""

    kind: RefKind
    # the number, the 1-based position ("-1" = last), the words, or a store's own item id
    # ("bouquet_roses", or "bouquet_roses at Flower Shop" for a store without a catalog)
    value: str = ""


@dataclass(frozen=True)
class Item:
    ref: Ref
    quantity: int | None = None  # None: the shopper gave no number (one, or keep it)


@dataclass(frozen=True)
class Intent:
    """What the shopper asked for; unused slots keep their defaults."""

    kind: str
    items: tuple[Item, ...] = ()
    query: str = ""
    max_price: str = ""
    min_price: str = ""
    currency: str = ""
    in_stock: bool = False
    order: Literal["relevance", "cheapest", "priciest"] = "relevance"
    code: str = ""
    store: str = ""  # the shopper's words for a store
    choice: str = ""  # delivery: cheapest | fastest; address: the shopper's words for it
    question: str = ""  # kind "ask": what to ask back
    then_buy: bool = False
    extra: dict[str, str] = field(default_factory=dict)


NUMBER_WORDS: Final = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "a couple": 2, "a couple of": 2,
    "a pair of": 2, "pair": 2, "both": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a dozen": 12,
    "half a dozen": 6,
}  # fmt: skip
ORDINALS: Final = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
    "last": -1, "top": 1,
}  # fmt: skip
CURRENCIES: Final = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "usd": "USD",
    "dollar": "USD", "dollars": "USD", "bucks": "USD", "£": "GBP", "gbp": "GBP",
    "pound": "GBP", "pounds": "GBP", "quid": "GBP",
}  # fmt: skip
_NUM = r"(?:\d+|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True)) + r")"
_CUR = r"(?:€|\$|£|eur|usd|gbp)"
_CUR_WORD = r"(?:euros?|dollars?|bucks|pounds?|quid|eur|usd|gbp)"
_AMOUNT = rf"(?P<pre>{_CUR})?\s?(?P<amount>\d+(?:[.,]\d{{1,2}})?)\s?(?P<post>{_CUR_WORD}\b|{_CUR})?"
_CODE = re.compile(r"\b(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Z0-9][A-Z0-9-]{3,}\b")
_POLITE = re.compile(
    r"\b(?:please|pls|plz|thanks|thank you|for me|if you can|if possible|now|then|ok|okay|"
    r"could you|can you|would you|will you|just|kindly)\b[,]?",
    re.I,
)
_SEARCH_LEAD = re.compile(
    r"^(?:(?:can|could) you |would you |please )?(?:help me )?(?:search(?: for)?|find(?: me)?|"
    r"look(?:ing)? for|i'?m looking for|i am looking for|show me|do you have|have you got|"
    r"got any|any|what about|how about|i need|we need|i'?d like|i would like|i want|i'?m after|"
    r"get me|give me|i'?ll take|i'?ll have|buy me|order me|browse)\b\s*",
    re.I,
)
_WANT_VERBS = re.compile(
    r"^(?:i'?d like|i would like|i want|get me|give me|i'?ll take|i'?ll have|buy me)\b\s*",
    re.I,
)
_PERSON = (
    r"(?:mum|mom|mother|dad|father|wife|husband|partner|friend|sister|brother|son|daughter|"
    r"boss|gran|grandma|grandmother|grandad|grandpa|aunt|uncle|girlfriend|boyfriend|colleague)"
)
_RECIPIENT = re.compile(rf"\b(?:for|to give) (?:my|a|our|the) {_PERSON}\b(?: who (?:\w+ )?)?", re.I)
_FILLER = re.compile(
    r"\b(?:a bottle of|bottles of|bottle of|a box of|a bunch of|a pack of|some|something|anything|"
    r"nice|good|lovely|great|a few|few|a|an|the|that is|that's|which is)\b",
    re.I,
)


def _num(word: str) -> int | None:
    word = word.strip().lower()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def clean(text: str) -> str:
    """One line, no trailing punctuation, no politeness, single spaces."""
    text = " ".join(text.replace("’", "'").split())
    text = re.sub(r"[.!?]+$", "", text).strip()
    text = _POLITE.sub(" ", text)
    return " ".join(text.strip(" ,").split())


def parse(text: str) -> Intent:
    """The intent of one shopper message (never raises)."""
    raw = " ".join(text.replace("’", "'").split())
    cleaned = clean(raw)
    lowered = cleaned.lower()
    for reader in _READERS:
        intent = reader(cleaned, lowered, raw)
        if intent is not None:
            return intent
    return _search(cleaned) or Intent("unknown", query=cleaned)


# --- readers, tried in order ---------------------------------------------------------------------


def _chat(text: str, low: str, raw: str) -> Intent | None:
    plain = re.sub(r"[.!?]+$", "", raw.lower()).strip()
    if plain in ("what can you do", "what can i say", "how do i use this", "what do you do"):
        return Intent("help")
    if low in ("", "?", "help", "commands", "what can you do", "how does this work", "menu"):
        return Intent("help") if low else (Intent("thanks") if _is_thanks(raw) else Intent("help"))
    if re.fullmatch(
        r"(?:hi|hello|hey|hiya|yo|howdy|good (?:morning|afternoon|evening))(?: there)?"
        r"(?: \w+)?",
        low,
    ):
        return Intent("greet")
    if _is_thanks(raw) and len(low.split()) <= 3:
        return Intent("thanks")
    if re.fullmatch(r"(?:bye|goodbye|see you|cya|that's all|that is all)", low):
        return Intent("bye")
    return None


def _is_thanks(raw: str) -> bool:
    return bool(
        re.match(r"(?i)\s*(?:thanks|thank you|thx|cheers|ta|perfect|great|brilliant)\b", raw)
    )


def _session(text: str, low: str, raw: str) -> Intent | None:
    if re.fullmatch(
        r"(?:i'?m|i am|im) back|back|done|i'?m done|all done|i did it|finished|"
        r"i'?ve (?:done|finished|confirmed) it|recheck|check again|it'?s done",
        low,
    ):
        return Intent("back")
    if re.fullmatch(
        r"escalations|what needs me|what do i (?:need|have) to do|anything for me(?: to do)?|"
        r"what'?s (?:pending|waiting)|to ?do",
        low,
    ):
        return Intent("escalations")
    if m := re.search(
        r"\b(?:track|where'?s|where is|status of|has) (?:my |the )?(?:order|parcel|"
        r"package|delivery)(?: (?P<id>[A-Z0-9][\w-]+))?",
        text,
        re.I,
    ):
        return Intent("track", code=m.group("id") or "")
    if re.fullmatch(
        r"(?:show |list |see |what are )?(?:me )?(?:my |the )?(?:past )?orders?"
        r"(?: status)?|order status|what have i (?:ordered|bought)",
        low,
    ):
        return Intent("orders")
    return None


def _basket(text: str, low: str, raw: str) -> Intent | None:
    bag = r"(?:basket|cart|bag|trolley)"
    if re.fullmatch(
        rf"(?:what'?s|what is) in (?:my |the )?{bag}|(?:show|view|see|open) (?:me )?"
        rf"(?:my |the )?{bag}|(?:my )?{bag}|what have i (?:got|added)|"
        rf"how much (?:is|does) (?:it|my {bag}|the {bag}|everything)(?: come to| cost)?|"
        rf"what'?s the total|(?:the )?total",
        low,
    ):
        return Intent("basket")
    if re.fullmatch(
        rf"(?:empty|clear|reset) (?:my |the )?{bag}|remove (?:everything|all)|"
        rf"start over|delete everything",
        low,
    ):
        return Intent("clear")
    return None


def _buy(text: str, low: str, raw: str) -> Intent | None:
    if re.fullmatch(
        r"(?:let'?s |go ahead and |i want to |i'?d like to )?(?:buy|purchase|pay(?: now)?|"
        r"order)(?: (?:it|it all|them|them all|everything|all of (?:it|them)|all|"
        r"the lot|now))?|place (?:the |my )?orders?|complete(?: (?:the )?purchase)?|"
        r"checkout and pay|pay for (?:it|everything|it all)|buy buy",
        low,
    ):
        return Intent("buy")
    if re.fullmatch(
        r"(?:go to |proceed to |let'?s )?check ?out|prepare(?: checkout)?|"
        r"i'?m ready|ready|review(?: my)? order",
        low,
    ):
        return Intent("checkout")
    return None


def _delivery(text: str, low: str, raw: str) -> Intent | None:
    ship = r"(?:shipping|delivery|postage|option|shipment)"
    if m := re.search(
        rf"\b(cheapest|cheaper|free|slowest|fastest|quickest|express|faster|"
        rf"next[- ]day|standard)\b(?: \w+)? {ship}\b",
        low,
    ):
        word = m.group(1)
        fast = word in ("fastest", "quickest", "express", "faster", "next-day", "next day")
        return Intent("delivery", choice="fastest" if fast else "cheapest")
    if re.search(
        rf"\b{ship}\b.*\b(?:fast|quick|asap|soon)\b|\bas (?:fast|soon) as possible\b", low
    ):
        return Intent("delivery", choice="fastest")
    if m := re.search(
        r"\b(?:ship|send|deliver)(?: it| them| everything)? to (?:my |the )?"
        r"(?P<where>.+?)(?: address)?$",
        low,
    ):
        return Intent("address", choice=m.group("where").strip())
    if m := re.search(r"\buse (?:my |the )?(?P<where>.+?) address$", low):
        return Intent("address", choice=m.group("where").strip())
    return None


def _discount(text: str, low: str, raw: str) -> Intent | None:
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


def _remove(text: str, low: str, raw: str) -> Intent | None:
    m = re.match(
        r"(?:remove|delete|drop|take out|take away|get rid of|lose|cancel|"
        r"i don'?t want|i do not want|no more|forget|scrap)\s+(?P<rest>.+)",
        text,
        re.I,
    )
    if m is None:
        return None
    rest = re.sub(
        r"\s+(?:from|out of) (?:my |the )?(?:basket|cart|bag)$", "", m.group("rest"), flags=re.I
    )
    items = _items(rest)
    return Intent("remove", items=tuple(Item(i.ref) for i in items)) if items else None


def _change(text: str, low: str, raw: str) -> Intent | None:
    if m := re.match(
        rf"(?:change|set|make|update|qty|quantity|put)\s+(?P<ref>.+?)\s+(?:to |= ?|at )?"
        rf"(?P<n>{_NUM})(?: of (?:them|it|those))?$",
        text,
        re.I,
    ):
        ref = _ref(m.group("ref"))
        n = _num(m.group("n"))
        if ref is not None and n is not None:
            return Intent("set", items=(Item(ref, n),))
    if m := re.match(
        rf"(?:i want |make (?:it|that) |just |only )?(?P<n>{_NUM}) (?:of )?(?P<ref>.+?) "
        rf"instead(?: of \w+)?$",
        text,
        re.I,
    ):
        ref = _ref(m.group("ref"))
        n = _num(m.group("n"))
        if ref is not None and n is not None:
            return Intent("set", items=(Item(ref, n),))
    if m := re.fullmatch(rf"(?:make it|make that|change it to|i'?ll take) (?P<n>{_NUM})", low):
        n = _num(m.group("n"))
        if n is not None:
            return Intent("set", items=(Item(Ref("it"), n),))
    return None


def _again(text: str, low: str, raw: str) -> Intent | None:
    """ "buy 3 again": something already ordered, bought once more (only when said so)."""
    if m := re.fullmatch(r"(?:buy|add|order|get)\s+(?P<rest>.+?)\s+(?:once )?again", text, re.I):
        items = _items(m.group("rest"))
        if items and all(i.ref.kind not in ("it", "all", "both") for i in items):
            return Intent("add", items=tuple(items), extra={"again": "yes"})
        return Intent(
            "ask", question='Say which item to buy again by its number, e.g. "buy 3 again".'
        )
    if re.fullmatch(r"(?:buy|order)(?: it| them| that)? again", low):
        return Intent(
            "ask", question='Say which item to buy again by its number, e.g. "buy 3 again".'
        )
    return None


def _add(text: str, low: str, raw: str) -> Intent | None:
    then_buy = False
    m = re.match(r"(?:add|put|pop|throw|stick|include|grab|buy|order)\s+(?P<rest>.+)", text, re.I)
    if m is not None:
        then_buy = low.startswith(("buy ", "order "))
        rest = m.group("rest")
    elif (w := _WANT_VERBS.match(text)) is not None:
        rest = text[w.end() :]
    elif re.fullmatch(
        r"(?:\d+|the \w+ one|\w+ one|both|it|that one|this one|these|those)", low
    ) or (re.match(r"\d", low) and re.fullmatch(r"[\d\s,x×of&and]+", low)):
        rest = text
    else:
        return None
    rest = re.sub(
        r"\s+(?:to|in|into) (?:my |the )?(?:basket|cart|bag|order)$", "", rest, flags=re.I
    )
    if ambiguous := _ambiguous_numbers(rest):
        return Intent("ask", question=ambiguous)
    items = _items(rest)
    if items and all(i.ref.kind != "words" for i in items):
        return Intent("add", items=tuple(items), then_buy=then_buy)
    words = " ".join(i.ref.value for i in items if i.ref.kind == "words")
    if items and m is not None:  # "add the red tulips": words that must name a result
        return Intent("add", items=tuple(items), then_buy=then_buy)
    if items:  # "I'd like a bottle of Barolo": a result if one matches, else a search
        return Intent("want", items=tuple(items), query=_content(words))
    return None


def _ambiguous_numbers(rest: str) -> str:
    low = rest.lower().strip()
    if m := re.fullmatch(r"(\d+)\s*(?:x|×|\*)\s*(\d+)|(\d+) (\d+)", low):
        a, b = (g for g in m.groups() if g is not None)
        if not re.fullmatch(r"\d+ [x×*]\d+|\d+[x×*] \d+", low):  # "3 x2", "2x 3" are clear
            return (
                f"Did you mean {b} of item {a}, or {a} of item {b}? "
                f'Say "{b} of {a}" or "{a} of {b}".'
            )
    return ""


def _items(text: str) -> list[Item]:
    """ "2 of 3, the first one and 3 x2" as items; [] if a piece is not a reference."""
    text = re.sub(r"\b(?:please|too|as well|also)\b", " ", text, flags=re.I).strip(" ,")
    if re.fullmatch(r"(?:both|both of (?:them|those|these)|the two of them)", text, re.I):
        return [Item(Ref("both"))]
    if re.fullmatch(
        r"(?:all|all of (?:them|those|these|it)|everything|the lot|them all)", text, re.I
    ):
        return [Item(Ref("all"))]
    items: list[Item] = []
    for piece in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*|\s+plus\s+", text):
        if not piece:
            continue
        item = _item(piece.strip())
        if item is None:
            return []
        items.append(item)
    return items


def _item(piece: str) -> Item | None:
    low = piece.lower()
    patterns = (
        r"(?P<ref>.+?) ?[x×*](?P<n>\d+)",  # "3 x2", "the roses x3"
        rf"(?P<n>{_NUM})[x×*] (?:of )?(?P<ref>.+)",  # "2x 3", "2x the roses"
        rf"(?P<n>{_NUM}) [x×*] (?:of )?(?P<ref>\D.*)",  # "2 x the roses"
        r"(?P<ref>\D.*?) [x×*] (?P<n>\d+)",  # "the roses x 3"
        rf"(?P<n>{_NUM}) (?:more )?(?:of |more of )(?P<ref>.+)",  # "2 of 3", "two of the first one"
        rf"(?P<n>{_NUM}) (?:more )?(?P<ref>(?:the |those |these |them|of )?(?:first|second|third|"
        rf"fourth|fifth|last|top|\d+(?:st|nd|rd|th))\b.*)",
        rf"(?P<n>(?!a\b|an\b){_NUM}) (?P<ref>(?!of\b)[a-z].*)",  # "2 red tulips", "three barolo"
    )
    for pattern in patterns:
        if m := re.fullmatch(pattern, low):
            n, ref = _num(m.group("n")), _ref(piece[m.start("ref") : m.end("ref")])
            if n is not None and ref is not None:
                return Item(ref, n)
    if re.fullmatch(r"(?:another|one more)(?: one)?", low):
        return Item(Ref("it"), 1)
    if m := re.fullmatch(r"(?:another|one more) (?:of )?(?P<ref>.+)", low):
        ref = _ref(piece[m.start("ref") :])
        return Item(ref, 1) if ref is not None else None
    ref = _ref(piece)
    return Item(ref) if ref is not None else None


def _ref(text: str) -> Ref | None:
    if m := re.fullmatch(r"\s*(?P<id>[\w.:/-]*[_:/][\w.:/-]*)(?P<at> at .+)?\s*", text):
        return Ref("id", m.group("id") + (m.group("at") or ""))
    low = re.sub(r"^(?:item|number|no\.?|#)\s*", "", text.lower().strip(" ,."))
    low = re.sub(r"^(?:the|that|this|those|these|a|an|some|my)\s+", "", low)
    if re.fullmatch(r"#?\d+", low):
        return Ref("number", low.lstrip("#"))
    if low in ("it", "that", "this", "that one", "this one", "them", "those", "these", "one"):
        return Ref("it")
    if low in ("both", "both of them"):
        return Ref("both")
    m = re.fullmatch(r"(\w+)(?: one| result| item| option| product)?", low)
    if m is not None and m.group(1) in ORDINALS:
        return Ref("ordinal", str(ORDINALS[m.group(1)]))
    words = _content(low)
    return Ref("words", words) if words else None


def _content(text: str) -> str:
    text = _FILLER.sub(" ", text.lower())
    text = re.sub(r"\b(?:one|ones|item|items|please|of|for|me|my|i|to|with|in|and)\b", " ", text)
    return " ".join(re.sub(r"[^\w\s&'-]", " ", text).split())


def _price(text: str) -> tuple[str, dict[str, str]]:
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


def _search(text: str) -> Intent | None:
    body = _SEARCH_LEAD.sub("", text).strip()
    body = _SEARCH_LEAD.sub("", body).strip()
    body, prices = _price(body)
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
    low = _RECIPIENT.sub(" ", low)
    query = _content(low)
    query = re.sub(r"^(?:you have|do you have|there|any)\b\s*", "", query).strip()
    query = re.sub(r"\s*\b(?:you have|you'?ve got|you got|have you got)$", "", query).strip()
    if not query and not prices and order == "relevance":
        return None
    return Intent(
        "search",
        query=query,
        max_price=prices.get("max", ""),
        min_price=prices.get("min", ""),
        currency=prices.get("currency", ""),
        in_stock=in_stock,
        order=order,
    )


def _more(text: str, low: str, raw: str) -> Intent | None:
    if re.fullmatch(
        r"(?:show |see |give me |any )?(?:me )?(?:some )?more(?: results| options| please|"
        r" of them| like (?:this|that|these))?|next(?: page)?|what else(?: is there)?|"
        r"others|anything else",
        low,
    ):
        return Intent("more")
    if m := re.fullmatch(
        r"(?:show|tell me about|details (?:of|for|on)|more about|what is|what'?s|"
        r"describe|info on|info about|look at|open)\s+(?P<ref>.+)",
        low,
    ):
        ref = _ref(m.group("ref"))
        if ref is not None and ref.kind in ("number", "ordinal", "it"):
            return Intent("show", items=(Item(ref),))
        if ref is not None and low.startswith(
            ("tell me about", "more about", "details", "describe")
        ):
            return Intent("show", items=(Item(ref),))
    return None


_READERS = (
    _chat,
    _session,
    _basket,
    _again,
    _buy,
    _delivery,
    _discount,
    _more,
    _remove,
    _change,
    _add,
)
