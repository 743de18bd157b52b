"""A release's request schemas, derived from its response schemas' ``ucp_request`` annotations.

UCP writes one schema per resource and marks each property with what a request does with it:
``"omit"`` (must be absent), ``"optional"`` or ``"required"``, either for every operation or per
operation (``{"create": "required", "update": "optional", "complete": "omit"}``). The request
schema of an operation is the resource schema with those marks applied everywhere (in every
document a ``$ref`` reaches, so a line item inside a checkout create is a line item for create):
an omitted property's schema becomes ``false``, and ``required`` follows the marks.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parents[1] / "ucp_schemas"


def _mark(annotation: Any, operation: str) -> str | None:
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, dict):
        value = annotation.get(operation)
        return value if isinstance(value, str) else None
    return None


def _conditionally_marked(node: dict[str, Any], operation: str) -> set[str]:
    """Properties an ``allOf`` branch's ``then`` marks for ``operation`` other than ``omit``.

    A base mark is the default the branches refine (fulfillment_method.json: ``destinations``
    is ``omit``, but ``optional`` when the method's type is ``shipping``); as a conjunction, a
    base ``false`` would refuse what the branch allows.
    """
    marked: set[str] = set()
    for branch in node.get("allOf") or []:
        then = branch.get("then") if isinstance(branch, dict) else None
        for name, schema in ((then or {}).get("properties") or {}).items():
            if isinstance(schema, dict) and _mark(schema.get("ucp_request"), operation) not in (
                None,
                "omit",
            ):
                marked.add(name)
    return marked


def _apply(node: Any, operation: str) -> Any:
    """``node`` with every ``ucp_request`` mark applied for ``operation`` (recursively)."""
    if isinstance(node, list):
        return [_apply(item, operation) for item in node]
    if not isinstance(node, dict):
        return node
    applied = {key: _apply(value, operation) for key, value in node.items()}
    properties = node.get("properties")
    refined = _conditionally_marked(node, operation)
    if isinstance(properties, dict):
        required = [name for name in node.get("required", []) if isinstance(name, str)]
        shaped: dict[str, Any] = {}
        for name, schema in applied["properties"].items():
            mark = (
                _mark(properties[name].get("ucp_request"), operation)
                if isinstance(properties[name], dict)
                else None
            )
            if mark == "omit" and name in refined:
                shaped[name] = schema  # each branch says what this property is
                required = [r for r in required if r != name]
            elif mark == "omit":
                shaped[name] = False
                required = [r for r in required if r != name]
            else:
                shaped[name] = schema
                if mark == "required" and name not in required:
                    required.append(name)
                elif mark == "optional":
                    required = [r for r in required if r != name]
        applied["properties"] = shaped
        if required or "required" in node:
            applied["required"] = required
    return applied


def _documents(release: str) -> Iterator[dict[str, Any]]:
    for path in sorted((SCHEMAS / release / "schemas").rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and isinstance(document.get("$id"), str):
            yield document


@cache
def _registry(release: str, operation: str) -> Registry[Any]:
    resources = [
        (doc["$id"], Resource.from_contents(_apply(copy.deepcopy(doc), operation)))
        for doc in _documents(release)
    ]
    return Registry().with_resources(resources)


def request_validator(release: str, operation: str, *refs: str) -> jsonschema.Draft202012Validator:
    """A validator for an ``operation`` request body satisfying every schema in ``refs``.

    ``refs`` are ``$id``-relative references, e.g. ``shopping/fulfillment.json#/$defs/
    dev.ucp.shopping.checkout`` (the checkout with the fulfillment extension).
    """
    schema = {"allOf": [{"$ref": f"https://ucp.dev/schemas/{ref}"} for ref in refs]}
    return jsonschema.Draft202012Validator(schema, registry=_registry(release, operation))


def request_errors(release: str, operation: str, body: Any, *refs: str) -> list[str]:
    """Every way ``body`` breaks the ``operation`` request schema of ``refs`` in ``release``."""
    validator = request_validator(release, operation, *refs)
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(body)]
