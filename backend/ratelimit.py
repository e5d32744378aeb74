"""Per-client token buckets for the public API: pure, the clock is passed in.

A client is whatever the caller names it (the HTTP layer uses a keyed hash of the address, kept only
in memory). The table is bounded: when full, the clients idle longest are forgotten, which can only
make the limiter more lenient, never lock anyone out.

With several worker processes (`serve --workers N`) each holds its own buckets with 1/N of the rate
and of the burst (`share`): whichever workers a client's connections land on, together they let
through at most the configured limit. Keeping the buckets in the store instead would cost a write
per public request, more than the rest of a cached `resolve`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


def share(rate_per_s: float, burst: float, workers: int) -> tuple[float, float]:
    """One worker's part of a limit that `workers` processes enforce together."""
    return rate_per_s / workers, burst / workers


class RateLimiter:
    def __init__(self, rate_per_s: float, burst: float, max_clients: int = 100_000) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, client: Hashable, now: float, cost: float = 1.0) -> float | None:
        """Spend `cost` tokens; None if allowed, else the seconds until it would be."""
        if not self.enabled:
            return None
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = _Bucket(self.burst, now)
            if len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(client)
            bucket.tokens = min(self.burst, bucket.tokens + max(0.0, now - bucket.at) * self.rate)
            bucket.at = now
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            return None
        return (cost - bucket.tokens) / self.rate
