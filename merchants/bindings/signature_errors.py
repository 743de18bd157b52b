"""Signature errors in the spec's words: 401 for who-signed failures, 400 for what-was-signed."""

from __future__ import annotations

from typing import Final

from merchants.bindings.errors import JSONRPC_PROTOCOL_ERROR, ProtocolFailure

_HTTP_STATUS: Final = {
    "signature_missing": 401,
    "signature_invalid": 401,
    "key_not_found": 401,
    "digest_mismatch": 400,
    "algorithm_unsupported": 400,
}


def signature_failure(code: str, content: str) -> ProtocolFailure:
    """A signature error in the spec's words (REST status, MCP -32000 with `data.code`)."""
    return ProtocolFailure(
        http_status=_HTTP_STATUS[code],
        code=code,
        content=content,
        jsonrpc_code=JSONRPC_PROTOCOL_ERROR,
        jsonrpc_message="Signature verification failed",
    )
