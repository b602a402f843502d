"""A per-client rate limit for the JSON API: a token bucket per client address.

Each client may make `burst` requests at once and then `rate` per second; past that it
gets 429 with `Retry-After`. Buckets of clients that went quiet are dropped so that the
table stays small whoever calls. The client is the connection's peer address: behind a
reverse proxy, that proxy should limit per client itself (the address it forwards is not
trusted here, since any caller could set it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimit:
    """`take(client)` is 0 when the request may go, else the seconds to wait."""

    def __init__(
        self, rate: float = 5.0, burst: int = 60, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, client: str) -> int:
        now = self.clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) > 10_000:
                self._forget_idle(now)
            bucket = self._buckets[client] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def _forget_idle(self, now: float) -> None:
        full = self.burst / self.rate  # a bucket idle this long is full again: forget it
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.at < full}
