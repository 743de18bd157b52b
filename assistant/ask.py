"""``pannier ask <message…>``: one agent turn, headless, printed as text or one JSON object.

The trip and the conversation live in the session (``--session``), so consecutive calls continue
the same trip. A purchase needs ``--approve``: without it the confirmation is declined and the
command says so; with it, the shopper's yes is given for this turn's purchase summary only.

Scripts: ``--json`` prints one document (``assistant/ask_json.py``, schema in
``docs/ask.schema.json``) whatever happens, and the exit status says what kind of failure
stopped the turn (``EXIT_CODES``). Heavy modules load only once a turn really runs, so
``--help`` and usage errors stay instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from assistant.errors import (
    AuthError,
    ConfigError,
    MerchantError,
    MerchantUnavailable,
    ModelError,
    PannierError,
    PurchaseRefused,
    StoreError,
)
from assistant.safe_text import json_safe, terminal_safe

if TYPE_CHECKING:
    from assistant.config import Config
    from assistant.domain import PurchaseSummary
    from assistant.llm.loop import Agent
    from assistant.shopping.trip import Trip
    from assistant.store import Store

NEEDS_APPROVAL: Final = (
    "This purchase needs your confirmation: run the same request with --approve."
)
ONE_PURCHASE_PER_APPROVAL: Final = (
    "Another purchase came up in this turn and was not approved: --approve covers only the "
    "first one shown. Run again with --approve to review it."
)

# Exit status by what stopped the turn; business outcomes (escalations, declines) exit 0.
EXIT_CODES: Final[dict[str, int]] = {
    "ok": 0,
    "failed": 1,  # any other Pannier error
    "usage": 2,  # bad arguments (argparse)
    "config": 3,  # the config file or a key in it
    "merchant_unavailable": 4,  # timeouts, refused connections, 5xx, the sandbox not starting
    "merchant_error": 5,  # a merchant answered outside the protocol, or refused our credentials
    "model": 6,  # the language model API failed
    "local_data": 7,  # the local SQLite database
    "purchase_refused": 8,  # a purchase broke a limit or was not confirmed
    "internal": 70,  # a bug in Pannier (reported as one line, never a traceback)
    "interrupted": 130,  # Ctrl-C
    "pipe_closed": 141,  # the reader closed stdout early (| head): we stop quietly
}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``ask`` on the ``pannier`` subcommand parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ask",
        help="one shopping request, answered headlessly",
        description="Run one agent turn against the configured merchants (or the sandbox).",
        epilog=(
            "exit status: "
            + ", ".join(f"{code} {kind}" for kind, code in EXIT_CODES.items())
            + ". --json prints one document (docs/ask.schema.json) in every case."
        ),
    )
    parser.add_argument(
        "message", nargs="+", help='what you want, e.g. find red roses (quotes optional), or "buy"'
    )
    parser.add_argument("--session", default="default", help="trip to continue (default: default)")
    parser.add_argument("--offline", action="store_true", help="use the offline planner")
    parser.add_argument(
        "--model", default=None, help="Claude model id (else PANNIER_MODEL, config)"
    )
    parser.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")
    parser.add_argument("--approve", action="store_true", help="approve a purchase in this turn")
    parser.add_argument(
        "--merchant",
        action="append",
        dest="merchant_urls",
        metavar="URL",
        help="shop at this merchant instead of the configured ones (repeatable)",
    )
    parser.add_argument("--config", type=_path, default=argparse.SUPPRESS, help="config file")
    parser.add_argument("--data-dir", type=_path, default=argparse.SUPPRESS, help="database dir")
    parser.set_defaults(func=run)
    return parser


def _path(value: str) -> Any:
    from pathlib import Path

    return Path(value)


@dataclass
class Outcome:
    """What one run prints: the text (or JSON document) and the exit status."""

    text: str
    exit_code: int = 0
    error_line: str | None = None  # one readable line for stderr


def run(args: argparse.Namespace) -> int:
    """Run the command; failures print as one readable line with the status for their kind."""
    import asyncio

    args.message = " ".join(args.message)
    try:
        outcome = asyncio.run(_ask(args))
    except KeyboardInterrupt:
        outcome = _failure(args, "interrupted", "Interrupted", "stopped before the turn finished")
    except PannierError as exc:
        outcome = _failure(args, error_kind(exc), exc.title, exc.message)
    except Exception as exc:  # a bug, but the shopper still gets one line, not a traceback
        outcome = _failure(args, "internal", "Internal error", f"{type(exc).__name__}: {exc}")
    return emit(outcome)


def emit(outcome: Outcome) -> int:
    """Print the outcome; a reader that closed the pipe early ends the run quietly."""
    try:
        if outcome.text:
            sys.stdout.write(outcome.text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would report the failed flush again at exit; point stdout at nothing instead.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_CODES["pipe_closed"]
    if outcome.error_line:
        print(outcome.error_line, file=sys.stderr)
    return outcome.exit_code


def error_kind(exc: PannierError) -> str:
    """The failure kind (a key of EXIT_CODES) for a Pannier error."""
    from assistant.sandbox import SandboxUnavailable

    kinds: list[tuple[type[PannierError], str]] = [
        (ConfigError, "config"),
        (StoreError, "local_data"),
        (MerchantUnavailable, "merchant_unavailable"),
        (SandboxUnavailable, "merchant_unavailable"),
        (AuthError, "merchant_error"),
        (MerchantError, "merchant_error"),
        (ModelError, "model"),
        (PurchaseRefused, "purchase_refused"),
    ]
    return next((kind for cls, kind in kinds if isinstance(exc, cls)), "failed")


def _failure(args: argparse.Namespace, kind: str, title: str, message: str) -> Outcome:
    title, message = terminal_safe(title), terminal_safe(message)
    line = f"pannier ask: {title}: {message}"
    text = ""
    if getattr(args, "as_json", False):
        from assistant.ask_json import document

        payload = document(reply=None, error={"code": kind, "title": title, "message": message})
        text = json.dumps(payload, ensure_ascii=False, indent=2)
    return Outcome(text=text, exit_code=EXIT_CODES[kind], error_line=line)


async def _ask(args: argparse.Namespace) -> Outcome:
    from assistant import locations
    from assistant.config import load_config
    from assistant.shopping.compose import open_trip
    from assistant.store import Store

    config = load_config(getattr(args, "config", None), model=args.model)
    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None:
        config = config.model_copy(update={"data_dir": data_dir})
    store = Store.open(locations.database_path(config.data_dir))
    try:
        trip = await open_trip(
            config, session=args.session, store=store, merchant_urls=args.merchant_urls
        )
        try:
            return await _turn(args, config, trip, store)
        finally:
            await trip.aclose()
    finally:
        store.close()


async def _turn(args: argparse.Namespace, config: Config, trip: Trip, store: Store) -> Outcome:
    from assistant.domain import Approval
    from assistant.events import MerchantFailed, OrderPlaced
    from assistant.llm.loop import build_agent

    summaries: list[PurchaseSummary] = []
    approved: list[PurchaseSummary] = []

    async def confirm(summary: PurchaseSummary) -> Approval:
        # --approve is the shopper's yes to the first purchase put to them in this turn only,
        # and they see it before it is charged.
        summaries.append(summary)
        approving = args.approve and len(summaries) == 1
        if not args.as_json:
            print_safe("\n".join(summary_lines(summary, approving=approving)))
        if approving:
            approved.append(summary)
            return summary.approve()
        return Approval.declined()

    agent = build_agent(config, trip, offline=args.offline, store=store)
    search_before = trip.last_search
    pickup_before = trip.last_pickup
    first_event = len(trip.bus.history)
    reply = await agent.turn(args.message, confirm)
    needs_approval = bool(summaries) and not approved
    if not args.as_json:
        lines = [reply]
        lines += [f"(not reachable: {m.name}: {reason})" for m, reason in trip.unreachable]
        if needs_approval:
            lines.append(NEEDS_APPROVAL)
        if approved and len(summaries) > 1:
            lines.append(ONE_PURCHASE_PER_APPROVAL)
        return Outcome(text=terminal_safe("\n".join(lines), multiline=True))

    from assistant.ask_json import document
    from assistant.shopping.searches import listed_results

    events = trip.bus.history[first_event:]
    searched = trip.last_search is not None and trip.last_search is not search_before
    payload = document(
        reply=reply,
        needs_approval=needs_approval,
        results=listed_results(trip.last_search) if searched and trip.last_search else [],
        merchants=trip.state(),
        escalations=[e for e in trip.escalations() if e.state == "open"],
        orders=store.orders(trip.session),
        new_order_ids=frozenset(e.order.order_id for e in events if isinstance(e, OrderPlaced)),
        failures=[
            {"store": merchant.name, "operation": "discover", "reason": reason}
            for merchant, reason in trip.unreachable
        ]
        + [
            {"store": e.merchant.name, "operation": e.operation, "reason": e.reason}
            for e in events
            if isinstance(e, MerchantFailed)
        ],
        usage=_usage(agent),
        purchases=[(summary, summary in approved) for summary in summaries],
        pickup_locations=trip.last_pickup
        if trip.last_pickup is not None and trip.last_pickup is not pickup_before
        else [],
    )
    return Outcome(text=json.dumps(json_safe(payload), ensure_ascii=False, indent=2))


def _usage(agent: Agent) -> dict[str, int] | None:
    """This turn's model calls and tokens (the uncached prompt apart from cache reads and
    writes); None when no language model ran (the offline planner spends no tokens)."""
    if not agent.usage.prompt_tokens:
        return None
    return {
        "model_calls": agent.model_calls,
        "input_tokens": agent.usage.input_tokens,
        "cache_read_tokens": agent.usage.cache_read_tokens,
        "cache_write_tokens": agent.usage.cache_write_tokens,
        "output_tokens": agent.usage.output_tokens,
    }


def print_safe(text: str) -> None:
    """Print at once (before the turn goes on), merchant text made terminal-safe."""
    print(terminal_safe(text, multiline=True), flush=True)


def summary_lines(summary: PurchaseSummary, *, approving: bool = False) -> list[str]:
    """The purchase as the shopper must see it: per store its items, every totals line, the card."""
    from assistant.views import PurchaseView

    return PurchaseView(summary).lines(approving=approving)
