"""What the running application holds: settings, storage, read cache, limiters and metrics."""

from __future__ import annotations

import hashlib
import secrets
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from typing import Final

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

from backend.catalog import Catalog, TtlCache
from backend.clients import Networks, client_address, client_key, networks, trusted_proxies, within
from backend.config import Settings
from backend.events import EventCaps
from backend.ratelimit import RateLimiter
from backend.storage import Storage
from backend.street_exponent import StreetExponents

# A site's distance model is refitted from its agents' windows at most this often (per process).
REFIT_EVERY_S: Final = 60.0

LATENCY_BUCKETS_S: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)


class Metrics:
    """What `/metrics` shows. Requests are counted in plain ints and turned into Prometheus families
    only when scraped: prometheus_client's labelled children take a lock per call, which cost more
    than the rest of a cached `resolve`."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
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
        self.caches_emptied = Counter(
            "nahbei_caches_emptied_by_changes",
            "Times the read cache was emptied because another process changed sites, beacons, prompts or agents",
            registry=r,
        )
        self.events_uncounted = Counter(
            "nahbei_prompt_events_uncounted", "Prompt events beyond the plausible rate per client", registry=r
        )
        self._requests: dict[tuple[str, int], int] = {}
        # per operation: answers per latency bucket (the last one beyond every bound), and their sum
        self._latency: dict[str, list[int]] = {}
        self._latency_sum: dict[str, float] = {}
        r.register(self)

    def answered(self, operation: str, status: int, seconds: float) -> None:
        key = (operation, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        buckets = self._latency.get(operation)
        if buckets is None:
            buckets = self._latency[operation] = [0] * (len(LATENCY_BUCKETS_S) + 1)
            self._latency_sum[operation] = 0.0
        buckets[bisect_left(LATENCY_BUCKETS_S, seconds)] += 1
        self._latency_sum[operation] += seconds

    def collect(self) -> Iterator[Metric]:
        """The request counts and latencies as Prometheus families (the registry calls this)."""
        requests = CounterMetricFamily(
            "nahbei_http_requests", "HTTP requests answered", labels=["operation", "status"]
        )
        for (operation, status), count in sorted(self._requests.items()):
            requests.add_metric([operation, str(status)], count)
        yield requests
        latency = HistogramMetricFamily("nahbei_http_request_seconds", "Time to answer", labels=["operation"])
        bounds = [*(repr(b) for b in LATENCY_BUCKETS_S), "+Inf"]
        for operation, counts in sorted(self._latency.items()):
            cumulative = list(accumulate(counts))
            latency.add_metric(
                [operation], list(zip(bounds, cumulative, strict=True)), self._latency_sum[operation]
            )
        yield latency


@dataclass
class AppState:
    settings: Settings
    storage: Storage
    catalog: Catalog
    clock: Callable[[], float]
    limiter: RateLimiter
    event_caps: EventCaps
    metrics: Metrics = field(default_factory=Metrics)
    # Sites refitted in the last REFIT_EVERY_S: a refit reads up to a day of windows, so an agent's
    # batch every 30 s refits its site at most once a minute.
    refitted: TtlCache[int, bool] = field(default_factory=lambda: TtlCache(100_000, REFIT_EVERY_S))
    # Each street's n as learnt from the phones between its sites; per process (see the module).
    street: StreetExponents = field(default_factory=StreetExponents)
    # Clients are told apart by a keyed hash of their address that lives only in this process's memory.
    _client_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    _trusted_proxies: frozenset[str] = field(init=False)

    _metrics_allow: Networks = field(init=False)

    def __post_init__(self) -> None:
        self._trusted_proxies = trusted_proxies(self.settings.trusted_proxies)
        self._metrics_allow = networks(self.settings.metrics_allow)

    def client_address(self, request: web.Request) -> str:
        return client_address(
            request.remote, request.headers.getall("X-Forwarded-For", None), self._trusted_proxies
        )

    def may_scrape(self, request: web.Request) -> bool:
        """Whether `/metrics` answers this client: by the visitor's address, so that a proxy on the
        same machine does not make every visitor a local scraper."""
        return within(self.client_address(request), self._metrics_allow)

    def client_id(self, request: web.Request) -> bytes:
        key = client_key(self.client_address(request))
        return hashlib.blake2s(key.encode(), key=self._client_secret, digest_size=16).digest()


STATE = web.AppKey("state", AppState)
