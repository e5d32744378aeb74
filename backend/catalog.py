"""The read model behind the public API: beacons, sites and prompts, cached in memory.

The hot paths (`resolve`, `nearby`, the agents' prompt lists) must not go to SQLite for every
request, so answers are kept here. Every change made through this process clears the cache at once
(`invalidate`); changes made by another process sharing the database show within `ttl_s`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from backend.eids import eid_table, table_window_s
from backend.models import Prompt, Site
from backend.prompts import current_prompts, current_until
from backend.storage import AgentPrincipal, BeaconRef, EidBeacon, Storage
from beacon_agent.wire import Region

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Entry(Generic[V]):
    loaded_at: float
    value: V


class TtlCache(Generic[K, V]):
    """A bounded LRU whose entries expire `ttl_s` after they were loaded. Pure: time is passed in."""

    def __init__(self, max_entries: int, ttl_s: float) -> None:
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self._entries: OrderedDict[K, Entry[V]] = OrderedDict()

    def get(self, key: K, now: float) -> Entry[V] | None:
        entry = self._entries.get(key)
        if entry is None or now - entry.loaded_at > self.ttl_s:
            return None
        return entry

    def put(self, key: K, value: V, now: float) -> None:
        self._entries[key] = Entry(now, value)
        self._entries.move_to_end(key)
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class Catalog:
    def __init__(
        self,
        storage: Storage,
        clock: Callable[[], float],
        *,
        ttl_s: float,
        skew_periods: int,
        max_entries: int = 50_000,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.skew_periods = skew_periods
        self._beacons: TtlCache[str, BeaconRef | None] = TtlCache(max_entries, ttl_s)
        self._sites: TtlCache[int, Site] = TtlCache(max_entries, ttl_s)
        self._prompts: TtlCache[int, list[Prompt]] = TtlCache(max_entries, ttl_s)
        self._current: TtlCache[int, tuple[float, list[Prompt]]] = TtlCache(max_entries, ttl_s)
        self._admins: TtlCache[bytes, int | None] = TtlCache(max_entries, ttl_s)
        self._agents: TtlCache[bytes, AgentPrincipal | None] = TtlCache(max_entries, ttl_s)
        self._eid_beacons: TtlCache[int, list[EidBeacon]] = TtlCache(1, ttl_s)
        self._eid_tables: TtlCache[int, dict[bytes, EidBeacon]] = TtlCache(16, ttl_s)
        self._regions: TtlCache[int, list[Region]] = TtlCache(1, ttl_s)
        self._caches = (self._beacons, self._sites, self._prompts, self._current, self._admins, self._agents)
        self._singles = (self._eid_beacons, self._eid_tables, self._regions)

    def invalidate(self) -> None:
        for cache in (*self._caches, *self._singles):
            cache.clear()

    async def _through(self, cache: TtlCache[K, V], key: K, load: Callable[[], Awaitable[V]]) -> V:
        now = self.clock()
        entry = cache.get(key, now)
        if entry is not None:
            return entry.value
        value = await load()
        cache.put(key, value, now)
        return value

    async def beacon(self, key: str) -> BeaconRef | None:
        return await self._through(self._beacons, key, lambda: self.storage.beacon_by_key(key))

    async def admin_org(self, key_hash: bytes) -> int | None:
        return await self._through(self._admins, key_hash, lambda: self.storage.org_for_key(key_hash))

    async def agent(self, token_hash: bytes) -> AgentPrincipal | None:
        return await self._through(self._agents, token_hash, lambda: self.storage.agent_for_token(token_hash))

    async def regions(self) -> list[Region]:
        return await self._through(self._regions, 0, self.storage.regions)

    async def eid_beacon(self, eid: bytes, at: float) -> EidBeacon | None:
        """The beacon that sent `eid` at server time `at` (within the tolerated clock skew)."""
        beacons = await self._through(self._eid_beacons, 0, self.storage.eid_beacons)
        if not beacons:
            return None
        window = table_window_s(beacons)
        bucket = int(at // window)

        async def build() -> dict[bytes, EidBeacon]:
            return eid_table(beacons, bucket * window, self.skew_periods)

        return (await self._through(self._eid_tables, bucket, build)).get(eid)

    async def sites(self, site_ids: Sequence[int]) -> dict[int, Site]:
        found = await self._many(self._sites, site_ids, self.storage.public_sites)
        return {site_id: site for site_id, site in found.items() if site is not None}

    async def prompts(self, site_ids: Sequence[int]) -> dict[int, list[Prompt]]:
        found = await self._many(self._prompts, site_ids, self.storage.prompts_of_sites)
        return {site_id: prompts or [] for site_id, prompts in found.items()}

    async def _many(
        self,
        cache: TtlCache[int, V],
        ids: Sequence[int],
        load: Callable[[Sequence[int]], Awaitable[dict[int, V]]],
    ) -> dict[int, V | None]:
        """Cached entries, and one storage call for all the missing ones (absent ones cached as None)."""
        now = self.clock()
        found: dict[int, V | None] = {}
        missing = []
        for item in ids:
            entry = cache.get(item, now)
            if entry is None:
                missing.append(item)
            else:
                found[item] = entry.value
        if missing:
            loaded = await load(missing)
            for item in missing:
                value = loaded.get(item)
                if value is not None:
                    cache.put(item, value, now)
                found[item] = value
        return found

    async def current(self, sites: Mapping[int, Site], now: datetime) -> dict[int, list[Prompt]]:
        """Each site's current prompts, best first; kept until the first prompt's schedule changes."""
        at = now.timestamp()
        found: dict[int, list[Prompt]] = {}
        missing = []
        for site_id in sites:
            entry = self._current.get(site_id, at)
            if entry is not None and at < entry.value[0]:
                found[site_id] = entry.value[1]
            else:
                missing.append(site_id)
        if missing:
            loaded = await self.prompts(missing)
            for site_id in missing:
                site, prompts = sites[site_id], loaded.get(site_id, [])
                found[site_id] = current_prompts(prompts, site, now)
                self._current.put(site_id, (current_until(prompts, site, now), found[site_id]), self.clock())
        return found
