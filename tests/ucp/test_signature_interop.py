"""Interop proof: Pannier's signatures verify with a second, independent RFC 9421 implementation
(``rfc9421_by_hand``: the signature base built as text, checked with ``cryptography``), and the
stores accept requests that implementation signed, and sign answers it verifies."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx2
import pytest

from assistant.ucp.signing import Signing, public_key_from_jwk
from merchants.serve import RunningStore
from tests.ucp import rfc9421_by_hand
from tests.ucp.signing_helpers import platform

BODY = b'{"line_items":[{"item":{"id":"tulip-bundle--red"},"quantity":1}]}'


def _request(profile_url: str, body: bytes | None) -> httpx2.Request:
    headers = {"UCP-Agent": f'profile="{profile_url}"'}
    if body is not None:
        headers |= {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    method = "POST" if body is not None else "GET"
    url = "http://merchant.example:8443/api/ucp/v1/checkout-sessions"
    return httpx2.Request(method, url, content=body, headers=headers)


@pytest.mark.parametrize("body", [BODY, None], ids=["post-with-body", "get"])
async def test_pannier_signatures_verify_with_a_signature_base_built_by_hand(
    tmp_path: Path, body: bytes | None
) -> None:
    async with platform(tmp_path) as ours:
        request = _request(ours.profile_url, body)
        Signing(ours.ring).sign(request, body)
        public_key = public_key_from_jwk(ours.ring.active.jwk)
    assert public_key is not None
    params = rfc9421_by_hand.verify(
        public_key, request.method, str(request.url), dict(request.headers), body
    )
    _, names, _ = rfc9421_by_hand.parse_signature_input(request.headers["signature-input"])
    expected = ["@method", "@authority", "@path", "ucp-agent"]
    if body is not None:
        expected += ["idempotency-key", "content-digest", "content-type"]
    assert names == expected
    assert params["keyid"] == ours.ring.active.kid
    assert int(params["expires"]) > int(params["created"]) and len(params["nonce"]) >= 64
    assert "alg" not in params  # UCP: the algorithm comes from the key


async def test_a_byte_changed_body_fails_the_independent_verifier(tmp_path: Path) -> None:
    async with platform(tmp_path) as ours:
        request = _request(ours.profile_url, BODY)
        Signing(ours.ring).sign(request, BODY)
        public_key = public_key_from_jwk(ours.ring.active.jwk)
    assert public_key is not None
    with pytest.raises(AssertionError, match="digest"):
        rfc9421_by_hand.verify(
            public_key, "POST", str(request.url), dict(request.headers), BODY + b" "
        )


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_the_store_accepts_a_checkout_signed_by_the_independent_implementation(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path, transport: str
) -> None:
    flowers = sandbox_stores["flowers"]
    async with platform(tmp_path) as ours, httpx2.AsyncClient() as http:
        key = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "UCP-Agent": f'profile="{ours.profile_url}"',
            "Idempotency-Key": key,
        }
        if transport == "rest":
            url, body = f"{flowers.url}/api/ucp/v1/checkout-sessions", BODY
        else:
            url = f"{flowers.url}/api/ucp/mcp"
            arguments = {
                "meta": {"ucp-agent": {"profile": ours.profile_url}, "idempotency-key": key},
                "checkout": json.loads(BODY),
            }
            message = {
                "jsonrpc": "2.0",
                "id": "by-hand-1",
                "method": "tools/call",
                "params": {"name": "create_checkout", "arguments": arguments},
            }
            body = json.dumps(message).encode()
        components = ["@method", "@authority", "@path", "ucp-agent", "idempotency-key"]
        components += ["content-digest", "content-type"]
        signed = rfc9421_by_hand.sign(
            ours.ring.active.private_key,
            "POST",
            url,
            headers,
            body,
            components,
            created=int(time.time()),
            keyid=ours.ring.active.kid,
        )
        answer = await http.post(url, content=body, headers=signed)
        profile = (await http.get(f"{flowers.url}/.well-known/ucp")).json()

    assert answer.status_code in (200, 201), answer.text
    payload = answer.json()
    checkout = payload if transport == "rest" else payload["result"]["structuredContent"]
    assert checkout["id"], checkout
    assert checkout["line_items"][0]["item"]["id"] == "tulip-bundle--red"
    (store_jwk,) = profile["keys"]
    store_key = public_key_from_jwk(store_jwk)
    assert store_key is not None
    params = rfc9421_by_hand.verify_response(
        store_key, answer.status_code, dict(answer.headers), answer.content
    )
    assert params["keyid"] == store_jwk["kid"]
