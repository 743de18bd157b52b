"""The releases a store speaks, and how one business core's answers read in each of them.

The business core (``merchants.business``) thinks in UCP 2026-04-08. A store serves 2026-08-25
as its profile's release with a ``supported_versions`` leaf for 2026-04-08, unless started with
``--versions`` naming only one. Each request is answered in the release of the platform profile
it names; a profile of a release the store does not serve is refused with
``version_unsupported``.

2026-08-25, what the bindings change on the way in and out (CHANGES-2026-08-25.md):

- destinations carry ``type``: ``shipping_address`` (written by the platform) or
  ``business_location`` (a pickup location, the store's); the core reads them untyped;
- a fulfillment option's ``description`` is a Description object (an available method's stays a
  string);
- an available instrument's ``constraints`` is a constraint expression over the instrument
  (``{"properties": {"brand": {"enum": [...]}}}``), not 2026-04-08's ``{"brands": [...]}``;
- no cart or checkout id inside an update body (the core never read one);
- a 3-D Secure challenge is an action (``actions{}``), for a platform that negotiated
  ``dev.ucp.common.payment.authentication``: the recoverable error pointing at it replaces the
  core's ``requires_buyer_input`` message, and the challenge's page is the continue_url;
- a checkout carries the store's ``policies[]`` (returns, warranty…), each with the warning
  that obliges a platform to show it;
- an available instrument may carry ``ucp.request_constraints`` (what a request submitting it
  must hold); 2026-04-08 has no such member, so it is dropped there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

LATEST: Final = "2026-08-25"
CORE: Final = "2026-04-08"  # the release the business core reads and writes
RELEASES: Final = (LATEST, CORE)  # newest first: the first served is the profile's release


def parse_versions(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"2026-08-25,2026-04-08"`` / a list → the releases, newest first; ValueError if unknown."""
    if value is None:
        return RELEASES
    names = value.split(",") if isinstance(value, str) else list(value)
    wanted = {name.strip() for name in names if name.strip()}
    unknown = sorted(wanted - set(RELEASES))
    if unknown or not wanted:
        raise ValueError(
            f"unknown UCP release {', '.join(unknown) or '(none)'}; "
            f"a store serves {' and/or '.join(RELEASES)}"
        )
    return tuple(release for release in RELEASES if release in wanted)


def _typed_destinations(method: dict[str, Any]) -> dict[str, Any]:
    destinations = method.get("destinations")
    if not isinstance(destinations, list):
        return method
    kind = "business_location" if method.get("type") == "pickup" else "shipping_address"
    typed = [
        {**d, "type": kind} if isinstance(d, dict) and "type" not in d else d for d in destinations
    ]
    return {**method, "destinations": typed}


def _description(value: Any) -> Any:
    return {"plain": value} if isinstance(value, str) else value


def _options(group: dict[str, Any]) -> dict[str, Any]:
    options = group.get("options")
    if not isinstance(options, list):
        return group
    return {
        **group,
        "options": [
            {**o, "description": _description(o["description"])}
            if isinstance(o, dict) and "description" in o
            else o
            for o in options
        ],
    }


AUTHENTICATION: Final = "dev.ucp.common.payment.authentication"
THREE_DS_CHALLENGE: Final = "dev.ucp.common.payment.three_ds_challenge"
THREE_DS_CODE: Final = "requires_3ds"  # the core's message for a pending challenge


def _three_ds_as_action(body: dict[str, Any]) -> dict[str, Any]:
    """A pending 3-D Secure challenge as a ``three_ds_challenge`` action (2026-08-25)."""
    messages = body.get("messages") or []
    pending = next((m for m in messages if m.get("code") == THREE_DS_CODE), None)
    url = body.get("continue_url")
    if pending is None or not isinstance(url, str):
        return body
    instruments = (body.get("payment") or {}).get("instruments") or [{}]
    index = next((i for i, inst in enumerate(instruments) if inst.get("selected")), 0)
    instrument_id = str(instruments[index].get("id") or "instrument")
    action = {
        "id": f"3ds_{body['id']}",
        "config": {"payment_instrument_id": instrument_id, "url": url},
    }
    pointer = {
        **pending,
        "severity": "recoverable",
        "path": f"$.actions['{THREE_DS_CHALLENGE}'][0]",
    }
    return {
        **body,
        "status": "incomplete",
        "messages": [pointer if m is pending else m for m in messages],
        "actions": {THREE_DS_CHALLENGE: [action]},
    }


