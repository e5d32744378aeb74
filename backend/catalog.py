"""The read model behind the public API: beacons, sites and prompts, cached in memory.

The hot paths (`resolve`, `nearby`, the agents' prompt lists) must not go to SQLite for every
request, so answers are kept here. Every change made through this process clears the cache at once
(`invalidate`); a change made by another process sharing the database clears it within a poll of the
store's change count (`backend.changes`), and anything no change count sees within `ttl_s`.

`nearby` searches an in-memory grid of every site's position (`backend.site_grid`), which
`keep_site_grid` builds from the store at start and builds again, whole and in the background, after
every emptying (the change count does not say which site changed). Until the new grid is built,
`nearby` asks the store as before, so a change is never answered from an outdated grid.
"""

from __future__ import annotations

import asyncio
import marshal
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import UTC, datetime
from typing import Generic, TypeVar

import structlog

from backend.answers import SiteCard, site_card
from backend.eids import eid_table, table_window_s
from backend.models import Prompt, Site
from backend.prompts import current_prompts, current_until
from backend.site_grid import SiteGrid
from backend.storage import AgentPrincipal, BeaconRef, EidBeacon, Storage
from backend.storage.rows import SiteMaterial, SiteRow, StoredPrompt
from beacon_agent.contract.wire import Region, SiteKind

log = structlog.get_logger(__name__)

