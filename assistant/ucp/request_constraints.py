"""``ucp.request_constraints`` (UCP 2026-08-25): what a business requires of the next request.

A request constraint binds a Constraint Expression (a closed subset of JSON Schema 2020-12) to
the nodes that an RFC 9535 JSONPath (``path``) selects in the next request to the same resource.
A business puts one on an available payment instrument to say what a request submitting that
instrument must carry (a billing address, a credential type…). Pannier evaluates it against the
``complete_checkout`` body it would send, so an instrument the business rules out is never sent.

The JSONPath is evaluated by ``jsonpath-rfc9535`` and the expression by ``jsonschema`` (both
imported on first use: most answers carry no constraint). A constraint Pannier cannot read (no
``path``, a path that does not parse) constrains nothing: the business still refuses a request
it cannot take, as a recoverable error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_EXPRESSION_KEYS = ("required", "properties", "anyOf")


def _words(path: list[str | int]) -> str:
    """``["billing_address", "postal_code"]`` → ``billing address postal code``."""
    return " ".join(str(p).replace("_", " ") for p in path if isinstance(p, str))


def _reason(error: Any) -> str:
    """A ``jsonschema`` error as a short reason about the request data, for the shopper."""
    where = _words(list(error.absolute_path))
    if error.validator == "required":
        missing = next((name for name in error.validator_value if name not in error.instance), "")
        field = " ".join(p for p in (where, missing.replace("_", " ")) if p)
        return f"the store needs a {field}, which this payment method does not carry"
    if error.validator in ("enum", "const"):
        allowed = error.validator_value
        allowed = allowed if isinstance(allowed, list) else [allowed]
        return f"the store takes only {' or '.join(map(str, allowed))} as its {where}"
    return f"the store does not take its {where or 'details'} as they are"


def unmet(constraint: Mapping[str, Any], request: Mapping[str, Any]) -> str | None:
    """Why ``request`` breaks ``constraint``, as a reason to show the shopper; None if it is met."""
    path = constraint.get("path")
    expression = {k: constraint[k] for k in _EXPRESSION_KEYS if k in constraint}
    if not isinstance(path, str) or not expression:
        return None
    import jsonpath_rfc9535
    import jsonschema

    try:
        nodes = jsonpath_rfc9535.find(path, dict(request))
    except jsonpath_rfc9535.JSONPathError:
        return None
    try:
        validator = jsonschema.Draft202012Validator(expression)
    except jsonschema.SchemaError:
        return None
    for node in nodes:
        error = jsonschema.exceptions.best_match(validator.iter_errors(node.value))
        if error is not None:
            return _reason(error)
    return None
