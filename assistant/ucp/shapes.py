"""Write shapes per UCP release: the one table of what each release wants a platform to send.

==============================  ================  ===============  ===========  ===========
what we write                   2026-01-11        2026-01-23       2026-04-08   2026-08-25
==============================  ================  ===============  ===========  ===========
complete_checkout body          ``payment_data``  ``payment``      ``payment``  ``payment``
                                + risk_signals    + risk_signals
checkout ``id`` in update body  required          required         omitted      omitted
cart ``id`` in update body      required          required         required     omitted
``currency`` + ``payment`` on   required          omitted          omitted      omitted
create/update                   (``payment {}``)
card brand / last digits        top level         ``display{}``    ``display``  ``display``
``Request-Signature`` (REST)    sent (presence)   sent             not sent     not sent
fulfillment method ``id`` on    required (we      optional         optional     optional
update                          name new ones
                                ``shipping_1``…)
line ``item.title``             sent (the item    not sent         not sent     not sent
                                id if no title)
shipping destination ``type``   not sent          not sent         not sent     ``shipping_
                                                                                address``
``buyer.consent``               booleans by       booleans         booleans     a map by
                                purpose                                         ``dev.ucp.
                                                                                consent.*``
==============================  ================  ===============  ===========  ===========

A cart update body carries the cart's id up to 2026-04-08 (its cart schema marks ``id``
``required`` on update) and no longer in 2026-08-25 (#633); ``CartRequest.to_ucp`` has no id,
``cart_write`` adds it where the release wants it. 2026-08-25 writes ``destinations[]`` only for
shipping; a pickup method's business-location destination (``type: business_location``) is the
merchant's, and is never echoed back.

Releases read the same way (profile shape, discount sign) are handled where payloads are read
(``discovery``, ``assistant.domain``). A version newer than every row writes like the newest row;
one older than every row writes like the oldest. ``buyer.consent`` carries only the buyer's own
decisions (``source: platform`` in 2026-08-25), and only to a merchant offering buyer consent: a
consent echoed from a response (the business's defaults, descriptions, links) is never written
back. The REST update verb is PUT in every release's
OpenAPI; a server that answers 405 and allows PATCH is sent PATCH (the REST transport learns this
per merchant).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class WriteShape:
    """How one release shapes a platform's checkout writes (a row of the table above)."""

    release: str
    complete_payment_key: str  # "payment_data" (one instrument) or "payment" ({instruments})
    risk_signals: bool  # complete carries an (empty) ``risk_signals`` object
    update_body_id: bool  # the checkout's id goes inside the update body too
    cart_update_body_id: bool  # the cart's id goes inside a cart update body too
    currency_and_payment_required: bool  # create/update must carry currency and payment
    card_display_flat: bool  # brand/last_digits at the instrument's top level
    request_signature_header: bool
    method_id_on_update: bool  # every fulfillment method in an update carries an id
    item_title: bool  # every line's item carries a title
    destination_type: bool = False  # shipping destinations say ``type: shipping_address``
    consent_map: bool = False  # buyer.consent keyed by ``dev.ucp.consent.<purpose>``


SHAPES: Final[dict[str, WriteShape]] = {
    "2026-01-11": WriteShape(
        release="2026-01-11",
        complete_payment_key="payment_data",
        risk_signals=True,
        update_body_id=True,
        cart_update_body_id=True,
        currency_and_payment_required=True,
        card_display_flat=True,
        request_signature_header=True,
        method_id_on_update=True,
        item_title=True,
    ),
    "2026-01-23": WriteShape(
        release="2026-01-23",
        complete_payment_key="payment",
        risk_signals=True,
        update_body_id=True,
        cart_update_body_id=True,
        currency_and_payment_required=False,
        card_display_flat=False,
        request_signature_header=True,
        method_id_on_update=False,
        item_title=False,
    ),
    "2026-04-08": WriteShape(
        release="2026-04-08",
        complete_payment_key="payment",
        risk_signals=False,
        update_body_id=False,
        cart_update_body_id=True,
        currency_and_payment_required=False,
        card_display_flat=False,
        request_signature_header=False,
        method_id_on_update=False,
        item_title=False,
    ),
    "2026-08-25": WriteShape(
        release="2026-08-25",
        complete_payment_key="payment",
        risk_signals=False,
        update_body_id=False,
        cart_update_body_id=False,
        currency_and_payment_required=False,
        card_display_flat=False,
        request_signature_header=False,
        method_id_on_update=False,
        item_title=False,
        destination_type=True,
        consent_map=True,
    ),
}

SHIPPING_ADDRESS = "shipping_address"
CONSENT_PURPOSE_PREFIX = "dev.ucp.consent."
_OLD_CONSENT_NAMES: Final = {"sale_or_sharing": "sale_of_data"}  # 2026-04-08's boolean name
BUSINESS_LOCATION = "business_location"


