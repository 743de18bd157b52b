"""The continue_url web pages: plain HTML, no JavaScript, every merchant string escaped.

`GET /checkout/{id}` shows the checkout and exactly what is missing; `POST /checkout/{id}` submits
the buyer's confirmations and sandbox card via `Shop.submit_continue`. `GET /cart/{id}` shows a
cart; `GET /orders/{id}` is the order permalink.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from merchants.bindings.http import Request, Response, html_response
from merchants.business.shop import Shop
from merchants.business.views import (
    CHALLENGE,
    CONFIRM_AGE,
    CONFIRM_SIZE,
    PAYMENT_TOKEN,
    ContinueView,
)

HAND_BACK = "return"  # the primary action: confirm here, let the assistant pay
PAY_HERE = "pay"  # the secondary action: pay on this page with a sandbox card
_PAGE = re.compile(r"^/(checkout|cart|orders)/([^/]+)$")

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;width:100%}"
    "td,th{padding:.3rem;border-bottom:1px solid #ddd;text-align:left}td.amount{text-align:right}"
    ".missing{background:#fff4e5;border:1px solid #f0b35c;padding:.5rem 1rem}"
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


def _notes(pairs: Sequence[tuple[str, str]], heading: str) -> str:
    if not pairs:
        return ""
    items = "".join(
        f"<li><strong>{escape(code)}</strong>: {escape(content)}</li>" for code, content in pairs
    )
    return f"<div class=missing><h2>{escape(heading)}</h2><ul>{items}</ul></div>"


_FIELDS = {
    CONFIRM_SIZE: "<label><input type=checkbox name=confirm_size value=on> "
    "I have checked the sizes of the items above.</label><br>",
    CONFIRM_AGE: "<label><input type=checkbox name=confirm_age value=on> "
    "I confirm I am 18 or older.</label><br>",
    CHALLENGE: "<fieldset><legend>Your bank asks you to confirm this payment (3-D Secure)</legend>"
    "<label><input type=radio name=challenge value=pass checked> Approve</label> "
    "<label><input type=radio name=challenge value=fail> Decline</label></fieldset>",
    PAYMENT_TOKEN: "<fieldset><legend>Pay with a sandbox card</legend><label>Card "
    "<select name=payment_token><option value=tok_sandbox_approved>Visa ending 4242 (approves)"
    "</option><option value=tok_sandbox_declined>Visa ending 0002 (declines)</option></select>"
    "</label></fieldset>",
}


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
            return self._home()
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
        view = self._shop.continue_view("checkout" if kind == "checkout" else "cart", identifier)
        return self._render(view, kind, notice="")

    def _home(self) -> Response:
        spec = self._shop.spec
        body = (
            f"<h1>{escape(spec.name)}</h1><p>{escape(spec.tagline)}</p>"
            "<p>A Pannier sandbox store. Agents shop here over UCP: "
            f'<a href="{escape(self._base_url)}/.well-known/ucp">business profile</a>.</p>'
        )
        return html_response(200, _document(spec.name, body))

    def _not_found(self, what: str) -> Response:
        name = escape(self._shop.spec.name)
        home = escape(self._base_url) + "/"
        body = (
            f'<h1>{name}</h1><p>We could not find that {escape(what)}.</p><a href="{home}">Home</a>'
        )
        return html_response(404, _document("Not found", body))

    def _render(self, view: ContinueView | None, kind: str, *, notice: str) -> Response:
        if view is None:
            return self._not_found(kind)
        parts = [
            f"<h1>{escape(view.store_name)}</h1>",
            f"<p>{escape(view.kind.title())} <code>{escape(view.id)}</code> — "
            f"status <strong>{escape(view.status or 'active')}</strong></p>",
            notice,
        ]
        rows = [
            f"<tr><td>{escape(line.title)}</td><td>{line.quantity}</td>"
            f"<td class=amount>{escape(view.money(line.amount))}</td></tr>"
            for line in view.lines
        ]
        rows += [
            f"<tr><th colspan=2>{escape(total.label)}</th>"
            f"<td class=amount>{escape(view.money(total.amount))}</td></tr>"
            for total in view.totals
        ]
        parts.append("<table><tr><th>Item</th><th>Qty</th><th>Amount</th></tr>" + "".join(rows))
        parts.append("</table>")
        if view.order_id:
            link = view.order_url or f"{self._base_url}/orders/{view.order_id}"
            parts.append(
                f'<p>Order placed: <a href="{escape(link)}">{escape(view.order_id)}</a></p>'
            )
        parts.append(_notes(view.missing, "What is missing"))
        parts.append(_notes(view.notices, "Please note"))
        if view.can_submit:
            parts.append(self._forms(view))
        title = f"{view.store_name} — {view.kind}"
        return html_response(200, _document(title, "".join(parts)))

    def _forms(self, view: ContinueView) -> str:
        """A size or age check hands back to the buyer's assistant (primary: its confirmation
        dialog and limits then apply); paying here stays possible, second. A bank challenge
        belongs to a payment already under way: one form settles it."""
        action = f"/checkout/{escape(view.id)}"
        if CHALLENGE in view.needs:
            fields = "".join(_FIELDS[need] for need in view.needs if need in _FIELDS)
            return (
                f'<form method=post action="{action}">{fields}'
                "<button type=submit>Place order</button></form>"
            )
        confirmations = [need for need in view.needs if need in (CONFIRM_SIZE, CONFIRM_AGE)]
        assurance = (
            "<p>Nothing is charged here: your assistant shows you the total and asks you "
            "before it pays.</p>"
        )
        if confirmations:
            boxes = "".join(_FIELDS[need] for need in confirmations)
            primary = (
                f'<form method=post action="{action}" class=primary>'
                f"<input type=hidden name=action value={HAND_BACK}>{boxes}"
                "<p><button type=submit><strong>Confirm and return to your assistant</strong>"
                f"</button></p>{assurance}</form>"
            )
        else:
            primary = f"<p><strong>Return to your assistant to pay.</strong></p>{assurance}"
        pay_fields = "".join(_FIELDS[need] for need in view.needs if need in _FIELDS)
        return (
            f"{primary}<details><summary>Or pay here on the store's page instead</summary>"
            f'<form method=post action="{action}">'
            f"<input type=hidden name=action value={PAY_HERE}>{pay_fields}"
            "<p>This order is then paid outside your assistant, without its confirmation "
            "or spending limits.</p><button type=submit>Pay here</button></form></details>"
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
        if result.body.get("status") == "ready_for_complete":
            notice = (
                "<div class=missing><h2>Confirmed: return to your assistant</h2><p>Nothing was "
                "charged. Your assistant shows you the total and asks you before it pays.</p></div>"
            )
        else:
            notice = _notes(
                [("not confirmed", "Tick the confirmation above, then press the button again.")],
                "Your assistant cannot finish yet",
            )
        return self._render(
            self._shop.continue_view("checkout", identifier), "checkout", notice=notice
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
        notice = _notes(problems, "The order is not placed yet") if problems else ""
        return self._render(
            self._shop.continue_view("checkout", identifier), "checkout", notice=notice
        )

    def _order(self, identifier: str) -> Response:
        result = self._shop.get_order(identifier)
        if result.is_error:
            return self._not_found("order")
        name = escape(self._shop.spec.name)
        body = (
            f"<h1>{name}</h1><p>Order <code>{escape(identifier)}</code> — thank you!</p>"
            + _lines_table(result.body)
        )
        return html_response(200, _document(f"{self._shop.spec.name} — order", body))
