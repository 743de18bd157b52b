"""The offline planner: the ``Model`` interface without a language model.

It reads the shopper's last message (``parse``), resolves what it points at against the trip's
records (the latest search's products, the basket, the stores), calls the same tools Claude
would, and writes the reply from the tool results. It only ever acts on the shopper's words:
merchant text is shown, never obeyed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Final

from assistant.domain import BasketLine
from assistant.llm.model import OnText, ToolCall, ToolSpec, Transcript, Turn
from assistant.llm.offline.combined_steps import CombinedPlans
from assistant.llm.offline.delivery_steps import DELIVERY_PLANS
from assistant.llm.offline.discount_steps import discount
from assistant.llm.offline.items import content_words
from assistant.llm.offline.parse import Intent, Item, Ref, parse
from assistant.llm.offline.pickup_steps import PICKUP_PLANS
from assistant.llm.offline.replies import READY, compose, failure
from assistant.llm.offline.resolver import Resolver, TripView, by_price
from assistant.llm.offline.steps import Step, any_status, card_to_retry, current_turn, tool_call
from assistant.llm.offline.switch_steps import switch
from assistant.llm.results import ToolOutcome
from assistant.shopping.ranking import PAGE_SIZE
from assistant.views import basket_text
from assistant.views.common import line_ref, said

MAX_QUANTITY: Final = 99
HELP: Final = """\
I'm the offline planner: tell me what you want in plain words, for example
  red roses · a bottle of red wine under 30 euros · the cheapest tulips
  add 2 of the first one · add the red tulips · add 3 x2 · more
  what's in my basket · remove the tulips · change the roses to 2
  use code WELCOME10 · cheapest shipping · ship to my Paris address
  can I pick them up instead? · collect from the Rockridge shop · actually deliver them
  some tulips, and I'll pick them up in Camden · coffee beans, ship them to my Paris address
  two bags of coffee and some tulips to collect from Camden
  checkout · buy it all · I'm back · show my orders"""
GREETING: Final = 'Hello! What are you looking for? For example "red roses" or "espresso beans".'

Say = str  # a reply that ends the turn
Next = ToolCall | Say


