"""Token-bucket rate limits per (client, operation class)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from merchants.bindings.errors import rate_limited

MAX_TRACKED_BUCKETS = 10_000


class RateLimiter:
    """One bucket per (client, class); `limits` maps class → (refill per second, burst)."""

    def __init__(self, limits: Mapping[str, tuple[float, int]], *, scale: float = 1.0) -> None:
        self._limits = {
            k: (float(rate) * scale, float(burst) * scale) for k, (rate, burst) in limits.items()
        }
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def take(self, client: str, rate_class: str) -> None:
        """Spend one token, or raise the 429 failure with a whole-second Retry-After."""
        limit = self._limits.get(rate_class)
        if limit is None:
            return
        rate, burst = limit
        now = time.monotonic()
        key = (client, rate_class)
        tokens, stamp = self._buckets.get(key, (burst, now))
        tokens = min(burst, tokens + (now - stamp) * rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            retry_after = max(1, math.ceil((1.0 - tokens) / rate)) if rate > 0 else 60
            raise rate_limited(retry_after)
        if len(self._buckets) >= MAX_TRACKED_BUCKETS and key not in self._buckets:
            self._buckets.clear()
        self._buckets[key] = (tokens - 1.0, now)
