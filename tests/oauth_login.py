"""Drives a sandbox store's sign-in page over HTTP as a shopper's browser would (no browser)."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx2

DEMO_USER = "demo"
DEMO_PASSWORD = "pannier-demo"
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