class OfflinePlanner(CombinedPlans):
    """Implements ``Model`` with deterministic phrase reading."""

    def __init__(
        self,
        trip: TripView | None = None,
        *,
        basket: Callable[[], Sequence[BasketLine]] | None = None,
    ) -> None:
        self.trip = trip
        self.refs = Resolver(
            trip, basket if basket is not None else (trip.basket if trip else None)
        )
        self.outcomes: Mapping[str, ToolOutcome] = {}
        self.scrub: Callable[[str], str] = str
        self.got: dict[int, str] = {}  # this turn's several things: each one's added handle

    def read_outcomes(
        self, outcomes: Mapping[str, ToolOutcome], scrub: Callable[[str], str]
    ) -> None:
        """Read tool results from the agent's typed ``outcomes``; ``scrub`` cleans each reply
        of the wallet's tokens (a store may echo one in its own words)."""
        self.outcomes, self.scrub = outcomes, scrub

    async def respond(
        self, transcript: Transcript, tools: Sequence[ToolSpec], on_text: OnText
    ) -> Turn:
        text, steps = current_turn(transcript, self.outcomes)
        turn = self._next(text, steps, {tool.name for tool in tools})
        if turn.text:
            turn = replace(turn, text=self.scrub(turn.text))
            on_text(turn.text)
        return turn

    def parse(self, text: str) -> Intent:
        return parse(text)

    def _next(self, text: str, steps: list[Step], tools: set[str]) -> Turn:
        if steps and steps[-1].is_error:
            return Turn(text=failure(steps[-1]), stop_reason="end_turn")
        step = self.plan(parse(text), steps, tools)
        if isinstance(step, str):
            return Turn(text=step, stop_reason="end_turn")
        return Turn(tool_calls=[step], stop_reason="tool_use")

    # --- plans: given the steps so far, the next tool call or the reply ---------------------------

    def plan(self, intent: Intent, steps: list[Step], tools: set[str]) -> Next:
        if intent.then is not None:
            return self._get_then(intent, intent.then, steps, tools)
        kind = intent.kind
        if kind in ("help", "unknown"):
            return HELP if kind == "help" else _closest(intent.query)
        if kind == "greet":
            return GREETING
        if kind == "stores":
            return self._stores()
        if kind == "thanks":
            return "You're welcome! Anything else?"
        if kind == "bye":
            return "Bye! Your basket is kept for next time."
        if kind == "ask":
            return intent.question
        if kind == "search":
            return self._search(intent, steps)
        if kind == "more":
            return self._more(steps)
        if kind == "want":
            if steps:  # one step only: the add, or the search for what is not on screen yet
                return compose(steps)
            found = [self.refs.resolve(i.ref, "results", whole=True) for i in intent.items]
            if all(isinstance(names, list) for names in found):
                return self._add(intent, steps)
            if held := self._held(intent):  # "can I have two of the coffee": the one in the basket
                return self._add(Intent("set", items=held), steps)
            # not on screen: one search, several things each in turn, for the shopper to choose
            return self._search(Intent("search", query=intent.query), steps)
        if kind == "show":
            return self._show(intent, steps)
        if kind == "switch":
            return switch(intent, steps, self.refs, _call)
        if kind == "add" and _one_thing_by_name(intent):
            return self._get_one(intent, steps)
        if kind in ("add", "remove", "set", "clear"):
            return self._basket_change(intent, steps)
        if kind == "basket":
            if "view_basket" in tools:
                return _call("view_basket", {}) if not steps else compose(steps)
            return basket_text(self.refs.lines())
        if kind in ("discount", "undiscount"):
            return discount(intent, steps, self.refs, _call)
        if kind in ("checkout", "buy"):
            return self._checkout(steps, buy=kind == "buy")
        if kind == "yes":
            return self._yes(steps)
        if kind == "address" and intent.items:
            return self._ship_one(intent, steps, tools)
        if kind in DELIVERY_PLANS:
            return DELIVERY_PLANS[kind](intent, steps, tools, _call)
        if kind in PICKUP_PLANS:
            return PICKUP_PLANS[kind](intent, steps, tools, _call)
        if kind in ("escalations", "back"):
            if not steps:
                return _call("list_escalations", {"recheck": kind == "back"})
            return compose(steps)
        if kind in ("orders", "track"):
            return _call("order_status", {}) if not steps else compose(steps)
        return _closest(intent.query)

    def _ship_one(self, intent: Intent, steps: list[Step], tools: set[str]) -> Next:
        """ "ship the wine to my Paris address": the store of the basket's wine, alone."""
        named = self.refs.resolve(intent.items[0].ref, "basket")
        if isinstance(named, str):
            return named  # a question back: which one, or nothing by that name
        stores = {line.merchant.domain for key in named if (line := self.refs.line(key))}
        if len(stores) != 1:
            where = said(intent.choice)
            return f'Which store\'s order? Name one thing in it: "ship the … to {where}".'
        one = replace(intent, items=(), store=stores.pop())
        return DELIVERY_PLANS["address"](one, steps, tools, _call)

    def _search(self, intent: Intent, steps: list[Step]) -> Next:
        narrowed = self._narrowed(intent)
        if steps:
            return (f'For "{said(narrowed)}":\n' if narrowed else "") + compose(steps)
        bounded = intent.max_price or intent.min_price or intent.store
        if not intent.query and not bounded and not narrowed:
            return 'What should I look for? For example "red roses" or "wine under 30 euros".'
        arguments: dict[str, Any] = {"query": intent.query or narrowed or "*"}
        if intent.store:
            store = self.refs.merchant(intent.store)
            if isinstance(store, str):  # no store by that name: "coffee from Colombia"
                arguments["query"] = f"{arguments['query']} {intent.store}".strip("* ")
            else:
                arguments["store"] = store.domain
        for key in ("max_price", "min_price", "currency"):
            if getattr(intent, key):
                arguments[key] = getattr(intent, key)
        if intent.in_stock:
            arguments["in_stock"] = True
        if intent.order != "relevance":
            arguments["order"] = intent.order
        self.refs.page = 1
        return _call("search_products", arguments)

    def _narrowed(self, intent: Intent) -> str:
        """ "what's the cheapest?", "something under £30?": no words of a product, so the
        latest search's words, narrowed ("" when nothing was searched yet)."""
        search = self.trip.last_search if self.trip is not None else None
        refines = intent.order != "relevance" or intent.max_price or intent.min_price
        if intent.query or not refines or search is None:
            return ""
        return search.query.strip("* ")

    def _stores(self) -> str:
        """ "what do you sell?": the stores this trip shops at, and how to ask for something."""
        aliases = getattr(self.trip, "merchant_aliases", {}) or {}  # a sandbox store's slug
        names = [
            said(m.name) + (f" ({said(aliases[m.domain])})" if m.domain in aliases else "")
            for m in (self.trip.merchants if self.trip is not None else [])
        ]
        if not names:
            return GREETING
        return f"I shop at {', '.join(names)} for you. {GREETING.removeprefix('Hello! ')}"

    def _more(self, steps: list[Step]) -> Next:
        search = self.trip.last_search if self.trip is not None else None
        if steps:
            return compose(steps)
        if search is None or not search.groups:
            return 'Nothing to show more of yet: tell me what to look for, e.g. "red roses".'
        if self.refs.page * PAGE_SIZE >= len(search.groups):
            return "That was everything I found. Try other words for more."
        self.refs.page += 1
        return _call("search_products", {"query": search.query or "*", "page": self.refs.page})

    def _show(self, intent: Intent, steps: list[Step]) -> Next:
        if steps:
            return compose(steps)
        found = self.refs.resolve(intent.items[0].ref, "results")
        if isinstance(found, str):
            return found
        self.refs.last = found[:1]
        return _call("show_product", {"ref": found[0]})

    # --- the basket ------------------------------------------------------------------------------

    def _basket_change(self, intent: Intent, steps: list[Step]) -> Next:
        if steps:
            text = compose(steps[:1])
            if intent.then_buy:
                return self._checkout(steps[1:], buy=True, before=text)
            return text
        return self._add(intent, steps)

    def _held(self, intent: Intent) -> tuple[Item, ...]:
        """How many of the one basket line the words name ("two of the coffee"), if they name one
        and say how many; else nothing."""
        if len(intent.items) != 1 or intent.items[0].quantity is None:
            return ()
        [item] = intent.items
        named = self.refs.resolve(item.ref, "basket")
        return (Item(Ref("id", named[0]), item.quantity),) if isinstance(named, list) else ()

    def _get_one(self, intent: Intent, steps: list[Step]) -> Next:
        """ "add a bottle of red wine": the result that has every one of those words, else a
        search for them and its best match added (saying which), never a result that shares
        one word ("red": the red tulips on screen)."""
        [item] = intent.items
        query = content_words(item.ref.value)
        if not steps:
            found = self.refs.resolve(item.ref, "results", whole=True)
            if isinstance(found, list):
                return self._add(intent, steps, whole=True)
            if by_price(item.ref.value):  # "add the cheapest one" with nothing to pick from
                return found
            return self._search(Intent("search", query=query), [])
        if steps[0].name != "search_products":
            return compose(steps[:1])
        groups = self.refs.groups()
        if len(steps) == 1:
            if not groups:
                return compose(steps)  # nothing found: the search says so
            best = Ref("id", groups[0].chosen.handle or groups[0].chosen.variant_id)
            return self._add(Intent("add", items=(Item(best, item.quantity),)), [])
        return f"Added {self._added(steps, replace(intent, query=query))}.\n" + compose(steps[-1:])

    def _add(self, intent: Intent, steps: list[Step], *, whole: bool = False) -> Next:
        # Only what is still to be bought: ordered lines are history, not part of the basket.
        to_buy = [line for line in self.refs.lines() if not line.ordered]
        items: dict[str, int] = {line_ref(line): line.quantity for line in to_buy}
        keys_by_variant = {line.variant_id: line_ref(line) for line in to_buy}
        again = intent.extra.get("again") == "yes"
        mode = "add" if intent.kind in ("add", "want") else intent.kind
        if mode == "clear":
            if not items:
                return "The basket is already empty."
            return _call("set_basket", {"items": []})
        touched: list[str] = []
        for item in intent.items:
            scope = "basket" if mode in ("remove", "set") else "results"
            found = self.refs.resolve(item.ref, scope, whole=whole)
            if isinstance(found, str):
                return found
            for ref in found:
                key = keys_by_variant.get(self.refs.variant_of(ref), ref)
                quantity = item.quantity
                if mode == "add":
                    items[key] = items.get(key, 0) + (1 if quantity is None else quantity)
                elif mode == "set":
                    items[key] = 1 if quantity is None else quantity
                else:
                    if key not in items:
                        return f"{self.refs.title(ref)} is not in your basket."
                    items.pop(key)
                touched.append(key)
        if any(q > MAX_QUANTITY for q in items.values()):
            return f"You can buy at most {MAX_QUANTITY} of one item."
        if mode == "add" and any(item.quantity == 0 for item in intent.items):
            return "How many would you like? Say a number from 1 to 99."
        # what they are, not their numbers: the next listing numbers other things
        self.refs.last = [self.refs.variant_of(key) for key in touched]
        basket: list[dict[str, object]] = [
            {"ref": ref, "quantity": count} | ({"again": True} if again and ref in touched else {})
            for ref, count in items.items()
            if count > 0
        ]
        return _call("set_basket", {"items": basket})

    def _checkout(self, steps: list[Step], *, buy: bool, before: str = "") -> Next:
        prefix = before + "\n" if before else ""
        if not steps:
            if not self.refs.lines():
                return prefix + "Your basket is empty: tell me what to look for first."
            return _call("prepare_checkout", {})
        if buy and len(steps) == 1:
            if not any_status(steps[0], READY) and not card_to_retry(steps[0]):
                lines = self.refs.lines()
                if lines and all(line.ordered for line in lines):
                    done = "Everything in your basket is already ordered: nothing more to buy."
                    return prefix + compose(steps) + "\n" + done
                return prefix + compose(steps) + "\nNothing is ready to buy yet."
            return _call("complete_purchase", {})
        return prefix + compose(steps)

    def _yes(self, steps: list[Step]) -> Next:
        """ "yes", "go ahead": buy what is in the basket, which shows the per-store totals and
        asks for the shopper's approval (the dialog, or --approve) before anything is paid."""
        if not steps and all(line.ordered for line in self.refs.lines()):
            return 'Yes to what? Tell me what to look for, for example "red roses".'
        return self._checkout(steps, buy=True)


# --- helpers -------------------------------------------------------------------------------------


_call = tool_call


def _one_thing_by_name(intent: Intent) -> bool:
    """ "add a bottle of red wine": one thing, by its words (not "buy …": that buys at once)."""
    plain = not intent.then_buy and intent.extra.get("again") != "yes"
    return plain and len(intent.items) == 1 and intent.items[0].ref.kind == "words"


def _closest(text: str) -> str:
    return f'I didn\'t catch that. To look for it, say "find {text}"' if text else HELP


__all__ = ["HELP", "Intent", "Item", "OfflinePlanner", "Ref"]
