"""The offline planner's plans for collecting instead of delivery (``pickup_words`` reads them).

Each plan is the tool calls Claude would make: ``pickup_locations`` to see where the basket's
stores let the shopper collect, ``choose_pickup`` to collect at one location (or, without a
``location_id``, to go back to delivery), then a reply from the last outcome.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.llm.model import ToolCall
from assistant.llm.offline.intent import Intent
from assistant.llm.offline.replies import compose
from assistant.llm.offline.steps import Call, Step
from assistant.shopping.words import query_terms, stems
from assistant.views.common import said
from assistant.views.location import LocationView, PickupLocationsView

TOOLS = frozenset({"pickup_locations", "choose_pickup"})
NOT_HERE = "I can't arrange pickup here: the stores' pickup tools are not available."
# Words that name no particular location ("the Camden shop" means Camden).
_GENERIC = frozenset({"shop", "store", "branch", "location", "one", "the", "in", "at"})


def _listing_first(
    steps: list[Step], tools: set[str], call: Call
) -> PickupLocationsView | ToolCall | str:
    """The locations this turn's first step listed, or what to do instead (list them, reply)."""
    if not tools >= TOOLS:
        return NOT_HERE
    if not steps:
        return call("pickup_locations", {})
    outcome = steps[0].outcome
    return outcome if isinstance(outcome, PickupLocationsView) else compose(steps)


def list_pickup(intent: Intent, steps: list[Step], tools: set[str], call: Call) -> ToolCall | str:
    """ "can I pick them up instead?", "pick up near 10001": where the stores let you collect."""
    if not tools >= TOOLS:
        return NOT_HERE
    if not steps:
        return call("pickup_locations", {"near": intent.choice} if intent.choice else {})
    return compose(steps)


def choose_pickup(intent: Intent, steps: list[Step], tools: set[str], call: Call) -> ToolCall | str:
    """ "I'll collect them from the Camden shop": the one location those words name."""
    listing = _listing_first(steps, tools, call)
    if not isinstance(listing, PickupLocationsView):
        return listing
    if len(steps) > 1:
        return compose(steps[-1:]) + _delivered_elsewhere(listing, steps[1], intent.choice)
    wanted = set(query_terms(intent.choice)) - _GENERIC
    scored = [
        (len(wanted & stems(LocationView(location).words)), offer, location)
        for offer in listing.offers
        for location in offer.locations
    ]
    best = max((score for score, _, _ in scored), default=0)
    matches = [(offer, loc) for score, offer, loc in scored if score == best and score > 0]
    if len(matches) == 1:
        offer, location = matches[0]
        return call("choose_pickup", {"store": offer.merchant.domain, "location_id": location.id})
    asked = said(intent.choice)
    if not any(offer.locations for offer in listing.offers):
        return listing.text()
    lead = (
        f"Which one? Several match {asked!r}."
        if matches
        else f"No pickup location matches {asked!r}."
    )
    return f"{lead}\n{listing.text()}"


def _delivered_elsewhere(listing: PickupLocationsView, chose: Step, asked: str) -> str:
    """The basket's other stores, said plainly: a pickup place is one store's, so what comes
    from the others is still delivered ("Ember & Oak Roasters offers no pickup: …")."""
    store = chose.arguments.get("store")
    notes = [
        f"{said(offer.merchant.name)} offers no pickup: what you get there is delivered."
        if offer.unavailable or not offer.locations
        else f"{said(offer.merchant.name)} has no pickup at {said(asked)!r}: what you get there "
        'is delivered (say "collect from <name>" for one of its own).'
        for offer in listing.offers
        if offer.merchant.domain != store and offer.chosen_id is None
    ]
    return "".join(f"\n{note}" for note in notes)


def back_to_delivery(
    intent: Intent, steps: list[Step], tools: set[str], call: Call
) -> ToolCall | str:
    """ "actually deliver them": every store where a pickup was chosen delivers again."""
    listing = _listing_first(steps, tools, call)
    if not isinstance(listing, PickupLocationsView):
        return listing
    collecting = [offer for offer in listing.offers if offer.chosen_id is not None]
    if not collecting:
        return "You're already getting delivery: no pickup was chosen."
    done = len(steps) - 1
    if done < len(collecting):
        return call("choose_pickup", {"store": collecting[done].merchant.domain})
    return "Back to delivery.\n" + compose(steps[-1:])


PICKUP_PLANS: dict[str, Callable[[Intent, list[Step], set[str], Call], ToolCall | str]] = {
    "pickup_list": list_pickup,
    "pickup": choose_pickup,
    "deliver": back_to_delivery,
}
