"""What site staff change through the admin API: sites, beacons, prompts and agents, on either store.

Each store names what its database raises for a taken key or slug (`TAKEN`) and keeps its own
spatial index up to date (`_index_site`); allocations that read then write (a free slug, the next
iBeacon major and minor) hold `Change.lock_allocations`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar

from backend import slugs
from backend.errors import AlreadyRegistered, Conflict, Exhausted, NotFound
from backend.models import (
    Agent,
    AgentIn,
    AgentPatch,
    Beacon,
    BeaconIn,
    BeaconPatch,
    EddystoneEidIn,
    IBeaconIn,
    Org,
    Prompt,
    PromptIn,
    PromptPatch,
    Site,
    SiteIn,
    SitePatch,
)
from backend.storage import records
from backend.storage.records import AGENT, BEACON, PROMPT, SITE
from backend.storage.rows import beacon_identity, beacon_key
from backend.storage.statements import Change, Store

_SITE_COLUMNS = (
    "name", "kind", "lat", "lon", "address", "timezone", "default_lang", "slug", "privacy_controller",
    "privacy_email", "privacy_address", "privacy_dpo", "opening_hours",
)  # fmt: skip


class AdminWrites(Store):
    # What the database raises when a beacon's key, an EID identity key or a slug is taken.
    TAKEN: ClassVar[type[Exception]]

    async def _index_site(self, db: Change, site_id: int, position: tuple[float, float] | None) -> None:
        """Keep a store's own index of where sites are (`position`: lat, lon; None: the site is gone)."""

    # --- organisations ---------------------------------------------------------------------------

    async def org(self, org_id: int) -> Org:
        row = await self._fetch_row("SELECT id, name, link_domains FROM orgs WHERE id = ?", org_id)
        if row is None:
            raise NotFound(f"organisation {org_id} not found")
        return Org(id=row[0], name=row[1], link_domains=[d for d in row[2].split(",") if d])

    async def set_link_domains(self, org_id: int, domains: Sequence[str]) -> Org:
        await self.org(org_id)
        async with self._change() as db:
            await db.execute("UPDATE orgs SET link_domains = ? WHERE id = ?", ",".join(domains), org_id)
        return await self.org(org_id)

    # --- sites -----------------------------------------------------------------------------------

    async def create_site(self, org_id: int, site: SiteIn, now: float) -> Site:
        async with self._change() as db:
            await db.lock_allocations()
            slug = site.slug or await _free_slug(db, slugs.slug_of(site.name))
            try:
                site_id = await db.insert(
                    f"INSERT INTO sites (org_id, created_at, {', '.join(_SITE_COLUMNS)})"
                    f" VALUES (?, ?, {', '.join('?' * len(_SITE_COLUMNS))})",
                    org_id, now, site.name, site.kind, site.lat, site.lon, site.address, site.timezone,
                    site.default_lang, slug, site.privacy_controller, site.privacy_email,
                    site.privacy_address, site.privacy_dpo, site.opening_hours,
                )  # fmt: skip
            except self.TAKEN as exc:
                raise _slug_taken(slug) from exc
            await self._index_site(db, site_id, (site.lat, site.lon))
        return await self.get_site(org_id, site_id)

    async def list_sites(self, org_id: int) -> list[Site]:
        rows = await self._fetch_rows(
            f"SELECT {SITE.sql} FROM sites s WHERE s.org_id = ? ORDER BY s.id", org_id
        )
        return [records.site(r) for r in rows]

    async def sites_page(self, org_id: int, offset: int, limit: int) -> tuple[list[Site], int]:
        counted = await self._fetch_value("SELECT count(*) FROM sites WHERE org_id = ?", org_id)
        rows = await self._fetch_rows(
            f"SELECT {SITE.sql} FROM sites s WHERE s.org_id = ? ORDER BY s.id LIMIT ? OFFSET ?",
            org_id, limit, offset,
        )  # fmt: skip
        return [records.site(r) for r in rows], int(counted)

    async def get_site(self, org_id: int, site_id: int) -> Site:
        row = await self._fetch_row(
            f"SELECT {SITE.sql} FROM sites s WHERE s.id = ? AND s.org_id = ?", site_id, org_id
        )
        if row is None:
            raise NotFound(f"site {site_id} not found")
        return records.site(row)

    async def update_site(self, org_id: int, site_id: int, patch: SitePatch) -> Site:
        site = await self.get_site(org_id, site_id)
        merged = site.model_copy(update=patch.model_dump(exclude_unset=True, exclude_none=True))
        async with self._change() as db:
            try:
                await db.execute(
                    f"UPDATE sites SET {', '.join(f'{column} = ?' for column in _SITE_COLUMNS)}"
                    " WHERE id = ? AND org_id = ?",
                    merged.name, merged.kind, merged.lat, merged.lon, merged.address, merged.timezone,
                    merged.default_lang, merged.slug, merged.privacy_controller, merged.privacy_email,
                    merged.privacy_address, merged.privacy_dpo, merged.opening_hours, site_id, org_id,
                )  # fmt: skip
            except self.TAKEN as exc:
                raise _slug_taken(merged.slug) from exc
            await self._index_site(db, site_id, (merged.lat, merged.lon))
        return await self.get_site(org_id, site_id)

    async def delete_site(self, org_id: int, site_id: int) -> None:
        await self._require_site(org_id, site_id)
        async with self._change() as db:
            for sql in (
                "DELETE FROM prompt_events_hourly WHERE prompt_id IN (SELECT id FROM prompts WHERE site_id = ?)",
                "DELETE FROM sightings WHERE site_id = ?",
                "DELETE FROM sightings_hourly WHERE site_id = ?",
            ):
                await db.execute(sql, site_id)
            await self._index_site(db, site_id, None)
            await db.execute("DELETE FROM sites WHERE id = ?", site_id)

    # --- beacons ---------------------------------------------------------------------------------

    async def create_beacon(self, org_id: int, site_id: int, beacon: BeaconIn, now: float) -> Beacon:
        try:
            return (await self.create_beacons(org_id, site_id, [beacon], now))[0]
        except AlreadyRegistered as exc:
            raise Conflict(exc.detail) from None

    async def create_beacons(
        self, org_id: int, site_id: int, beacons: Sequence[BeaconIn], now: float
    ) -> list[Beacon]:
        """All of `beacons` in one transaction, or none: `AlreadyRegistered` names every one whose
        key (or EID identity key) another beacon has, here or in the same list."""
        await self._require_site(org_id, site_id)
        made: list[int] = []
        taken: list[int] = []
        async with self._change() as db:
            for index, beacon in enumerate(beacons):
                try:
                    async with db.savepoint():  # a taken key leaves the rest going on
                        made.append(await _insert_beacon(db, site_id, beacon, now))
                except self.TAKEN:
                    taken.append(index)
            if taken:
                raise AlreadyRegistered(taken, [beacon_key(beacons[i]) for i in taken])
        stored = {b.id: b for b in await self.list_beacons(org_id, site_id)}  # one read, not one per beacon
        return [stored[beacon_id] for beacon_id in made]

    async def list_beacons(self, org_id: int, site_id: int) -> list[Beacon]:
        await self._require_site(org_id, site_id)
        rows = await self._fetch_rows(
            f"SELECT {BEACON.sql} FROM beacons b WHERE b.site_id = ? ORDER BY b.id", site_id
        )
        return [records.beacon(BEACON.record(r)) for r in rows]

    async def get_beacon(self, org_id: int, site_id: int, beacon_id: int) -> Beacon:
        row = await self._row_at_site(BEACON, "beacons", "beacon", beacon_id, site_id, org_id)
        return records.beacon(BEACON.record(row))

    async def update_beacon(self, org_id: int, site_id: int, beacon_id: int, patch: BeaconPatch) -> Beacon:
        beacon = await self.get_beacon(org_id, site_id, beacon_id)
        if beacon.status == "decommissioned":
            raise Conflict(f"beacon {beacon_id} is decommissioned")
        merged = beacon.model_copy(update=patch.model_dump(exclude_unset=True, exclude_none=True))
        async with self._change() as db:
            await db.execute(
                "UPDATE beacons SET label = ?, tx_power = ?, status = ? WHERE id = ?",
                merged.label, merged.tx_power, merged.status, beacon_id,
            )  # fmt: skip
        return await self.get_beacon(org_id, site_id, beacon_id)

    async def decommission_beacon(self, org_id: int, site_id: int, beacon_id: int) -> None:
        await self.get_beacon(org_id, site_id, beacon_id)
        async with self._change() as db:
            # The key is freed so a replacement beacon may take it; sightings keep the beacon's id.
            await db.execute(
                "UPDATE beacons SET status = 'decommissioned', retired_key = COALESCE(key, retired_key), key = NULL,"
                " identity_key = NULL WHERE id = ?",
                beacon_id,
            )

    # --- prompts ---------------------------------------------------------------------------------

    async def create_prompt(self, org_id: int, site_id: int, prompt: PromptIn, now: float) -> Prompt:
        await self._require_site(org_id, site_id)
        async with self._change() as db:
            prompt_id = await db.insert(
                "INSERT INTO prompts (site_id, body, updated_at) VALUES (?, ?, ?)",
                site_id, prompt.model_dump_json(), now,
            )  # fmt: skip
        return await self.get_prompt(org_id, site_id, prompt_id)

    async def list_prompts(self, org_id: int, site_id: int) -> list[Prompt]:
        await self._require_site(org_id, site_id)
        rows = await self._fetch_rows(
            f"SELECT {PROMPT.sql} FROM prompts p WHERE p.site_id = ? ORDER BY p.id", site_id
        )
        return [records.prompt(r) for r in rows]

    async def get_prompt(self, org_id: int, site_id: int, prompt_id: int) -> Prompt:
        return records.prompt(
            await self._row_at_site(PROMPT, "prompts", "prompt", prompt_id, site_id, org_id)
        )

    async def update_prompt(
        self, org_id: int, site_id: int, prompt_id: int, patch: PromptPatch, now: float
    ) -> Prompt:
        current = await self.get_prompt(org_id, site_id, prompt_id)
        fields = current.model_dump(exclude={"id", "site_id", "notice"})
        fields.update(patch.model_dump(exclude_unset=True))
        merged = PromptIn.model_validate(fields)
        async with self._change() as db:
            await db.execute(
                "UPDATE prompts SET body = ?, updated_at = ? WHERE id = ?",
                merged.model_dump_json(), now, prompt_id,
            )  # fmt: skip
        return await self.get_prompt(org_id, site_id, prompt_id)

    async def delete_prompt(self, org_id: int, site_id: int, prompt_id: int) -> None:
        await self.get_prompt(org_id, site_id, prompt_id)
        async with self._change() as db:
            await db.execute("DELETE FROM prompt_events_hourly WHERE prompt_id = ?", prompt_id)
            await db.execute("DELETE FROM prompts WHERE id = ?", prompt_id)

    # --- agents ----------------------------------------------------------------------------------

    async def create_agent(self, org_id: int, site_id: int, agent: AgentIn, token_hash: bytes) -> Agent:
        await self._require_site(org_id, site_id)
        if agent.advertise_beacon_id is not None:
            await self.get_beacon(org_id, site_id, agent.advertise_beacon_id)
        async with self._change() as db:
            agent_id = await db.insert(
                "INSERT INTO agents (site_id, name, token_hash, advertise_beacon_id) VALUES (?, ?, ?, ?)",
                site_id, agent.name, token_hash, agent.advertise_beacon_id,
            )  # fmt: skip
        return await self.get_agent(org_id, site_id, agent_id)

    async def list_agents(self, org_id: int, site_id: int) -> list[Agent]:
        await self._require_site(org_id, site_id)
        rows = await self._fetch_rows(
            f"SELECT {AGENT.sql} FROM agents a WHERE a.site_id = ? ORDER BY a.id", site_id
        )
        return [records.agent(r) for r in rows]

    async def get_agent(self, org_id: int, site_id: int, agent_id: int) -> Agent:
        return records.agent(await self._row_at_site(AGENT, "agents", "agent", agent_id, site_id, org_id))

    async def update_agent(self, org_id: int, site_id: int, agent_id: int, patch: AgentPatch) -> Agent:
        agent = await self.get_agent(org_id, site_id, agent_id)
        if patch.advertise_beacon_id is not None:
            await self.get_beacon(org_id, site_id, patch.advertise_beacon_id)
        if agent.revoked and patch.revoked is False:
            raise Conflict("a revoked token cannot be restored; create a new agent")
        merged = agent.model_copy(update=patch.model_dump(exclude_unset=True))
        async with self._change() as db:
            await db.execute(
                "UPDATE agents SET name = ?, advertise_beacon_id = ?, revoked = ? WHERE id = ?",
                merged.name, merged.advertise_beacon_id, int(bool(merged.revoked)), agent_id,
            )  # fmt: skip
        return await self.get_agent(org_id, site_id, agent_id)


