"""Write ``docs/screenshot.svg``: the TUI mid-trip at three sandbox shops, one needing the shopper.

Runs the real app headless (offline planner, bundled sandbox stores started in the background)
and types what a shopper would. Usage: ``.venv/bin/python scripts/screenshot.py [OUT.svg]``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from textual.pilot import Pilot

from tui.app import PannierApp
from tui.session import LaunchOptions
from tui.widgets.chat import HistoryInput

ROOT = Path(__file__).resolve().parent.parent
SIZE = (160, 48)
WAIT_S = 60.0
SHOPPING = [
    ("find tulip", "tulip-bundle--red"),
    ("find colombia", "colombia-huila-finca-el-para"),
    ("find barolo", "barolo-cascina-fiori--2019-75"),
]


async def until(pilot: Pilot[None], condition: object) -> None:
    async def poll() -> None:
        while not condition():  # type: ignore[operator]
            await pilot.pause(0.05)

    await asyncio.wait_for(poll(), WAIT_S)


async def say(pilot: Pilot[None], app: PannierApp, text: str) -> None:
    before = app.jobs_done
    prompt = app.query_one(HistoryInput)
    prompt.value = text
    prompt.focus()
    await pilot.press("enter")
    await until(pilot, lambda: app.jobs_done > before)


async def shoot(out: Path) -> None:
    # No config file: the built-in demo buyer (whose second, Paris address the EU wine shop needs).
    options = LaunchOptions(session="screenshot", offline=True)
    app = PannierApp(options)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.session is not None)
        for query, variant_prefix in SHOPPING:
            await say(pilot, app, query)
            assert app.session is not None and app.session.trip.last_search is not None
            hits = app.session.trip.last_search.hits
            handle = next(h.handle for h in hits if h.variant_id.startswith(variant_prefix))
            await say(pilot, app, f"add {handle}")
        await say(pilot, app, "checkout")
        app.clear_notifications()
        await pilot.pause()
        app.save_screenshot(out.name, path=str(out.parent))


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.svg"
    with tempfile.TemporaryDirectory(prefix="pannier-shot-") as tmp:
        os.environ["PANNIER_HOME"] = tmp
        os.environ.pop("ANTHROPIC_API_KEY", None)
        asyncio.run(shoot(out))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
