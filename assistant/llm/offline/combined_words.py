"""Requests in one sentence: something to get, or several things, then how they should come.

"hi, can I get some tulips and pick them up in Camden?" is a ``want`` (tulips) whose ``then`` is
a ``pickup`` (Camden); "two bags of coffee, deliver to Paris" a ``want`` of two whose ``then`` is
an ``address``; "two bags of coffee and some tulips to collect from Camden" a ``want`` of two
things, each searched for and its best match added, whose ``then`` is the pickup. The sentence is
cut at a joining word ("and", "then", a comma, "for pickup", "with the cheapest shipping", "to
collect from") where the part after it reads as one of the requests that follow a basket (pickup,
an address, a delivery choice, checkout) and the part before it as things to get. A colour
before "and" describes what follows ("a black and white shirt" is one thing), and "&" belongs to
a name ("the Ember & Oak mug"). Any other sentence with an "and" or a comma ("flowers and red
wine", "add 1 and 3") is left to the single readers: without a "then", several things are one
search, each the shopper's to choose.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Final

from assistant.llm.offline.intent import Intent, Item, Ref
from assistant.llm.offline.items import NUM, item_in, items_in
from assistant.llm.offline.search_words import SEARCH_LEAD

FOLLOWING: Final = frozenset({"pickup", "pickup_list", "address", "delivery", "checkout"})
GETTING: Final = frozenset({"search", "want", "add"})
_JOIN: Final = re.compile(
    r"\s*[,;]\s*(?:and\s+)?(?:then\s+)?|\s+and\s+(?:then\s+)?|\s+then\s+"
    r"|\s+(?=(?:for|with)\s)"
)
_LEADING_NUMBER: Final = re.compile(rf"^{NUM}\s+", re.I)
_LISTED: Final = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.I)


# "pick up some roses from Rockridge", "ship a bottle of red wine to Paris": the verb first, and
# something new to get (some, a, a number): "collect the tulips from Chelsea" is the basket's.
_NEW = r"(?:some|a|an|a few|a couple of|one|two|three|four|five|six|\d+)\b"
_VERB_FIRST: Final = (
    (
        "pickup",
        re.compile(
            r"^(?:(?:i'?d like to|i want to|i'?ll|let me|can i|could i|i'?d rather) )?"
            rf"(?:pick up|collect) (?P<what>{_NEW}.+?) (?:from|at|in) (?:the )?(?P<where>.+?)"
            r"(?: shop| store| branch)?$",
            re.I,
        ),
    ),
    (
        "address",
        re.compile(
            rf"^(?:send|ship|deliver|post) (?P<what>{_NEW}.+?) to (?:my |the )?(?P<where>.+?)"
            r"(?: address)?$",
            re.I,
        ),
    ),
)


# "two bags of coffee and some tulips to collect from Camden", "roses for pickup at Chelsea":
# what to get, then where the shopper collects it.
_TO_COLLECT: Final = re.compile(
    r"^(?P<what>.+?) (?:to (?:collect|pick up)|to be collected|for (?:pick-?up|collection))"
    r"(?: (?:it|them))? (?:from|at|in) (?:the )?(?P<where>.+?)(?: shop| store| branch)?$",
    re.I,
)
# Words that describe the thing after "and" rather than name a thing of their own.
_COLOURS: Final = frozenset(
    {
        *("black", "white", "red", "yellow", "blue", "green", "pink", "purple", "orange"),
        *("grey", "gray", "brown", "navy", "cream", "silver", "gold", "beige", "ivory"),
        *("light", "dark"),
    }
)

# "I'd like some roses delivered to my Paris address": something named, then where it goes
# ("I want them delivered to …" names nothing new: the basket's, an address alone).
_PRONOUN: Final = re.compile(r"\b(?:it|them|this|that|these|those|everything)\b", re.I)
_SENT: Final = re.compile(
    r"^(?P<what>.+?) (?:delivered|sent|shipped|posted) to (?:my |the )?(?P<where>.+?)"
    r"(?: address)?$",
    re.I,
)


def combined_intent(text: str, parse_one: Callable[[str], Intent]) -> Intent | None:
    """What to get with its ``then``, or None when the sentence is one request."""
    for kind, pattern in _VERB_FIRST:
        if m := pattern.match(text):
            first = parse_one(m.group("what"))
            getting = _getting(first, m.group("what"))
            if getting is not None:
                return replace(getting, then=Intent(kind, choice=m.group("where").lower()))
    if (m := _TO_COLLECT.match(text)) and not _PRONOUN.fullmatch(m.group("what")):
        getting = _getting(parse_one(m.group("what")), m.group("what"))
        if getting is not None and getting.kind == "want":
            return replace(getting, then=Intent("pickup", choice=m.group("where").lower()))
    if (m := _SENT.match(text)) and not _PRONOUN.search(m.group("what")):
        getting = _getting(parse_one(m.group("what")), m.group("what"))
        if getting is not None and getting.kind == "want":
            return replace(getting, then=Intent("address", choice=m.group("where").lower()))
    for join in _JOIN.finditer(text):
        head, tail = text[: join.start()].strip(), text[join.end() :].strip()
        if not head or not tail:
            continue
        then = parse_one(re.sub(r"^(?:for|with)\s+", "", tail, flags=re.I))
        if then.kind not in FOLLOWING or combined_intent(tail, parse_one) is not None:
            continue  # "roses and tulips, pick them up": the tulips are wanted too
        first = parse_one(head)
        getting = _getting(first, head)
        if getting is not None:
            return replace(getting, then=then)
    return None


def _getting(first: Intent, said: str) -> Intent | None:
    """The first part as things to get, or None when it is not things to get."""
    if first.kind not in GETTING:
        return None
    if first.kind == "search":
        return _wanted(first, said)
    if all(item.ref.kind == "words" for item in first.items) and first.items:
        # "buy tulips and collect them…": the tulips on screen, else searched for
        return _want(first.items)
    return first if first.kind == "add" else None


def _wanted(search: Intent, head: str) -> Intent | None:
    """A search said as things to get ("two bags of coffee") as a ``want`` with its counts."""
    if not search.query:
        return None  # nothing named
    # "&" is part of a name ("the Ember & Oak mug"): only "and" and commas list things
    pieces = [p for p in _LISTED.split(SEARCH_LEAD.sub("", head)) if p.strip()]
    if len(pieces) > 1:  # "two bags of coffee and some tulips": each with its count
        listed = [item_in(piece.strip()) for piece in pieces]
        things = [item for item in listed if item is not None and item.ref.kind == "words"]
        return _want(tuple(things)) if len(things) == len(pieces) else None
    items = items_in(SEARCH_LEAD.sub("", head))
    quantity = items[0].quantity if len(items) == 1 else None
    query = _LEADING_NUMBER.sub("", search.query) if quantity is not None else search.query
    return replace(search, kind="want", items=(Item(Ref("words", query), quantity),), query=query)


def _want(items: tuple[Item, ...]) -> Intent:
    """Things to get, a colour before "and" joined to what it describes ("black and white")."""
    things: list[Item] = []
    for item in items:
        last = things[-1] if things else None
        if last is not None and last.ref.value in _COLOURS and item.quantity is None:
            joined = f"{last.ref.value} and {item.ref.value}"
            things[-1] = Item(Ref("words", joined), last.quantity)
        else:
            things.append(item)
    return Intent(
        "want", items=tuple(things), query=" and ".join(item.ref.value for item in things)
    )
