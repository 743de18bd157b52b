"""``pannier ucp …``: raw UCP calls that print the merchant's JSON answer.

    pannier ucp discover [--business URL] [--transport mcp|rest]
    pannier ucp <catalog|cart|checkout|order> <action> [ID] [--business URL]
                [--transport auto|mcp|rest] [--input JSON|@file|-] [--set /ptr=value …]
                [--view JMESPATH] [--dry-run] [--input-schema] [--verbose] [--profile-url URL]

``--input`` is the operation's body: the search request for ``catalog search``, the cart or
checkout object for create/update, ``{"payment": …}`` for ``checkout complete``; ``--set`` edits
it by JSON pointer. ``--business`` defaults to ``$PANNIER_BUSINESS``. Without ``--profile-url``
our platform profile is served on loopback for the duration of the command (good for sandbox
stores; real merchants need an https URL, see ``pannier profile export``). Reads are retried;
raw calls keep no local state, so writes are sent once. ``$PANNIER_ON_ESCALATION`` is run (by
the shell, with ``UCP_CONTINUE_URL`` and ``UCP_CHECKOUT_ID`` set) when a checkout needs the buyer.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any, Final

from assistant.errors import (
    ConfigError,
    MerchantError,
    MerchantUnavailable,
    PannierError,
)
from assistant.ucp import cli_body
from assistant.ucp.cli_body import read_input

BUSINESS_ENV: Final = "PANNIER_BUSINESS"
ESCALATION_HOOK_ENV: Final = "PANNIER_ON_ESCALATION"

# resource → action → (operation, takes an id, body key or None)
ACTIONS: Final[dict[str, dict[str, tuple[str, bool, str | None]]]] = {
    "catalog": {
        "search": ("search_catalog", False, "catalog"),
        "lookup": ("lookup_catalog", False, "catalog"),
        "product": ("get_product", False, "catalog"),
    },
    "cart": {
        "create": ("create_cart", False, "cart"),
        "get": ("get_cart", True, None),
        "update": ("update_cart", True, "cart"),
        "cancel": ("cancel_cart", True, None),
    },
    "checkout": {
        "create": ("create_checkout", False, "checkout"),
        "get": ("get_checkout", True, None),
        "update": ("update_checkout", True, "checkout"),
        "complete": ("complete_checkout", True, "checkout"),
        "cancel": ("cancel_checkout", True, None),
    },
    "order": {"get": ("get_order", True, None)},
}

EXIT_HELP: Final = (
    "exit status: 0 success, 1 the merchant answered with an error message (not_found, …), "
    "2 usage, 3 bad input or config, 4 merchant unreachable, 5 protocol error or credentials "
    "refused."
)


def add_parser(subcommands: Any, *, parents: list[argparse.ArgumentParser]) -> None:
    ucp = subcommands.add_parser(
        "ucp", help="raw UCP calls, printing the JSON answer", epilog=EXIT_HELP
    )
    resources = ucp.add_subparsers(dest="resource", metavar="RESOURCE", required=True)

    def connection_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--business",
            default=os.environ.get(BUSINESS_ENV),
            help=f"the merchant's URL (origin); default ${BUSINESS_ENV}",
        )
        parser.add_argument(
            "--profile-url", default=None, help="our platform profile URL (default: loopback)"
        )
        parser.add_argument(
            "--verbose", "-v", action="store_true", help="trace every HTTP exchange on stderr"
        )

    discover = resources.add_parser(
        "discover", help="fetch /.well-known/ucp", parents=parents, epilog=EXIT_HELP
    )
    connection_options(discover)
    discover.add_argument(
        "--transport", choices=("auto", "mcp", "rest"), default=None, help="say which we'd use"
    )
    discover.add_argument("--view", default=None, metavar="JMESPATH", help="print a projection")
    discover.set_defaults(func=_discover)

    for resource, actions in ACTIONS.items():
        parser = resources.add_parser(resource, help=f"{resource} operations")
        action_parsers = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        for action, (operation, takes_id, _) in actions.items():
            sub = action_parsers.add_parser(
                action, help=operation, parents=parents, epilog=EXIT_HELP
            )
            if takes_id:
                sub.add_argument("id", metavar="ID")
            elif resource == "catalog":
                sub.add_argument(
                    "id", metavar="QUERY|ID", nargs="?", default=None, help="query or product id"
                )
            connection_options(sub)
            sub.add_argument("--transport", choices=("auto", "mcp", "rest"), default=None)
            sub.add_argument("--input", default=None, help="request body: JSON, @file or - (stdin)")
            sub.add_argument(
                "--set",
                action="append",
                default=[],
                dest="assignments",
                metavar="/POINTER=VALUE",
                help="set one field of the body (JSON value, else a string); repeatable",
            )
            sub.add_argument("--view", default=None, metavar="JMESPATH", help="print a projection")
            sub.add_argument(
                "--dry-run",
                action="store_true",
                help="print the exact request (idempotency key, ucp-agent) instead of sending it",
            )
            sub.add_argument(
                "--input-schema",
                action="store_true",
                help="print the JSON Schema the merchant accepts for this operation, and exit",
            )
            sub.set_defaults(func=_operation, operation=operation)


def build_arguments(
    resource: str, action: str, id: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    """MCP-shaped arguments for one CLI action."""
    operation, takes_id, body_key = ACTIONS[resource][action]
    arguments: dict[str, Any] = {}
    if resource == "catalog":
        if action == "search" and id is not None:
            body = {"query": id, **body}
        elif action == "lookup" and id is not None:
            body = {"ids": [part for part in id.split(",") if part], **body}
        elif action == "product" and id is not None:
            body = {"id": id, **body}
    if takes_id:
        arguments["id"] = id
    if body_key is not None:
        arguments[body_key] = body
    if operation == "create_checkout" and "cart_id" in body:
        arguments["cart_id"] = body.pop("cart_id")
    return arguments


def _print(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def _exit_for(exc: PannierError) -> int:
    if isinstance(exc, MerchantUnavailable):
        return cli_body.EXIT_UNREACHABLE
    if isinstance(exc, MerchantError):
        return cli_body.EXIT_PROTOCOL
    return cli_body.EXIT_CONFIG


def _fail(exc: PannierError) -> int:
    print(f"pannier ucp: {exc.title}: {exc.message}", file=sys.stderr)
    return _exit_for(exc)


def _business(args: argparse.Namespace) -> str:
    if not args.business:
        raise ConfigError(f"say which merchant: --business URL (or set ${BUSINESS_ENV})")
    return str(args.business)


async def _discover(args: argparse.Namespace) -> int:
    from assistant.ucp.cli_http import open_http
    from assistant.ucp.connect import choose_common_transport, choose_transport
    from assistant.ucp.discovery import Discovery

    try:
        business = _business(args)
        async with open_http(verbose=args.verbose) as (http, _):
            profile = await Discovery(http).discover(business)
        print(f"release: UCP {profile.version}, {profile.negotiated_because}", file=sys.stderr)
        chosen = choose_transport(profile, args.transport or "auto")
        why = "asked for" if args.transport else "MCP when offered, else REST"
        print(f"transport: {chosen} at {profile.endpoints[chosen]} ({why})", file=sys.stderr)
        common = choose_common_transport(profile, args.transport or "auto")
        if common is None:
            print("dev.ucp.common: not offered (no pickup locations)", file=sys.stderr)
        else:
            url = profile.common_endpoints[common]
            print(f"dev.ucp.common: {common} at {url} (pickup locations)", file=sys.stderr)
        _print(cli_body.view(profile.raw, args.view))
    except PannierError as exc:
        return _fail(exc)
    return cli_body.EXIT_OK


async def _operation(args: argparse.Namespace) -> int:
    try:
        return await _send(args)
    except PannierError as exc:
        return _fail(exc)


async def _send(args: argparse.Namespace) -> int:
    from assistant.config import MerchantConfig, load_config
    from assistant.profile import serve_profile
    from assistant.ucp.cli_http import Captured, input_schema, open_http
    from assistant.ucp.connect import choose_transport, connect_merchant
    from assistant.ucp.discovery import Discovery

    business = _business(args)
    body = read_input(args.input)
    for assignment in args.assignments:
        body = cli_body.apply_set(body, assignment)
    arguments = build_arguments(args.resource, args.action, getattr(args, "id", None), body)
    config = load_config(args.config)
    known = {m.url.rstrip("/"): m for m in config.merchants}
    merchant = known.get(business.rstrip("/"), MerchantConfig(url=business))
    if args.transport is not None:
        merchant = merchant.model_copy(update={"transport": args.transport})
    server = None
    profile_url: str | dict[str, str] | None = args.profile_url
    try:
        if profile_url is None:
            server = await serve_profile(config)
            profile_url = server.urls
        async with open_http(verbose=args.verbose) as (http, tap):
            discovery = Discovery(http)
            profile = await discovery.discover(merchant.url)
            transport = choose_transport(profile, merchant.transport)
            if args.input_schema:
                _print(await input_schema(http, profile, transport, args.operation))
                return cli_body.EXIT_OK
            client = await connect_merchant(
                merchant, http=http, store=None, profile_url=profile_url, discovery=discovery
            )
            if args.dry_run:
                tap.capture_under(profile.endpoints[transport])
            try:
                payload = await client.call_raw(args.operation, arguments)
            except Captured as captured:
                _print(captured.request_json())
                return cli_body.EXIT_OK
    finally:
        if server is not None:
            await server.aclose()
    _print(cli_body.view(payload, args.view))
    return _after(args, business, payload)


def _after(args: argparse.Namespace, business: str, payload: dict[str, Any]) -> int:
    """Hint and hook on stderr's side; the exit status says success or business outcome."""
    hint = cli_body.next_step(args.resource, payload, business)
    if hint:
        print(f"next: {hint}", file=sys.stderr)
    hook = os.environ.get(ESCALATION_HOOK_ENV)
    if hook and payload.get("status") == "requires_escalation" and payload.get("continue_url"):
        env = {
            **os.environ,
            "UCP_CONTINUE_URL": str(payload["continue_url"]),
            "UCP_CHECKOUT_ID": str(payload.get("id", "")),
        }
        subprocess.run(hook, shell=True, env=env, check=False)
    return cli_body.EXIT_BUSINESS if cli_body.business_error(payload) else cli_body.EXIT_OK


__all__ = ["ACTIONS", "add_parser", "build_arguments", "read_input"]
