"""The reads behind the public API and the agents' calls: credentials, beacons by key, sites with their
prompts, the nearest sites, EID beacons, regions.

Most are short and run on the event loop's own thread (`SqliteBase._one`/`_all`); the catalog
(`backend.catalog`) caches what they answer, so they run on its misses, which at 1,000,000 sites
are most `resolve` and `nearby` requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from backend import geo
from backend.models import Prompt, Site
from backend.storage import AgentPrincipal, BeaconRef, EidBeacon, records
from backend.storage.columns import Columns
from backend.storage.records import (
    BEACON_REF,
    EID_BEACON,
    MATERIAL,
    PROMPT,
    SITE,
    beacon_ref_of,
    material_of,
)
from backend.storage.rows import MaterialOf, SiteMaterial, SiteRow, StoredPrompt, stored_prompt
from backend.storage.sqlite.connection import SqliteBase, fetch_all, fetch_one
from beacon_agent.contract.wire import Region, SiteKind

AGENT_PRINCIPAL = Columns("a.id AS agent_id", "a.site_id", "s.org_id")
BEACON_MATERIAL = BEACON_REF + MATERIAL

_ref_of_key = beacon_ref_of(BEACON_REF)
_ref_with_material = beacon_ref_of(BEACON_MATERIAL)
_material = material_of(MATERIAL)
_material_with_ref = material_of(BEACON_MATERIAL)

_EID_SELECT = f"SELECT {EID_BEACON.sql} FROM beacons b JOIN sites s ON s.id = b.site_id"
# A key is "kind:region:…"; an EID beacon's region is all of Eddystone-EID (its key rotates).
_REGIONS_SELECT = """
    SELECT DISTINCT kind,
        CASE WHEN kind = 'eddystone-eid' THEN ''
        ELSE substr(key, length(kind) + 2, instr(substr(key, length(kind) + 2), ':') - 1) END AS region
    FROM beacons WHERE status = 'active' AND (kind = 'eddystone-eid' OR key <> '')
    ORDER BY kind, region