def _typed_methods(shape: WriteShape, methods: list[Any]) -> list[Any]:
    """Methods with each shipping destination typed (08-25) or untyped (older releases)."""
    written = []
    for method in methods:
        if not isinstance(method, dict) or not isinstance(method.get("destinations"), list):
            written.append(method)
            continue
        destinations = []
        for destination in method["destinations"]:
            if not isinstance(destination, dict):
                destinations.append(destination)
            elif destination.get("type") == BUSINESS_LOCATION:
                continue  # the merchant's location: selected by id, never written
            elif shape.destination_type:
                destinations.append({**destination, "type": SHIPPING_ADDRESS})
            else:
                destinations.append({k: v for k, v in destination.items() if k != "type"})
        typed = {**method, "destinations": destinations}
        if not destinations:
            del typed["destinations"]
        written.append(typed)
    return written


def shape_for(version: str) -> WriteShape:
    """The row for ``version``: the newest release not newer than it (else the oldest)."""
    releases = sorted(SHAPES)
    chosen = releases[0]
    for release in releases:
        if release <= version:
            chosen = release
    return SHAPES[chosen]


def consent_body(shape: WriteShape, decisions: Mapping[str, bool]) -> dict[str, Any]:
    """The buyer's decisions (purpose → granted) as ``buyer.consent`` in ``shape``'s release."""
    if shape.consent_map:
        return {
            f"{CONSENT_PURPOSE_PREFIX}{purpose}": {"granted": granted, "source": "platform"}
            for purpose, granted in decisions.items()
        }
    return {_OLD_CONSENT_NAMES.get(purpose, purpose): g for purpose, g in decisions.items()}


def with_consent(
    shape: WriteShape, body: dict[str, Any], decisions: Mapping[str, bool] | None
) -> dict[str, Any]:
    """``body`` with ``buyer.consent`` holding exactly the buyer's decisions (or no consent)."""
    buyer = body.get("buyer")
    if isinstance(buyer, dict):
        buyer = {key: value for key, value in buyer.items() if key != "consent"}
    if decisions:
        buyer = {
            **(buyer if isinstance(buyer, dict) else {}),
            "consent": consent_body(shape, decisions),
        }
    return body if buyer is None else {**body, "buyer": buyer}


def cart_write(shape: WriteShape, body: dict[str, Any], *, cart_id: str) -> dict[str, Any]:
    """A cart update body as ``shape``'s release wants it (with the id up to 2026-04-08)."""
    return {"id": cart_id, **body} if shape.cart_update_body_id else body


def checkout_write(
    shape: WriteShape,
    body: dict[str, Any],
    *,
    checkout_id: str | None = None,
    currency: str | None = None,
    consent: Mapping[str, bool] | None = None,
) -> dict[str, Any]:
    """A create (no ``checkout_id``) or update body as ``shape``'s release wants it."""
    written = with_consent(shape, dict(body), consent)
    if shape.update_body_id and checkout_id is not None:
        written["id"] = checkout_id
    if shape.currency_and_payment_required:
        if currency is not None:
            written.setdefault("currency", currency)
        written.setdefault("payment", {})
    else:
        written.pop("currency", None)
    if shape.item_title and isinstance(written.get("line_items"), list):
        written["line_items"] = [
            {**line, "item": {"title": line["item"].get("id"), **line["item"]}}
            if isinstance(line, dict) and isinstance(line.get("item"), dict)
            else line
            for line in written["line_items"]
        ]
    fulfillment = written.get("fulfillment")
    if isinstance(fulfillment, dict) and isinstance(fulfillment.get("methods"), list):
        fulfillment = written["fulfillment"] = {
            **fulfillment,
            "methods": _typed_methods(shape, fulfillment["methods"]),
        }
    if shape.method_id_on_update and checkout_id is not None and isinstance(fulfillment, dict):
        methods = fulfillment.get("methods") or []
        written["fulfillment"] = {
            **fulfillment,
            "methods": [
                method if "id" in method else {"id": f"{method.get('type')}_{n}", **method}
                for n, method in enumerate(methods, start=1)
            ],
        }
    return written


def _instrument(shape: WriteShape, instrument: dict[str, Any]) -> dict[str, Any]:
    if not shape.card_display_flat:
        return instrument
    flat = {key: value for key, value in instrument.items() if key != "display"}
    display = instrument.get("display")
    if isinstance(display, dict):
        for key in ("brand", "last_digits", "expiry_month", "expiry_year"):
            if key in display:
                flat.setdefault(key, display[key])
    return flat


def complete_body(shape: WriteShape, payment: dict[str, Any]) -> dict[str, Any]:
    """The complete_checkout body for ``payment`` (``{"instruments": [...]}``)."""
    instruments = [_instrument(shape, i) for i in payment.get("instruments", [])]
    body: dict[str, Any]
    if shape.complete_payment_key == "payment_data":
        selected = next((i for i in instruments if i.get("selected")), None)
        chosen = selected or (instruments[0] if instruments else {})
        body = {"payment_data": {k: v for k, v in chosen.items() if k != "selected"}}
    else:
        body = {"payment": {**payment, "instruments": instruments}}
    if shape.risk_signals:
        body["risk_signals"] = {}
    return body
