"""The continue_url web pages: plain HTML, no JavaScript, every merchant string escaped.

`GET /checkout/{id}` shows the checkout and exactly what is missing; `POST /checkout/{id}` submits
the buyer's confirmations and sandbox card via `Shop.submit_continue`. `GET /cart/{id}` shows a
cart; `GET /orders/{id}` is the order permalink.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from merchants.bindings.http import Request, Response, html_response
from merchants.business.shop import Shop

_PAGE = re.compile(r"^/(checkout|cart|orders)/([^/]+)$")

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;width:100%}td,th{padding:.3rem;border-bottom:1px solid #ddd;text-align:left}"
    "td.amount{text-align:right}.missing{background:#fff4e5;border:1px solid #f0b35c;padding:.5rem 1rem}"
    ".error{color:#a00}fieldset{margin:1rem 0}"
)


def _document(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _money(amount: object, currency: str) -> str:
    if not isinstance(amount, int):
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d} {escape(currency)}"


def _lines_table(resource: dict[str, Any]) -> str:
    currency = str(resource.get("currency", ""))
    rows = []
    for line in resource.get("line_items", []) or []:
        item = line.get("item", {}) if isinstance(line, dict) else {}
        total = next(
            (t.get("amount") for t in line.get("totals", []) if t.get("type") == "total"), None
        )
        rows.append(
            f"<tr><td>{escape(str(item.get('title', item.get('id', ''))))}</td>"
            f"<td>{escape(str(line.get('quantity', '')))}</td>"
            f"<td class=amount>{_money(total, currency)}</td></tr>"
        )
    for total in resource.get("totals", []) or []:
        label = total.get("display_text") or str(total.get("type", "")).replace("_", " ").title()
        rows.append(
            f"<tr><th colspan=2>{escape(str(label))}</th>"
            f"<td class=amount>{_money(total.get('amount'), currency)}</td></tr>"
        )
    return "<table><tr><th>Item</th><th>Qty</th><th>Amount</th></tr>" + "".join(rows) + "</table>"


def _messages(messages: list[dict[str, Any]], heading: str) -> str:
    if not messages:
        return ""
    items = "".join(
        f"<li><strong>{escape(str(m.get('code', m.get('type', ''))))}</strong>: {escape(str(m.get('content', '')))}</li>"
        for m in messages
    )
    return f"<div class=missing><h2>{escape(heading)}</h2><ul>{items}</ul></div>"


class Pages:
    """The store's human-facing HTML: home, checkout/cart handoff pages and order permalinks."""

    def __init__(self, shop: Shop, *, base_url: str) -> None:
        self._shop = shop
        self._base_url = base_url

    def handle(self, request: Request) -> Response:
        """Route one page request."""
        if request.path in ("/", ""):
            return (
                self._home() if request.method == "GET" else Response(405, headers={"Allow": "GET"})
            )
        match = _PAGE.match(request.path)
        if match is None:
            return html_response(404, _document("Not found", "<h1>Not found</h1>"))
        kind, identifier = match.groups()
        if request.method == "POST" and kind == "checkout":
            return self._submit(identifier, request.form())
        if request.method != "GET":
            return Response(405, headers={"Allow": "GET, POST" if kind == "checkout" else "GET"})
        if kind == "orders":
            return self._order(identifier)
        return self._resource(kind, identifier, notice="")

    def _home(self) -> Response:
        spec = self._shop.spec
        body = (
            f"<h1>{escape(spec.name)}</h1><p>{escape(spec.tagline)}</p>"
            "<p>This is a Pannier sandbox store. Agents shop here over UCP: "
            f'<a href="{escape(self._base_url)}/.well-known/ucp">business profile</a>.</p>'
        )
        return html_response(200, _document(spec.name, body))

    def _resource(self, kind: str, identifier: str, *, notice: str) -> Response:
        spec = self._shop.spec
        result = (
            self._shop.get_checkout(identifier)
            if kind == "checkout"
            else self._shop.get_cart(identifier)
        )
        if result.is_error:
            body = f"<h1>{escape(spec.name)}</h1><p>We could not find that {escape(kind)}.</p>"
            return html_response(404, _document("Not found", body))
        resource = result.body
        status = str(resource.get("status", "active"))
        parts = [
            f"<h1>{escape(spec.name)}</h1>",
            f"<p>{escape(kind.title())} <code>{escape(identifier)}</code> — status <strong>{escape(status)}</strong></p>",
        ]
        if notice:
            parts.append(notice)
        parts.append(_lines_table(resource))
        messages = [m for m in resource.get("messages", []) or [] if isinstance(m, dict)]
        blocking = [m for m in messages if m.get("type") == "error"]
        others = [m for m in messages if m.get("type") != "error"]
        order = resource.get("order")
        if isinstance(order, dict) and order.get("id"):
            link = f"{self._base_url}/orders/{order['id']}"
            parts.append(
                f'<p>Order placed: <a href="{escape(link)}">{escape(str(order["id"]))}</a></p>'
            )
        elif kind == "checkout" and status not in ("completed", "canceled"):
            parts.append(_messages(blocking, "What is missing"))
            parts.append(_messages(others, "Please note"))
            parts.append(self._form(identifier, blocking))
        else:
            parts.append(_messages(messages, "Notes"))
        return html_response(200, _document(f"{spec.name} — {kind}", "".join(parts)))

    def _form(self, identifier: str, blocking: list[dict[str, Any]]) -> str:
        codes = {str(m.get("code")) for m in blocking}
        fields = []
        if "age_verification_required" in codes:
            fields.append(
                "<label><input type=checkbox name=confirm_age value=yes> I confirm I am of legal drinking age.</label><br>"
            )
        if "size_confirmation_required" in codes:
            fields.append(
                "<label><input type=checkbox name=confirm_size value=yes> I have checked the sizes.</label><br>"
            )
        if "requires_3ds" in codes:
            fields.append(
                "<label><input type=checkbox name=challenge value=passed> Approve this payment (3-D Secure challenge).</label><br>"
            )
        fields.append(
            "<fieldset><legend>Pay with a sandbox card</legend>"
            "<label>Card token <select name=card_token>"
            "<option value=tok_sandbox_approved>Visa ending 4242 (approves)</option>"
            "<option value=tok_sandbox_declined>Visa ending 0002 (declines)</option>"
            "</select></label></fieldset>"
        )
        action = f"/checkout/{escape(identifier)}"
        return f'<form method=post action="{action}">{"".join(fields)}<button type=submit>Place order</button></form>'

    def _submit(self, identifier: str, form: dict[str, str]) -> Response:
        result = self._shop.submit_continue(identifier, form)
        messages = [m for m in result.body.get("messages", []) or [] if isinstance(m, dict)]
        problems = [m for m in messages if m.get("type") == "error"]
        notice = _messages(problems, "We could not place the order") if problems else ""
        if result.is_error and not result.body.get("id"):
            return html_response(404, _document("Not found", notice or "<h1>Not found</h1>"))
        return self._resource("checkout", identifier, notice=notice)

    def _order(self, identifier: str) -> Response:
        spec = self._shop.spec
        result = self._shop.get_order(identifier)
        if result.is_error:
            return html_response(
                404, _document("Not found", f"<h1>{escape(spec.name)}</h1><p>No such order.</p>")
            )
        order = result.body
        body = (
            f"<h1>{escape(spec.name)}</h1><p>Order <code>{escape(identifier)}</code> — thank you!</p>"
            + _lines_table(order)
        )
        return html_response(200, _document(f"{spec.name} — order", body))
