"""Paying: which wallet instrument a checkout accepts, and the one block that carries its token."""

from __future__ import annotations

import contextlib
import importlib
import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Final

from assistant.config import WalletInstrument
from assistant.domain import Checkout, Payment, PaymentDisplay, PaymentInstrument, UcpMeta
from assistant.ucp.request_constraints import unmet
from assistant.ucp.shapes import complete_body, shape_for

# What ``unmet`` evaluates constraints with: ~100 ms of imports, paid once per process.
CONSTRAINT_CHECKERS: Final = ("jsonpath_rfc9535", "jsonschema")


def declares_request_constraints(handlers: Mapping[str, list[dict[str, Any]]]) -> bool:
    """Whether a merchant's payment handlers put ``ucp.request_constraints`` on an instrument."""
    return any(
        isinstance(available, dict)
        and isinstance(available.get("ucp"), dict)
        and isinstance(available["ucp"].get("request_constraints"), dict)
        for entries in handlers.values()
        for entry in entries
        if isinstance(entry, dict)
        for available in entry.get("available_instruments") or ()
    )


_preloading: list[threading.Thread] = []  # the one preload of this process, once started


def preload_constraint_checkers() -> None:
    """Import the constraint checkers on a thread of their own, once per process.

    The trip calls it when it starts shopping (a search, a basket) at a store that declares
    constraints: the imports (~100 ms of CPU) then overlap the network waits of those steps,
    and the purchase, where ``unmet`` first needs them, does not stop for them. Not at open:
    the TUI paints first, and a trip that never shops there never pays. A checker that fails
    to import fails where ``unmet`` imports it, as before.
    """
    if _preloading:
        return

    def load() -> None:
        for name in CONSTRAINT_CHECKERS:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)

    thread = threading.Thread(target=load, name="pannier-constraint-checkers", daemon=True)
    _preloading.append(thread)
    thread.start()


def choose_instrument(
    checkout: Checkout,
    wallet: Sequence[WalletInstrument],
    profile_handlers: Mapping[str, list[dict[str, Any]]] | None = None,
) -> tuple[WalletInstrument, str] | None:
    """The first wallet instrument the checkout accepts (wallet order), with its handler id.

    Handlers are matched by name and, when the instrument names one, version. The checkout's
    own handlers rule; a checkout naming none (2026-01-11 sends ``payment.handlers: []``) falls
    back to the merchant's profile. A handler listing ``supported_tokens`` (the sample
    merchant's ``dev.ucp.mock_payment``) takes only those tokens. An instrument whose
    submission would break the business's ``ucp.request_constraints`` (2026-08-25) is skipped.
    """
    for instrument, handler_id, ruled_out in _candidates(checkout, wallet, profile_handlers):
        if ruled_out is None:
            return instrument, handler_id
    return None


def ruled_out_instruments(
    checkout: Checkout,
    wallet: Sequence[WalletInstrument],
    profile_handlers: Mapping[str, list[dict[str, Any]]] | None = None,
) -> list[tuple[WalletInstrument, str]]:
    """Wallet instruments the store takes but whose request its constraints rule out, and why."""
    return [
        (instrument, reason)
        for instrument, _handler_id, reason in _candidates(checkout, wallet, profile_handlers)
        if reason is not None
    ]


# ``_candidates``' answers by what they depend on: the handlers (as JSON), the release and the
# wallet's instruments (by identity; the entry keeps them alive). Every answer of every shop asks
# (~0.5 ms each, constraints evaluated): a trip's shops and steps repeat the same few handlers.
_Found = list[tuple[WalletInstrument, str, str | None]]
_CANDIDATES: dict[tuple[str, str, tuple[int, ...]], tuple[Sequence[WalletInstrument], _Found]] = {}
_CANDIDATES_KEPT: Final = 64


def _candidates(
    checkout: Checkout,
    wallet: Sequence[WalletInstrument],
    profile_handlers: Mapping[str, list[dict[str, Any]]] | None,
) -> list[tuple[WalletInstrument, str, str | None]]:
    """(instrument, handler id, why its request is ruled out or None), in wallet order."""
    handlers_json = json.dumps(
        [checkout.ucp.payment_handlers, profile_handlers or {}], sort_keys=True, default=str
    )
    key = (handlers_json, checkout.ucp.version, tuple(id(i) for i in wallet))
    if (kept := _CANDIDATES.get(key)) is not None:
        return list(kept[1])
    found = _evaluate(checkout, wallet, profile_handlers)
    if len(_CANDIDATES) >= _CANDIDATES_KEPT:
        _CANDIDATES.clear()
    _CANDIDATES[key] = (wallet, found)
    return list(found)


def _evaluate(
    checkout: Checkout,
    wallet: Sequence[WalletInstrument],
    profile_handlers: Mapping[str, list[dict[str, Any]]] | None,
) -> list[tuple[WalletInstrument, str, str | None]]:
    handlers = checkout.ucp.handlers()
    if not handlers and profile_handlers:
        handlers = UcpMeta(payment_handlers=dict(profile_handlers)).handlers()
    shape = shape_for(checkout.ucp.version)
    found: list[tuple[WalletInstrument, str, str | None]] = []
    for instrument in wallet:
        for handler in handlers:
            if handler.name != instrument.handler:
                continue
            if instrument.handler_version and handler.version != instrument.handler_version:
                continue
            tokens = handler.config.get("supported_tokens")
            if isinstance(tokens, list) and instrument.token.get_secret_value() not in tokens:
                continue
            if not handler.available_instruments:
                found.append((instrument, handler.id, None))
                break
            fitting = [
                available
                for available in handler.available_instruments
                if _instrument_fits(available.type, available.constraints, instrument)
            ]
            if not fitting:
                continue
            payment = payment_for(instrument, handler.id)
            submitted = complete_body(shape, payment.model_dump(mode="json", exclude_none=True))
            reasons = [
                unmet(available.request_constraints, submitted)
                if available.request_constraints
                else None
                for available in fitting
            ]
            found.append((instrument, handler.id, None if None in reasons else reasons[0]))
            break
    return found


def _instrument_fits(
    type_: str, constraints: dict[str, object] | None, instrument: WalletInstrument
) -> bool:
    if type_ != instrument.type:
        return False
    brands = (constraints or {}).get("brands")  # 2026-04-08
    properties = (constraints or {}).get("properties")  # 2026-08-25: a constraint expression
    if isinstance(properties, dict) and isinstance(properties.get("brand"), dict):
        brand = properties["brand"]
        brands = brand.get("enum") or ([brand["const"]] if "const" in brand else None)
    if isinstance(brands, list) and brands:
        return (instrument.brand or "").lower() in {str(b).lower() for b in brands}
    return True


def payment_for(instrument: WalletInstrument, handler_id: str) -> Payment:
    """The payment block for complete_checkout; the only place a token leaves the wallet."""
    display = None
    if instrument.brand or instrument.last_digits:
        display = PaymentDisplay(brand=instrument.brand, last_digits=instrument.last_digits)
    return Payment(
        instruments=[
            PaymentInstrument(
                id=instrument.id,
                handler_id=handler_id,
                type=instrument.type,
                display=display,
                selected=True,
                credential={"type": "token", "token": instrument.token.get_secret_value()},
            )
        ]
    )
