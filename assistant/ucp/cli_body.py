"""What ``pannier ucp`` does to the JSON it sends and prints: ``--input``, ``--set``, ``--view``,
the exit status an answer deserves, and the next-step hint. No I/O besides reading the input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Final

from assistant.errors import ConfigError

# Exit status of `pannier ucp …` (README, --help); 2 is argparse's usage error.
EXIT_OK: Final = 0
EXIT_BUSINESS: Final = 1  # the merchant answered with an error message (not_found, out of stock…)
EXIT_CONFIG: Final = 3
EXIT_UNREACHABLE: Final = 4  # timeouts, refused connections, 5xx after retries
EXIT_PROTOCOL: Final = 5  # an answer outside the protocol, or our credentials refused


def read_input(value: str | None, *, stdin: Any = None) -> dict[str, Any]:
    """``--input``: inline JSON, ``@path``, or ``-`` for standard input; a JSON object."""
    if value is None:
        return {}
    source = "--input"
    if value == "-":
        source = "standard input"
        value = (stdin if stdin is not None else sys.stdin).read()
    elif value.startswith("@"):
        source = value[1:]
        try:
            value = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read: {exc}") from exc
    try:
        body = json.loads(value)
    except ValueError as exc:
        raise ConfigError(f"{source}: not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ConfigError(f"{source}: must be a JSON object")
    return body


def _token(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def apply_set(body: dict[str, Any], assignment: str) -> dict[str, Any]:
    """``--set /json/pointer=value`` (RFC 6901) on the body; the value is JSON if it parses,
    else a string. Missing objects on the way are created; ``-`` appends to an array."""
    pointer, sep, raw = assignment.partition("=")
    if not sep or not pointer.startswith("/"):
        raise ConfigError(f"--set {assignment!r}: expected /json/pointer=value")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    parts = [_token(part) for part in pointer[1:].split("/")]
    node: Any = body
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = "/" + "/".join(parts[: depth + 1])
        following = parts[depth + 1] if not last else ""
        missing: Any = [] if following == "-" or following.isdigit() else {}
        if isinstance(node, list):
            if part == "-":
                index = len(node)
            elif part.isdigit() and int(part) <= len(node):
                index = int(part)
            else:
                raise ConfigError(f"--set {pointer}: {where} is not an index of that array")
            if index == len(node):
                node.append(value if last else missing)
            elif last:
                node[index] = value
            node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, missing)
        else:
            raise ConfigError(f"--set {pointer}: {where} is inside a {type(node).__name__}")
    return body


def view(payload: Any, expression: str | None) -> Any:
    """``--view``: a JMESPath projection of the answer (the whole answer without one)."""
    if expression is None:
        return payload
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(expression, payload)
    except JMESPathError as exc:
        raise ConfigError(f"--view {expression!r}: {exc}") from exc


def business_error(payload: dict[str, Any]) -> bool:
    """Whether the merchant answered with an error (UCP ``status: error`` or an error message)."""
    ucp = payload.get("ucp")
    if isinstance(ucp, dict) and ucp.get("status") == "error":
        return True
    messages = payload.get("messages")
    return isinstance(messages, list) and any(
        isinstance(m, dict) and m.get("type") == "error" for m in messages
    )


def next_step(resource: str, payload: dict[str, Any], business: str) -> str | None:
    """A one-line hint for what usually comes next, from the answer's own status."""
    resource_id = payload.get("id")
    status = payload.get("status")
    flag = f"--business {business}"
    if resource == "cart" and resource_id:
        return f"pannier ucp checkout create --set /cart_id={resource_id} {flag}"
    if resource != "checkout" or not resource_id:
        return None
    if status == "incomplete":
        return f"pannier ucp checkout update {resource_id} --input @checkout.json {flag}"
    if status == "requires_escalation":
        return f"the buyer finishes at {payload.get('continue_url')}"
    if status == "ready_for_complete":
        return f"pannier ucp checkout complete {resource_id} --input @payment.json {flag}"
    order = payload.get("order")
    if status == "completed" and isinstance(order, dict) and order.get("id"):
        return f"pannier ucp order get {order['id']} {flag}"
    return None
