"""The shopper's sentence as an intent with slots: deterministic, no model, no trip.

A sentence that asks for something and then how it comes ("tulips, and pick them up in
Camden") is read as both (``combined_words``). Otherwise readers are tried in order (chat,
session, basket, buying, pickup, delivery, discounts, paging, removing, changing, adding); a
sentence none of them reads is a search (``search_words``).
References ("3", "the first one", "the red tulips", "both", "it") and quantities ("2 of 3",
"two of the first one", "3 x2") are read by ``items`` and resolved against the trip by the
planner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from assistant.llm.offline.combined_words import combined_intent
from assistant.llm.offline.delivery_words import delivery_intent
from assistant.llm.offline.discount_words import discount_intent
from assistant.llm.offline.intent import Intent, Item, Ref
from assistant.llm.offline.items import (
    NUM,
    ambiguous_numbers,
    content_words,
    items_in,
    number,
    ref_in,
)
from assistant.llm.offline.pickup_words import pickup_intent
from assistant.llm.offline.search_words import search_intent

__all__ = ["Intent", "Item", "Ref", "clean", "parse"]

Reader = Callable[[str, str, str], Intent | None]  # (cleaned, lower-cased, as typed) → intent

_POLITE = re.compile(
    r"\b(?:please|pls|plz|thanks|thank you|for me|if you can|if possible|now|then|ok|okay|"
    r"could you|can you|would you|will you|just|kindly)\b[,]?",
    re.I,
)
# "actually make it 3", "oh wait, remove the roses": what follows is the request
_SECOND_THOUGHTS = re.compile(r"^(?:(?:actually|oh|wait|sorry|hmm+|um+|erm+|well)\b[,]?\s*)+", re.I)
_WANT_VERBS = re.compile(
    r"^(?:i'?d like|i would like|i want|get(?: me)?|give me|i'?ll take|i'?ll have|buy me|"
    r"(?:can|could|may) (?:i|we) (?:get|have|order|buy))\b\s*",
    re.I,
)
_HELLO = re.compile(
    r"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))(?: there)?(?:[,!.]+\s*|\s+)", re.I
)


def clean(text: str) -> str:
    """One line, no trailing punctuation, no politeness or second thoughts, single spaces."""
    text = " ".join(text.replace("’", "'").split())
    text = re.sub(r"[.!?]+$", "", text).strip()
    text = _POLITE.sub(" ", text)
    text = _SECOND_THOUGHTS.sub("", " ".join(text.strip(" ,").split()))
    return " ".join(text.strip(" ,").split())


def parse(text: str) -> Intent:
    """The intent of one shopper message (never raises)."""
    raw = " ".join(text.replace("’", "'").split())
    cleaned = clean(raw)
    if (hello := _HELLO.match(cleaned)) and (
        "," in hello.group() or len(cleaned[hello.end() :].split()) > 1
    ):
        cleaned = cleaned[hello.end() :]  # "hi, can I get some tulips": the tulips
    return combined_intent(cleaned, _one) or _one(cleaned, raw)


def _one(cleaned: str, raw: str = "") -> Intent:
    """The intent of one request."""
    raw = raw or cleaned
    lowered = cleaned.lower()
    for reader in _READERS:
        intent = reader(cleaned, lowered, raw)
        if intent is not None:
            return intent
    return search_intent(cleaned) or Intent("unknown", query=cleaned)


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
    if re.fullmatch(r"(?:bye|goodbye|see you|cya|that's all|that is all)", low):
        return Intent("bye")  # "thanks, bye" too: the thanks was cleaned away
    if _is_thanks(raw) and len(low.split()) <= 3:
        return Intent("thanks")
    if re.fullmatch(
        r"(?:no|nope|nah|no thanks|no thank you|not now|not yet|never ?mind|forget it|cancel|"
        r"don'?t|do not|stop|wait)",
        re.sub(r"[.!?]+$", "", raw.lower()).strip(" ,"),
    ):
        return Intent("ask", question=LEFT_AS_IS)
    if re.fullmatch(
        r"(?:what|which) (?:do you sell|do you have|can i buy|(?:shops|stores) (?:are|do you)"
        r"(?: there| have| know| use)?)|(?:which|what) (?:shops|stores)",
        low,
    ):
        return Intent("stores")
    return None


LEFT_AS_IS: Final = (
    "OK, I've left everything as it is: nothing was bought or changed. "
    'Tell me what you\'d like next, e.g. "what\'s in my basket" or "red roses".'
)


def _is_thanks(raw: str) -> bool:
    return bool(
        re.match(r"(?i)\s*(?:thanks|thank you|thx|cheers|ta|perfect|great|brilliant)\b", raw)
    )


def _whole(*sentences: tuple[str, str]) -> Reader:
    """A reader of fixed sentences: the intent (by kind) of the first pattern the whole
    lower-cased sentence matches."""
    compiled = [(kind, re.compile(pattern)) for kind, pattern in sentences]

    def read(text: str, low: str, raw: str) -> Intent | None:
        return next((Intent(kind) for kind, pattern in compiled if pattern.fullmatch(low)), None)

    return read


_BAG = r"(?:basket|cart|bag|trolley)"
_session = _whole(
    (
        "back",
        r"(?:i'?m|i am|im) back|back|done|i'?m done|all done|i did it|finished|"
        r"i'?ve (?:done|finished|confirmed) it|recheck|check again|it'?s done",
    ),
    (
        "escalations",
        r"escalations|what needs me|what do i (?:need|have) to do|anything for me(?: to do)?|"
        r"what'?s (?:pending|waiting)|to ?do",
    ),
    (
        "orders",
        r"(?:show |list |see |what are )?(?:me )?(?:my |the )?(?:past )?orders?"
        r"(?: status)?|order status|what have i (?:ordered|bought)",
    ),
)


def _track(text: str, low: str, raw: str) -> Intent | None:
    if m := re.search(
        r"\b(?:track|where'?s|where is|status of|has) (?:my |the )?(?:order|parcel|"
        r"package|delivery)(?: (?P<id>[A-Z0-9][\w-]+))?",
        text,
        re.I,
    ):
        return Intent("track", code=m.group("id") or "")
    return None


_basket = _whole(
    (
        "basket",
        rf"(?:what'?s|what is) in (?:my |the )?{_BAG}|(?:show|view|see|open) (?:me )?"
        rf"(?:my |the )?{_BAG}|(?:my )?{_BAG}|what have i (?:got|added)|"
        rf"(?:show|tell) me what'?s in (?:my |the )?{_BAG}|"
        # each store's paragraph says where its part goes ("Deliver to …")
        r"where (?:will|is|are|does|do) (?:it|they|my order|everything|the order|my stuff)"
        r"(?: be)? (?:delivered|going|go|sent|shipped)(?: to)?|where is it all going",
    ),
    (
        # the totals with shipping and tax: the checkouts say them (nothing is bought)
        "checkout",
        rf"how much (?:is|are|does|will) (?:it|that|this|those|these|my {_BAG}|the {_BAG}|"
        rf"everything|all (?:of )?(?:that|this|it|them)|it all|the lot)"
        rf"(?: all)?(?: come to| cost| be)?(?: altogether| in total)?|"
        rf"how much (?:altogether|in total|all together)|what does it (?:all )?come to|"
        rf"(?:what'?s|what is) (?:my |the )?total|(?:my |the )?total",
    ),
    (
        "clear",
        rf"(?:empty|clear|reset) (?:my |the )?{_BAG}|remove (?:everything|all)|"
        rf"start over|delete everything",
    ),
)
_YES = r"(?:yes|yeah|yep|yup|sure|go ahead|do it|go for it|sounds good|let'?s do it|proceed)"
_buy = _whole(
    ("yes", rf"{_YES}(?:[ ,]+{_YES})*"),
    (
        "buy",
        r"(?:let'?s |go ahead and |i want to |i'?d like to )?(?:buy|purchase|pay(?: now)?|"
        r"order)(?: (?:it|it all|them|them all|everything|all of (?:it|them)|all|"
        r"the lot|now))?|place (?:the |my )?orders?|complete(?: (?:the )?purchase)?|"
        r"checkout and pay|pay for (?:it|everything|it all)|buy buy",
    ),
    (
        "checkout",
        r"(?:go to |proceed to |let'?s )?check ?out|prepare(?: checkout)?|"
        r"i'?m ready|ready|review(?: my)? order",
    ),
)


_AN_ORDER: Final = re.compile(
    r"(?:my |the |that |this |an? )?(?:last )?orders?(?: [A-Z0-9][\w-]*)?", re.I
)
_PLACED_STAYS: Final = (
    "An order already placed cannot be cancelled from here: ask the store, on its order page "
    '(say "show my orders" for the links). To take something out before buying it, say '
    '"remove" and its name.'
)


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
    if re.fullmatch(
        r"(?:my |the |that |this |an? )?(?:last )?orders?(?: [A-Z0-9][\w-]*)?", rest, re.I
    ):
        return Intent("ask", question=_PLACED_STAYS)
    items = items_in(rest)
    return Intent("remove", items=tuple(Item(i.ref) for i in items)) if items else None


_SET_QUANTITY: Final = (
    re.compile(  # "change the roses to 2", "set 3 = 4"
        rf"(?:change|set|make|update|qty|quantity|put)\s+(?P<ref>.+?)\s+(?:to |= ?|at )?"
        rf"(?P<n>{NUM})(?: of (?:them|it|those))?$",
        re.I,
    ),
    re.compile(  # "just 2 of the tulips instead"
        rf"(?:i want |make (?:it|that) |just |only )?(?P<n>{NUM}) (?:of )?(?P<ref>.+?) "
        rf"instead(?: of \w+)?$",
        re.I,
    ),
)


def _change(text: str, low: str, raw: str) -> Intent | None:
    for pattern in _SET_QUANTITY:
        if (m := pattern.match(text)) is None:
            continue
        ref, n = ref_in(m.group("ref")), number(m.group("n"))
        if ref is not None and n is not None:
            return Intent("set", items=(Item(ref, n),))
    if m := re.fullmatch(rf"(?:make it|make that|change it to|i'?ll take) (?P<n>{NUM})", low):
        n = number(m.group("n"))
        if n is not None:
            return Intent("set", items=(Item(Ref("it"), n),))
    return None


_SWITCH: Final = (
    # "make it the black ones", "change it to the large one", "switch to the black ones"
    re.compile(
        r"(?:make|change|switch|swap|turn) (?:it|that|them|those|this|these|it all)"
        r"(?: (?:to|into|for))? (?P<what>.+)",
        re.I,
    ),
    re.compile(r"(?:switch|swap|change|go) (?:to|for) (?P<what>.+)", re.I),
    re.compile(r"(?P<what>(?:the )?\w+(?: \w+)? ones?) instead", re.I),
    re.compile(r"(?P<what>the (?!cheap|pric|most|least|other|same|first|last|next)\w+ ones)", re.I),
)


def _switch(text: str, low: str, raw: str) -> Intent | None:
    """ "actually make it the black ones": the basket's item, in another of its variants."""
    for pattern in _SWITCH:
        if (m := pattern.fullmatch(text)) is None:
            continue
        what = re.sub(r"\s+instead$", "", m.group("what"), flags=re.I)
        if (counted := re.match(rf"(?P<n>{NUM})\b", what, re.I)) is not None:
            n = number(counted.group("n"))  # "make it 3", "make it 2 bottles": how many
            return Intent("set", items=(Item(Ref("it"), n),)) if n is not None else None
        wanted = content_words(re.sub(r"^(?:the|a|an)\s+", "", what, flags=re.I))
        if wanted:
            return Intent("switch", query=wanted)
    return None


