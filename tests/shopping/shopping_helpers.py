"""Helpers for the shopping tests (orchestrator, `pannier ask`, TUI): event kinds, a shopper
submitting a store page, the orders a store holds, and a card its page declines."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx2

from assistant.events import Event
from assistant.shopping.trip import Trip

OpenTrip = Callable[..., Awaitable[Trip]]

# What the shopper is told after a card is declined on the store's page.
CARD_DECLINED = "card declined — try another card or pay on the page"
# A config's wallet whose card the store's page puts to 3-D Secure (where "Decline" declines it).
CHALLENGED_CARD = """
[[wallet]]
id = "card_3063"
handler = "dev.pannier.sandbox_card"
type = "card"
brand = "visa"
last_digits = "3063"
token = "tok_sandbox_3ds"
"""


def orders_at(sandbox_data_dir: Path, slug: str) -> int:
    """How many orders the store itself holds (read from its own database)."""
    with sqlite3.connect(sandbox_data_dir / f"{slug}.sqlite3") as db:
        (count,) = db.execute("SELECT COUNT(*) FROM orders").fetchone()
    return int(count)


def kinds(events: list[Event]) -> list[str]:
    return [type(event).__name__ for event in events if type(event).__name__ != "ProtocolCalled"]


class _FormParser(HTMLParser):
    """One form on a page (the first, or the one whose hidden ``action`` is ``wanted``): its
    action, method and the values a person would submit."""

    def __init__(self, wanted: str | None = None) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self._wanted = wanted
        self._select: str | None = None
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and not self._done:
            self._in_form = True
            self.action = values.get("action", "")
            self.method = values.get("method", "get").lower()
            self.fields = {}
        elif self._in_form and tag == "input" and values.get("name"):
            name = values["name"]
            if values.get("type") == "radio":
                # A person keeps the choice the page preselects (else the first one).
                if "checked" in values or name not in self.fields:
                    self.fields[name] = values.get("value", "on")
            else:
                # A person ticks every confirmation box on the page.
                self.fields[name] = values.get("value", "on")
        elif self._in_form and tag == "select":
            self._select = values.get("name")
        elif self._in_form and tag == "option" and self._select is not None:
            self.fields.setdefault(self._select, values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            self._done = self._wanted is None or self.fields.get("action") == self._wanted


async def submit_continue_page(
    url: str, *, pay_here: bool = False, **choices: str
) -> httpx2.Response:
    """GET the store's continue_url page and POST the form it shows, as a shopper would: its
    primary form ("Confirm and return to your assistant"), or with ``pay_here`` the secondary
    one that pays on the page. ``choices`` override what the shopper picks (``challenge="fail"``).
    """
    async with httpx2.AsyncClient(timeout=10.0) as http:
        page = await http.get(url)
        page.raise_for_status()
        form = _FormParser("pay" if pay_here else None)
        form.feed(page.text)
        assert form.action is not None and form._done, page.text
        target = urljoin(url, form.action)
        return await http.post(target, data={**form.fields, **choices})
