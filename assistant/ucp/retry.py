"""Retry policy: bounded attempts and total time, exponential backoff with full jitter.

Sleep, randomness and the clock are injectable so retry tests are instant.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    max_total_s: float = 20.0
    base_delay_s: float = 0.25
    max_delay_s: float = 8.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    random: Callable[[], float] = field(default=random.random, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based); ``Retry-After`` wins."""
        ceiling = min(self.max_delay_s, self.base_delay_s * float(2 ** (attempt - 1)))
        jittered: float = self.random() * ceiling
        return max(retry_after, jittered) if retry_after is not None else jittered

    def allows(self, attempt: int, started: float, delay: float) -> bool:
        """True when retry number ``attempt`` after ``delay`` stays within both bounds."""
        within_time = self.clock() - started + delay <= self.max_total_s
        return attempt < self.max_attempts and within_time