"""


class PublicReads(SqliteBase):
    # --- credentials -----------------------------------------------------------------------------

    async def agent_for_token(self, token_hash: bytes) -> AgentPrincipal | None:
        row = self._one(
            f"SELECT {AGENT_PRINCIPAL.sql} FROM agents a JOIN sites s ON s.id = a.site_id"
            " WHERE a.token_hash = ? AND a.revoked = 0",
            (token_hash,),
        )
        return None if row is None else AgentPrincipal(**AGENT_PRINCIPAL.record(row))

    # --- beacons ---------------------------------------------------------------------------------

    async def beacon_by_key(self, key: str) -> BeaconRef | None:
        row = self._one(
            f"SELECT {BEACON_REF.sql} FROM beacons b JOIN sites s ON s.id = b.site_id WHERE b.key = ?", (key,)
        )
        return None if row is None else _ref_of_key(row)

    async def beacon_with_site(self, key: str) -> tuple[BeaconRef, SiteRow, list[StoredPrompt]] | None:
        rows = self._all(
            f"SELECT {BEACON_MATERIAL.sql}"
            " FROM beacons b JOIN sites s ON s.id = b.site_id LEFT JOIN prompts p ON p.site_id = s.id"
            " WHERE b.key = ? ORDER BY p.id",
            (key,),
        )
        if not rows:
            return None
        ref = _ref_with_material(rows[0])
        site, prompts = _material_with_ref(rows)[ref.site_id]
        return ref, site, prompts

    async def eid_beacons(self) -> list[EidBeacon]:
        rows = self._all(_EID_SELECT + " WHERE b.identity_key IS NOT NULL AND b.status = 'active'")
        return [records.eid_beacon(r) for r in rows]

    async def eid_beacon(self, beacon_id: int) -> EidBeacon | None:
        row = self._one(_EID_SELECT + " WHERE b.id = ? AND b.identity_key IS NOT NULL", (beacon_id,))
        return None if row is None else records.eid_beacon(row)

    async def regions(self) -> list[Region]:
        # A scan of every beacon (~0.5 s at 1,000,000): on the reader's thread, never the event loop,
        # and with the region cut out of the key by SQLite, not a million Python strings.
        rows = await fetch_all(self._r, _REGIONS_SELECT)
        return [Region(kind=kind, id=region) for kind, region in rows]

    async def ping(self) -> None:
        await fetch_one(self._r, "SELECT 1")

    # --- sites and their prompts -----------------------------------------------------------------

    async def public_sites(self, site_ids: Sequence[int]) -> dict[int, Site]:
        if not site_ids:
            return {}
        rows = self._all(
            f"SELECT {SITE.sql} FROM sites s WHERE s.id IN ({_marks(site_ids)})", tuple(site_ids)
        )
        return {site.id: site for site in map(records.site, rows)}

    async def site_by_slug(self, slug: str) -> Site | None:
        row = self._one(f"SELECT {SITE.sql} FROM sites s WHERE s.slug = ?", (slug,))
        return None if row is None else records.site(row)

    async def site_material(self, site_ids: Sequence[int]) -> dict[int, SiteMaterial]:
        if not site_ids:
            return {}
        # One query, not one for the sites and one for their prompts: at 1,000,000 sites nearly
        # every answer reads here, and each statement costs ~10 µs before it finds a row.
        rows = self._all(
            f"SELECT {MATERIAL.sql} FROM sites s LEFT JOIN prompts p ON p.site_id = s.id"
            f" WHERE s.id IN ({_marks(site_ids)}) ORDER BY s.id, p.id",
            tuple(site_ids),
        )
        return _material(rows)

    async def site_material_by_slug(self, slug: str) -> SiteMaterial | None:
        rows = self._all(
            f"SELECT {MATERIAL.sql} FROM sites s LEFT JOIN prompts p ON p.site_id = s.id"
            " WHERE s.slug = ? ORDER BY p.id",
            (slug,),
        )
        return next(iter(_material(rows).values()), None)

    async def sites_near(
        self, lat: float, lon: float, radius_m: float, kind: SiteKind | None, limit: int
    ) -> tuple[list[tuple[int, float]], MaterialOf]:
        kind_sql, kind_args = ("AND s.kind = ?", (str(kind),)) if kind is not None else ("", ())
        # The candidates come with their prompts: at 1,000,000 sites most found sites have no cached
        # card, and a second statement for their material cost ~40 µs a request under load. The
        # R*Tree keeps 32-bit floats; distances are measured from the sites' own coordinates.
        sql = (
            f"SELECT {MATERIAL.sql} FROM site_index i JOIN sites s ON s.id = i.id"
            " LEFT JOIN prompts p ON p.site_id = s.id"
            f" WHERE i.min_lat <= ? AND i.max_lat >= ? AND i.min_lon <= ? AND i.max_lon >= ? {kind_sql}"
            " ORDER BY s.id, p.id"
        )
        found: list[tuple[int, float]] = []
        rows: list[Any] = []
        at_site, at_lat, at_lon = MATERIAL.at["s.id"], MATERIAL.at["s.lat"], MATERIAL.at["s.lon"]
        for reach in geo.search_radii(radius_m, limit):
            rows = []
            for box in geo.bounding_boxes(lat, lon, reach):  # two boxes never share a site
                rows += self._all(sql, (box.max_lat, box.min_lat, box.max_lon, box.min_lon, *kind_args))
            candidates = {row[at_site]: (row[at_site], row[at_lat], row[at_lon]) for row in rows}
            found = geo.within_radius(lat, lon, reach, candidates.values())
            # The nearest `limit` inside a smaller circle are the nearest of all: nothing outside is closer.
            if len(found) >= limit:
                break
        found = found[:limit]

        def material_of(site_ids: Iterable[int]) -> dict[int, SiteMaterial]:
            wanted = set(site_ids)
            return _material(row for row in rows if row[at_site] in wanted)

        return found, material_of

    async def site_positions(self) -> list[tuple[int, float, float, str]]:
        # ~1 s at 1,000,000 sites: on the reader's thread, never the event loop.
        rows = await fetch_all(self._r, "SELECT id, lat, lon, kind FROM sites")
        return [tuple(row) for row in rows]

    async def prompts_of_sites(self, site_ids: Sequence[int]) -> dict[int, list[Prompt]]:
        found: dict[int, list[Prompt]] = {site_id: [] for site_id in site_ids}
        if not site_ids:
            return found
        rows = self._all(
            f"SELECT {PROMPT.sql} FROM prompts p WHERE p.site_id IN ({_marks(site_ids)}) ORDER BY p.id",
            tuple(site_ids),
        )
        for prompt in map(records.prompt, rows):
            found[prompt.site_id].append(prompt)
        return found

    async def prompt_for_event(self, prompt_id: int) -> tuple[StoredPrompt, str] | None:
        row = self._one(
            "SELECT p.site_id, p.body, s.timezone FROM prompts p JOIN sites s ON s.id = p.site_id WHERE p.id = ?",
            (prompt_id,),
        )
        return None if row is None else (stored_prompt(prompt_id, row[0], row[1]), row[2])


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))
