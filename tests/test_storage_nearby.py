"""The nearest-first search on each store (SQLite's R*Tree, PostGIS) and the catalog's in-memory grid built
from the store's site positions agree with brute force, however the radii grow: at the radius edge, across
the antimeridian and near the pole."""

from __future__ import annotations

import random
import time
from pathlib import Path

from backend.config import Settings
from backend.geo import haversine_m
from backend.models import PromptIn, SiteIn
from backend.site_grid import SiteGrid
from backend.storage import open_storage
from beacon_agent.contract.wire import SiteKind

CENTRES = [(51.34, 12.37), (51.5, 12.5), (0.0, 179.95), (0.0, -179.99), (52.0, 13.0), (89.999, 0.0)]


async def test_sites_near_matches_brute_force(db: Path | str) -> None:
    async with open_storage(Settings(db=db)) as storage:
        org = await storage.create_org("Test", b"k" * 32, time.time())
        rng = random.Random(7)
        sites = []
        for i in range(400):
            # A dense cluster, a sparse spread, a few across the antimeridian and near the pole.
            if i % 10 == 0:
                lat, lon = (
                    rng.uniform(-0.2, 0.2),
                    rng.choice([rng.uniform(179.9, 180), rng.uniform(-180, -179.9)]),
                )
            elif i % 10 == 5:
                lat, lon = rng.uniform(89.8, 90), rng.uniform(-180, 180)
            elif i % 2:
                lat, lon = 51.34 + rng.uniform(-0.01, 0.01), 12.37 + rng.uniform(-0.01, 0.01)
            else:
                lat, lon = rng.uniform(50, 53), rng.uniform(11, 14)
            kind = rng.choice([SiteKind.HOSPICE, SiteKind.FOOD_BANK])
            if i in (3, 7):  # on the antimeridian itself, where the search takes two boxes
                lat, lon = 0.01, 180.0 if i == 3 else -180.0
            site = await storage.create_site(
                org, SiteIn(name=f"s{i}", lat=lat, lon=lon, kind=kind), time.time()
            )
            for n in range(i % 3):  # none, one or two prompts: their material comes with the search
                prompt = {"kind": "info", "texts": {"de": {"title": f"p{n}"}}}
                await storage.create_prompt(org, site.id, PromptIn.model_validate(prompt), time.time())
            sites.append((site.id, site.lat, site.lon, kind))
        grid = SiteGrid(await storage.site_positions())
        assert sorted(await storage.site_positions()) == [(s, la, lo, str(k)) for s, la, lo, k in sites]

        for _ in range(300):
            lat, lon = rng.choice(CENTRES)
            radius, limit = rng.uniform(10, 50_000), rng.randint(1, 100)
            kind = rng.choice([None, SiteKind.HOSPICE])
            found, material_of = await storage.sites_near(lat, lon, radius, kind, limit)
            found_ids = [site_id for site_id, _ in found]
            assert material_of(found_ids) == await storage.site_material(found_ids)
            assert material_of(found_ids[1::2]) == await storage.site_material(found_ids[1::2])
            expected = sorted(
                (haversine_m(lat, lon, la, lo), sid)
                for sid, la, lo, k in sites
                if haversine_m(lat, lon, la, lo) <= radius and (kind is None or k == kind)
            )[:limit]
            assert [d for _, d in found] == [d for d, _ in expected]
            assert [s for s, _ in found] == [sid for _, sid in expected]
            assert grid.near(lat, lon, radius, None if kind is None else str(kind), limit) == found
