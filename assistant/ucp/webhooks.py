"""Signed order webhooks from merchants, received on our loopback platform endpoint.

A merchant posts an order (UCP's order event webhook) to the ``webhook_url`` our profile names.
It is believed only when its RFC 9421 signature verifies against the ``keys[]`` of the trip's
merchant its ``UCP-Agent`` names, and only for an order Pannier placed there: anything else is
refused (401/404), logged and published as ``WebhookRejected``, and changes nothing. A verified
order is handed to ``apply`` (the trip's one writer of order records, ``shopping.orders``), and
what it recorded is published as ``OrderUpdated``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from http_message_signatures import HTTPMessageVerifier, InvalidSignature, algorithms
from pydantic import ValidationError

from assistant.domain import MerchantRef, Order, OrderRecord
from assistant.events import EventBus, OrderUpdated, WebhookRejected
from assistant.ucp.signing import JwksResolver

logger = logging.getLogger(__name__)

WEBHOOK_PATH: Final = "/webhooks/orders"
_REQUIRED: Final = ("@method", "@authority", "@path", "ucp-agent", "content-digest", "content-type")

# (merchant, verified order) -> the record it updated, or None when the order is not ours there
ApplyOrder = Callable[[MerchantRef, Order], Awaitable[OrderRecord | None]]


@dataclass(frozen=True)
class _Message:
    method: str
    url: str
    headers: Mapping[str, str]


class WebhookRefused(Exception):
    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.code, self.reason = status, code, reason


def _answer(status: int, payload: dict[str, Any]) -> tuple[int, bytes]:
    return status, json.dumps(payload, separators=(",", ":")).encode()


class OrderWebhookReceiver:
    """Verifies and applies one trip's order webhooks."""

    def __init__(
        self,
        *,
        apply: ApplyOrder,
        bus: EventBus,
        merchants: Sequence[tuple[MerchantRef, Sequence[dict[str, Any]]]],
    ) -> None:
        self._apply = apply
        self._bus = bus
        self._merchants = {urlsplit(ref.url).netloc: (ref, tuple(jwks)) for ref, jwks in merchants}

    async def handle(self, headers: Mapping[str, str], body: bytes, url: str) -> tuple[int, bytes]:
        """Answer one webhook POST (``headers`` lower-case, ``url`` as it was addressed)."""
        try:
            merchant, order = self._verified(headers, body, url)
            record = await self._apply(merchant, order)
            if record is None:
                raise WebhookRefused(
                    404, "not_found", f"{merchant.name}: no order {order.id} of ours"
                )
        except WebhookRefused as refused:
            logger.warning("order webhook refused: %s", refused.reason)
            self._bus.publish(WebhookRejected(reason=refused.reason))
            return _answer(refused.status, {"code": refused.code, "content": refused.reason})
        self._bus.publish(OrderUpdated(order=record))
        return _answer(200, {"ucp": {"version": "2026-08-25", "status": "success"}})

    def _verified(
        self, headers: Mapping[str, str], body: bytes, url: str
    ) -> tuple[MerchantRef, Order]:
        agent = headers.get("ucp-agent", "")
        profile = agent.partition('profile="')[2].partition('"')[0]
        known = self._merchants.get(urlsplit(profile).netloc) if profile else None
        if known is None:
            raise WebhookRefused(
                403, "profile_not_trusted", f"not a merchant of this trip: {agent[:80]!r}"
            )
        merchant, jwks = known
        if "signature-input" not in headers:
            raise WebhookRefused(401, "signature_missing", f"{merchant.name}: unsigned webhook")
        verifier = HTTPMessageVerifier(
            signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=JwksResolver(jwks)
        )
        try:
            verifier.verify(_Message("POST", url, headers), require_components=_REQUIRED, body=body)
        except InvalidSignature as exc:
            raise WebhookRefused(
                401,
                "signature_invalid",
                f"{merchant.name}: webhook signature does not verify ({exc})",
            ) from exc
        try:
            return merchant, Order.from_ucp(json.loads(body))
        except (ValueError, ValidationError) as exc:
            raise WebhookRefused(400, "invalid_request", f"{merchant.name}: not an order") from exc
