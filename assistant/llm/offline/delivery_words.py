"""How the shopper wants a basket delivered, in their words: the option, or the address.

- "cheapest shipping", "what's the cheapest way to ship?" → ``delivery`` (``choice`` cheapest);
- "fastest delivery please", "how fast can you deliver?" → ``delivery`` (``choice`` fastest);
- "ship to my Paris address", "can it be shipped to Paris?" → ``address`` with ``choice`` the
  shopper's words for it;
- "how much is shipping?", "what does delivery cost" → ``checkout``: the stores' totals.
"""

from __future__ import annotations

import re
from typing import Final

from assistant.llm.offline.intent import Intent, Item, Ref

# "how much is shipping?", "what does delivery cost": the stores say it at checkout, which
# prepares each one's totals (shipping lines included) and buys nothing.
_COST: Final = re.compile(
    r"^(?:how much (?:is|are|does|will|would) (?:the )?(?:shipping|delivery|postage)"
    r"(?: costs?| be| come to)?(?: for (?:it|them|this|these|everything|my (?:basket|order)))?"
    r"|what(?:'s| is| does| will) (?:the )?(?:shipping|delivery|postage)(?: costs?| be)?"
    r"|(?:the )?(?:shipping|delivery|postage) (?:costs?|price|fees?))$"
)


# "when will it arrive?", "how long does delivery take": each store's options and their windows
_WHEN: Final = re.compile(
    r"^(?:when (?:will|would|does|do|can|could|should) (?:it|they|that|this|these|those|"
    r"everything|my (?:order|stuff|things|parcel)|the (?:order|parcel|flowers|wine|coffee))"
    r"(?: all)? (?:arrive|come|get here|be (?:here|delivered|there)|turn up|ship)"
    r"|how (?:long|many days) (?:will|does|would|is) (?:it|delivery|shipping|they)(?: take)?"
    r"(?: to (?:arrive|come|deliver|get here))?"
    r"|(?:what are )?(?:my |the )?(?:delivery|shipping) (?:options|times?|dates?|windows?)"
    r"|what (?:are|is) (?:my |the )?(?:delivery|shipping) (?:options|times?|dates?))$"
)


def delivery_intent(text: str, low: str, raw: str) -> Intent | None:
    """The delivery or address intent of a sentence, or None when it is about something else."""
    if _COST.match(low):
        return Intent("checkout")
    if _WHEN.match(low):
        return Intent("delivery_times")
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
        rf"\b{ship}\b.*\b(?:fast|quick|asap|soon)\b|\bas (?:fast|soon) as possible\b"
        r"|\bhow (?:fast|quick(?:ly)?|soon)\b.*\b(?:deliver|ship|send|arrive)"
        r"|\b(?:fastest|quickest)\b(?: \w+){0,3} (?:to )?(?:deliver|ship|send|get)",
        low,
    ):
        return Intent("delivery", choice="fastest")
    if re.search(r"\b(?:cheapest|cheaper)\b(?: \w+){0,3} (?:to )?(?:deliver|ship|send|get)", low):
        return Intent("delivery", choice="cheapest")  # "what's the cheapest way to ship?"
    if m := re.search(
        r"\b(?:ship(?:ped)?|sen[dt]|deliver(?:ed)?)(?: it| them| everything"
        r"| (?:the|my) (?P<what>(?:(?!\bto\b)[\w' ])+?))? to (?:my |the )?"
        r"(?P<where>.+?)(?: address)?$",
        low,
    ):
        # "ship the coffee to Paris": what the basket holds names the one store it goes from
        what = m.group("what")
        items = (Item(Ref("words", what.strip())),) if what else ()
        return Intent("address", choice=m.group("where").strip(), items=items)
    if m := re.search(r"\buse (?:my |the )?(?P<where>.+?) address$", low):
        return Intent("address", choice=m.group("where").strip())
    return None