_WHICH_AGAIN: Final = 'Say which item to buy again by its number, e.g. "buy 3 again".'


def _again(text: str, low: str, raw: str) -> Intent | None:
    """ "buy 3 again": something already ordered, bought once more (only when said so)."""
    if m := re.fullmatch(r"(?:buy|add|order|get)\s+(?P<rest>.+?)\s+(?:once )?again", text, re.I):
        items = items_in(m.group("rest"))
        if items and all(i.ref.kind not in ("it", "all", "both") for i in items):
            return Intent("add", items=tuple(items), extra={"again": "yes"})
        return Intent("ask", question=_WHICH_AGAIN)
    if re.fullmatch(r"(?:buy|order)(?: it| them| that)? again", low):
        return Intent("ask", question=_WHICH_AGAIN)
    return None


def _add(text: str, low: str, raw: str) -> Intent | None:
    then_buy = False
    m = re.match(r"(?:add|put|pop|throw|stick|include|grab|buy|order)\s+(?P<rest>.+)", text, re.I)
    if m is not None:
        then_buy = low.startswith(("buy ", "order "))
        rest = m.group("rest")
    elif (w := _WANT_VERBS.match(text)) is not None:
        rest = text[w.end() :]
    elif (
        re.fullmatch(
            r"(?:\d+|the (?!cheap|pric)\w+ one|\w+ one|both|it|that one|this one|these|those)", low
        )
        or (re.match(r"\d", low) and re.fullmatch(r"[\d\s,x×of&and]+", low))
        or _counted_references(text)
    ):
        rest = text
    else:
        return None
    rest = re.sub(
        r"\s+(?:to|in|into) (?:my |the )?(?:basket|cart|bag|order)$", "", rest, flags=re.I
    )
    if ambiguous := ambiguous_numbers(rest):
        return Intent("ask", question=ambiguous)
    items = items_in(rest)
    if items and all(i.ref.kind != "words" for i in items):
        return Intent("add", items=tuple(items), then_buy=then_buy)
    if items and m is not None:  # "add the red tulips": words that must name a result
        return Intent("add", items=tuple(items), then_buy=then_buy)
    if items:  # "I'd like a bottle of Barolo": a result if one matches, else a search
        # several things are searched as a list ("tulips and roses"), each in turn
        listed = [content_words(i.ref.value) for i in items if i.ref.kind == "words"]
        return Intent("want", items=tuple(items), query=" and ".join(filter(None, listed)))
    return None


def _counted_references(text: str) -> bool:
    """ "2 more of those", "three of the first one": a count of things already shown."""
    if not re.match(rf"{NUM} ", text, re.I):
        return False
    items = items_in(text)
    return bool(items) and all(item.ref.kind != "words" for item in items)


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
        ref = ref_in(m.group("ref"))
        if ref is not None and ref.kind in ("number", "ordinal", "it"):
            return Intent("show", items=(Item(ref),))
        if ref is not None and low.startswith(
            ("tell me about", "more about", "details", "describe")
        ):
            return Intent("show", items=(Item(ref),))
    return None


_READERS: tuple[Reader, ...] = (
    _chat,
    _session,
    _track,
    _basket,
    _again,
    _buy,
    pickup_intent,  # before delivery: "deliver them" is going back to delivery
    delivery_intent,
    discount_intent,
    _more,
    _remove,
    _switch,
    _change,
    _add,
)
