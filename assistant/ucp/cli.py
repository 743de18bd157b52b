"""``pannier ucp …``: raw UCP calls that print the merchant's JSON answer.

    pannier ucp discover --business URL
    pannier ucp <catalog|cart|checkout|order> <action> [ID] --business URL
                [--transport auto|mcp|rest] [--input JSON|@file] [--profile-url URL]

``--input`` is the operation's body: the search request for ``catalog search``, the cart or
checkout object for create/update, ``{"payment": …}`` for ``checkout complete``. Without
``--profile-url`` our platform profile is served on loopback for the duration of the command
(good for sandbox stores; real merchants need an https URL, see ``pannier profile export``).
Raw calls keep no local state: keys live for one command, so writes are not retried.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Final

from assistant.errors import ConfigError

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


def add_parser(subcommands: Any, *, parents: list[argparse.ArgumentParser]) -> None:
    ucp = subcommands.add_parser("ucp", help="raw UCP calls, printing the JSON answer")
    resources = ucp.add_subparsers(dest="resource", metavar="RESOURCE", required=True)

    def connection_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--business", required=True, help="the merchant's URL (origin)")
        parser.add_argument(
            "--profile-url", default=None, help="our platform profile URL (default: loopback)"
        )

    discover = resources.add_parser("discover", help="fetch /.well-known/ucp", parents=parents)
    connection_options(discover)
    discover.set_defaults(func=_discover)

    for resource, actions in ACTIONS.items():
        parser = resources.add_parser(resource, help=f"{resource} operations")
        action_parsers = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        for action, (operation, takes_id, _) in actions.items():
            sub = action_parsers.add_parser(action, help=operation, parents=parents)
            if takes_id:
                sub.add_argument("id", metavar="ID")
            elif resource == "catalog":
                sub.add_argument(
                    "id", metavar="QUERY|ID", nargs="?", default=None, help="query or product id"
                )
            connection_options(sub)
            sub.add_argument("--transport", choices=("auto", "mcp", "rest"), default=None)
            sub.add_argument("--input", default=None, help="request body: JSON or @file")
            sub.set_defaults(func=_operation, operation=operation)


def read_input(value: str | None) -> dict[str, Any]:
    """``--input``: inline JSON or ``@path``; must be a JSON object."""
    if value is None:
        return {}
    source = "--input"
    if value.startswith("@"):
        source = value[1:]
        try:
            value = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read: {exc}") from exc
    try:
        body = json.loads(value)
    except ValueError as exc:
        raise ConfigError(f"{source}: not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ConfigError(f"{source}: must be a JSON object")
    return body


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
        arguments["cart_id"] = body["cart_id"]
    return arguments


def _print(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


async def _discover(args: argparse.Namespace) -> int:
    import httpx2

    from assistant.ucp.discovery import Discovery

    async with httpx2.AsyncClient() as http:
        profile = await Discovery(http).discover(args.business)
    _print(profile.raw)
    return 0


async def _operation(args: argparse.Namespace) -> int:
    import httpx2

    from assistant.config import MerchantConfig, load_config
    from assistant.profile import serve_profile
    from assistant.ucp.connect import connect_merchant

    body = read_input(args.input)
    arguments = build_arguments(args.resource, args.action, getattr(args, "id", None), body)
    config = load_config(args.config)
    known = {m.url.rstrip("/"): m for m in config.merchants}
    merchant = known.get(args.business.rstrip("/"), MerchantConfig(url=args.business))
    if args.transport is not None:
        merchant = merchant.model_copy(update={"transport": args.transport})
    server = None
    profile_url = args.profile_url
    try:
        if profile_url is None:
            server = await serve_profile(config)
            profile_url = server.url
        async with httpx2.AsyncClient() as http:
            client = await connect_merchant(
                merchant, http=http, store=None, profile_url=profile_url
            )
            payload = await client.call_raw(args.operation, arguments)
    finally:
        if server is not None:
            await server.aclose()
    _print(payload)
    return 0


__all__ = ["ACTIONS", "add_parser", "build_arguments", "read_input"]
