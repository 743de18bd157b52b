"""``pannier <subcommand>``: a thin argparse shell; each subcommand lives in its own module.

- ``merchants …``   runs the sandbox stores (``python -m merchants …`` in a child process)
- ``ucp …``         raw UCP calls (``assistant/ucp/cli.py``)
- ``profile export`` our platform profile as JSON (for hosting at a public URL)
- ``sessions …``    list sessions; repair or reset a damaged one (``assistant/sessions_cli.py``)
- ``ask …``         one-shot shopping (``assistant/ask.py``, when installed)
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
from pathlib import Path
from typing import Any

from assistant.errors import PannierError


def _common(parser: argparse.ArgumentParser, *, default: Any) -> None:
    parser.add_argument("--config", type=Path, default=default, help="config file (TOML)")
    parser.add_argument("--data-dir", type=Path, default=default, help="local database directory")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pannier",
        description="Shop at many UCP merchants at once, in the terminal.",
        epilog=(
            "With no command, pannier opens the terminal UI: "
            "pannier [--session NAME] [--offline] [--merchant URL …] [--config PATH]."
        ),
    )
    _common(parser, default=None)
    # Subcommands also accept the common options (after the subcommand name).
    common = argparse.ArgumentParser(add_help=False)
    _common(common, default=argparse.SUPPRESS)
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")

    merchants = subcommands.add_parser(
        "merchants",
        help="the sandbox stores: serve [--detach] | status | stop",
        add_help=False,
    )
    merchants.add_argument("merchant_args", nargs=argparse.REMAINDER)
    merchants.set_defaults(func=_run_merchants)

    # Loaded by name: the TUI's launcher imports this shell, and must not pull in HTTP code.
    ucp_cli = importlib.import_module("assistant.ucp.cli")
    ucp_cli.add_parser(subcommands, parents=[common])

    sessions_cli = importlib.import_module("assistant.sessions_cli")
    sessions_cli.add_parser(subcommands, parents=[common])

    profile = subcommands.add_parser("profile", help="our platform profile", parents=[common])
    profile_actions = profile.add_subparsers(dest="profile_action", metavar="ACTION", required=True)
    export = profile_actions.add_parser(
        "export", help="print (or write) the platform profile JSON", parents=[common]
    )
    export.add_argument("--output", "-o", type=Path, default=None, help="write to FILE")
    export.add_argument(
        "--version",
        dest="profile_version",
        default=None,
        metavar="RELEASE",
        help="the UCP release of the profile: 2026-08-25 (default) or 2026-04-08; host one each",
    )
    export.set_defaults(func=_export_profile)

    keys = subcommands.add_parser(
        "keys", help="our request-signing keys: show | rotate", parents=[common]
    )
    keys_actions = keys.add_subparsers(dest="keys_action", metavar="ACTION", required=True)
    keys_actions.add_parser(
        "show", help="the key ids published in our profile", parents=[common]
    ).set_defaults(func=_keys, rotate=False)
    keys_actions.add_parser(
        "rotate",
        help="sign with a new key; the old one stays published until its signatures expire",
        parents=[common],
    ).set_defaults(func=_keys, rotate=True)
    importlib.import_module("assistant.link_cli").add_parser(subcommands, parents=[common])

    try:
        ask = importlib.import_module("assistant.ask")
    except ModuleNotFoundError as exc:
        if exc.name != "assistant.ask":
            raise
        missing = subcommands.add_parser("ask", help="(not installed)", add_help=False)
        missing.add_argument("ask_args", nargs=argparse.REMAINDER)
        missing.set_defaults(func=_ask_missing)
    else:
        ask.add_parser(subcommands)
    return parser


def _run_merchants(args: argparse.Namespace) -> int:
    # Never an import: the assistant meets the sandbox only on the wire. exec, not a child:
    # then a signal to `pannier merchants serve` reaches the process holding the ports.
    command = [sys.executable, "-m", "merchants", *args.merchant_args]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)


def _export_profile(args: argparse.Namespace) -> int:
    from assistant.config import load_config
    from assistant.domain import LATEST_VERSION, PROFILE_VERSIONS
    from assistant.profile import profile_json

    version = args.profile_version or LATEST_VERSION
    if version not in PROFILE_VERSIONS:
        raise PannierError(
            f"no platform profile for UCP {version}; choose {' or '.join(PROFILE_VERSIONS)}",
            title="Export failed",
        )
    config = load_config(args.config)
    text = profile_json(config, version, keys=_key_ring(args, config).published_jwks())
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PannierError(f"cannot write {args.output}: {exc}", title="Export failed") from exc
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _key_ring(args: argparse.Namespace, config: Any) -> Any:
    from assistant import locations
    from assistant.ucp.signing_keys import KeyRing

    data_dir = getattr(args, "data_dir", None) or config.data_dir
    return KeyRing(locations.signing_keys_path(data_dir))


def _keys(args: argparse.Namespace) -> int:
    from assistant.config import load_config

    ring = _key_ring(args, load_config(args.config))
    if args.rotate:
        retired = ring.active.kid
        ring.rotate()
        print(f"signing with {ring.active.kid}; {retired} stays published until it expires")
    for jwk in ring.published_jwks():
        print(jwk["kid"] + ("  (signing)" if jwk["kid"] == ring.active.kid else "  (retiring)"))
    return 0


def _ask_missing(args: argparse.Namespace) -> int:
    print(
        "pannier: 'ask' is not available in this build (assistant/ask.py missing)", file=sys.stderr
    )
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; errors print as one line and give a non-zero exit status."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader left early (`pannier ucp … | head`): stop quietly, as `cat` would.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        result = func(args)
        if inspect.isawaitable(result):
            import asyncio

            result = asyncio.run(_awaited(result))
    except PannierError as exc:
        print(f"pannier: {exc.title}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable
