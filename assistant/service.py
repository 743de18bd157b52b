"""The application service every interactive front end opens: a ``Trip`` plus the agent driving it.

The TUI reaches the headless core only through this object (typed on its side by the
``tui.session.Session`` protocol, handed over by the ``pannier`` launcher), so it never imports
the HTTP client or the model itself. Lines starting with ``/`` are direct trip commands
(``/search mug``, ``/add 3 2``, ``/checkout``, ``/buy``, ``/back``, ``/orders``, ``/pickup``)
that work with or without a language model; their replies are the records' views
(``assistant.views``), word for word what the offline planner says about the same records.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Final, Protocol

from assistant.config import Config, load_config
from assistant.domain import (
    Approval,
    Escalation,
    MerchantRef,
    MerchantState,
    OrderRecord,
    PurchaseSummary,
)
from assistant.domain.accounts import StoreAccount
from assistant.errors import PannierError
from assistant.events import Event, MerchantNegotiated
from assistant.llm.account_tools import history_text
from assistant.llm.model import has_api_credentials
from assistant.shopping.compose import open_trip
from assistant.shopping.ranking import PAGE_SIZE
from assistant.shopping.trip import Trip
from assistant.views import PickupLocationsView, SearchPageView
from assistant.views.merchant import escalations_text, stores_text
from assistant.views.order import orders_text

Confirm = Callable[[PurchaseSummary], Awaitable[Approval]]

SLASH_HELP = (
    "Commands: /search QUERY · /add REF [QTY] · /remove REF · /qty REF QTY · /checkout · "
    "/buy · /back · /orders · /pickup [near WORDS | ID | delivery] · /help. "
    "Anything else goes to the assistant."
)


# The commands that take words: how to say them, and how many words they take.
_USAGE: Final[dict[str, tuple[str, Callable[[int], bool]]]] = {
    "search": ("/search QUERY", lambda n: n > 0),
    "add": ("/add REF [QTY]", lambda n: n in (1, 2)),
    "remove": ("/remove REF", lambda n: n == 1),
    "qty": ("/qty REF QTY", lambda n: n == 2),
}


def _quantity(word: str, command: str) -> int:
    """A command's quantity: a whole number of items, else a readable error (never a traceback)."""
    if word.isdigit() and int(word) > 0:
        return int(word)
    raise PannierError(
        f'"{word[:40]}" is not a number of items: give a whole number, as in /{command} 1 2.',
        title="Not a quantity",
    )


class AgentLike(Protocol):
    async def turn(self, text: str, confirm: Confirm) -> str: ...


RESTORED_LINES = 40  # earlier chat lines shown when a trip is resumed
# A /command and what came of it, in the conversation table beside the agent's turns.
COMMAND, COMMAND_REPLY, COMMAND_FAILED = "command", "command_reply", "command_failed"
_SPEAKERS: Final = {"user": "you", COMMAND: "you", COMMAND_FAILED: "system"}


