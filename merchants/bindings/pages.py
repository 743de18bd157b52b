"""The continue_url web pages: plain HTML, no JavaScript, rendered from Jinja2 templates.

`GET /checkout/{id}` shows the checkout and exactly what is missing; `POST /checkout/{id}` submits
the buyer's confirmations and sandbox card via `Shop.submit_continue`. `GET /cart/{id}` shows a
cart; `GET /orders/{id}` is the order permalink. The templates live in ``templates/``; autoescape
is on for every one of them, so no merchant or shopper string reaches the page unescaped, and the
one money formatter (``pricing.format_money``) is the ``money`` filter.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from merchants.bindings.http import Request, Response, html_response
from merchants.business.pricing import format_money
from merchants.business.shop import Shop
from merchants.business.views import CHALLENGE, CONFIRM_AGE, CONFIRM_SIZE, ContinueView

HAND_BACK = "return"  # the primary action: confirm here, let the assistant pay
PAY_HERE = "pay"  # the secondary action: pay on this page with a sandbox card
_PAGE = re.compile(r"^/(checkout|cart|orders)/([^/]+)$")

_TEMPLATES = Environment(
    loader=PackageLoader("merchants.bindings", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters["money"] = format_money

# After a POST, what the page says above the checkout: the hand-back was confirmed, it was not
# (a box left unticked), or the problems that kept the order from being placed.
Outcome = Literal["confirmed", "unconfirmed"] | None


def _page(status: int, template: str, **context: Any) -> Response:
    return html_response(status, _TEMPLATES.get_template(template).render(**context))


class Pages:
    """The store's human-facing HTML: home, checkout/cart handoff pages and order permalinks."""

    def __init__(self, shop: Shop, *, base_url: str) -> None:
        self._shop = shop
        self._base_url = base_url

    def handle(self, request: Request) -> Response:
        """Route one page request."""
        if request.path in ("/", ""):
            if request.method != "GET":
                return Response(405, headers={"Allow": "GET"})
            spec = self._shop.spec
            return _page(
                200,
                "home.html",
                store_name=spec.name,
                tagline=spec.tagline,
                base_url=self._base_url,
            )
        match = _PAGE.match(request.path)
        if match is None:
            return _page(404, "not_found.html", store_name=None)
        kind, identifier = match.groups()
        if request.method == "POST" and kind == "checkout":
            return self._submit(identifier, request.form())
        if request.method != "GET":
            return Response(405, headers={"Allow": "GET, POST" if kind == "checkout" else "GET"})
        if kind == "orders":
            return self._order(identifier)
        view = self._shop.continue_view("checkout" if kind == "checkout" else "cart", identifier)
        return self._render(view, kind)

    def _not_found(self, what: str) -> Response:
        return _page(
            404,
            "not_found.html",
            store_name=self._shop.spec.name,
            what=what,
            base_url=self._base_url,
        )

    def _render(
        self,
        view: ContinueView | None,
        kind: str,
        *,
        outcome: Outcome = None,
        problems: list[tuple[str, str]] | None = None,
    ) -> Response:
        if view is None:
            return self._not_found(kind)
        return _page(
            200,
            "resource.html",
            view=view,
            outcome=outcome,
            problems=problems or [],
            base_url=self._base_url,
            hand_back=HAND_BACK,
            pay_here=PAY_HERE,
        )

    def _hands_back(self, identifier: str) -> bool:
        """Whether a form without ``action=pay`` confirms and hands back (a size or age check
        and no bank challenge under way)."""
        view = self._shop.continue_view("checkout", identifier)
        if view is None or CHALLENGE in view.needs:
            return False
        return any(need in (CONFIRM_SIZE, CONFIRM_AGE) for need in view.needs)

    def _hand_back(self, identifier: str, form: dict[str, str]) -> Response:
        result = self._shop.confirm_continue(identifier, form)
        if result.is_error and "id" not in result.body:
            return self._not_found("checkout")
        confirmed = result.body.get("status") == "ready_for_complete"
        return self._render(
            self._shop.continue_view("checkout", identifier),
            "checkout",
            outcome="confirmed" if confirmed else "unconfirmed",
        )

    def _submit(self, identifier: str, form: dict[str, str]) -> Response:
        if form.get("action") != PAY_HERE and self._hands_back(identifier):
            return self._hand_back(identifier, form)
        result = self._shop.submit_continue(identifier, form)
        if result.is_error and "id" not in result.body:
            return self._not_found("checkout")
        messages = [m for m in result.body.get("messages", []) or [] if isinstance(m, dict)]
        problems = [
            (str(m.get("code", "")), str(m.get("content", "")))
            for m in messages
            if m.get("type") == "error"
        ]
        return self._render(
            self._shop.continue_view("checkout", identifier), "checkout", problems=problems
        )

    def _order(self, identifier: str) -> Response:
        view = self._shop.order_view(identifier)
        if view is None:
            return self._not_found("order")
        return _page(200, "order.html", view=view)
