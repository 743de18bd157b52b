"""Where a shopper can collect an order: the store's pickup locations, searched or looked up.

UCP 2026-08-25's optional location capability (``dev.ucp.common.location.search`` /
``.lookup``). A store with in-store pickup lists its retail locations; each answer is a
``Location`` (id, name, address) whose id a platform sends back as a pickup method's
``selected_destination_id``.
"""

from __future__ import annotations

from typing import Any

from merchants.business.errors import InvalidRequest
from merchants.business.specs import StoreSpec
from merchants.business.validation import expect_dict, expect_list, expect_str

MAX_LOOKUP_IDS = 50
DEFAULT_LIMIT = 10


def _locations(spec: StoreSpec) -> list[dict[str, Any]]:
    return [dict(location) for location in spec.pickup.locations] if spec.pickup else []


def _words(location: dict[str, Any]) -> str:
    address = location.get("address") or {}
    parts = [location.get("name"), *(address.get(k) for k in ("address_locality", "postal_code"))]
    return " ".join(str(p) for p in parts if p).lower()


def search_locations(spec: StoreSpec, request: Any) -> dict[str, Any]:
    """Locations whose name, town or postal code hold every word of ``query`` (all without one)."""
    raw = expect_dict(request, "$.location")
    query = expect_str(raw.get("query"), "$.location.query", optional=True) or ""
    pagination = expect_dict(raw.get("pagination"), "$.location.pagination", optional=True) or {}
    limit = pagination.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100:
        raise InvalidRequest("$.location.pagination.limit", "must be an integer from 1 to 100")
    words = query.lower().split()
    found = [loc for loc in _locations(spec) if all(w in _words(loc) for w in words)]
    return {
        "locations": found[:limit],
        "pagination": {"has_next_page": len(found) > limit, "total_count": len(found)},
    }


def lookup_locations(spec: StoreSpec, request: Any) -> dict[str, Any]:
    """The locations named by ``ids`` (each with the inputs it resolved), and a warning per miss."""
    raw = expect_dict(request, "$.location")
    ids = expect_list(raw.get("ids"), "$.location.ids")
    if not ids:
        raise InvalidRequest("$.location.ids", "must name at least one location")
    if len(ids) > MAX_LOOKUP_IDS:
        raise InvalidRequest("$.location.ids", f"at most {MAX_LOOKUP_IDS} ids per lookup")
    wanted = [expect_str(value, f"$.location.ids[{i}]") for i, value in enumerate(ids)]
    by_id = {loc["id"]: loc for loc in _locations(spec)}
    found = [
        {**by_id[location_id], "inputs": [{"id": location_id}]}
        for location_id in dict.fromkeys(wanted)
        if location_id in by_id
    ]
    body: dict[str, Any] = {"locations": found}
    missing = [i for i, location_id in enumerate(wanted) if location_id not in by_id]
    if missing:
        body["messages"] = [
            {
                "type": "warning",
                "code": "not_found",
                "path": f"$.location.ids[{i}]",
                "content": f"No location {wanted[i]!r} here.",
            }
            for i in missing
        ]
    return body
