"""The offline planner's plans for how a basket is delivered: the option, and the address.

Each plan is the tool calls Claude would make: ``delivery_options`` then one ``choose_delivery``
per store for "cheapest shipping"; ``saved_addresses`` then ``ship_to`` for "ship to my Paris
address"; then a reply from the last outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Final

from assistant.domain import FulfillmentOption
from assistant.llm.model import ToolCall
from assistant.llm.offline.intent import Intent
from assistant.llm.offline.replies import compose
from assistant.llm.offline.steps import Call, Step, delivery_picks
from assistant.llm.results import Addresses, DeliveryOptions
from assistant.shopping.words import query_terms, stems
from assistant.views.common import said

DEFAULT_WORDS: Final = frozenset(query_terms("default usual normal my own main"))


def choose_delivery(
    intent: Intent, steps: list[Step], tools: set[str], call: Call
) -> ToolCall | str:
    """ "cheapest shipping", "fastest delivery": that option at every store offering one."""
    if not {"delivery_options", "choose_delivery"} <= tools:
        return (
            f"I choose the {intent.choice} delivery at checkout when your settings say so "
            '(policy.fulfillment); say "checkout" to see it.'
        )
    if not steps:
        return call("delivery_options", {})
    picks = delivery_picks(steps[0], intent.choice)
    if not picks:
        return 'There is no delivery to choose yet: say "checkout" first.'
    if len(steps) - 1 < len(picks):
        return call("choose_delivery", picks[len(steps) - 1])
    return f"Chose the {intent.choice} delivery.\n" + compose(steps[-1:])


def ship_to(intent: Intent, steps: list[Step], tools: set[str], call: Call) -> ToolCall | str:
    """ "ship to my Paris address": the one saved address those words name."""
    if not {"saved_addresses", "ship_to"} <= tools:
        return "I can only ship to your default address here; change it in your config file."
    if not steps:
        return call("saved_addresses", {})
    if len(steps) == 1:
        found = steps[0].outcome
        addresses = [*found.addresses, *found.at_stores] if isinstance(found, Addresses) else []
        wanted = set(query_terms(intent.choice)) - {"address", "home"}
        scored = [(len(wanted & stems(a.words)), a) for a in addresses]
        best = max((s for s, _ in scored), default=0)
        matches = [a for s, a in scored if s == best and s > 0]
        own = list(found.addresses) if isinstance(found, Addresses) else []
        if wanted <= DEFAULT_WORDS and own:  # "my default address", "my home address": the first
            matches = own[:1]
        if not matches and addresses:
            return (
                f'I have no saved address for "{said(intent.choice)}". '
                f"{Addresses(addresses).text()} To ship somewhere else, add it to your config "
                "file as [[buyer.addresses]]."
            )
        if len(matches) != 1:
            return f"Which address? {Addresses(addresses).text()}"
        one_store = {"store": intent.store} if intent.store else {}  # else every store
        return call("ship_to", {"address_id": matches[0].address_id} | one_store)
    return compose(steps[-1:])


def delivery_times(
    intent: Intent, steps: list[Step], tools: set[str], call: Call
) -> ToolCall | str:
    """ "when will it arrive?": the checkouts prepared, then each store's options, with when
    each one arrives and which is chosen."""
    if "delivery_options" not in tools:
        return 'Say "checkout": each store\'s shipping line says how it is delivered.'
    if not steps:
        return call("prepare_checkout", {})
    if len(steps) == 1:
        if not getattr(steps[0].outcome, "states", True):
            return "Nothing is on its way yet: your basket is empty."
        return call("delivery_options", {})
    found = steps[-1].outcome
    if not isinstance(found, DeliveryOptions) or not found.stores:
        return compose(steps[-1:])
    lines: list[str] = []
    for store in found.stores:
        lines.append(f"{said(store.merchant.name)}:")
        lines += [f"    {view.line()}{_arrives(view.option)}" for view in store.options]
    return "\n".join(lines)


def _arrives(option: FulfillmentOption) -> str:
    """ " — arrives Mon 7 Dec to Wed 9 Dec" (or "by …"), from the store's window; "" without one."""
    days = [
        day
        for moment in (option.earliest_fulfillment_time, option.latest_fulfillment_time)
        if moment and (day := _day(moment)) is not None
    ]
    if not days:
        return ""
    if days[0] == days[-1]:
        return f" — arrives by {_said_day(days[-1])}"
    return f" — arrives {_said_day(days[0])} to {_said_day(days[-1])}"


def _day(moment: str) -> date | None:
    try:
        return datetime.fromisoformat(moment.replace("Z", "+00:00")).date()
    except ValueError:
        return None  # a store's own words for it, not a time: left out


def _said_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


DELIVERY_PLANS: dict[str, Callable[[Intent, list[Step], set[str], Call], ToolCall | str]] = {
    "delivery": choose_delivery,
    "address": ship_to,
    "delivery_times": delivery_times,
}