async def _insert_beacon(db: Change, site_id: int, beacon: BeaconIn, now: float) -> int:
    """The new beacon's id; the store's `TAKEN` if its key or EID identity key is taken.

    An EID's identity key is unique across all organisations, as a static key is: a second one
    would take the first beacon over in resolve and in sightings."""
    if isinstance(beacon, IBeaconIn) and beacon.allocate:
        beacon = await _allocate_ibeacon(db, site_id, beacon)
    eid = beacon if isinstance(beacon, EddystoneEidIn) else None
    return await db.insert(
        "INSERT INTO beacons (site_id, kind, key, label, tx_power, status, identity, identity_key,"
        " rotation_exponent, initial_time, registered_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?)",
        site_id, beacon.kind, beacon_key(beacon), beacon.label, beacon.tx_power,
        json.dumps(beacon_identity(beacon)),
        bytes.fromhex(eid.identity_key) if eid else None,
        eid.rotation_exponent if eid else None,
        eid.initial_time if eid else None,
        now,
    )  # fmt: skip


async def _allocate_ibeacon(db: Change, site_id: int, beacon: IBeaconIn) -> IBeaconIn:
    """One service UUID, one major per site, the next free minor per beacon: few regions for the app."""
    await db.lock_allocations()
    service_uuid = str(await db.value("SELECT value FROM meta WHERE name = 'ibeacon_uuid'") or "")
    major = await db.value("SELECT ibeacon_major FROM sites WHERE id = ?", site_id)
    if major is None:
        top = await db.value("SELECT COALESCE(MAX(ibeacon_major), 0) FROM sites")
        major = int(top or 0) + 1
        if major > 0xFFFF:
            raise Exhausted("all 65,535 iBeacon majors are allocated")
        await db.execute("UPDATE sites SET ibeacon_major = ? WHERE id = ?", major, site_id)
    prefix = f"ibeacon:{service_uuid}:{major}:"
    keys = await db.rows(
        "SELECT COALESCE(key, retired_key) FROM beacons"
        f" WHERE {db.starts_with('key')} OR {db.starts_with('retired_key')}",
        prefix, prefix,
    )  # fmt: skip
    used = {int(str(key).rsplit(":", 1)[1]) for (key,) in keys}
    minor = max(used, default=0) + 1
    if minor > 0xFFFF:
        raise Exhausted(f"all minors of major {major} are allocated")
    return beacon.model_copy(update={"uuid": service_uuid, "major": major, "minor": minor, "allocate": False})


async def _free_slug(db: Change, base: str) -> str:
    """`base`, or `base` with the first free number (see `backend.slugs`)."""
    stem = base[: slugs.MAX_LENGTH - 4].rstrip("-")
    rows = await db.rows(f"SELECT slug FROM sites WHERE slug = ? OR {db.starts_with('slug')}", base, stem)
    return slugs.free_slug(base, {slug for (slug,) in rows})


def _slug_taken(slug: str) -> Conflict:
    return Conflict(f"the address /s/{slug} belongs to another site: choose another slug", field=("slug",))
