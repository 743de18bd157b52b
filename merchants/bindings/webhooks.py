"""Order webhooks: where each order's platform wants its events, the sandbox knob that advances an
order, and the signed `POST` that tells the platform (UCP's order event webhook).

The platform names its `webhook_url` in its profile (`dev.ucp.shopping.order` config); the store
remembers it per order when the checkout completes (in `<slug>.order-webhooks.json`, so it
survives a restart). `POST /sandbox/orders/{id}/advance {"to": "shipped"|"delivered"|"refunded"}`
changes the order and sends it, signed with the store's key, to that URL (`"webhook": false` in
the body changes it without telling anyone: a store that sends no webhooks). A platform that is
not there loses nothing: the order is the store's, and `get_order` shows it.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from pathlib import Path
from typing import Any, Final

import httpx2

from merchants.bindings.http import Request, Response, json_response
from merchants.bindings.jsonbody import UnacceptableJson, parse_json
from merchants.bindings.signatures import StoreSignatures
from merchants.business.fulfillment import iso
from merchants.business.order_events import CannotAdvance, advance
from merchants.business.shop import Shop

logger = logging.getLogger(__name__)

KNOB_PREFIX: Final = "/sandbox/orders/"
DELIVERY_TIMEOUT_S: Final = 5.0


class OrderWebhooks:
    """One store's order webhook registry, advance knob and sender."""

    def __init__(
        self, shop: Shop, *, signatures: StoreSignatures, profile_url: str, registry: Path
    ) -> None:
        self._shop = shop
        self._signatures = signatures
        self._profile_url = profile_url
        self._registry = registry
        try:
            loaded = json.loads(registry.read_text())
            self._urls: dict[str, str] = {k: v for k, v in loaded.items() if isinstance(v, str)}
        except (OSError, ValueError, AttributeError):
            self._urls = {}

    def remember(self, order_id: str, webhook_url: str) -> None:
        """Send this order's events to ``webhook_url`` (the placing platform's)."""
        self._urls[order_id] = webhook_url
        try:
            self._registry.write_text(json.dumps(self._urls))
        except OSError:
            logger.warning("could not save the order webhook registry %s", self._registry)

    async def handle(self, request: Request) -> Response:
        """`POST /sandbox/orders/{id}/advance`: the next step of an order, then its webhook."""
        order_id, _, action = request.path.removeprefix(KNOB_PREFIX).partition("/")
        if action != "advance":
            return json_response(404, {"code": "not_found", "content": "No such sandbox knob."})
        if request.method != "POST":
            return Response(405, headers={"Allow": "POST"})
        try:
            given = parse_json(request.body or b"{}")
        except UnacceptableJson as exc:
            return json_response(400, {"code": "invalid_request", "content": str(exc)})
        step = given.get("to") if isinstance(given, dict) else None
        with self._shop.transaction():
            order = self._shop.storage.get_order(order_id)
            if order is None:
                return json_response(404, {"code": "not_found", "content": "No such order."})
            try:
                advanced = advance(
                    order,
                    str(step),
                    now_iso=iso(self._shop.env.clock()),
                    base_url=self._shop.env.base_url,
                )
            except CannotAdvance as exc:
                return json_response(409, {"code": "invalid_request", "content": str(exc)})
            self._shop.storage.put_order(order_id, order["checkout_id"], advanced)
        if isinstance(given, dict) and given.get("webhook") is False:
            webhook = "not sent (asked for none)"
        else:
            webhook = await self._deliver(order_id, advanced)
        return json_response(200, {"order": advanced, "webhook": webhook})

    async def _deliver(self, order_id: str, order: dict[str, Any]) -> str:
        url = self._urls.get(order_id)
        if url is None:
            return "no webhook registered"
        body = json.dumps(order, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "UCP-Agent": f'profile="{self._profile_url}"',
            "Webhook-Id": f"whk_{secrets.token_hex(8)}",
            "Webhook-Timestamp": str(int(time.time())),
        }
        headers = self._signatures.sign_request("POST", url, headers, body)
        try:
            async with httpx2.AsyncClient(timeout=DELIVERY_TIMEOUT_S) as http:
                answer = await http.post(url, content=body, headers=headers)
        except httpx2.HTTPError as exc:
            logger.info("order %s: webhook to %s failed: %s", order_id, url, type(exc).__name__)
            return f"failed: {type(exc).__name__}"
        return "delivered" if answer.status_code == 200 else f"refused: HTTP {answer.status_code}"
