"""References and quantities in the shopper's words: "3", "the first one", "2 of 3", "3 x2".

Quantity rule: the number an "x" (or "×") is written against is the count. "3 x2" and "2x 3"
both mean two of item 3; "2 x roses" and "roses x2" two of the roses. When the x touches both
numbers or neither ("3x2", "3 x 2"), or two bare numbers follow "add" ("add 3 2"), it is
ambiguous and the planner asks back. "2 of 3" is two of item 3.
"""

from __future__ import annotations

import re
from typing import Final

from assistant.llm.offline.intent import Item, Ref

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
NUM = r"(?:\d+|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True)) + r")"
_FILLER = re.compile(
    r"\b(?:a bottle of|bottles of|bottle of|a box of|a bunch of|a pack of|bunch(?:es)? of|"
    r"bags? of|packs? of|box(?:es)? of|some|something|anything|"
    r"nice|good|lovely|great|a few|few|a|an|the|that is|that's|which is)\b",
    re.I,
)


def number(word: str) -> int | None:
    word = word.strip().lower()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def ambiguous_numbers(rest: str) -> str:
    low = rest.lower().strip()
    if m := re.fullmatch(r"(\d+)\s*(?:x|×|\*)\s*(\d+)|(\d+) (\d+)", low):
        a, b = (g for g in m.groups() if g is not None)
        if not re.fullmatch(r"\d+ [x×*]\d+|\d+[x×*] \d+", low):  # "3 x2", "2x 3" are clear
            return (
                f"Did you mean {b} of item {a}, or {a} of item {b}? "
                f'Say "{b} of {a}" or "{a} of {b}".'
            )
    return ""


def items_in(text: str) -> list[Item]:
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
        item = item_in(piece.strip())
        if item is None:
            return []
        items.append(item)
    return items


def item_in(piece: str) -> Item | None:
    low = piece.lower()
    if m := re.fullmatch(rf"(?P<n>{NUM}) more", low):  # "add 2 more": of the last one
        n = number(m.group("n"))
        return Item(Ref("it"), n) if n is not None else None
    patterns = (
        r"(?P<ref>.+?) ?[x×*](?P<n>\d+)",  # "3 x2", "the roses x3"
        rf"(?P<n>{NUM})[x×*] (?:of )?(?P<ref>.+)",  # "2x 3", "2x the roses"
        rf"(?P<n>{NUM}) [x×*] (?:of )?(?P<ref>\D.*)",  # "2 x the roses"
        r"(?P<ref>\D.*?) [x×*] (?P<n>\d+)",  # "the roses x 3"
        rf"(?P<n>{NUM}) (?:more )?(?:of |more of )(?P<ref>.+)",  # "2 of 3", "two of the first one"
        rf"(?P<n>{NUM}) (?:more )?(?P<ref>(?:the |those |these |them|of )?(?:first|second|third|"
        rf"fourth|fifth|last|top|\d+(?:st|nd|rd|th))\b.*)",
        rf"(?P<n>(?!a\b|an\b){NUM}) (?P<ref>(?!of\b)[a-z].*)",  # "2 red tulips", "three barolo"
    )
    for pattern in patterns:
        if m := re.fullmatch(pattern, low):
            n, ref = number(m.group("n")), ref_in(piece[m.start("ref") : m.end("ref")])
            if n is not None and ref is not None:
                return Item(ref, n)
    if re.fullmatch(r"(?:another|one more)(?: one)?", low):
        return Item(Ref("it"), 1)
    if m := re.fullmatch(r"(?:another|one more) (?:of )?(?P<ref>.+)", low):
        ref = ref_in(piece[m.start("ref") :])
        return Item(ref, 1) if ref is not None else None
    ref = ref_in(piece)
    return Item(ref) if ref is not None else None


def ref_in(text: str) -> Ref | None:
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
    m = re.fullmatch(r"(\w+)(?: one| result| item| option| product)?(?: in (?P<in>.+))?", low)
    if m is not None and m.group(1) in ORDINALS:
        # "the first one in white": that result, in the variant those words name
        variant = (
            f" in {words}" if m.group("in") and (words := content_words(m.group("in"))) else ""
        )
        return Ref("ordinal", f"{ORDINALS[m.group(1)]}{variant}")
    words = content_words(low)
    return Ref("words", words) if words else None


def content_words(text: str) -> str:
    text = _FILLER.sub(" ", text.lower())
    text = re.sub(r"\b(?:one|ones|item|items|please|of|for|me|my|i|to|with|in|and)\b", " ", text)
    return " ".join(re.sub(r"[^\w\s&'-]", " ", text).split())
