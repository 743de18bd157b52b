"""Drives a sandbox store's sign-in page over HTTP as a shopper's browser would (no browser)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx2

from assistant.errors import LinkError
from assistant.profile import PLATFORM_CAPABILITIES
from assistant.ucp.discovery import Discovery
from assistant.ucp.link_flow import link, link_client_id
from assistant.ucp.link_tokens import LinkedAccount, LinkStore

DEMO_USER = "demo"
DEMO_PASSWORD = "pannier-demo"
WAIT_S = 30.0  # bounds every wait for the sign-in to come back
_HIDDEN = re.compile(r'<input type=hidden name="([^"]+)" value="([^"]*)">')


def s256(verifier: str) -> str:
    """The RFC 7636 S256 challenge, computed here independently of the code under test."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class Redirect:
    """Where the store sent the browser back to, and the query it added."""

    location: str
    params: dict[str, str]


def hidden_fields(page: str) -> dict[str, str]:
    """The authorization request the sign-in form carries back."""
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


async def sign_in(
    http: httpx2.AsyncClient,
    authorization_url: str,
    *,
    username: str = DEMO_USER,
    password: str = DEMO_PASSWORD,
    decision: str = "allow",
) -> Redirect:
    """Open the sign-in page, submit the form, and return the redirect it answers with."""
    page = await http.get(authorization_url)
    assert page.status_code == 200, page.text
    action = authorization_url.split("?", 1)[0]
    fields = {**hidden_fields(page.text), "username": username, "password": password}
    answer = await http.post(action, data={**fields, "decision": decision})
    assert answer.status_code == 302, (answer.status_code, answer.text)
    location = answer.headers["location"]
    query = parse_qs(urlsplit(location).query)
    return Redirect(location, {key: values[0] for key, values in query.items()})


def new_verifier() -> str:
    return secrets.token_urlsafe(48)


async def browser_follows(
    http: httpx2.AsyncClient, url: str, *, tamper_iss: str | None = None
) -> int:
    """Sign in at the store, then deliver its redirect to the loopback (``iss`` altered or, for
    "", dropped: an attacker's authorization server answering in the store's place)."""
    redirect = await sign_in(http, url)
    location = redirect.location
    if tamper_iss is not None:
        parts = urlsplit(location)
        query = dict(redirect.params) | {"iss": tamper_iss}
        if not tamper_iss:
            del query["iss"]
        location = urlunsplit(parts._replace(query=urlencode(query)))
    return (await http.get(location)).status_code


async def link_account(
    http: httpx2.AsyncClient, links: LinkStore, store_url: str, **browser: str
) -> LinkedAccount | LinkError:
    """Pannier's `link()` with this module as the shopper's browser: the account, or the refusal."""
    profile = await Discovery(http, None).discover(store_url)
    shown: asyncio.Queue[str] = asyncio.Queue()
    task = asyncio.create_task(
        link(
            http,
            links,
            profile,
            name=profile.name or profile.domain,
            client_id=link_client_id(profile, None),
            supported=PLATFORM_CAPABILITIES,
            show_url=shown.put_nowait,
            timeout_s=WAIT_S,
        )
    )
    async with asyncio.timeout(WAIT_S):
        await browser_follows(http, await shown.get(), **browser)
        try:
            return await task
        except LinkError as exc:
            return exc


REDIRECT = "http://127.0.0.1:49152/callback"
SCOPES = "dev.ucp.shopping.order:read dev.ucp.shopping.checkout:manage"


def authorization_url(store: str, verifier: str, **overrides: str) -> str:
    query = {
        "response_type": "code",
        "client_id": "pannier",
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "st-123",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    } | overrides
    return f"{store}/oauth/authorize?{urlencode(query)}"


async def linked_tokens(
    http: httpx2.AsyncClient, store: str, *, username: str = "demo", scope: str = SCOPES
) -> dict[str, Any]:
    verifier = new_verifier()
    redirect = await sign_in(
        http, authorization_url(store, verifier, scope=scope), username=username
    )
    answer = await http.post(
        f"{store}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": redirect.params["code"],
            "redirect_uri": REDIRECT,
            "client_id": "pannier",
            "code_verifier": verifier,
        },
    )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens
