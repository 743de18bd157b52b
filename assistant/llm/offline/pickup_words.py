"""Collecting instead of delivery, as shoppers say it: which sentences ask for pickup.

- "can I pick the flowers up instead?", "where can I collect them" → ``pickup_list``;
- "pick up near 10001", "pickup locations near Oakland" → ``pickup_list`` with ``choice`` the
  place;
- "I'll collect them from the Camden shop", "pick them up in Camden" → ``pickup`` with
  ``choice`` the shopper's words for the location;
- "actually deliver them", "deliver them instead", "no pickup" → ``deliver``.

Read before the delivery reader, so "deliver them" (no "to …") is going back to delivery while
"deliver to my Paris address" stays an address.
"""

from __future__ import annotations

import re
from typing import Final

from assistant.llm.offline.intent import Intent

_PICK: Final = r"(?:pick(?: [\w']+){0,3} up|pick-?up|collect(?:ion)?|click and collect)"
# "the tulips", never "the coffee to Paris": an address after "to" is the delivery reader's
_THEM: Final = r"(?: (?:it|them|everything|this|these|my order|the (?:(?!\bto\b)[\w' ])+?))?"
_PLACE: Final = r"(?: (?:shop|store|branch|location|one))?"

_DELIVER: Final = re.compile(
    rf"^(?:actually |no,? |instead |rather )?(?:(?:i'?d rather|i want|let'?s|please) )?"
    rf"(?:deliver|ship|send|post){_THEM}(?: (?:instead|after all|home|to me|to my home))*$"
    rf"|^(?:actually |no,? )?(?:no|cancel(?: the)?|stop(?: the)?|forget(?: the)?) {_PICK}$"
    rf"|^(?:actually |no,? )?(?:(?:i'?ll|i will) (?:have|take) )?delivery(?: instead| after all)?$"
    rf"|^(?:actually |no,? )?i (?:don'?t|do not|won'?t) (?:want to )?{_PICK}{_THEM}$"
)
_NEAR: Final = re.compile(rf"\b{_PICK}\b.*?\b(?:near|around|close to|in) (?P<where>.+)$")
_AT: Final = re.compile(
    rf"\b(?:collect(?:ion)?|pick(?: [\w']+){{0,3}} up|pick-?up){_THEM}"
    rf" (?:from|at|in) (?:the )?(?P<where>.+?){_PLACE}(?: instead| please)?$"
)
_ASK: Final = re.compile(
    rf"\b(?:can|could|may) (?:i|we) {_PICK}\b|\bwhere (?:can|could|do) (?:i|we) {_PICK}\b"
    rf"|^(?:i'?d like to |i want to |i'?ll |let me |i'?d rather )?{_PICK}{_THEM}(?: instead)?$"
    rf"|\b(?:pick-?up|collection) (?:locations?|points?|stores?|shops?|options?)\b"
    rf"|^(?:in[- ]store pick-?up|click and collect|store pick-?up)$"
)


_GENERIC: Final = frozenset({"store", "shop", "stores", "shops", "person", "the store", "the shop"})


def pickup_intent(text: str, low: str, raw: str) -> Intent | None:
    """The pickup intent of a sentence, or None when it is about something else."""
    if _DELIVER.search(low):
        return Intent("deliver")
    if m := _AT.search(low):
        where = m.group("where").strip()
        # "pick up in 10001" is a place to search near; "pick them up in Camden" names a shop
        if not re.fullmatch(r"(?:the )?(?:shop|store|stores|shops)|\d[\d -]*", where):
            return Intent("pickup", choice=where)
    if (m := _NEAR.search(low)) and m.group("where").strip() not in _GENERIC:
        return Intent("pickup_list", choice=m.group("where").strip())
    if _ASK.search(low):
        return Intent("pickup_list")
    return None
