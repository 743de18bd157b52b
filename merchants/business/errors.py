"""The one exception the business core raises: a request that does not fit the schema.

Business problems (sold out, bad address, unknown code) are never exceptions; they are
``messages`` on the resource. ``InvalidRequest`` is for arguments the protocol itself forbids
(wrong types, missing required members); the bindings map it to HTTP 400 / JSON-RPC -32602.
"""

from __future__ import annotations


class InvalidRequest(Exception):
    """Schema-invalid arguments; ``path`` is a JSONPath into the arguments (``$.checkout...``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class RequestTooLarge(InvalidRequest):
    """A batch larger than the store accepts (REST 400 / JSON-RPC -32602, `request_too_large`)."""
