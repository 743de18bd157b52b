"""``pannier link``: link, list and unlink the shopper's accounts at stores (UCP identity linking).

    pannier link STORE [--no-browser] [--timeout SECONDS]
    pannier link --list
    pannier link --unlink STORE

STORE is a configured merchant's name or URL, a sandbox store's slug or name, or any merchant URL.
The sign-in URL is always printed; a browser is opened only where a desktop one can be (never with
``--no-browser``, never a text browser that would take over this terminal). Tokens go to the
linked-accounts file (mode 0600), never to the screen.
"""

from __future__ import annotations

import argparse
import os
import sys
import webbrowser
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx2

from assistant import locations
from assistant.config import Config, MerchantConfig, load_config
from assistant.errors import LinkError, PannierError
from assistant.profile import PLATFORM_CAPABILITIES
from assistant.sandbox import find_or_start
from assistant.ucp.discovery import BusinessProfile, Discovery
from assistant.ucp.link_flow import SIGN_IN_TIMEOUT_S, link, link_client_id, unlink
from assistant.ucp.link_tokens import LinkedAccount, LinkStore
from assistant.ucp.urls import origin as origin_of

_HTTP_TIMEOUT_S = 15.0


def add_parser(
    subcommands: argparse._SubParsersAction[argparse.ArgumentParser],
    *,
    parents: list[argparse.ArgumentParser],
) -> None:
    parser = subcommands.add_parser(
        "link",
        help="link your account at a store (sign in there once): STORE | --list | --unlink STORE",
        parents=parents,
    )
    parser.add_argument("store", nargs="?", help="a store's name, slug or URL")
    parser.add_argument("--list", action="store_true", help="list the linked stores")
    parser.add_argument("--unlink", metavar="STORE", help="unlink a store (revoked there too)")
    parser.add_argument(
        "--no-browser", action="store_true", help="only print the sign-in URL; open nothing"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=SIGN_IN_TIMEOUT_S,
        metavar="SECONDS",
        help=f"how long to wait for the sign-in (default {SIGN_IN_TIMEOUT_S:g})",
    )
    parser.set_defaults(func=run)


def links_store(config: Config) -> LinkStore:
    return LinkStore(locations.linked_accounts_path(config.data_dir))


async def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    links = links_store(config)
    if args.list:
        return _print_list(links.all())
    async with httpx2.AsyncClient(timeout=_HTTP_TIMEOUT_S) as http:
        if args.unlink:
            account = _find_linked(links.all(), args.unlink)
            revoked = await unlink(http, links, account)
            tail = (
                "" if revoked else " (the store could not be told; it forgets the link on its own)"
            )
            print(f"Unlinked {account.name}.{tail}")
            return 0
        if not args.store:
            raise PannierError(
                "say which store: pannier link STORE (or --list, --unlink STORE)",
                title="Nothing to link",
            )
        merchant, profile = await _resolve(http, config, args.store)
        name = merchant.name or profile.name or profile.domain
        account = await link(
            http,
            links,
            profile,
            name=name,
            client_id=link_client_id(profile, merchant.link_client_id),
            supported=PLATFORM_CAPABILITIES,
            show_url=lambda url: _show(name, url),
            open_url=None if args.no_browser else _desktop_browser(),
            timeout_s=args.timeout,
        )
    print(f"Linked your account at {account.name} ({', '.join(account.scopes) or 'no scopes'}).")
    return 0


def _show(name: str, url: str) -> None:
    print(f"Sign in to {name} to link your account. Open this link in a browser:\n\n  {url}\n")
    print("Waiting for the sign-in to come back to this terminal (Ctrl-C stops)…", flush=True)


def _desktop_browser() -> Callable[[str], object] | None:
    """Open URLs only where a graphical browser can take them (not lynx in this terminal)."""
    graphical = sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    return webbrowser.open if graphical else None


def _print_list(accounts: list[LinkedAccount]) -> int:
    if not accounts:
        print("No linked accounts. Link one with: pannier link STORE")
        return 0
    for account in accounts:
        since = datetime.fromtimestamp(account.linked_at, UTC).strftime("%Y-%m-%d")
        print(f"{account.name}\t{account.origin}\tlinked {since}\t{account.scope}")
    return 0


def _find_linked(accounts: list[LinkedAccount], wanted: str) -> LinkedAccount:
    key = wanted.strip().lower()
    for account in accounts:
        slug_like = urlsplit(account.origin).netloc.lower()
        if key in (account.name.lower(), account.origin.lower(), slug_like):
            return account
    names = ", ".join(a.name for a in accounts) or "none"
    raise LinkError(
        f"no linked account at {wanted!r} (linked: {names})", merchant=wanted, operation="unlink"
    )


async def _resolve(
    http: httpx2.AsyncClient, config: Config, wanted: str
) -> tuple[MerchantConfig, BusinessProfile]:
    """The merchant STORE names: a URL, a configured merchant, or a sandbox store."""
    discovery = Discovery(http, None)
    key = wanted.strip().lower()
    if key.startswith(("http://", "https://")):
        configured = next(
            (m for m in config.merchants if origin_of(m.url) == origin_of(wanted)), None
        )
        merchant = configured or MerchantConfig(url=origin_of(wanted))
        return merchant, await discovery.discover(merchant.url)
    for merchant in config.merchants:
        if key in ((merchant.name or "").lower(), urlsplit(merchant.url).netloc.lower()):
            return merchant, await discovery.discover(merchant.url)
    candidates = [m.url for m in config.merchants]
    if not candidates:
        sandbox = await find_or_start(http)
        by_slug = sandbox.by_slug() if len(sandbox.slugs) == len(sandbox.urls) else {}
        if key in by_slug:
            return MerchantConfig(url=by_slug[key]), await discovery.discover(by_slug[key])
        candidates = sandbox.urls
    for url in candidates:
        profile = await discovery.discover(url)
        if key in ((profile.name or "").lower(), profile.domain.lower()):
            merchant = next((m for m in config.merchants if m.url == url), MerchantConfig(url=url))
            return merchant, profile
    raise PannierError(f"no store called {wanted!r}", title="Unknown store")
