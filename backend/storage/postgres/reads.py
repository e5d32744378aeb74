"""The reads behind the public API and the agents' calls (the same answers as the SQLite store's
`reads.py`); nearby searches the sites' PostGIS points through their GiST index."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from backend import geo
from backend.models import Prompt, Site
from backend.storage import AgentPrincipal, BeaconRef, EidBeacon, records
from backend.storage.postgres.connection import PostgresBase
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
from backend.storage.sqlite.reads import AGENT_PRINCIPAL, BEACON_MATERIAL
from beacon_agent.contract.wire import Region, SiteKind

_ref_of_key = beacon_ref_of(BEACON_REF)
_ref_with_material = beacon_ref_of(BEACON_MATERIAL)
_material = material_of(MATERIAL)
_material_with_ref = material_of(BEACON_MATERIAL)

_EID_SELECT = f"SELECT {EID_BEACON.sql} FROM beacons b JOIN sites s ON s.id = b.site_id"
# A key is "kind:region:…"; an EID beacon's region is all of Eddystone-EID (its key rotates).
_REGIONS_SELECT = """
    SELECT DISTINCT kind, CASE WHEN kind = 'eddystone-eid' THEN '' ELSE split_part(key, ':', 2) END AS region
    FROM beacons WHERE status = 'active' AND (kind = 'eddystone-eid' OR key <> '')
    ORDER BY kind, region
