"""Bounded waits for Pilot tests: poll a condition between Textual message rounds, never sleep."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot

DEFAULT_TIMEOUT_S = 20.0


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], object], *, within_s: float = DEFAULT_TIMEOUT_S
) -> None:
    """Let the app process messages until ``condition()`` holds; fail after ``within_s``."""

    async def poll() -> None:
        while not condition():
            await pilot.pause(0.02)

    try:
        await asyncio.wait_for(poll(), within_s)
    except TimeoutError:
        raise AssertionError(f"condition not met within {within_s} s") from None
    await pilot.pause()
