"""``pannier sessions list | repair NAME | reset NAME --yes``: the way out of a damaged session.

A session whose rows cannot be read back (a damaged file, a crash mid-write by older code) stops
at open with a message naming this command. ``repair`` sets the unreadable rows aside in the
``quarantined_rows`` table and lists exactly what they held; ``reset`` forgets everything of the
session but its orders. Other sessions are never touched. Heavy modules load only when a command
runs (``pannier --help`` stays fast).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from assistant.store.repair import SessionRepair

# Exit status of `pannier sessions …`.
EXIT_CODES: Final[dict[str, int]] = {
    "done": 0,  # repaired, reset, listed, or nothing needed repair
    "refused": 1,  # no session of that name, or another Pannier is using it
    "usage": 2,  # bad arguments, or reset without --yes
    "config": 3,  # the config file or a key in it
    "local_data": 7,  # the local database cannot be opened or written
}


def add_parser(subparsers: Any, *, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``sessions`` on the ``pannier`` subcommand parser."""
    epilog = "exit status: " + ", ".join(f"{code} {kind}" for kind, code in EXIT_CODES.items())
    parser = subparsers.add_parser(
        "sessions",
        help="list sessions; repair or reset a damaged one",
        description="The trips kept in the local database, and the way out of a damaged one.",
        epilog=epilog,
        parents=parents,
    )
    actions = parser.add_subparsers(dest="sessions_action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", help="every session, and whether it can be read", parents=parents, epilog=epilog
    )
    listing.set_defaults(func=_run, action=_list)
    repair = actions.add_parser(
        "repair",
        help="set aside the rows of NAME that cannot be read back, and say what they held",
        parents=parents,
        epilog=epilog,
    )
    repair.add_argument("name", help="the session (as given to --session)")
    repair.set_defaults(func=_run, action=_repair)
    reset = actions.add_parser(
        "reset",
        help="forget everything of NAME but its orders (with --yes)",
        parents=parents,
        epilog=epilog,
    )
    reset.add_argument("name", help="the session (as given to --session)")
    reset.add_argument("--yes", action="store_true", help="really forget it")
    reset.set_defaults(func=_run, action=_reset)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from assistant import locations, session_lock
    from assistant.config import load_config
    from assistant.errors import ConfigError, StoreError
    from assistant.safe_text import terminal_safe
    from assistant.store import Store
    from assistant.store.repair import SessionRepair

    try:
        config = load_config(getattr(args, "config", None))
        data_dir = getattr(args, "data_dir", None) or config.data_dir
        path = locations.database_path(data_dir)
        store = Store.open(path)
    except (ConfigError, StoreError) as exc:
        _error(f"{exc.title}: {exc.message}")
        return EXIT_CODES["config" if isinstance(exc, ConfigError) else "local_data"]
    try:
        repair = SessionRepair(store)
        name = getattr(args, "name", None)
        if name is not None and name not in repair.sessions():
            _error(f"no session named '{name}' in {path} (`pannier sessions list` shows them)")
            return EXIT_CODES["refused"]
        try:
            lock = (
                asyncio.run(session_lock.acquire(path, name, wait_s=config.policy.session_wait_s))
                if name is not None
                else None
            )
        except session_lock.SessionInUse as exc:
            _error(f"{exc.title}: {exc.message}")
            return EXIT_CODES["refused"]
        try:
            lines, code = args.action(repair, args)
        except StoreError as exc:
            _error(f"{exc.title}: {exc.message}")
            return EXIT_CODES["local_data"]
        finally:
            if lock is not None:
                lock.release()
        print("\n".join(terminal_safe(line) for line in lines))
        return EXIT_CODES[code]
    finally:
        store.close()


def _error(text: str) -> None:
    from assistant.safe_text import terminal_safe

    print(f"pannier sessions: {terminal_safe(text)}", file=sys.stderr)


def _list(repair: SessionRepair, args: argparse.Namespace) -> tuple[list[str], str]:
    names = repair.sessions()
    if not names:
        return ["No sessions yet."], "done"
    lines = []
    for name in names:
        damaged = len(repair.unreadable_rows(name))
        fix = f"pannier sessions repair {shlex.quote(name)}"
        note = f" — {damaged} unreadable row(s): {fix}" if damaged else ""
        lines.append(f"{name}{note}")
    return lines, "done"


def _repair(repair: SessionRepair, args: argparse.Namespace) -> tuple[list[str], str]:
    rows = repair.unreadable_rows(args.name)
    if not rows:
        return [f"Session '{args.name}' reads back whole: nothing to repair."], "done"
    repair.quarantine(args.name, rows)
    lines = [f"Set aside {len(rows)} unreadable row(s) of session '{args.name}'. Lost from it:"]
    lines += [f"  - {row.held} ({row.table}: {row.reason})" for row in rows]
    lines.append(
        "A copy of each is kept in the quarantined_rows table. The session opens again; "
        "no store was contacted and nothing was bought or canceled."
    )
    return lines, "done"


def _reset(repair: SessionRepair, args: argparse.Namespace) -> tuple[list[str], str]:
    kept = repair.orders_kept(args.name)
    orders = f"its {kept} order record(s) stay" if kept else "it has no orders"
    if not args.yes:
        return [
            f"This forgets session '{args.name}': its basket, carts, checkouts, needs-you "
            f"entries, searches and conversation ({orders}). Nothing is canceled at any store.",
            f"Run `pannier sessions reset {shlex.quote(args.name)} --yes` to do it.",
        ], "usage"
    removed = repair.reset(args.name)
    what = ", ".join(f"{count} {table}" for table, count in removed.items()) or "nothing"
    return [
        f"Session '{args.name}' starts afresh: removed {what}; {orders}. "
        "Nothing was canceled at any store."
    ], "done"
