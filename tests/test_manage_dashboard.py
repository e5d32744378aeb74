"""The dashboard's sentences about a site (pure: a health report in, words out) and its pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from backend.models import AgentHealth, BeaconHealth, SiteHealth
from backend.web.manage.dashboard import PAGE_SIZE
from backend.web.manage.site_state import findings, when
from tests.conftest import SITE, Backend
from tests.manage_helpers import get, setup_path, sign_up

# Thursday 3 December 2026, 15:00 in Berlin
NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


def _beacon(label: str, alerts: list[str], last_seen: datetime | None = None) -> BeaconHealth:
    return BeaconHealth(
        beacon_id=1, label=label, key="k", status="active", last_seen=last_seen,
        sightings_last_hour=0, battery_mv=None, alerts=alerts,
    )  # fmt: skip


def _report(beacons: list[BeaconHealth], agents: list[AgentHealth] | None = None) -> SiteHealth:
    return SiteHealth(site_id=1, checked_at=NOW, beacons=beacons, agents=agents or [], alerts=[])


def test_times_are_told_as_a_person_would_in_the_sites_zone() -> None:
    zone = "Europe/Berlin"
    assert when(NOW - timedelta(minutes=58), NOW, zone, "de") == "14:02"
    assert when(NOW - timedelta(days=2), NOW, zone, "de") == "Dienstag"
    assert when(NOW - timedelta(days=2), NOW, zone, "en") == "Tuesday"
    assert when(NOW - timedelta(days=9), NOW, zone, "de") == "24.11.2026"
    assert when(None, NOW, zone, "en") == "never"


def test_each_alert_becomes_a_sentence_with_advice_and_all_well_is_one_sentence() -> None:
    silent = _beacon("Eingang", ["SILENT", "LOW_BATTERY"], NOW - timedelta(days=2))
    agent = AgentHealth(
        agent_id=1,
        name="Pi",
        last_heartbeat=NOW - timedelta(minutes=58),
        heartbeat={},
        alerts=["AGENT_SILENT"],
    )
    found = findings(_report([silent], [agent]), "Europe/Berlin", "de")
    assert [f.text for f in found] == [
        "Agent „Pi“ offline seit 14:02.",
        "Beacon „Eingang“ still seit Dienstag.",
        "Batterie von Beacon „Eingang“ schwach.",
    ]
    assert all(not f.ok and f.advice for f in found)
    [fine] = findings(_report([_beacon("Eingang", [], NOW)]), "Europe/Berlin", "en")
    assert fine.ok and fine.text == "All beacons heard in the last hour." and fine.advice == ""
    [empty] = findings(_report([]), "Europe/Berlin", "en")
    assert not empty.ok and "No beacons" in empty.text


async def test_the_dashboard_pages_through_many_sites_and_shows_only_its_own(backend: Backend) -> None:
    for n in range(PAGE_SIZE + 3):
        await backend.json("POST", "/v1/admin/sites", 201, json={**SITE, "name": f"Standort {n:02d}"})
    other = await backend.new_org()
    await backend.json("POST", "/v1/admin/sites", 201, key=other, json={**SITE, "name": "Fremder Ort"})
    await sign_up(backend.client, await setup_path(backend))
    first = await get(backend.client, "/manage/")
    names = re.findall(r"Standort \d\d", first)
    assert len(names) == PAGE_SIZE and "Seite 1 / 2" in first and "Fremder Ort" not in first
    second = await get(backend.client, "/manage/?page=2")
    assert re.findall(r"Standort \d\d", second) == [f"Standort {n}" for n in range(PAGE_SIZE, PAGE_SIZE + 3)]
    for odd in ("0", "-1", "abc", "\uff11"):  # the last a full-width 1
        assert re.findall(r"Standort \d\d", await get(backend.client, f"/manage/?page={odd}")) == names
    past = await get(backend.client, "/manage/?page=99")  # an old link past the end: the last page
    assert re.findall(r"Standort \d\d", past) == re.findall(r"Standort \d\d", second)
    assert "Seite 2 / 2" in past and f"({PAGE_SIZE + 3})" in past


async def test_a_site_page_shows_its_own_sites_tabs_and_404s_for_another_organisations(
    backend: Backend,
) -> None:
    mine = await backend.json("POST", "/v1/admin/sites", 201, json={**SITE, "name": "Hospiz <am> Park"})
    other = await backend.new_org()
    theirs = await backend.json("POST", "/v1/admin/sites", 201, key=other, json={**SITE, "name": "Fremd"})
    await sign_up(backend.client, await setup_path(backend))
    page = await get(backend.client, f"/manage/sites/{mine['id']}?lang=en")
    assert "Hospiz &lt;am&gt; Park" in page and "<am>" not in page
    assert f'href="/manage/sites/{mine["id"]}" aria-current="page">Settings' in page
    assert "Fremd" not in await get(backend.client, f"/manage/sites/{theirs['id']}", 404)
    await get(backend.client, "/manage/sites/999999", 404)
