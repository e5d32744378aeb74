"""The embedded default: one SQLite file in WAL mode, through aiosqlite.

Two connections: one writer, behind a lock, in which every change is one explicit
``BEGIN IMMEDIATE … COMMIT``; and one reader, which in WAL mode sees only committed data. Sharing a
single connection between concurrent requests lets one request's commit publish another's half-done
batch (measured while sizing the design), so nothing here writes outside `_write()`.

``synchronous=FULL``: an acknowledged sighting batch is on disk, because the agent deletes it from
its outbox on that acknowledgement.

The public hot path (key lookups, the R*Tree search, a site's prompts) reads through a third,
plain `sqlite3` connection on the event loop's own thread. These are bounded index lookups of tens
of microseconds; handing each to aiosqlite's thread costs more than the query (the design measured
~6k req/s with one aiosqlite query per request against ~14k for a bare handler). In WAL mode a
reader never waits for the writer, and `busy_timeout` on this connection is short.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, Final, TypeVar

import aiosqlite

from backend import geo
from backend.errors import Conflict, Exhausted, NotFound
from backend.models import (
    Agent,
    AgentIn,
    AgentPatch,
    Beacon,
    BeaconIn,
    BeaconPatch,
    EddystoneEidIn,
    IBeaconIn,
    Prompt,
    PromptIn,
    PromptPatch,
    Site,
    SiteIn,
    SitePatch,
)
from backend.storage import (
    AgentPrincipal,
    BeaconActivity,
    BeaconRef,
    EidBeacon,
    HourCount,
    IngestResult,
    StoredSighting,
)
from backend.storage.rows import (
    MaterialOf,
    SiteMaterial,
    SiteRow,
    StoredPrompt,
    beacon_identity,
    beacon_key,
    hour_of,
    prompt_from_row,
    site_from_row,
    stored_prompt,
    utc,
)
from backend.storage.schema import MIGRATIONS
from beacon_agent.contract.wire import Heartbeat, PromptEventType, Region, SiteKind

T = TypeVar("T")

INLINE_BUSY_TIMEOUT_MS = 250
# The hot path's point lookups touch pages all over a large file. Mapped, a page already in the OS's
# cache is read without a system call and a copy: a site's lookup at 1,000,000 sites fell from
# ~60 to ~11 µs. Address space only; the pages are the OS's file cache, shared and reclaimable.
INLINE_MMAP_BYTES = 1 << 32
_PUBLIC_SITE_COLUMNS = "s.id, s.name, s.kind, s.lat, s.lon, s.address, s.timezone, s.default_lang"
_SITE_COLUMNS = _PUBLIC_SITE_COLUMNS + ", s.ibeacon_major"
_BEACON_COLUMNS = "b.id, b.site_id, b.kind, b.key, b.label, b.tx_power, b.status, b.identity"
_AGENT_COLUMNS = "a.id, a.site_id, a.name, a.advertise_beacon_id, a.revoked, a.last_heartbeat, a.heartbeat"


class SqliteStorage:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._inline: sqlite3.Connection | None = None
        self._write_lock = asyncio.Lock()

    # --- connections and transactions ------------------------------------------------------------

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        await self._migrate()
        self._reader = await self._connect()
        await self._reader.execute("PRAGMA query_only=ON")
        self._inline = sqlite3.connect(self.path, isolation_level=None)
        for pragma in (
            "query_only=ON",
            f"busy_timeout={INLINE_BUSY_TIMEOUT_MS}",
            f"mmap_size={INLINE_MMAP_BYTES}",
        ):
            self._inline.execute(f"PRAGMA {pragma}")

    async def _connect(self) -> aiosqlite.Connection:
        db = await aiosqlite.connect(self.path, isolation_level=None)
        for pragma in ("foreign_keys=ON", "busy_timeout=10000", "synchronous=FULL"):
            await db.execute(f"PRAGMA {pragma}")
        return db

    async def close(self) -> None:
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        for db in (self._reader, self._writer):
            if db is not None:
                await db.close()
        self._reader = self._writer = None

    @property
    def _r(self) -> aiosqlite.Connection:
        assert self._reader is not None, "storage is not open"
        return self._reader

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        assert self._inline is not None, "storage is not open"
        return self._inline.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        assert self._inline is not None, "storage is not open"
        return self._inline.execute(sql, params).fetchall()

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        assert self._writer is not None, "storage is not open"
        db = self._writer
        async with self._write_lock:
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                await asyncio.shield(db.execute("ROLLBACK"))
                raise
            await asyncio.shield(db.execute("COMMIT"))

    async def _write_whole(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` as one transaction run whole on the writer's thread.

        `_write()` hands every statement to the writer's thread and waits for the event loop to
        take the answer back; while the loop validates another batch (milliseconds), the write lock
        stays held. Sighting batches queued behind each other on those hand-overs: one hand-over
        per transaction let them through ~2x faster. (aiosqlite has no public call for this.)
        """
        assert self._writer is not None, "storage is not open"
        writer = self._writer
        async with self._write_lock:
            return await writer._execute(_transaction, writer._conn, work)  # type: ignore[no-untyped-call, no-any-return]

    async def _migrate(self) -> None:
        async with self._write() as db:
            version = await _one(db, "PRAGMA user_version")
            current = int(version[0]) if version else 0
            for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
                for statement in _statements(script):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version={number}")
            if await _one(db, "SELECT value FROM meta WHERE name = 'ibeacon_uuid'") is None:
                await db.execute(
                    "INSERT INTO meta (name, value) VALUES ('ibeacon_uuid', ?)", (str(uuid.uuid4()),)
                )

    # --- organisations and credentials -----------------------------------------------------------

    async def create_org(self, name: str, key_hash: bytes, now: float) -> int:
        async with (
            self._write() as db,
            db.execute(
                "INSERT INTO orgs (name, key_hash, created_at) VALUES (?, ?, ?)", (name, key_hash, now)
            ) as cur,
        ):
            return _rowid(cur)

    async def org_for_key(self, key_hash: bytes) -> int | None:
        row = self._one("SELECT id FROM orgs WHERE key_hash = ?", (key_hash,))
        return None if row is None else int(row[0])

    async def agent_for_token(self, token_hash: bytes) -> AgentPrincipal | None:
        row = self._one(
            "SELECT a.id, a.site_id, s.org_id FROM agents a JOIN sites s ON s.id = a.site_id "
            "WHERE a.token_hash = ? AND a.revoked = 0",
            (token_hash,),
        )
        return None if row is None else AgentPrincipal(int(row[0]), int(row[1]), int(row[2]))

    # --- sites -----------------------------------------------------------------------------------

    async def create_site(self, org_id: int, site: SiteIn, now: float) -> Site:
        async with self._write() as db:
            async with db.execute(
                "INSERT INTO sites (org_id, name, kind, lat, lon, address, timezone, default_lang, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    org_id,
                    site.name,
                    site.kind,
                    site.lat,
                    site.lon,
                    site.address,
                    site.timezone,
                    site.default_lang,
                    now,
                ),
            ) as cur:
                site_id = _rowid(cur)
            await _index_site(db, site_id, site.lat, site.lon)
        return await self.get_site(org_id, site_id)

    async def list_sites(self, org_id: int) -> list[Site]:
        rows = await _all(
            self._r, f"SELECT {_SITE_COLUMNS} FROM sites s WHERE s.org_id = ? ORDER BY s.id", (org_id,)
        )
        return [site_from_row(r) for r in rows]

    async def get_site(self, org_id: int, site_id: int) -> Site:
        row = await _one(
            self._r, f"SELECT {_SITE_COLUMNS} FROM sites s WHERE s.id = ? AND s.org_id = ?", (site_id, org_id)
        )
        if row is None:
            raise NotFound(f"site {site_id} not found")
        return site_from_row(row)

    async def update_site(self, org_id: int, site_id: int, patch: SitePatch) -> Site:
        site = await self.get_site(org_id, site_id)
        merged = site.model_copy(update=patch.model_dump(exclude_unset=True, exclude_none=True))
        async with self._write() as db:
            await _exec(
                db,
                "UPDATE sites SET name = ?, kind = ?, lat = ?, lon = ?, address = ?, timezone = ?, default_lang = ?"
                " WHERE id = ? AND org_id = ?",
                (
                    merged.name,
                    merged.kind,
                    merged.lat,
                    merged.lon,
                    merged.address,
                    merged.timezone,
                    merged.default_lang,
                    site_id,
                    org_id,
                ),
            )
            await _index_site(db, site_id, merged.lat, merged.lon)
        return await self.get_site(org_id, site_id)

    async def delete_site(self, org_id: int, site_id: int) -> None:
        await self.get_site(org_id, site_id)
        async with self._write() as db:
            for sql in (
                "DELETE FROM prompt_events_hourly WHERE prompt_id IN (SELECT id FROM prompts WHERE site_id = ?)",
                "DELETE FROM sightings WHERE site_id = ?",
                "DELETE FROM sightings_hourly WHERE site_id = ?",
                "DELETE FROM site_index WHERE id = ?",
                "DELETE FROM sites WHERE id = ?",
            ):
                await _exec(db, sql, (site_id,))

    async def public_sites(self, site_ids: Sequence[int]) -> dict[int, Site]:
        if not site_ids:
            return {}
        marks = ",".join("?" * len(site_ids))
        rows = self._all(f"SELECT {_SITE_COLUMNS} FROM sites s WHERE s.id IN ({marks})", tuple(site_ids))
        return {int(r[0]): site_from_row(r) for r in rows}

    async def site_material(self, site_ids: Sequence[int]) -> dict[int, SiteMaterial]:
        if not site_ids:
            return {}
        marks = ",".join("?" * len(site_ids))
        # One query, not one for the sites and one for their prompts: at 1,000,000 sites nearly
        # every answer reads here, and each statement costs ~10 µs before it finds a row.
        rows = self._all(
            f"SELECT {_PUBLIC_SITE_COLUMNS}, p.id, p.body FROM sites s LEFT JOIN prompts p ON p.site_id = s.id"
            f" WHERE s.id IN ({marks}) ORDER BY s.id, p.id",
            tuple(site_ids),
        )
        return _material(rows, 0)

    async def sites_near(
        self, lat: float, lon: float, radius_m: float, kind: SiteKind | None, limit: int
    ) -> tuple[list[tuple[int, float]], MaterialOf]:
        kind_sql, kind_args = ("AND s.kind = ?", (str(kind),)) if kind is not None else ("", ())
        # The candidates come with their prompts: at 1,000,000 sites most found sites have no cached
        # card, and a second statement for their material cost ~40 µs a request under load. The
        # R*Tree keeps 32-bit floats; distances are measured from the sites' own coordinates.
        sql = (
            f"SELECT {_PUBLIC_SITE_COLUMNS}, p.id, p.body FROM site_index i JOIN sites s ON s.id = i.id"
            " LEFT JOIN prompts p ON p.site_id = s.id"
            f" WHERE i.min_lat <= ? AND i.max_lat >= ? AND i.min_lon <= ? AND i.max_lon >= ? {kind_sql}"
            " ORDER BY s.id, p.id"
        )
        found: list[tuple[int, float]] = []
        rows: list[Any] = []
        for reach in geo.search_radii(radius_m, limit):
            rows = []
            for box in geo.bounding_boxes(lat, lon, reach):  # two boxes never share a site
                rows += self._all(sql, (box.max_lat, box.min_lat, box.max_lon, box.min_lon, *kind_args))
            candidates = {row[0]: (row[0], row[3], row[4]) for row in rows}
            found = geo.within_radius(lat, lon, reach, candidates.values())
            # The nearest `limit` inside a smaller circle are the nearest of all: nothing outside is closer.
            if len(found) >= limit:
                break
        found = found[:limit]

        def material_of(site_ids: Iterable[int]) -> dict[int, SiteMaterial]:
            wanted = set(site_ids)
            return _material((row for row in rows if row[0] in wanted), 0)

        return found, material_of

    # --- beacons ---------------------------------------------------------------------------------

    async def create_beacon(self, org_id: int, site_id: int, beacon: BeaconIn, now: float) -> Beacon:
        await self.get_site(org_id, site_id)
        async with self._write() as db:
            if isinstance(beacon, IBeaconIn) and beacon.allocate:
                beacon = await _allocate_ibeacon(db, site_id, beacon)
            key = beacon_key(beacon)
            identity = beacon_identity(beacon)
            eid = beacon if isinstance(beacon, EddystoneEidIn) else None
            try:
                async with db.execute(
                    "INSERT INTO beacons (site_id, kind, key, label, tx_power, status, identity, identity_key,"
                    " rotation_exponent, initial_time, registered_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?)",
                    (
                        site_id,
                        beacon.kind,
                        key,
                        beacon.label,
                        beacon.tx_power,
                        json.dumps(identity),
                        bytes.fromhex(eid.identity_key) if eid else None,
                        eid.rotation_exponent if eid else None,
                        eid.initial_time if eid else None,
                        now,
                    ),
                ) as cur:
                    beacon_id = _rowid(cur)
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"a beacon with key {key} is already registered") from exc
        return await self.get_beacon(org_id, site_id, beacon_id)

    async def list_beacons(self, org_id: int, site_id: int) -> list[Beacon]:
        await self.get_site(org_id, site_id)
        rows = await _all(
            self._r, f"SELECT {_BEACON_COLUMNS} FROM beacons b WHERE b.site_id = ? ORDER BY b.id", (site_id,)
        )
        return [_beacon(r) for r in rows]

    async def get_beacon(self, org_id: int, site_id: int, beacon_id: int) -> Beacon:
        row = await _one(
            self._r,
            f"SELECT {_BEACON_COLUMNS} FROM beacons b JOIN sites s ON s.id = b.site_id"
            " WHERE b.id = ? AND b.site_id = ? AND s.org_id = ?",
            (beacon_id, site_id, org_id),
        )
        if row is None:
            raise NotFound(f"beacon {beacon_id} not found")
        return _beacon(row)

    async def update_beacon(self, org_id: int, site_id: int, beacon_id: int, patch: BeaconPatch) -> Beacon:
        beacon = await self.get_beacon(org_id, site_id, beacon_id)
        if beacon.status == "decommissioned":
            raise Conflict(f"beacon {beacon_id} is decommissioned")
        merged = beacon.model_copy(update=patch.model_dump(exclude_unset=True, exclude_none=True))
        async with self._write() as db:
            await _exec(
                db,
                "UPDATE beacons SET label = ?, tx_power = ?, status = ? WHERE id = ?",
                (merged.label, merged.tx_power, merged.status, beacon_id),
            )
        return await self.get_beacon(org_id, site_id, beacon_id)

    async def decommission_beacon(self, org_id: int, site_id: int, beacon_id: int) -> None:
        await self.get_beacon(org_id, site_id, beacon_id)
        async with self._write() as db:
            # The key is freed so a replacement beacon may take it; sightings keep the beacon's id.
            await _exec(
                db,
                "UPDATE beacons SET status = 'decommissioned', retired_key = COALESCE(key, retired_key), key = NULL,"
                " identity_key = NULL WHERE id = ?",
                (beacon_id,),
            )

    async def beacon_by_key(self, key: str) -> BeaconRef | None:
        row = self._one(
            "SELECT b.id, b.site_id, s.org_id, b.status, b.tx_power FROM beacons b JOIN sites s ON s.id = b.site_id"
            " WHERE b.key = ?",
            (key,),
        )
        if row is None:
            return None
        return BeaconRef(int(row[0]), int(row[1]), int(row[2]), row[3] == "active", int(row[4]))

    async def beacon_with_site(self, key: str) -> tuple[BeaconRef, SiteRow, list[StoredPrompt]] | None:
        rows = self._all(
            f"SELECT b.id, b.site_id, s.org_id, b.status, b.tx_power, {_PUBLIC_SITE_COLUMNS}, p.id, p.body"
            " FROM beacons b JOIN sites s ON s.id = b.site_id LEFT JOIN prompts p ON p.site_id = s.id"
            " WHERE b.key = ? ORDER BY p.id",
            (key,),
        )
        if not rows:
            return None
        b = rows[0]
        site, prompts = _material(rows, 5)[int(b[1])]
        return BeaconRef(int(b[0]), int(b[1]), int(b[2]), b[3] == "active", int(b[4])), site, prompts

    async def eid_beacons(self) -> list[EidBeacon]:
        rows = self._all(_EID_SELECT + " WHERE b.identity_key IS NOT NULL AND b.status = 'active'")
        return [_eid(r) for r in rows]

    async def eid_beacon(self, beacon_id: int) -> EidBeacon | None:
        row = self._one(_EID_SELECT + " WHERE b.id = ? AND b.identity_key IS NOT NULL", (beacon_id,))
        return None if row is None else _eid(row)

    async def regions(self) -> list[Region]:
        # A scan of every beacon (~0.5 s at 1,000,000): on the reader's thread, never the event loop,
        # and with the region cut out of the key by SQLite, not a million Python strings.
        rows = await _all(self._r, _REGIONS_SELECT)
        return [Region(kind=kind, id=region) for kind, region in rows]

    async def ping(self) -> None:
        await _one(self._r, "SELECT 1")

    # --- prompts ---------------------------------------------------------------------------------

    async def create_prompt(self, org_id: int, site_id: int, prompt: PromptIn, now: float) -> Prompt:
        await self.get_site(org_id, site_id)
        async with (
            self._write() as db,
            db.execute(
                "INSERT INTO prompts (site_id, body, updated_at) VALUES (?, ?, ?)",
                (site_id, prompt.model_dump_json(), now),
            ) as cur,
        ):
            prompt_id = _rowid(cur)
        return await self.get_prompt(org_id, site_id, prompt_id)

    async def list_prompts(self, org_id: int, site_id: int) -> list[Prompt]:
        await self.get_site(org_id, site_id)
        return (await self.prompts_of_sites([site_id])).get(site_id, [])

    async def get_prompt(self, org_id: int, site_id: int, prompt_id: int) -> Prompt:
        row = await _one(
            self._r,
            "SELECT p.id, p.site_id, p.body FROM prompts p JOIN sites s ON s.id = p.site_id"
            " WHERE p.id = ? AND p.site_id = ? AND s.org_id = ?",
            (prompt_id, site_id, org_id),
        )
        if row is None:
            raise NotFound(f"prompt {prompt_id} not found")
        return prompt_from_row(row)

    async def update_prompt(
        self, org_id: int, site_id: int, prompt_id: int, patch: PromptPatch, now: float
    ) -> Prompt:
        current = await self.get_prompt(org_id, site_id, prompt_id)
        fields = current.model_dump(exclude={"id", "site_id"})
        fields.update(patch.model_dump(exclude_unset=True))
        merged = PromptIn.model_validate(fields)
        async with self._write() as db:
            await _exec(
                db,
                "UPDATE prompts SET body = ?, updated_at = ? WHERE id = ?",
                (merged.model_dump_json(), now, prompt_id),
            )
        return await self.get_prompt(org_id, site_id, prompt_id)

    async def delete_prompt(self, org_id: int, site_id: int, prompt_id: int) -> None:
        await self.get_prompt(org_id, site_id, prompt_id)
        async with self._write() as db:
            await _exec(db, "DELETE FROM prompt_events_hourly WHERE prompt_id = ?", (prompt_id,))
            await _exec(db, "DELETE FROM prompts WHERE id = ?", (prompt_id,))

    async def prompts_of_sites(self, site_ids: Sequence[int]) -> dict[int, list[Prompt]]:
        found: dict[int, list[Prompt]] = {site_id: [] for site_id in site_ids}
        if not site_ids:
            return found
        marks = ",".join("?" * len(site_ids))
        rows = self._all(
            f"SELECT id, site_id, body FROM prompts WHERE site_id IN ({marks}) ORDER BY id",
            tuple(site_ids),
        )
        for row in rows:
            found[int(row[1])].append(prompt_from_row(row))
        return found

    async def prompt_exists(self, prompt_id: int) -> bool:
        return self._one("SELECT 1 FROM prompts WHERE id = ?", (prompt_id,)) is not None

    # --- agents ----------------------------------------------------------------------------------

    async def create_agent(self, org_id: int, site_id: int, agent: AgentIn, token_hash: bytes) -> Agent:
        await self.get_site(org_id, site_id)
        if agent.advertise_beacon_id is not None:
            await self.get_beacon(org_id, site_id, agent.advertise_beacon_id)
        async with (
            self._write() as db,
            db.execute(
                "INSERT INTO agents (site_id, name, token_hash, advertise_beacon_id) VALUES (?, ?, ?, ?)",
                (site_id, agent.name, token_hash, agent.advertise_beacon_id),
            ) as cur,
        ):
            agent_id = _rowid(cur)
        return await self.get_agent(org_id, site_id, agent_id)

    async def list_agents(self, org_id: int, site_id: int) -> list[Agent]:
        await self.get_site(org_id, site_id)
        rows = await _all(
            self._r, f"SELECT {_AGENT_COLUMNS} FROM agents a WHERE a.site_id = ? ORDER BY a.id", (site_id,)
        )
        return [_agent(r) for r in rows]

    async def get_agent(self, org_id: int, site_id: int, agent_id: int) -> Agent:
        row = await _one(
            self._r,
            f"SELECT {_AGENT_COLUMNS} FROM agents a JOIN sites s ON s.id = a.site_id"
            " WHERE a.id = ? AND a.site_id = ? AND s.org_id = ?",
            (agent_id, site_id, org_id),
        )
        if row is None:
            raise NotFound(f"agent {agent_id} not found")
        return _agent(row)

    async def update_agent(self, org_id: int, site_id: int, agent_id: int, patch: AgentPatch) -> Agent:
        agent = await self.get_agent(org_id, site_id, agent_id)
        if patch.advertise_beacon_id is not None:
            await self.get_beacon(org_id, site_id, patch.advertise_beacon_id)
        if agent.revoked and patch.revoked is False:
            raise Conflict("a revoked token cannot be restored; create a new agent")
        merged = agent.model_copy(update=patch.model_dump(exclude_unset=True))
        async with self._write() as db:
            await _exec(
                db,
                "UPDATE agents SET name = ?, advertise_beacon_id = ?, revoked = ? WHERE id = ?",
                (merged.name, merged.advertise_beacon_id, int(bool(merged.revoked)), agent_id),
            )
        return await self.get_agent(org_id, site_id, agent_id)

    async def record_heartbeat(self, agent_id: int, heartbeat: Heartbeat, now: float) -> int | None:
        async with self._write() as db:
            await _exec(
                db,
                "UPDATE agents SET last_heartbeat = ?, heartbeat = ? WHERE id = ?",
                (now, heartbeat.model_dump_json(), agent_id),
            )
            row = await _one(db, "SELECT advertise_beacon_id FROM agents WHERE id = ?", (agent_id,))
        return None if row is None or row[0] is None else int(row[0])

    # --- sightings, events, health, stats --------------------------------------------------------

    async def ingest(
        self, principal: AgentPrincipal, batch_id: str, sightings: Sequence[StoredSighting], now: float
    ) -> IngestResult:
        rows, hourly, latest = _ingest_rows(principal, sightings)

        def store(db: sqlite3.Connection) -> bool:
            try:
                db.execute(
                    "INSERT INTO sighting_batches (batch_id, agent_id, received_at, accepted) VALUES (?, ?, ?, ?)",
                    (batch_id, principal.agent_id, now, len(rows)),
                )
            except sqlite3.IntegrityError:
                return False
            _execute_rows(db, _INSERT_SIGHTINGS, rows)
            _execute_rows(db, _ADD_HOURLY, hourly)
            _execute_rows(db, _MARK_SEEN, latest)
            return True

        if not await self._write_whole(store):
            return IngestResult(accepted=0, duplicate=True)
        return IngestResult(accepted=len(rows), duplicate=False)

    async def record_event(self, prompt_id: int, type: PromptEventType, hour: float) -> None:
        async with self._write() as db:
            await _exec(
                db,
                "INSERT INTO prompt_events_hourly (prompt_id, hour, type, count) VALUES (?, ?, ?, 1)"
                " ON CONFLICT DO UPDATE SET count = count + 1",
                (prompt_id, hour, str(type)),
            )

    async def beacon_activity(self, org_id: int, site_id: int, now: float) -> list[BeaconActivity]:
        await self.get_site(org_id, site_id)
        rows = await _all(
            self._r,
            f"SELECT {_BEACON_COLUMNS}, b.last_seen, b.battery_mv,"
            " (SELECT COUNT(*) FROM sightings x WHERE x.beacon_id = b.id AND x.last_seen >= ?)"
            " FROM beacons b WHERE b.site_id = ? ORDER BY b.id",
            (now - 3600, site_id),
        )
        return [BeaconActivity(_beacon(r), r[8], r[9], int(r[10])) for r in rows]

    async def sighting_counts(self, org_id: int, site_id: int, since: float, until: float) -> list[HourCount]:
        await self.get_site(org_id, site_id)
        rows = await _all(
            self._r,
            "SELECT h.hour, COALESCE(b.key, b.retired_key, 'beacon:' || b.id), h.sightings, h.advertisements"
            " FROM sightings_hourly h JOIN beacons b ON b.id = h.beacon_id"
            " WHERE h.site_id = ? AND h.hour >= ? AND h.hour < ? ORDER BY h.hour, b.id",
            (site_id, hour_of(since), until),
        )
        return [HourCount(float(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]

    async def event_counts(self, org_id: int, site_id: int, since: float, until: float) -> list[HourCount]:
        await self.get_site(org_id, site_id)
        rows = await _all(
            self._r,
            "SELECT e.hour, e.type, e.prompt_id, e.count"
            " FROM prompt_events_hourly e JOIN prompts p ON p.id = e.prompt_id"
            " WHERE p.site_id = ? AND e.hour >= ? AND e.hour < ? ORDER BY e.hour, e.prompt_id, e.type",
            (site_id, hour_of(since), until),
        )
        return [HourCount(float(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]

    async def purge_sightings(self, before: float) -> int:
        async with self._write() as db:
            async with db.execute("DELETE FROM sightings WHERE last_seen < ?", (before,)) as cur:
                deleted = cur.rowcount
            await _exec(db, "DELETE FROM sighting_batches WHERE received_at < ?", (before,))
        return int(deleted)


_EID_SELECT = (
    "SELECT b.id, b.site_id, s.org_id, b.tx_power, b.identity_key, b.rotation_exponent, b.initial_time,"
    " b.registered_at FROM beacons b JOIN sites s ON s.id = b.site_id"
)


def _material(rows: Iterable[Sequence[Any]], at: int) -> dict[int, SiteMaterial]:
    """Sites and their prompts from rows holding the public site columns from `at`, then the
    prompt's id and body (NULL for a site without prompts), ordered by site."""
    found: dict[int, SiteMaterial] = {}
    for row in rows:
        site_id = row[at]
        if site_id not in found:
            found[site_id] = (SiteRow._make(row[at : at + 8]), [])
        if row[at + 8] is not None:
            found[site_id][1].append(stored_prompt(row[at + 8], site_id, row[at + 9]))
    return found


def _transaction(db: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    db.execute("BEGIN IMMEDIATE")
    try:
        result = work(db)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result


async def _allocate_ibeacon(db: aiosqlite.Connection, site_id: int, beacon: IBeaconIn) -> IBeaconIn:
    """One service UUID, one major per site, the next free minor per beacon: few regions for the app."""
    service_uuid = str((await _one(db, "SELECT value FROM meta WHERE name = 'ibeacon_uuid'") or ("",))[0])
    row = await _one(db, "SELECT ibeacon_major FROM sites WHERE id = ?", (site_id,))
    major = row[0] if row else None
    if major is None:
        top = await _one(db, "SELECT COALESCE(MAX(ibeacon_major), 0) FROM sites")
        major = int(top[0] if top else 0) + 1
        if major > 0xFFFF:
            raise Exhausted("all 65,535 iBeacon majors are allocated")
        await _exec(db, "UPDATE sites SET ibeacon_major = ? WHERE id = ?", (major, site_id))
    prefix = f"ibeacon:{service_uuid}:{major}:"
    rows = await _all(
        db,
        "SELECT COALESCE(key, retired_key) FROM beacons WHERE key LIKE ?1 OR retired_key LIKE ?1",
        (prefix + "%",),
    )
    used = {int(str(r[0]).rsplit(":", 1)[1]) for r in rows}
    minor = max(used, default=0) + 1
    if minor > 0xFFFF:
        raise Exhausted(f"all minors of major {major} are allocated")
    return beacon.model_copy(update={"uuid": service_uuid, "major": major, "minor": minor, "allocate": False})


async def _index_site(db: aiosqlite.Connection, site_id: int, lat: float, lon: float) -> None:
    await _exec(
        db,
        "INSERT OR REPLACE INTO site_index (id, min_lat, max_lat, min_lon, max_lon) VALUES (?, ?, ?, ?, ?)",
        (site_id, lat, lat, lon, lon),
    )


# A key is "kind:region:…"; an EID beacon's region is all of Eddystone-EID (its key rotates).
_REGIONS_SELECT = """
    SELECT DISTINCT kind,
        CASE WHEN kind = 'eddystone-eid' THEN ''
        ELSE substr(key, length(kind) + 2, instr(substr(key, length(kind) + 2), ':') - 1) END AS region
    FROM beacons WHERE status = 'active' AND (kind = 'eddystone-eid' OR key <> '')
    ORDER BY kind, region
"""
_INSERT_SIGHTINGS = (
    "INSERT INTO sightings (agent_id, site_id, beacon_id, beacon_key, first_seen, last_seen, count, rssi_max,"
    " rssi_mean, tx_power, telemetry) VALUES {rows}"
)
_ADD_HOURLY = (
    "INSERT INTO sightings_hourly (site_id, beacon_id, hour, sightings, advertisements) VALUES {rows}"
    " ON CONFLICT DO UPDATE SET sightings = sightings + excluded.sightings,"
    " advertisements = advertisements + excluded.advertisements"
)
# Rows are (battery_mv or NULL, newest last_seen, beacon id), at most one per beacon.
_MARK_SEEN = (
    "UPDATE beacons SET battery_mv = CASE WHEN v.column1 IS NOT NULL AND v.column2 >= COALESCE(last_seen, 0)"
    " THEN v.column1 ELSE battery_mv END, last_seen = MAX(COALESCE(last_seen, 0), v.column2)"
    " FROM (VALUES {rows}) AS v WHERE beacons.id = v.column3"
)
# 256 rows of 11 columns stay far below SQLite's 32,766 variables a statement.
_MAX_ROWS_PER_STATEMENT: Final = 256


def _execute_rows(db: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """`sql` with its `{rows}` spelt out as a multi-row VALUES list, for all of `rows` in a few statements.

    Why not `executemany`: sqlite3 lets go of the GIL around each row's step and has to take it back
    from the event loop, which validates the next batch meanwhile; each take can wait up to the 5 ms
    switch interval. Behind a busy thread 500 rows took ~420 ms that way and ~17 ms as 2 statements.
    """
    start = 0
    for size in chunk_sizes(len(rows), _MAX_ROWS_PER_STATEMENT):
        chunk = rows[start : start + size]
        start += size
        db.execute(
            sql.format(rows=_placeholders(size, len(chunk[0]))), list(chain.from_iterable(chunk))
        ).close()


def chunk_sizes(count: int, most: int) -> list[int]:
    """`count` split into full chunks of `most`, then powers of two: few distinct statement shapes,
    so SQLite's statement cache keeps them all compiled."""
    sizes = [most] * (count // most)
    rest, power = count % most, 1 << (most.bit_length() - 1)
    while rest:
        if rest >= power:
            sizes.append(power)
            rest -= power
        power >>= 1
    return sizes


@lru_cache(maxsize=64)
def _placeholders(rows: int, width: int) -> str:
    one = "(" + ", ".join("?" * width) + ")"
    return ", ".join([one] * rows)


def _ingest_rows(
    principal: AgentPrincipal, sightings: Iterable[StoredSighting]
) -> tuple[
    list[tuple[Any, ...]], list[tuple[int, int, float, int, int]], list[tuple[int | None, float, int]]
]:
    """In one pass: the sighting rows; the batch rolled up per beacon and hour, so the roll-up table
    sees one upsert each; and each beacon's newest sighting (time and battery), for its health."""
    rows: list[tuple[Any, ...]] = []
    totals: dict[tuple[int, float], list[int]] = {}
    newest: dict[int, tuple[int | None, float]] = {}
    agent_id, site_id = principal.agent_id, principal.site_id
    for stored in sightings:
        s, beacon_id = stored.sighting, stored.beacon_id
        seen, telemetry = stored.last_seen, s.telemetry
        rows.append(
            (
                agent_id,
                site_id,
                beacon_id,
                s.beacon,
                stored.first_seen,
                seen,
                s.count,
                s.rssi_max,
                s.rssi_mean,
                s.tx_power,
                telemetry.model_dump_json(exclude_none=True) if telemetry else None,
            )
        )
        slot = totals.get((beacon_id, hour := hour_of(seen)))
        if slot is None:
            slot = totals[(beacon_id, hour)] = [0, 0]
        slot[0] += 1
        slot[1] += s.count
        battery = telemetry.battery_mv if telemetry and telemetry.battery_mv else None
        old = newest.get(beacon_id)
        if old is None or seen >= old[1]:
            newest[beacon_id] = (battery if battery is not None else (old[0] if old else None), seen)
    hourly = [(site_id, beacon, hour, n, ads) for (beacon, hour), (n, ads) in totals.items()]
    latest = [(battery, seen, beacon_id) for beacon_id, (battery, seen) in newest.items()]
    return rows, hourly, latest


def _beacon(row: Sequence[Any]) -> Beacon:
    return Beacon(
        id=row[0],
        site_id=row[1],
        kind=row[2],
        key=row[3],
        label=row[4],
        tx_power=row[5],
        status=row[6],
        identity=json.loads(row[7]),
    )


def _eid(row: Sequence[Any]) -> EidBeacon:
    return EidBeacon(
        id=int(row[0]),
        site_id=int(row[1]),
        org_id=int(row[2]),
        tx_power=int(row[3]),
        identity_key=bytes(row[4]),
        rotation_exponent=int(row[5]),
        initial_time=int(row[6]),
        registered_at=float(row[7]),
    )


def _agent(row: Sequence[Any]) -> Agent:
    return Agent(
        id=row[0],
        site_id=row[1],
        name=row[2],
        advertise_beacon_id=row[3],
        revoked=bool(row[4]),
        last_heartbeat=utc(row[5]),
        heartbeat=json.loads(row[6]) if row[6] else None,
    )


def _rowid(cur: aiosqlite.Cursor) -> int:
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


async def _exec(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> None:
    async with db.execute(sql, params):
        pass


async def _one(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    async with db.execute(sql, params) as cur:
        return await cur.fetchone()


async def _all(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    async with db.execute(sql, params) as cur:
        return list(await cur.fetchall())
