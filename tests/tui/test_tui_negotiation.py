"""The protocol log says, per merchant, which UCP release and transport Pannier speaks and why."""

from __future__ import annotations

from pathlib import Path

from tui_shopper import write_config
from tui_waits import wait_until

from assistant.events import MerchantNegotiated
from merchants.serve import RunningStore
from tui.app import PannierApp
from tui.launch import open_session
from tui.messages import CoreEventArrived
from tui.session import LaunchOptions
from tui.widgets.protocol_log import ProtocolLog


async def test_the_protocol_log_shows_each_shops_negotiated_release_and_transport(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    seen: list[object] = []
    options = LaunchOptions(
        session="negotiation",
        offline=True,
        config_path=write_config(tmp_path),
        data_dir=tmp_path / "data",
        merchant_urls=(sandbox_stores["flowers"].url, sandbox_stores["wine"].url),
    )
    app = PannierApp(options, opener=open_session)
    async with app.run_test(size=(160, 45), message_hook=seen.append) as pilot:
        log = app.query_one(ProtocolLog)
        await wait_until(pilot, lambda: log.lines_logged >= 2, within_s=30.0)
        await pilot.press("f6")  # shown: a hidden log keeps its lines unrendered
        await wait_until(pilot, lambda: len(log.lines) >= 2, within_s=10.0)
        text = ["".join(segment.text for segment in line) for line in log.lines]

    negotiated = [
        m.event
        for m in seen
        if isinstance(m, CoreEventArrived) and isinstance(m.event, MerchantNegotiated)
    ]
    assert sorted(e.merchant.name for e in negotiated) == ["Cellar Door Wines", "Petal & Stem"]
    assert {(e.version, e.transport) for e in negotiated} == {("2026-08-25", "mcp")}
    shown = [line for line in text if line.startswith("ucp   ")]
    assert len(shown) == 2
    assert all(
        "UCP 2026-08-25 (its profile's release (of 2026-08-25, 2026-04-08))" in line
        and "MCP (it offers MCP and REST; MCP when offered, else REST)" in line
        for line in shown
    ), shown
