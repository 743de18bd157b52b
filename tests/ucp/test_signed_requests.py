"""Signed requests at the sandbox stores: the "signed" tier stands in for a bearer token, and
tampering, foreign keys, old signatures and replayed nonces get the spec's errors."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from assistant.domain import Checkout
from assistant.ucp.http import SignatureRejected
from assistant.ucp.signing import Signing
from assistant.ucp.signing_keys import KeyRing
from merchants.serve import RunningStore
from tests.ucp import rfc9421_by_hand
from tests.ucp.signing_helpers import Platform, Recorder, platform, signed_client
from tests.ucp.test_replay_across_restarts import merchant_rows
from tests.ucp.test_sandbox import payment, ready_checkout

TRANSPORTS = ["mcp", "rest"]
SEARCH = b'{"query":"rose","pagination":{"limit":2}}'


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_signed_purchase_needs_no_bearer_token_and_every_request_is_signed(
    sandbox_stores: dict[str, RunningStore],
    sandbox_data_dir: Path,
    tmp_path: Path,
    transport: str,
) -> None:
    recorder = Recorder()
    async with platform(tmp_path) as ours, httpx2.AsyncClient(transport=recorder) as http:
        client = await signed_client(sandbox_stores["flowers"].url, transport, http, None, ours)
        checkout = await ready_checkout(client)
        completed = await client.complete_checkout(checkout.id, payment())
        kid = ours.ring.active.kid

    assert isinstance(completed, Checkout) and completed.order is not None
    assert completed.status == "completed"
    api = [r for r in recorder.requests if "/api/ucp/" in r.url.path]
    assert api and all("authorization" not in r.headers for r in recorder.requests)
    assert all(f'keyid="{kid}"' in r.headers["signature-input"] for r in api)
    writes = [r for r in api if r.content]
    assert all(r.headers["content-digest"].startswith("sha-256=:") for r in writes)
    assert all("signature" in r.headers for r in recorder.responses[-len(api) :])
    orders = merchant_rows(
        sandbox_data_dir, "flowers", "SELECT id FROM orders WHERE checkout_id = ?", checkout.id
    )
    assert orders == [(completed.order.id,)]


async def _send(
    url: str, headers: dict[str, str], body: bytes, http: httpx2.AsyncClient
) -> tuple[int, dict[str, Any]]:
    headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
    response = await http.post(url, content=body, headers=headers)
    return response.status_code, response.json()


def _signed(ring: KeyRing, url: str, profile_url: str, body: bytes) -> httpx2.Request:
    request = httpx2.Request(
        "POST",
        url,
        content=body,
        headers={"Content-Type": "application/json", "UCP-Agent": f'profile="{profile_url}"'},
    )
    Signing(ring).sign(request, body)
    return request


async def _refusal(
    flowers: RunningStore, ours: Platform, tamper: str, tmp_path: Path
) -> tuple[int, dict[str, Any]]:
    url = f"{flowers.url}/api/ucp/v1/catalog/search"
    request = _signed(ours.ring, url, ours.profile_url, SEARCH)
    headers = dict(request.headers)
    body = SEARCH
    if tamper == "body":
        body = SEARCH.replace(b"rose", b"tulip")
    elif tamper == "foreign key":
        stranger = KeyRing(tmp_path / "stranger.json")
        headers = dict(_signed(stranger, url, ours.profile_url, SEARCH).headers)
    elif tamper == "wrong key under our kid":
        stranger = KeyRing(tmp_path / "stranger.json")
        forged = _signed(stranger, url, ours.profile_url, SEARCH).headers
        headers["signature"] = forged["signature"]
    elif tamper == "expired":
        components = ["@method", "@authority", "@path", "ucp-agent"]
        components += ["content-digest", "content-type"]
        now = int(time.time())
        headers = rfc9421_by_hand.sign(
            ours.ring.active.private_key,
            "POST",
            url,
            {"Content-Type": "application/json", "UCP-Agent": f'profile="{ours.profile_url}"'},
            SEARCH,
            components,
            created=now - 900,
            keyid=ours.ring.active.kid,
            expires=now - 600,
        )
    elif tamper == "no signature header":
        del headers["signature"]
    async with httpx2.AsyncClient() as http:
        return await _send(url, headers, body, http)


@pytest.mark.parametrize(
    ("tamper", "status", "code", "says"),
    [
        ("body", 400, "digest_mismatch", "Content-Digest"),
        ("foreign key", 401, "key_not_found", "keys[]"),
        ("wrong key under our kid", 401, "signature_invalid", "verification failed"),
        ("expired", 401, "signature_invalid", "expired"),
        ("no signature header", 401, "signature_missing", "together"),
    ],
)
async def test_the_store_refuses_a_request_whose_signature_does_not_hold(
    sandbox_stores: dict[str, RunningStore],
    tmp_path: Path,
    tamper: str,
    status: int,
    code: str,
    says: str,
) -> None:
    async with platform(tmp_path) as ours:
        answer = await _refusal(sandbox_stores["flowers"], ours, tamper, tmp_path)
    assert answer[0] == status and answer[1]["code"] == code, answer
    assert says in answer[1]["content"]


async def test_a_replayed_signed_request_is_refused_by_its_nonce(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    url = f"{sandbox_stores['flowers'].url}/api/ucp/v1/catalog/search"
    async with platform(tmp_path) as ours, httpx2.AsyncClient() as http:
        request = _signed(ours.ring, url, ours.profile_url, SEARCH)
        first = await http.send(request)
        replayed = await http.send(_signed(ours.ring, url, ours.profile_url, SEARCH))
        again = await _send(url, dict(request.headers), SEARCH, http)
    assert first.status_code == 200 and replayed.status_code == 200
    assert again[0] == 401 and again[1]["code"] == "signature_invalid"
    assert "nonce" in again[1]["content"]


async def test_over_mcp_a_signature_failure_is_a_json_rpc_error_with_the_spec_code(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    url = f"{sandbox_stores['flowers'].url}/api/ucp/mcp"
    async with platform(tmp_path) as ours, httpx2.AsyncClient() as http:
        arguments = {
            "meta": {"ucp-agent": {"profile": ours.profile_url}},
            "catalog": {"ids": ["x"]},
        }
        message = {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "tools/call",
            "params": {"name": "lookup_catalog", "arguments": arguments},
        }
        body = json.dumps(message).encode()
        request = _signed(ours.ring, url, ours.profile_url, body)
        status, tampered = await _send(url, dict(request.headers), body + b" ", http)
    assert status == 400
    error = tampered["error"]
    assert tampered["id"] == 7 and error["code"] == -32000
    assert error["data"]["code"] == "digest_mismatch"


async def test_a_signature_naming_another_profile_than_the_mcp_meta_is_refused(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    url = f"{sandbox_stores['flowers'].url}/api/ucp/mcp"
    async with platform(tmp_path) as ours, platform(tmp_path / "other") as other:
        arguments = {
            "meta": {"ucp-agent": {"profile": other.profile_url}, "idempotency-key": "k" * 32},
            "checkout": {"line_items": [{"item": {"id": "rose-red"}, "quantity": 1}]},
        }
        message = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "create_checkout", "arguments": arguments},
        }
        body = json.dumps(message).encode()
        async with httpx2.AsyncClient() as http:
            answer = await http.send(_signed(ours.ring, url, ours.profile_url, body))
    assert answer.json()["error"]["data"]["code"] == "signature_invalid"


class AltersAnswers(Recorder):
    """A meddler between us and the store: rewrites the price in every signed answer."""

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await super().handle_async_request(request)
        if "signature" not in response.headers or "/api/ucp/" not in request.url.path:
            return response
        body = (await response.aread()).replace(b'"amount":', b'"amount":1')
        headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-length"]
        return httpx2.Response(response.status_code, headers=headers, content=body)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_answer_whose_signature_fails_is_shown_logged_and_not_used(
    sandbox_stores: dict[str, RunningStore],
    tmp_path: Path,
    transport: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with platform(tmp_path) as ours, httpx2.AsyncClient(transport=AltersAnswers()) as http:
        client = await signed_client(sandbox_stores["flowers"].url, transport, http, None, ours)
        with pytest.raises(SignatureRejected) as caught:
            await client.search_catalog("rose")
    assert "signature does not verify" in caught.value.message
    assert caught.value.operation == "search_catalog"
    assert any("response signature rejected" in r.getMessage() for r in caplog.records)
