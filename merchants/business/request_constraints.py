"""A store holding a request to the ``ucp.request_constraints`` it advertised (UCP 2026-08-25).

An available payment instrument may say what a request submitting it must carry: an RFC 9535
JSONPath (``path``) selecting nodes of the next request to the same resource, and a Constraint
Expression (a closed subset of JSON Schema 2020-12: ``required``, ``properties``, ``anyOf``) each
selected node must satisfy. A store that says so refuses a request that breaks it, as a
recoverable error naming the member, instead of taking the payment anyway. 2026-04-08 platforms
are never shown the constraint, but its requirement is the business's own, so it holds there too
(the error says what is missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from merchants.business.lines import error

_EXPRESSION_KEYS = ("required", "properties", "anyOf")


def _pointer(location: tuple[str | int, ...]) -> str:
    """``("payment", "instruments", 0, "billing_address")`` → ``$.payment.instruments[0]…``."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in location)


def unmet_request_constraint(
    constraint: Mapping[str, Any], request: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The recoverable error for the first node of ``request`` breaking ``constraint``, or None."""
    path = constraint.get("path")
    expression = {k: constraint[k] for k in _EXPRESSION_KEYS if k in constraint}
    if not isinstance(path, str) or not expression:
        return None
    import jsonpath_rfc9535
    import jsonschema

    validator = jsonschema.Draft202012Validator(expression)
    for node in jsonpath_rfc9535.find(path, dict(request)):
        problem = jsonschema.exceptions.best_match(validator.iter_errors(node.value))
        if problem is None:
            continue
        where = (*node.location, *problem.absolute_path)
        if problem.validator == "required":
            member = next(n for n in problem.validator_value if n not in problem.instance)
            words = member.replace("_", " ")
            return error(
                "missing",
                _pointer((*where, member)),
                f"A {words} is required to pay with this payment method.",
            )
        return error(
            "invalid",
            _pointer(where),
            f"This payment method cannot be used as given: {problem.message}.",
        )
    return None