def _with_policies(body: dict[str, Any], policies: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The store's policies, each with the warning (``code`` = its type) that shows it."""
    if body.get("status") in ("completed", "canceled"):
        return {**body, "policies": list(policies)}
    warnings = [
        {"type": "warning", "code": p["type"], "content": p["description"]["plain"]}
        for p in policies
    ]
    return {**body, "policies": list(policies), "messages": [*body.get("messages", []), *warnings]}


def response_in(
    release: str,
    body: dict[str, Any],
    *,
    actions: bool = False,
    policies: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A core resource body as ``release`` has it (unchanged for 2026-04-08).

    ``actions``: the platform negotiated payment authentication (3-D Secure as an action);
    ``policies``: the store's checkout policies, for checkout bodies.
    """
    if release == CORE:
        return body
    if actions:
        body = _three_ds_as_action(body)
    if policies:
        body = _with_policies(body, policies)
    fulfillment = body.get("fulfillment")
    if not isinstance(fulfillment, dict):
        return body
    methods = [
        _typed_destinations(m) if isinstance(m, dict) else m
        for m in fulfillment.get("methods") or []
    ]
    methods = [
        {**m, "groups": [_options(g) if isinstance(g, dict) else g for g in m["groups"]]}
        if isinstance(m, dict) and isinstance(m.get("groups"), list)
        else m
        for m in methods
    ]
    shaped = {**fulfillment, "methods": methods}
    return {**body, "fulfillment": shaped}


CONSTRAINTS_SHOWN: Final = "pannier.request_constraints_shown"  # not a UCP member: ours


def request_from(release: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Request arguments in ``release`` as the core reads them (2026-04-08).

    From 2026-08-25 on, answers showed the platform each instrument's ``ucp.request_constraints``:
    ``CONSTRAINTS_SHOWN`` tells the core to hold a payment to them (a 2026-04-08 platform never
    saw one, so it is not held to one).
    """
    if release == CORE:
        return arguments
    changed = {**arguments, CONSTRAINTS_SHOWN: True}
    for key in ("checkout", "cart"):
        body = changed.get(key)
        if not isinstance(body, dict):
            continue
        fulfillment = body.get("fulfillment")
        if not isinstance(fulfillment, dict) or not isinstance(fulfillment.get("methods"), list):
            continue
        methods = []
        for method in fulfillment["methods"]:
            if isinstance(method, dict) and isinstance(method.get("destinations"), list):
                method = {
                    **method,
                    "destinations": [
                        {k: v for k, v in d.items() if k != "type"} if isinstance(d, dict) else d
                        for d in method["destinations"]
                        if not (isinstance(d, dict) and d.get("type") == "business_location")
                    ],
                }
            methods.append(method)
        changed[key] = {**body, "fulfillment": {**fulfillment, "methods": methods}}
    return changed


def _constraints(constraints: Any) -> Any:
    if not isinstance(constraints, dict) or not isinstance(constraints.get("brands"), list):
        return constraints
    rest = {k: v for k, v in constraints.items() if k != "brands"}
    return {**rest, "properties": {"brand": {"enum": list(constraints["brands"])}}}


def _without_request_constraints(entry: dict[str, Any]) -> dict[str, Any]:
    instruments = entry.get("available_instruments")
    if not isinstance(instruments, list):
        return entry
    return {
        **entry,
        "available_instruments": [
            {k: v for k, v in i.items() if k != "ucp"} if isinstance(i, dict) else i
            for i in instruments
        ],
    }


def handlers_in(
    release: str, handlers: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """A payment handler registry as ``release`` has it (constraint expressions in 08-25)."""
    if release == CORE:
        return {
            name: [_without_request_constraints(e) if isinstance(e, dict) else e for e in entries]
            for name, entries in handlers.items()
        }
    return {
        name: [
            {
                **entry,
                "available_instruments": [
                    {**i, "constraints": _constraints(i["constraints"])}
                    if isinstance(i, dict) and "constraints" in i
                    else i
                    for i in entry.get("available_instruments") or []
                ],
            }
            if isinstance(entry, dict) and "available_instruments" in entry
            else entry
            for entry in entries
        ]
        for name, entries in handlers.items()
    }
