"""One merchant's failure stays that merchant's; bad config values are named with file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from shopping_helpers import OpenTrip

from assistant.config import load_config
from assistant.errors import ConfigError, StoreError
from assistant.events import MerchantFailed

TULIPS = "tulip-bundle--red"
COLOMBIA = "colombia-huila-finca-el-paraiso--250-g-whole-bean"


async def test_a_local_failure_at_one_merchant_is_that_merchants_state_not_a_crash(
    open_trip: OpenTrip, monkeypatch: pytest.MonkeyPatch
) -> None:
    trip = await open_trip("flowers", "coffee", session="one-fails")
    await trip.search("tulip")
    await trip.search("colombia")
    flowers, coffee = (m.domain for m in trip.merchants)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise StoreError("local database write failed: disk I/O error")

    monkeypatch.setattr(trip._ctx.clients[flowers], "create_cart", broken)
    states = {s.merchant.domain: s for s in await trip.set_basket([(TULIPS, 1), (COLOMBIA, 1)])}
    flowers_failure = states[flowers].failure
    assert flowers_failure is not None and "disk I/O error" in flowers_failure
    assert states[coffee].failure is None and states[coffee].cart_id
    failed = [e for e in trip.bus.history if isinstance(e, MerchantFailed)]
    assert [e.merchant.domain for e in failed] == [flowers]


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[limits]\nper_order = { USD = -1 }\n", "limits.per_order.USD"),
        ("[limits]\nper_session = { EUR = -100 }\n", "limits.per_session.EUR"),
        ("[policy]\nsearch_deadline_s = -5\n", "policy.search_deadline_s"),
        ("[policy]\nsearch_deadline_s = 0\n", "policy.search_deadline_s"),
        ("[policy]\nsession_wait_s = -1\n", "policy.session_wait_s"),
    ],
)
def test_out_of_range_config_values_are_refused_naming_file_and_key(
    tmp_path: Path, toml: str, key: str
) -> None:
    path = tmp_path / "pannier.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert str(path) in refused.value.message and key in refused.value.message
