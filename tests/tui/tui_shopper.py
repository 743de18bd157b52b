"""A shopper at the keyboard (Pilot) and at the merchant's web page (HTTP), for full-trip tests."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from tui_waits import wait_until

from assistant.service import ShoppingSession
from assistant.shopping.trip import Trip
from tests.shopping import shopping_helpers
from tui.app import PannierApp
from tui.screens.confirm import ConfirmPurchase
from tui.widgets.chat import ChatLine, ChatPane, HistoryInput

TULIPS = "tulip-bundle--red"
COLOMBIA = "colombia-huila-finca-el-para"
BAROLO = "barolo-cascina-fiori--2019-75"


def write_config(directory: Path, extra_toml: str = "") -> Path:
    """A config file holding only ``extra_toml``: the rest is the built-in demo buyer and wallet."""
    path = directory / "config.toml"
    path.write_text(extra_toml, encoding="utf-8")
    return path


async def wait_for_jobs(pilot: Pilot[None], app: PannierApp, count: int) -> None:
    await wait_until(pilot, lambda: app.jobs_done >= count, within_s=30.0)


async def say(pilot: Pilot[None], app: PannierApp, text: str) -> str:
    """Type ``text`` into the prompt, press Enter, and return the assistant's settled reply."""
    before = app.jobs_done
    prompt = app.query_one(HistoryInput)
    prompt.value = text
    prompt.focus()
    await pilot.press("enter")
    await wait_for_jobs(pilot, app, before + 1)
    transcript = app.query_one(ChatPane).transcript

    def settled() -> bool:
        last = transcript.query(ChatLine).last()
        return last.speaker != "you" and last.has_class("done")

    await wait_until(pilot, settled)
    return transcript.query(ChatLine).last().text


async def press_and_wait(pilot: Pilot[None], app: PannierApp, key: str) -> None:
    before = app.jobs_done
    await pilot.press(key)
    await wait_for_jobs(pilot, app, before + 1)


def trip_of(app: PannierApp) -> Trip:
    """The real trip behind the app's session (the TUI itself only sees the Session protocol)."""
    assert isinstance(app.session, ShoppingSession)
    return app.session.trip


def handle_of(app: PannierApp, variant_prefix: str) -> str:
    search = trip_of(app).last_search
    assert search is not None
    return next(h.handle for h in search.hits if h.variant_id.startswith(variant_prefix))


async def tulips_at_the_dialog(pilot: Pilot[None], app: PannierApp) -> int:
    """Red tulips in the basket and the confirmation dialog open (F8); the jobs done before F8."""
    await say(pilot, app, "find tulip")
    await say(pilot, app, f"add {handle_of(app, TULIPS)}")
    before = app.jobs_done
    await pilot.press("f8")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPurchase))
    return before


async def submit_continue_page(url: str) -> int:
    """Pay on the store's page (its secondary action) as a shopper may; the HTTP status."""
    response = await shopping_helpers.submit_continue_page(url, pay_here=True)
    return response.status_code
