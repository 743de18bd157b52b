"""Bounded waits for Pilot tests: poll a condition between Textual message rounds, never sleep."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot

DEFAULT_TIMEOUT_S = 20.0


async def wait_until(
    pilot: Pilot[object], condition: Callable[[], object], *, timeout: float = DEFAULT_TIMEOUT_S
) -> None:
    """Let the app process messages until ``condition()`` holds; fail after ``timeout``."""

    async def poll() -> None:
        while not condition():
            await pilot.pause(0.02)

    try:
        await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"condition not met within {timeout} s") from None
    await pilot.pause()