K = TypeVar("K", bound=Hashable)
KEY_USE_EVERY_S = 60.0
# Rendered public pages kept: a page is ~3 KB (a card ~0.5 KB), so fewer than the cards.
PAGE_ENTRIES = 20_000
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """A bounded LRU whose entries expire `ttl_s` after they were loaded. Pure: time is passed in.

    For the small caches (credentials, EID tables, regions); the big ones are `AtomCache`s.
    """

    def __init__(self, max_entries: int, ttl_s: float) -> None:
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K, now: float) -> tuple[float, V] | None:
        """`(loaded_at, value)` if present and fresh, else None (a cached None is `(t, None)`)."""
        entry = self._entries.get(key)
        if entry is None or now - entry[0] > self.ttl_s:
            return None
        return entry

    def put(self, key: K, value: V, now: float) -> None:
        self._entries[key] = (now, value)
        self._entries.move_to_end(key)
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class AtomCache(Generic[K, V]):
    """A bounded cache for the two big read caches, kept where the cycle collector never looks.

    At 1,000,000 sites the card and beacon caches fill to `max_entries` each. Held as tuples in an
    OrderedDict, they made every full collection walk them: pauses of 100 to 250 ms every ~10,000
    requests, which were the p99 latency at 1,000,000. Here an entry is one `bytes` (the marshalled
    `(loaded_at, value)`) in plain dicts, which CPython leaves untracked, so collections skip them;
    a hit pays ~1 µs to unmarshal. Values must be marshallable: atoms and tuples of them (a
    NamedTuple comes back as a plain tuple). Bounded by generations, not LRU: new entries go to the
    young dict; when it holds half the bound it becomes the old one and the old one is dropped; a
    hit in the old one is copied to the young. Pure: time is passed in.
    """

    def __init__(self, max_entries: int, ttl_s: float) -> None:
        self.half = max(1, max_entries // 2)
        self.ttl_s = ttl_s
        self._young: dict[K, bytes] = {}
        self._old: dict[K, bytes] = {}

    def get(self, key: K, now: float) -> tuple[float, V] | None:
        """`(loaded_at, value)` if present and fresh, else None (a cached None is `(t, None)`)."""
        blob = self._young.get(key)
        if blob is None:
            blob = self._old.get(key)
            if blob is None:
                return None
            self._remember(key, blob)
        entry: tuple[float, V] = marshal.loads(blob)
        return None if now - entry[0] > self.ttl_s else entry

    def put(self, key: K, value: V, now: float) -> None:
        self._remember(key, marshal.dumps((now, value)))  # type: ignore[arg-type]  # marshallable by contract

    def _remember(self, key: K, blob: bytes) -> None:
        if len(self._young) >= self.half and key not in self._young:
            self._old, self._young = self._young, {}
        self._young[key] = blob

    def clear(self) -> None:
        self._young, self._old = {}, {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old.keys() - self._young.keys())


class Catalog:
    def __init__(
        self,
        storage: Storage,
        clock: Callable[[], float],
        *,
        ttl_s: float,
        skew_periods: int,
        max_entries: int = 200_000,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.skew_periods = skew_periods
        # (id, site_id, org_id, active, tx_power): a plain tuple, see TtlCache.
        self._beacons: AtomCache[str, tuple[int, int, int, bool, int] | None] = AtomCache(max_entries, ttl_s)
        # (valid until, card): kept until the first prompt's schedule or validity changes, or the TTL.
        self._cards: AtomCache[int, tuple[float, SiteCard]] = AtomCache(max_entries, ttl_s)
        # A public page's site by its slug, as the JSON of `Site` (marshallable, see AtomCache).
        self._slugs: AtomCache[str, bytes | None] = AtomCache(max_entries, ttl_s)
        # /s/{slug} rendered, by (slug, the reader's languages): (valid until, page), None for no site.
        self._pages: AtomCache[tuple[str, tuple[str, ...]], tuple[float, bytes] | None] = AtomCache(
            min(max_entries, PAGE_ENTRIES), ttl_s
        )
        # Admin keys are not cached (a revoked key must fail at once in every process); this only
        # remembers which keys' use was recorded in the last minute, so that use costs one write a minute.
        self._admins_used: TtlCache[bytes, bool] = TtlCache(10_000, KEY_USE_EVERY_S)
        self._agents: TtlCache[bytes, AgentPrincipal | None] = TtlCache(10_000, ttl_s)
        self._eid_beacons: TtlCache[int, list[EidBeacon]] = TtlCache(1, ttl_s)
        self._eid_tables: TtlCache[int, dict[bytes, EidBeacon]] = TtlCache(16, ttl_s)
        self._regions: TtlCache[int, list[Region]] = TtlCache(1, ttl_s)
        # Moves at each emptying: a value read before it must not be cached after it.
        self._generation = 0
        # The store's change count when the caches were last emptied (None: not read yet).
        self._seen: int | None = None
        # (the generation it was read in, the grid): used only while that generation lasts.
        self._grid: tuple[int, SiteGrid] | None = None
        self._emptied = asyncio.Event()

    def invalidate(self) -> None:
        """Empty every cache after a change made through this process.

        The change count is read first: a change another process commits after this read moves it
        again, and `follow` empties the caches for that one too; this process's own change does not
        make `follow` empty them a second time (a simulation replays exactly).
        """
        self._seen = self.storage.change_count()
        self._empty()

    def follow(self) -> bool:
        """Empty every cache if another process changed the store since they were last emptied;
        whether it did (`backend.changes` calls this a few times a second)."""
        count = self.storage.change_count()
        if self._seen is None or count == self._seen:
            self._seen = count
            return False
        self._seen = count
        self._empty()
        return True

    def _empty(self) -> None:
        self._generation += 1
        self._emptied.set()
        for cache in (
            self._beacons,
            self._cards,
            self._slugs,
            self._pages,
            self._agents,
            self._eid_beacons,
            self._eid_tables,
            self._regions,
        ):
            cache.clear()

    async def _through(self, cache: TtlCache[K, V], key: K, load: Callable[[], Awaitable[V]]) -> V:
        now = self.clock()
        entry = cache.get(key, now)
        if entry is not None:
            return entry[1]
        generation = self._generation
        value = await load()
        if generation == self._generation:  # else the store changed while it was read
            cache.put(key, value, now)
        return value

    async def beacon(self, key: str) -> BeaconRef | None:
        entry = self._beacons.get(key, self.clock())
        if entry is None:
            ref = await self.storage.beacon_by_key(key)
            # Stored as a plain tuple: a NamedTuple does not marshal (see AtomCache).
            self._beacons.put(key, None if ref is None else tuple(ref), self.clock())  # type: ignore[arg-type]
            return ref
        return None if entry[1] is None else BeaconRef._make(entry[1])

    async def located(self, key: str) -> BeaconRef | None:
        """`beacon(key)` for `resolve`, which renders the beacon's site next.

        On a miss (most lookups at 1,000,000 beacons) the beacon, its site and the site's prompts
        come in one query and the card is cached on the way: one statement fewer per request.
        """
        now = self.clock()
        entry = self._beacons.get(key, now)
        if entry is not None:
            return None if entry[1] is None else BeaconRef._make(entry[1])
        found = await self.storage.beacon_with_site(key)
        ref = None if found is None else found[0]
        self._beacons.put(key, None if ref is None else tuple(ref), now)  # type: ignore[arg-type]
        if found is not None:
            self._remember_card(found[1], found[2], now, now)
        return ref

    async def site_by_slug(self, slug: str) -> Site | None:
        """The site whose public page is /s/{slug}, None if none is."""
        now = self.clock()
        entry = self._slugs.get(slug, now)
        if entry is None:
            site = await self.storage.site_by_slug(slug)
            self._slugs.put(slug, None if site is None else site.model_dump_json().encode(), now)
            return site
        return None if entry[1] is None else Site.model_validate_json(entry[1])

    async def site_page(
        self, slug: str, languages: tuple[str, ...], at: float, render: Callable[[SiteCard], bytes]
    ) -> bytes | None:
        """The public page /s/{slug} for a reader of `languages` at Unix time `at`, None if no site has it.

        Kept as `render` made it from the site's card, with the card's discipline: until any change
        through this process (`invalidate`), the first moment one of its prompts' schedule or validity
        changes (what is current then differs), or the TTL (changes by another process). A miss costs
        one statement, as `resolve`'s does, and caches the card on the way.
        """
        clock = self.clock()
        key = (slug, languages)
        entry = self._pages.get(key, clock)
        if entry is not None and (entry[1] is None or at < entry[1][0]):
            return None if entry[1] is None else entry[1][1]
        material = await self.storage.site_material_by_slug(slug)
        if material is None:
            self._pages.put(key, None, clock)
            return None
        site, prompts = material
        until, card = self._remember_card(site, prompts, at, clock)
        body = render(card)
        self._pages.put(key, (until, body), clock)
        return body

    async def admin_org(self, key_hash: bytes) -> int | None:
        """The organisation of an admin key not revoked, read from the store every time."""
        org_id = await self.storage.org_for_key(key_hash)
        now = self.clock()
        if org_id is not None and self._admins_used.get(key_hash, now) is None:
            self._admins_used.put(key_hash, True, now)
            await self.storage.key_used(key_hash, now)
        return org_id

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

    async def cards(self, site_ids: Sequence[int], at: float) -> dict[int, SiteCard]:
        """Each existing site with its current prompts at Unix time `at`, serialised (see `backend.answers`)."""
        found, missing = self._cached_cards(site_ids, at)
        if missing:
            self._remember_cards(await self.storage.site_material(missing), found, at)
        return found

    async def keep_site_grid(self, retry_s: float = 1.0) -> None:
        """Build the grid `nearby` searches, and again after each emptying; runs until cancelled.

        Built on a worker thread (~1 s at 1,000,000 sites) while the old answers stand; a grid read
        before a change that empties the caches is never used."""
        while True:
            generation = self._generation
            try:
                positions = await self.storage.site_positions()
                grid = await asyncio.to_thread(SiteGrid, positions)
            except Exception as exc:
                log.warning("site positions unreadable", error=str(exc))
                await asyncio.sleep(retry_s)
                continue
            if generation == self._generation:
                self._grid = (generation, grid)
            while generation == self._generation:
                self._emptied.clear()
                await self._emptied.wait()

    def site_grid(self) -> SiteGrid | None:
        """The grid if it holds every change seen so far, else None."""
        grid = self._grid
        return grid[1] if grid is not None and grid[0] == self._generation else None

    async def nearby(
        self, lat: float, lon: float, radius_m: float, kind: SiteKind | None, limit: int, at: float
    ) -> tuple[list[tuple[int, float]], dict[int, SiteCard]]:
        """The sites within the radius, nearest first, with their `cards`.

        From the grid and the card cache when both have them; the cards missing cost one statement.
        Without a current grid, `Storage.sites_near`, whose material builds the missing cards."""
        grid = self.site_grid()
        if grid is not None:
            found = grid.near(lat, lon, radius_m, None if kind is None else str(kind), limit)
            # A site deleted since has no card and is left out by the caller, as one not found.
            return found, await self.cards([site_id for site_id, _ in found], at)
        found, material_of = await self.storage.sites_near(lat, lon, radius_m, kind, limit)
        cards, missing = self._cached_cards([site_id for site_id, _ in found], at)
        if missing:
            self._remember_cards(material_of(missing), cards, at)
        return found, cards

    def _cached_cards(self, site_ids: Sequence[int], at: float) -> tuple[dict[int, SiteCard], list[int]]:
        clock = self.clock()
        found: dict[int, SiteCard] = {}
        missing = []
        for site_id in site_ids:
            entry = self._cards.get(site_id, clock)
            if entry is not None and at < entry[1][0]:
                found[site_id] = entry[1][1]
            else:
                missing.append(site_id)
        return found, missing

    def _remember_cards(
        self, material: dict[int, SiteMaterial], into: dict[int, SiteCard], at: float
    ) -> None:
        clock = self.clock()
        for site_id, (site, prompts) in material.items():
            into[site_id] = self._remember_card(site, prompts, at, clock)[1]

    def _remember_card(
        self, site: SiteRow, prompts: Sequence[StoredPrompt], at: float, clock: float
    ) -> tuple[float, SiteCard]:
        """The site's card at `at`, and until when it holds; cached."""
        now = datetime.fromtimestamp(at, UTC)
        entry = (
            current_until(prompts, site.timezone, now),
            site_card(site, current_prompts(prompts, site.timezone, now)),
        )
        self._cards.put(site.id, entry, clock)
        return entry

    async def current(self, site: Site, now: datetime) -> list[Prompt]:
        """A site's current prompts, best first, for an agent (a few requests a minute: not cached)."""
        prompts = await self.storage.prompts_of_sites([site.id])
        return current_prompts(prompts.get(site.id, []), site.timezone, now)
