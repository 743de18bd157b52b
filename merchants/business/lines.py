"""Line items: resolve requested variants against the catalog, stock and quantity limits."""

from __future__ import annotations

from typing import Any

from merchants.business.catalog import Catalog, variant_availability
from merchants.business.specs import ProductSpec, VariantSpec
from merchants.business.state import Line
from merchants.business.validation import RequestedLine


def error(code: str, path: str, content: str, severity: str = "recoverable") -> dict[str, Any]:
    """A UCP error message."""
    return {"type": "error", "code": code, "path": path, "content": content, "severity": severity}


def warning(code: str, path: str, content: str, **extra: Any) -> dict[str, Any]:
    """A UCP warning message."""
    return {"type": "warning", "code": code, "path": path, "content": content, **extra}


def resolve_lines(
    requested: list[RequestedLine],
    previous: list[Line],
    next_number: int,
    catalog: Catalog,
    max_quantity: int,
) -> tuple[list[Line], int, list[dict[str, Any]]]:
    """Build the new lines (PUT semantics) and the messages about what had to change.

    Unknown variants and quantities below one are dropped; quantities above the store limit or
    the remaining stock are reduced, each with a ``quantity_adjusted`` warning plus a recoverable
    error so the platform notices before it completes.
    """
    previous_by_id = {line.id: line for line in previous}
    used_ids: set[str] = set()
    taken: dict[str, int] = {}
    lines: list[Line] = []
    notices: list[dict[str, Any]] = []
    for position, wanted in enumerate(requested):
        found = catalog.variant(wanted.item_id)
        if found is None:
            notices.append(
                error(
                    "item_unavailable",
                    "$.line_items",
                    f"Item {wanted.item_id!r} (requested line {position + 1}) is not sold "
                    "here and was removed.",
                )
            )
            continue
        product, variant = found
        if wanted.quantity < 1:
            notices.append(
                error(
                    "invalid_quantity",
                    "$.line_items",
                    f"{display_title(product, variant)}: quantity {wanted.quantity} is not "
                    "allowed, so the line was removed.",
                )
            )
            continue
        old = previous_by_id.get(wanted.id or "")
        if old is not None and old.variant_id == variant.id and old.id not in used_ids:
            line_id = old.id
        else:
            line_id, next_number = f"li_{next_number}", next_number + 1
        used_ids.add(line_id)
        index = len(lines)
        quantity = wanted.quantity
        if quantity > max_quantity:
            quantity = max_quantity
            notices.append(
                warning(
                    "quantity_adjusted",
                    f"$.line_items[{index}].quantity",
                    f"{display_title(product, variant)}: at most {max_quantity} per order; "
                    f"quantity changed from {wanted.quantity} to {quantity}.",
                )
            )
            notices.append(
                error(
                    "invalid_quantity",
                    f"$.line_items[{index}].quantity",
                    f"Review the quantity of {display_title(product, variant)}.",
                )
            )
        remaining = None if variant.stock is None else variant.stock - taken.get(variant.id, 0)
        if variant_availability(variant)["available"] and remaining is not None:
            if quantity > remaining > 0:
                notices.append(
                    warning(
                        "quantity_adjusted",
                        f"$.line_items[{index}].quantity",
                        f"Only {remaining} of {display_title(product, variant)} left; "
                        f"quantity changed from {quantity} to {remaining}.",
                    )
                )
                notices.append(
                    error(
                        "out_of_stock",
                        f"$.line_items[{index}].quantity",
                        f"Not enough stock for {quantity} × {display_title(product, variant)}; "
                        f"{remaining} available.",
                    )
                )
                quantity = remaining
            elif remaining <= 0:
                notices.append(
                    error(
                        "out_of_stock",
                        f"$.line_items[{index}]",
                        f"{display_title(product, variant)} is already in your order up to "
                        "the available stock. Remove this line.",
                    )
                )
        taken[variant.id] = taken.get(variant.id, 0) + quantity
        lines.append(Line(id=line_id, variant_id=variant.id, quantity=quantity))
    return lines, next_number, notices


def display_title(product: ProductSpec, variant: VariantSpec) -> str:
    """``Red Rose Bouquet — Classic / Glass vase``; just the product title for single variants."""
    if variant.title == "Default":
        return product.title
    return f"{product.title} — {variant.title}"


def render_line(line: Line, catalog: Catalog) -> dict[str, Any]:
    """A UCP LineItem for a stored line (the variant is known: lines are resolved on write)."""
    found = catalog.variant(line.variant_id)
    assert found is not None, line.variant_id
    product, variant = found
    amount = variant.price * line.quantity
    return {
        "id": line.id,
        "item": {
            "id": variant.id,
            "title": display_title(product, variant),
            "price": variant.price,
            "image_url": product.image_url,
        },
        "quantity": line.quantity,
        "totals": [{"type": "subtotal", "amount": amount}, {"type": "total", "amount": amount}],
    }


def line_messages(lines: list[Line], catalog: Catalog) -> list[dict[str, Any]]:
    """Messages that hold as long as a line exists: sold out, disclosures, age notices."""
    messages: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        found = catalog.variant(line.variant_id)
        if found is None:
            continue
        product, variant = found
        path = f"$.line_items[{index}]"
        if not variant_availability(variant)["available"]:
            messages.append(
                error(
                    "out_of_stock",
                    path,
                    f"{display_title(product, variant)} is sold out. Remove it to continue.",
                )
            )
        if product.disclosure is not None:
            extra: dict[str, Any] = {"presentation": "disclosure"}
            if product.disclosure.image_url:
                extra["image_url"] = product.disclosure.image_url
            if product.disclosure.url:
                extra["url"] = product.disclosure.url
            messages.append(
                warning(product.disclosure.code, path, product.disclosure.content, **extra)
            )
        if product.age_restricted:
            messages.append(
                warning(
                    "age_restricted",
                    path,
                    f"{product.title} contains alcohol: sale only to buyers aged 18 or over; "
                    "age is verified before the order is placed.",
                )
            )
    return messages
