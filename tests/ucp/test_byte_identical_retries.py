"""A signed write lost in a crash is resent byte for byte (JSON-RPC id included) by the next
process, and the store answers it from its idempotency record: exactly one order."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from assistant.domain import Checkout
from assistant.store import Store
from merchants.serve import RunningStore
from tests.ucp.signing_helpers import Recorder, platform, signed_client
from tests.ucp.test_replay_across_restarts import (
    DiesAfterTheStoreAnswers,
    ProcessDied,
    merchant_rows,
)
from tests.ucp.test_sandbox import payment, ready_checkout


def _completions(requests: list[httpx2.Request]) -> list[httpx2.Request]:
    def is_complete(request: httpx2.Request) -> bool:
        if request.url.path.endswith("/complete"):
            return True
        if not request.url.path.endswith("/mcp"):
            return False
        message = json.loads(request.content)
        return bool(message.get("params", {}).get("name") == "complete_checkout")

    return [r for r in requests if is_complete(r)]


class KeepsWhatItSends(DiesAfterTheStoreAnswers):
    def __init__(self, operation: str) -> None:
        super().__init__(operation)
        self.sent: list[httpx2.Request] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.sent.append(request)
        return await super().handle_async_request(request)


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_a_crash_before_the_answer_is_stored_is_retried_with_the_same_bytes_once(
    sandbox_stores: dict[str, RunningStore],
    sandbox_data_dir: Path,
    tmp_path: Path,
    transport: str,
) -> None:
    flowers = sandbox_stores["flowers"]
    db = tmp_path / "pannier.db"
    dying = KeepsWhatItSends("complete_checkout")
    async with platform(tmp_path) as ours, httpx2.AsyncClient(transport=dying) as http:
        first_store = Store.open(db)
        client = await signed_client(flowers.url, transport, http, first_store, ours)
        checkout = await ready_checkout(client)
        with pytest.raises(ProcessDied):
            await client.complete_checkout(checkout.id, payment())
        first_store.close()
    assert dying.lost_answer is not None and dying.lost_answer["status"] == "completed"
    (sent,) = _completions(dying.sent)

    recorder = Recorder()
    async with platform(tmp_path) as ours, httpx2.AsyncClient(transport=recorder) as http:
        second_store = Store.open(db)
        client = await signed_client(flowers.url, transport, http, second_store, ours)
        completed = await client.complete_checkout(checkout.id, payment())
        second_store.settle_writes()  # the forget rides the loop turn's hand-off
        assert second_store.db["idempotency_keys"].count == 0
        second_store.close()
    (resent,) = _completions(recorder.requests)

    assert resent.content == sent.content
    assert resent.headers["content-digest"] == sent.headers["content-digest"]
    assert resent.headers["signature"] != sent.headers["signature"]  # a fresh nonce
    assert isinstance(completed, Checkout) and completed.order is not None
    assert completed.order.id == dying.lost_answer["order"]["id"]
    orders = merchant_rows(
        sandbox_data_dir, "flowers", "SELECT id FROM orders WHERE checkout_id = ?", checkout.id
    )
    assert orders == [(completed.order.id,)]
