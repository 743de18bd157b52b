"""The sign-in form's CSRF token: bound to the browser that opened the form and to the
authorization request the form shows.

Showing the form (GET) gives the browser a random cookie (HttpOnly, SameSite=Strict, only for the
authorize path) unless it has one, and puts in the form ``<issued at>.<HMAC-SHA256>`` over that
cookie, the time and the request's parameters (client, redirect, scope, state, PKCE challenge).
Submitting it (POST) must bring the same cookie and a token that matches them, issued less than
``TOKEN_TTL_S`` ago; anything else is refused before the password is even read. So a page
elsewhere cannot sign a shopper in (or out) at this store, nor reuse a form shown for another
authorization request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Final

CSRF_FIELD: Final = "csrf_token"
TOKEN_TTL_S: Final = 600  # as long as a shopper may take to sign in; the code lives far less


class CsrfRefused(Exception):
    """The form's submission is not the one this store showed this browser (why, in words)."""


class SignInCsrf:
    """Issues and checks one store's sign-in form tokens."""

    def __init__(
        self, secret: bytes, issuer: str, *, path: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = hmac.new(secret, b"sign-in form csrf", hashlib.sha256).digest()
        # Cookies ignore ports, and every sandbox store is on 127.0.0.1: one name per store.
        self.cookie_name = "signin_" + hashlib.sha256(issuer.encode()).hexdigest()[:12]
        self._path = path
        self._clock = clock

    def issue(
        self, headers: Mapping[str, str], request: Mapping[str, str]
    ) -> tuple[str, dict[str, str]]:
        """A token for the form showing ``request``, and the headers that give the cookie."""
        browser = self._browser(headers)
        set_cookie: dict[str, str] = {}
        if browser is None:
            browser = secrets.token_urlsafe(24)
            set_cookie["Set-Cookie"] = (
                f"{self.cookie_name}={browser}; Path={self._path}; HttpOnly; SameSite=Strict"
            )
        issued_at = str(int(self._clock()))
        return f"{issued_at}.{self._mac(browser, issued_at, request)}", set_cookie

    def check(self, headers: Mapping[str, str], request: Mapping[str, str], token: str) -> None:
        """Raise ``CsrfRefused`` unless ``token`` was issued to this browser for ``request``."""
        if not token:
            raise CsrfRefused("the form came without its security token")
        browser = self._browser(headers)
        if browser is None:
            raise CsrfRefused("the form was not opened in this browser (its cookie is missing)")
        issued_at, _, mac = token.partition(".")
        if not issued_at.isdigit() or not hmac.compare_digest(
            mac, self._mac(browser, issued_at, request)
        ):
            raise CsrfRefused("the form's security token does not match this sign-in request")
        if not 0 <= self._clock() - int(issued_at) <= TOKEN_TTL_S:
            raise CsrfRefused("the form has expired")

    def _browser(self, headers: Mapping[str, str]) -> str | None:
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except CookieError:
            return None
        morsel = cookies.get(self.cookie_name)
        return morsel.value if morsel is not None and morsel.value else None

    def _mac(self, browser: str, issued_at: str, request: Mapping[str, str]) -> str:
        message = json.dumps([browser, issued_at, sorted(request.items())]).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