"""
# PostGIS measures on a sphere of nearly the radius `geo` uses; the search reaches a little further
# and `geo.within_radius` decides with the same haversine as the SQLite store, so both agree exactly.
_REACH_SLACK: Final = 1.0001
_NEAR = (
    f"SELECT {MATERIAL.sql} FROM sites s LEFT JOIN prompts p ON p.site_id = s.id"
    " WHERE ST_DWithin(s.position, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3, false)"
    " AND ($4::text IS NULL OR s.kind = $4) ORDER BY s.id, p.id"
)


class PublicReads(PostgresBase):
    # --- credentials -----------------------------------------------------------------------------

    async def agent_for_token(self, token_hash: bytes) -> AgentPrincipal | None:
        row = await self._one(
            f"SELECT {AGENT_PRINCIPAL.sql} FROM agents a JOIN sites s ON s.id = a.site_id"
            " WHERE a.token_hash = $1 AND a.revoked = 0",
            token_hash,
        )
        return None if row is None else AgentPrincipal(**AGENT_PRINCIPAL.record(row))

    # --- beacons ---------------------------------------------------------------------------------

    async def beacon_by_key(self, key: str) -> BeaconRef | None:
        row = await self._one(
            f"SELECT {BEACON_REF.sql} FROM beacons b JOIN sites s ON s.id = b.site_id WHERE b.key = $1", key
        )
        return None if row is None else _ref_of_key(row)

    async def beacon_with_site(self, key: str) -> tuple[BeaconRef, SiteRow, list[StoredPrompt]] | None:
        rows = await self._all(
            f"SELECT {BEACON_MATERIAL.sql}"
            " FROM beacons b JOIN sites s ON s.id = b.site_id LEFT JOIN prompts p ON p.site_id = s.id"
            " WHERE b.key = $1 ORDER BY p.id",
            key,
        )
        if not rows:
            return None
        ref = _ref_with_material(rows[0])
        site, prompts = _material_with_ref(map(tuple, rows))[ref.site_id]
        return ref, site, prompts

    async def eid_beacons(self) -> list[EidBeacon]:
        rows = await self._all(_EID_SELECT + " WHERE b.identity_key IS NOT NULL AND b.status = 'active'")
        return [records.eid_beacon(r) for r in rows]

    async def eid_beacon(self, beacon_id: int) -> EidBeacon | None:
        row = await self._one(_EID_SELECT + " WHERE b.id = $1 AND b.identity_key IS NOT NULL", beacon_id)
        return None if row is None else records.eid_beacon(row)

    async def regions(self) -> list[Region]:
        return [Region(kind=kind, id=region) for kind, region in await self._all(_REGIONS_SELECT)]

    # --- sites and their prompts -----------------------------------------------------------------

    async def public_sites(self, site_ids: Sequence[int]) -> dict[int, Site]:
        if not site_ids:
            return {}
        rows = await self._all(
            f"SELECT {SITE.sql} FROM sites s WHERE s.id = ANY($1::bigint[])", list(site_ids)
        )
        return {site.id: site for site in map(records.site, rows)}

    async def site_by_slug(self, slug: str) -> Site | None:
        row = await self._one(f"SELECT {SITE.sql} FROM sites s WHERE s.slug = $1", slug)
        return None if row is None else records.site(row)

    async def site_material(self, site_ids: Sequence[int]) -> dict[int, SiteMaterial]:
        if not site_ids:
            return {}
        rows = await self._all(
            f"SELECT {MATERIAL.sql} FROM sites s LEFT JOIN prompts p ON p.site_id = s.id"
            " WHERE s.id = ANY($1::bigint[]) ORDER BY s.id, p.id",
            list(site_ids),
        )
        return _material(map(tuple, rows))

    async def site_material_by_slug(self, slug: str) -> SiteMaterial | None:
        rows = await self._all(
            f"SELECT {MATERIAL.sql} FROM sites s LEFT JOIN prompts p ON p.site_id = s.id"
            " WHERE s.slug = $1 ORDER BY p.id",
            slug,
        )
        return next(iter(_material(map(tuple, rows)).values()), None)

    async def sites_near(
        self, lat: float, lon: float, radius_m: float, kind: SiteKind | None, limit: int
    ) -> tuple[list[tuple[int, float]], MaterialOf]:
        found: list[tuple[int, float]] = []
        rows: list[Any] = []
        at_site, at_lat, at_lon = MATERIAL.at["s.id"], MATERIAL.at["s.lat"], MATERIAL.at["s.lon"]
        kind_arg = None if kind is None else str(kind)
        async with self._db() as db:
            for reach in geo.search_radii(radius_m, limit):
                wide = (reach + geo.EDGE_TOLERANCE_M) * _REACH_SLACK + 1.0
                rows = [tuple(row) for row in await db.fetch(_NEAR, lon, lat, wide, kind_arg)]
                candidates = {row[at_site]: (row[at_site], row[at_lat], row[at_lon]) for row in rows}
                found = geo.within_radius(lat, lon, reach, candidates.values())
                # The nearest `limit` inside a smaller circle are the nearest of all.
                if len(found) >= limit:
                    break
        found = found[:limit]

        def material_of(site_ids: Iterable[int]) -> dict[int, SiteMaterial]:
            wanted = set(site_ids)
            return _material(row for row in rows if row[at_site] in wanted)

        return found, material_of

    async def site_positions(self) -> list[tuple[int, float, float, str]]:
        return [tuple(row) for row in await self._all("SELECT id, lat, lon, kind FROM sites")]

    async def prompts_of_sites(self, site_ids: Sequence[int]) -> dict[int, list[Prompt]]:
        found: dict[int, list[Prompt]] = {site_id: [] for site_id in site_ids}
        if not site_ids:
            return found
        rows = await self._all(
            f"SELECT {PROMPT.sql} FROM prompts p WHERE p.site_id = ANY($1::bigint[]) ORDER BY p.id",
            list(site_ids),
        )
        for prompt in map(records.prompt, rows):
            found[prompt.site_id].append(prompt)
        return found

    async def prompt_for_event(self, prompt_id: int) -> tuple[StoredPrompt, str] | None:
        row = await self._one(
            "SELECT p.site_id, p.body, s.timezone FROM prompts p JOIN sites s ON s.id = p.site_id WHERE p.id = $1",
            prompt_id,
        )
        return None if row is None else (stored_prompt(prompt_id, row[0], row[1]), row[2])
