"""Sandbox payment: check the instrument against the store's handlers and read the test token.

Tokens: ``tok_sandbox_approved`` pays, ``tok_sandbox_declined`` is declined, ``tok_sandbox_3ds``
needs a challenge on the continue_url page. Credentials are never stored, echoed or logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from merchants.business.lines import error
from merchants.business.request_constraints import unmet_request_constraint
from merchants.business.specs import StoreSpec
from merchants.business.validation import expect_dict, expect_list, expect_str

APPROVED_TOKEN = "tok_sandbox_approved"
DECLINED_TOKEN = "tok_sandbox_declined"
THREE_DS_TOKEN = "tok_sandbox_3ds"

Verdict = Literal["approved", "declined", "challenge", "invalid"]


@dataclass(frozen=True)
class PaymentOutcome:
    """The verdict, the message explaining it, and the instrument as we may echo it."""

    verdict: Verdict
    message: dict[str, Any] | None = None
    instruments: list[dict[str, Any]] | None = None


def parse_payment(value: Any, path: str) -> list[dict[str, Any]] | None:
    """Shape-check ``payment.instruments``; returns them as given (credentials included)."""
    payment = expect_dict(value, path, optional=True)
    if payment is None:
        return None
    instruments = expect_list(payment.get("instruments"), f"{path}.instruments", optional=True)
    for i, raw in enumerate(instruments or ()):
        here = f"{path}.instruments[{i}]"
        raw = expect_dict(raw, here)
        for name in ("id", "handler_id", "type"):
            expect_str(raw.get(name), f"{here}.{name}")
        credential = expect_dict(raw.get("credential"), f"{here}.credential", optional=True)
        if credential is not None:
            expect_str(credential.get("type"), f"{here}.credential.type")
        expect_dict(raw.get("display"), f"{here}.display", optional=True)
    return instruments


def without_credentials(instruments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The instruments minus their credentials: what may be stored and echoed."""
    return [{k: v for k, v in inst.items() if k != "credential"} for inst in instruments]


def _handler_entry(spec: StoreSpec, handler_id: str) -> dict[str, Any] | None:
    for handlers in spec.payment_handlers.values():
        for entry in handlers:
            if entry.get("id") == handler_id:
                return entry
    return None


def authorize(
    instruments: list[dict[str, Any]] | None,
    spec: StoreSpec,
    request: Mapping[str, Any] | None = None,
) -> PaymentOutcome:
    """Decide what happens to the money for this (complete_checkout) payment.

    ``request`` is the whole ``complete_checkout`` body: the chosen instrument's
    ``ucp.request_constraints`` are held against it.
    """
    if not instruments:
        return PaymentOutcome(
            "invalid",
            error("missing", "$.payment.instruments", "Add a payment instrument to complete."),
        )
    index = next((i for i, inst in enumerate(instruments) if inst.get("selected")), 0)
    chosen = instruments[index]
    here = f"$.payment.instruments[{index}]"
    echo = without_credentials(instruments)
    handler = _handler_entry(spec, chosen["handler_id"])
    if handler is None:
        accepted = ", ".join(sorted(spec.handler_ids))
        return PaymentOutcome(
            "invalid",
            error(
                "payment_failed",
                f"{here}.handler_id",
                f"Payment handler {chosen['handler_id']!r} is not accepted here "
                f"(accepted: {accepted}).",
            ),
            echo,
        )
    allowed = {a["type"]: a for a in handler.get("available_instruments") or ()}
    if allowed and chosen["type"] not in allowed:
        return PaymentOutcome(
            "invalid",
            error(
                "payment_failed",
                f"{here}.type",
                f"{chosen['type']!r} instruments are not accepted by {chosen['handler_id']}.",
            ),
            echo,
        )
    constraint = ((allowed.get(chosen["type"]) or {}).get("ucp") or {}).get("request_constraints")
    if isinstance(constraint, dict) and request is not None:
        problem = unmet_request_constraint(constraint, request)
        if problem is not None:
            return PaymentOutcome("invalid", problem, echo)
    brands = (allowed.get(chosen["type"], {}).get("constraints") or {}).get("brands")
    brand = str((chosen.get("display") or {}).get("brand") or "").lower()
    if brands and brand and brand not in brands:
        return PaymentOutcome(
            "invalid",
            error(
                "payment_failed",
                f"{here}.display.brand",
                f"{brand.title()} cards are not accepted; use {' or '.join(brands)}.",
            ),
            echo,
        )
    credential = chosen.get("credential") or {}
    token = credential.get("token") if credential.get("type") == "token" else None
    if not isinstance(token, str):
        return PaymentOutcome(
            "invalid",
            error("missing", f"{here}.credential", "A token credential is required."),
            echo,
        )
    if token == APPROVED_TOKEN:
        return PaymentOutcome("approved", None, echo)
    if token == THREE_DS_TOKEN:
        return PaymentOutcome(
            "challenge",
            error(
                "requires_3ds",
                here,
                "Your bank needs to confirm this payment (3-D Secure). Continue on the "
                "store's page to finish.",
                severity="requires_buyer_input",
            ),
            echo,
        )
    content = (
        "The card was declined. Try another payment method."
        if token == DECLINED_TOKEN
        else "The payment token was not recognised; it was declined."
    )
    return PaymentOutcome("declined", error("payment_failed", here, content), echo)
