"""What the running application holds: settings, storage, read cache, limiters and metrics."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram

from backend.catalog import Catalog
from backend.config import Settings
from backend.ratelimit import RateLimiter
from backend.storage import Storage


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "nahbei_http_requests", "HTTP requests answered", ["operation", "status"], registry=r
        )
        self.latency = Histogram(
            "nahbei_http_request_seconds",
            "Time to answer",
            ["operation"],
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
        )
        self.sightings = Counter("nahbei_sightings_accepted", "Sighting records stored", registry=r)
        self.sightings_ignored = Counter(
            "nahbei_sightings_ignored",
            "Sightings of beacons not registered to the reporting organisation",
            registry=r,
        )
        self.duplicate_batches = Counter(
            "nahbei_duplicate_batches", "Sighting batches received again", registry=r
        )
        self.rate_limited = Counter("nahbei_rate_limited", "Public requests refused with 429", registry=r)
        self.events_uncounted = Counter(
            "nahbei_prompt_events_uncounted", "Prompt events beyond the plausible rate per client", registry=r
        )
        # Looking up a labelled child costs more than counting; keep them.
        self._counters: dict[tuple[str, int], Any] = {}
        self._latencies: dict[str, Any] = {}

    def answered(self, operation: str, status: int, seconds: float) -> None:
        counter = self._counters.get((operation, status))
        if counter is None:
            counter = self._counters[(operation, status)] = self.requests.labels(operation, str(status))
        counter.inc()
        latency = self._latencies.get(operation)
        if latency is None:
            latency = self._latencies[operation] = self.latency.labels(operation)
        latency.observe(seconds)


@dataclass
class AppState:
    settings: Settings
    storage: Storage
    catalog: Catalog
    clock: Callable[[], float]
    limiter: RateLimiter
    event_limiter: RateLimiter
    metrics: Metrics = field(default_factory=Metrics)
    # Clients are told apart by a keyed hash of their address that lives only in this process's memory.
    _client_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def client_id(self, request: web.Request) -> bytes:
        return hashlib.blake2s(
            (request.remote or "").encode(), key=self._client_secret, digest_size=16
        ).digest()


STATE = web.AppKey("state", AppState)
