"""The read paths' combined reads agree with the plain ones (the public path's, the dashboard's page of sites)."""

from __future__ import annotations

import time
from pathlib import Path

from backend.config import Settings
from backend.models import IBeaconIn, PromptIn, SiteIn
from backend.storage import open_storage


async def test_beacon_with_site_is_the_beacon_and_its_sites_material(tmp_path: Path) -> None:
    async with open_storage(Settings(db=tmp_path / "r.db")) as storage:
        org = await storage.create_org("Test", b"k" * 32, time.time())
        bare = await storage.create_site(org, SiteIn(name="no prompts", lat=51.3, lon=12.4), time.time())
        busy = await storage.create_site(org, SiteIn(name="two prompts", lat=51.4, lon=12.5), time.time())
        for title in ("a", "b"):
            prompt = PromptIn.model_validate({"kind": "info", "texts": {"de": {"title": title}}})
            await storage.create_prompt(org, busy.id, prompt, time.time())
        uuid = "6e616862-6569-4265-8e63-686d61726b21"
        for site, minor in ((bare, 1), (busy, 2)):
            beacon = IBeaconIn(kind="ibeacon", uuid=uuid, major=1, minor=minor)
            await storage.create_beacon(org, site.id, beacon, time.time())
            key = f"ibeacon:{uuid}:1:{minor}"
            ref, row, prompts = await storage.beacon_with_site(key) or (None, None, None)
            assert ref == await storage.beacon_by_key(key)
            assert (row, prompts) == (await storage.site_material([site.id]))[site.id]
        assert [p.texts["de"]["title"] for p in prompts or []] == ["a", "b"]
        assert await storage.beacon_with_site(f"ibeacon:{uuid}:1:3") is None


async def test_a_page_of_sites_is_that_part_of_the_whole_list_and_the_count_is_the_organisations(
    tmp_path: Path,
) -> None:
    async with open_storage(Settings(db=tmp_path / "p.db")) as storage:
        org = await storage.create_org("Verband", b"k" * 32, time.time())
        other = await storage.create_org("Andere", b"o" * 32, time.time())
        for n in range(45):
            await storage.create_site(org, SiteIn(name=f"Ort {n}", lat=51.3, lon=12.4), time.time())
            if n % 20 == 0:
                await storage.create_site(other, SiteIn(name=f"Fremd {n}", lat=51.3, lon=12.4), time.time())
        whole = await storage.list_sites(org)
        for offset in (0, 20, 40, 45, 100):
            assert await storage.sites_page(org, offset, 20) == (whole[offset : offset + 20], 45)
        assert [s.name for s in (await storage.sites_page(other, 0, 20))[0]] == [
            "Fremd 0",
            "Fremd 20",
            "Fremd 40",
        ]
        assert await storage.sites_page(max(org, other) + 1, 0, 20) == ([], 0)  # no such organisation