class ShoppingSession:
    """An open trip and its agent; every method may touch the network, so call it in a worker."""

    def __init__(
        self,
        trip: Trip,
        agent: AgentLike | None,
        *,
        name: str,
        planner_label: str,
        escalation_recheck_s: float | None = None,
    ) -> None:
        self.trip = trip
        self.agent = agent
        self.name = name
        self.planner_label = planner_label
        self.escalation_recheck_s = escalation_recheck_s  # None: only when the shopper is back

    @classmethod
    async def open(
        cls,
        *,
        session: str = "default",
        offline: bool = False,
        config_path: Path | None = None,
        data_dir: Path | None = None,
        merchant_urls: Sequence[str] | None = None,
    ) -> ShoppingSession:
        """Load the config, open the trip (starting sandbox stores if needed) and the agent."""
        config = load_config(config_path)
        if data_dir is not None:
            config = config.model_copy(update={"data_dir": data_dir})
        urls = list(merchant_urls) if merchant_urls is not None else None
        trip = await open_trip(config, session=session, merchant_urls=urls)
        forced_offline = offline
        offline = offline or not has_api_credentials()
        try:
            agent, label = _make_agent(config, trip, offline=offline)
        except BaseException:
            await trip.aclose()
            raise
        if offline and not forced_offline:
            label = f"{label} (no API key)"  # fits the header at 80 columns
        return cls(
            trip,
            agent,
            name=session,
            planner_label=label,
            escalation_recheck_s=config.policy.escalation_recheck_s,
        )

    @property
    def subtitle(self) -> str:
        return f"session {self.name} · {self.planner_label}"

    @property
    def merchants(self) -> Sequence[MerchantRef]:
        return self.trip.merchants

    @property
    def unreachable(self) -> Sequence[tuple[MerchantRef, str]]:
        """Configured merchants that did not answer when the trip opened, with the reason."""
        return list(getattr(self.trip, "unreachable", []))

    def events(self) -> AsyncIterator[Event]:
        """Every event the core publishes from now on (the front end's one subscription), after
        each merchant's negotiation (published while the trip opened, before anyone listened)."""
        return self.trip.bus.subscribe(replay=lambda e: isinstance(e, MerchantNegotiated))

    async def aclose(self) -> None:
        await self.trip.aclose()

    def state(self) -> list[MerchantState]:
        return self.trip.state()

    def transcript(self, limit: int = RESTORED_LINES) -> list[tuple[str, str]]:
        """The conversation so far as (speaker, text), newest ``limit``: the chat on resume.
        Tool calls and their results stay out; only what was said is shown, the ``/commands``
        (F7, F8) and their replies too."""
        store = getattr(self.trip, "store", None)
        if store is None:
            return []
        said: list[tuple[str, str]] = []
        for role, content in store.conversation(self.trip.session):
            blocks = json.loads(content)
            texts = [
                str(block["text"]).strip()
                for block in blocks
                if isinstance(block, dict)
                and block.get("type") == "text"
                and str(block.get("text", "")).strip()
            ]
            if texts:
                said.append((_SPEAKERS.get(role, "assistant"), "\n\n".join(texts)))
        return said[-limit:]

    def escalations(self) -> list[Escalation]:
        return self.trip.escalations()

    async def recheck(self) -> list[Escalation]:
        return await self.trip.recheck_escalations()

    async def orders(self) -> list[OrderRecord]:
        return await self.trip.orders()

    async def watch_orders(self) -> None:
        """Poll the trip's open orders until cancelled; what is new arrives as ``OrderUpdated``."""
        await self.trip.watch_orders()

    async def store_history(self) -> list[StoreAccount]:
        """Past orders and saved addresses at the stores where the shopper linked an account."""
        return await self.trip.accounts.accounts(fresh=True)

    async def turn(self, text: str, confirm: Confirm) -> tuple[str, bool]:
        """One shopper turn: the reply, and whether it was streamed on the bus as it was written.

        A ``/command`` runs directly on the trip; anything else goes to the agent, which
        streams ``TextDelta`` events and ends with ``TurnFinished``.
        """
        if text.startswith("/"):
            return await self._recorded(text, confirm), False
        if self.agent is None:
            return f"No assistant is available. {SLASH_HELP}", False
        return await self.agent.turn(text, confirm), True

    async def _recorded(self, text: str, confirm: Confirm) -> str:
        """A ``/command`` run and kept in the chat as it happened (F7 and F8 run ``/checkout``
        and ``/buy``), so a resumed session shows it: the command before it runs (a ``/buy`` may
        pay before it returns), then its reply or its failure. Kept under roles of their own,
        which the model's transcript leaves out: a command's reply holds merchant text."""
        self._keep(COMMAND, text)
        try:
            reply = await self._command(text, confirm)
        except PannierError as exc:
            self._keep(COMMAND_FAILED, f"{exc.title}: {exc.message}")
            raise
        self._keep(COMMAND_REPLY, reply)
        return reply

    def _keep(self, role: str, text: str) -> None:
        store = getattr(self.trip, "store", None)
        if store is not None:
            block = [{"type": "text", "text": text}]
            store.append_conversation(
                self.trip.session, role, json.dumps(block, ensure_ascii=False)
            )

    async def _command(self, text: str, confirm: Confirm) -> str:
        try:
            name, *args = shlex.split(text[1:]) or ["help"]
        except ValueError as exc:
            raise PannierError(str(exc), title="Cannot read that command") from exc
        trip = self.trip
        if name in _USAGE and not _USAGE[name][1](len(args)):
            return f"Say it as {_USAGE[name][0]}. {SLASH_HELP}"
        if name == "search":
            trip.start_listing()
            result = await trip.search(" ".join(args))
            return SearchPageView(result, trip.search_page(1), 1, PAGE_SIZE).text()
        if name == "add":
            quantity = _quantity(args[1], name) if len(args) > 1 else 1
            return stores_text(await trip.add(args[0], quantity))
        if name == "remove":
            return stores_text(await trip.remove(args[0]))
        if name == "qty":
            quantity = _quantity(args[1], name)
            return stores_text(await trip.set_quantity(args[0], quantity))
        if name == "checkout":
            return stores_text(await trip.prepare_checkout())
        if name == "buy":
            await trip.prepare_checkout()  # a no-op for checkouts that are already ready
            return stores_text(await trip.complete(confirm))
        if name == "back":
            return escalations_text(await trip.recheck_escalations(), trip.state())
        if name == "orders":
            history = await trip.accounts.accounts(fresh=True)
            return orders_text(await trip.orders()) + history_text(history)
        if name == "pickup":
            return await self._pickup(args)
        if name == "help":
            return SLASH_HELP
        return f"There is no /{name} command. {SLASH_HELP}"

    async def _pickup(self, args: list[str]) -> str:
        """``/pickup`` lists, ``/pickup near 10001`` searches, ``/pickup ID`` collects there,
        ``/pickup delivery`` delivers again (at every store in the basket that offers pickup)."""
        trip = self.trip
        if args and args[0] == "near":
            return PickupLocationsView(await trip.pickup_locations(near=" ".join(args[1:]))).text()
        offers = await trip.pickup_locations()
        if not args:
            return PickupLocationsView(offers).text()
        if args[0] in ("delivery", "deliver", "none"):
            chosen = [offer for offer in offers if offer.chosen_id is not None]
            if not chosen:
                return "Already delivering: no pickup was chosen."
            states = [await trip.choose_pickup(o.merchant.domain, None) for o in chosen]
            return stores_text(states)
        wanted = args[0]
        at = [o for o in offers if any(loc.id == wanted for loc in o.locations)]
        if len(at) != 1:
            return f"No store in your basket has a pickup location {wanted!r}.\n" + (
                PickupLocationsView(offers).text()
            )
        return stores_text([await trip.choose_pickup(at[0].merchant.domain, wanted)])


def _make_agent(config: Config, trip: Trip, *, offline: bool) -> tuple[AgentLike, str]:
    """The agent for this trip and a label for the header; the one place that knows its API."""
    from assistant.llm.loop import build_agent

    agent = build_agent(config, trip, offline=offline)
    return agent, "offline planner" if offline else f"Claude {config.model.model}"
