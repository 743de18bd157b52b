"""A small store written with FastUCP (PyPI ``fastucp-python``), serving MCP and REST.

Run inside its own venv: ``python fastucp_store.py PORT``. FastUCP speaks 2026-01-11: its update
model requires the checkout ``id`` in the body (and ``currency`` + ``payment``), its REST update is
PATCH, complete takes ``payment_data`` + ``risk_signals``, and its MCP answers carry the payload as
``content[0].text`` only. The store has no catalog, no cart and no fulfillment: a checkout is made
from item ids and paid with the ``dev.ucp.mock_payment`` token ``success_token``.
"""

from __future__ import annotations

import sys
import uuid
from typing import Any

import uvicorn
from fastapi import Body  # type: ignore[import-not-found]
from fastucp import CheckoutBuilder, FastUCP  # type: ignore[import-not-found]
from fastucp.models._internal import Version  # type: ignore[import-not-found]
from fastucp.models.schemas.shopping.types.payment_handler_resp import (  # type: ignore[import-not-found]
    PaymentHandlerResponse,
)
from fastucp.types import (  # type: ignore[import-not-found]
    CheckoutCreateRequest,
    CheckoutUpdateRequest,
)
from pydantic import AnyUrl

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
CATALOG = {
    "candle_cedar": ("Cedar Candle", 1800),
    "candle_fig": ("Fig Candle", 2200),
    "matches_long": ("Long Matches", 400),
}

app = FastUCP(base_url=f"http://127.0.0.1:{PORT}", title="Wick & Wool", enable_mcp=True)
app.add_payment_handler(
    PaymentHandlerResponse(
        id="mock_payment_handler",
        name="dev.ucp.mock_payment",
        version=Version(root="2026-01-11"),
        spec=AnyUrl("https://ucp.dev/specs/mock"),
        config_schema=AnyUrl("https://ucp.dev/schemas/mock.json"),
        instrument_schemas=[
            AnyUrl("https://ucp.dev/schemas/shopping/types/card_payment_instrument.json")
        ],
        config={"supported_tokens": ["success_token", "fail_token"]},
    )
)
sessions: dict[str, dict[str, Any]] = {}


def _build(session_id: str) -> dict[str, Any]:
    session = sessions[session_id]
    builder = CheckoutBuilder(app, session_id=session_id, currency="USD")
    for line in session["lines"]:
        title, price = CATALOG[line["id"]]
        builder.add_item(line["id"], title, price, line["quantity"], "https://wick.example/i.png")
    builder.set_buyer(session.get("buyer"))
    body: dict[str, Any] = builder.build().model_dump(mode="json", exclude_none=True)
    if session.get("order"):
        body["status"] = "completed"
        body["order"] = session["order"]
    return body


def _lines(line_items: list[Any]) -> list[dict[str, Any]]:
    return [{"id": line.item.id, "quantity": line.quantity} for line in line_items]


@app.checkout()  # type: ignore[untyped-decorator]
def create_checkout(checkout: CheckoutCreateRequest) -> dict[str, Any]:
    """Create a checkout from item ids."""
    session_id = f"cs_{uuid.uuid4().hex[:12]}"
    buyer = checkout.buyer.model_dump(exclude_none=True) if checkout.buyer else None
    sessions[session_id] = {"lines": _lines(checkout.line_items), "buyer": buyer}
    return _build(session_id)


@app.update_checkout()  # type: ignore[untyped-decorator]
def update_checkout(id: str, checkout: CheckoutUpdateRequest) -> dict[str, Any]:
    """Replace a checkout's lines and buyer (the 2026-01-11 model needs the body id)."""
    if checkout.id != id:
        raise ValueError(f"body id {checkout.id!r} is not the checkout {id!r}")
    session = sessions[id]
    session["lines"] = _lines(checkout.line_items)
    if checkout.buyer is not None:
        session["buyer"] = checkout.buyer.model_dump(exclude_none=True)
    return _build(id)


@app.complete_checkout()  # type: ignore[untyped-decorator]
def complete_checkout(id: str, checkout: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    """Pay with payment_data (one instrument) + risk_signals, as 2026-01-11 says."""
    instrument = checkout["payment_data"]
    assert isinstance(checkout["risk_signals"], dict)
    if instrument["handler_id"] != "mock_payment_handler":
        raise ValueError("unknown payment handler")
    if instrument["credential"]["token"] == "success_token":
        order_id = f"ord_{uuid.uuid4().hex[:8]}"
        sessions[id]["order"] = {
            "id": order_id,
            "permalink_url": f"{app.ucp_base_url}/o/{order_id}",
        }
    return _build(id)


def get_checkout(id: str) -> dict[str, Any]:
    """Read a checkout."""
    return _build(id)


app.add_api_route("/checkout-sessions/{id}", get_checkout, methods=["GET"])
app._handlers["get_checkout"] = get_checkout  # FastUCP has no decorator for reads

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=PORT, access_log=False)
