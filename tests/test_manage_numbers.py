"""A site's numbers: local days and hours (pure), the SVG charts parsed as XML, the CSV files, and
the page through a real server with sightings from an agent and events from phones."""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.models import HourlyEvents, HourlySightings, SiteStats
from backend.site_numbers import days_csv, hours_csv, site_numbers, span
from backend.web.charts import BarChart, Series, bar_chart, nice_top
from beacon_agent.contract.wire import PromptEventType
from tests.browser import check, look
from tests.conftest import Backend
from tests.manage_helpers import PASSWORD, get, invite_path, setup_path, sign_up
from tests.test_api_agent import agent_site, sighting

SVG = "{http://www.w3.org/2000/svg}"
# Thursday 3 December 2026, 15:30 in Berlin
NOW = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
BERLIN = "Europe/Berlin"


def _stats(
    sightings: dict[datetime, int], events: list[tuple[datetime, str, int]], days: int = 7
) -> SiteStats:
    since, until = span(NOW, BERLIN, days)
    return SiteStats(
        site_id=1,
        since=since,
        until=until,
        sightings=[
            HourlySightings(hour=h, beacon_key=f"k{i}", sightings=n, advertisements=3 * n)
            for i, (h, n) in enumerate(sightings.items())
        ],
        prompt_events=[
            HourlyEvents(hour=h, prompt_id=1, type=PromptEventType(t), count=n) for h, t, n in events
        ],
    )


def test_the_span_starts_at_local_midnight_and_days_are_the_sites_days() -> None:
    since, until = span(NOW, BERLIN, 7)
    assert since == datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # 27 November, 00:00 in Berlin
    assert until == NOW
    late_evening = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 2 December, 00:00 in Berlin
    stats = _stats(
        {late_evening: 4, datetime(2026, 12, 1, 22, 0, tzinfo=UTC): 2},
        [(late_evening, "shown", 5), (late_evening, "acted", 1), (NOW.replace(minute=0), "opened", 2)],
    )
    numbers = site_numbers(stats, BERLIN)
    assert [d.day for d in numbers.days] == [date(2026, 11, 27) + timedelta(days=n) for n in range(7)]
    by_day = {d.day: d for d in numbers.days}
    assert by_day[date(2026, 12, 1)].sightings == 2 and by_day[date(2026, 12, 2)].sightings == 4
    assert by_day[date(2026, 12, 2)].events[PromptEventType.SHOWN] == 5
    assert by_day[date(2026, 12, 3)].events[PromptEventType.OPENED] == 2
    # every hour from midnight on 27 November to now (15:30 on the 3rd), zeros included
    assert len(numbers.hours) == 6 * 24 + 16
    assert numbers.hours[0].start.isoformat() == "2026-11-27T00:00:00+01:00"
    assert numbers.sightings == 6 and numbers.events(PromptEventType.ACTED) == 1


def test_the_csv_files_have_their_documented_headers_and_a_row_per_hour_and_day() -> None:
    stats = _stats({datetime(2026, 12, 3, 9, 0, tzinfo=UTC): 7}, [(NOW, "shown", 3)])
    numbers = site_numbers(stats, BERLIN)
    hours = hours_csv(numbers)
    assert hours[0] == ["hour_start", "sightings", "advertisements"]
    assert ["2026-12-03T10:00:00+01:00", "7", "21"] in hours and len(hours) == 1 + len(numbers.hours)
    days = days_csv(numbers)
    assert days[0] == ["date", "sightings", "shown", "opened", "dismissed", "acted"]
    assert days[-1] == ["2026-12-03", "7", "3", "0", "0", "0"] and len(days) == 8


def _parse(chart: BarChart) -> ET.Element:
    root = ET.fromstring(str(bar_chart(chart)))
    assert root.get("role") == "img"
    labelled = (root.get("aria-labelledby") or "").split()
    ids = {e.get("id"): e for e in root.iter() if e.get("id")}
    assert [ids[i].tag for i in labelled] == [SVG + "title", SVG + "desc"]
    return root


def test_a_chart_has_a_bar_per_value_above_zero_as_tall_as_its_value() -> None:
    chart = BarChart(
        id="c",
        title="Prompts per day",
        desc="Shown 13 times",
        labels=["Mon", "Tue", "Wed <b>"],
        series=[Series("shown", [4, 0, 9]), Series("acted", [2, 1, 0])],
        ticks=[0, 1, 2],
        empty="none yet",
    )
    root = _parse(chart)
    bars = [r for r in root.iter(SVG + "rect") if r.get("class") == "bar"]
    assert [b.findtext(SVG + "title") for b in bars] == [
        "Mon: 4 shown", "Wed <b>: 9 shown", "Mon: 2 acted", "Tue: 1 acted",
    ]  # fmt: skip
    heights = [float(b.get("height", "")) for b in bars]
    top = nice_top(9)
    assert top == 10
    assert [round(h / heights[1] * 9, 1) for h in heights] == [4, 9, 2, 1]
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "Wed <b>" in texts and "shown" in texts and "acted" in texts  # labels and legend as text
    assert "none yet" not in texts
    # told apart without colour: solid, hatched
    assert {bars[0].get("fill"), bars[2].get("fill")} == {"#1b1b1b", "url(#c-hatched)"}


def test_an_empty_chart_says_so_and_draws_no_bars() -> None:
    chart = BarChart(
        "e", "Sightings", "0 sightings", ["a", "b"], [Series("s", [0, 0])], [0], "No sightings yet"
    )
    root = _parse(chart)
    assert not [r for r in root.iter(SVG + "rect") if r.get("class") == "bar"]
    assert "No sightings yet" in [t.text for t in root.iter(SVG + "text")]
    nothing = BarChart("n", "Sightings", "none", [], [Series("s", [])], [], "No sightings yet")
    assert "No sightings yet" in [t.text for t in _parse(nothing).iter(SVG + "text")]


def test_nice_tops() -> None:
    assert [nice_top(v) for v in (0, 1, 3, 7, 10, 11, 180, 4000)] == [1, 1, 5, 10, 10, 20, 200, 5000]


async def _site_with_numbers(backend: Backend) -> int:
    backend.clock.now = NOW.timestamp()
    site, token, keys = await agent_site(backend, minors=2)
    batch = {
        "batch_id": str(uuid.uuid4()),
        "sightings": [
            sighting(keys[0], NOW),
            sighting(keys[1], NOW),
            sighting(keys[0], NOW - timedelta(days=2)),
        ],
    }
    headers = {"Authorization": f"Bearer {token}"}
    await backend.json("POST", "/v1/agent/sightings", 200, json=batch, headers=headers)
    prompts = await backend.json("GET", f"/v1/admin/sites/{site}/prompts", 200)
    prompt_id = prompts["prompts"][0]["id"]
    for kind in ("shown", "shown", "opened", "acted"):
        async with backend.client.post(f"/v1/prompts/{prompt_id}/events", json={"type": kind}) as response:
            assert response.status == 204
    return int(site)


def _charts(html: str) -> dict[str, ET.Element]:
    found = {}
    for start in range(len(html)):
        start = html.find("<svg", start)
        if start < 0:
            break
        end = html.index("</svg>", start) + len("</svg>")
        root = ET.fromstring(html[start:end])
        found[root.findtext(SVG + "title") or ""] = root
        if len(found) == 2:
            break
    return found


def _bar_titles(root: ET.Element) -> list[str]:
    return [r.findtext(SVG + "title") or "" for r in root.iter(SVG + "rect") if r.get("class") == "bar"]


async def test_the_numbers_page_charts_tables_and_csv(backend: Backend) -> None:
    site = await _site_with_numbers(backend)
    await sign_up(backend.client, await setup_path(backend))
    html = await get(backend.client, f"/manage/sites/{site}/numbers?lang=en")
    charts = _charts(html)
    sightings = charts["Sightings per hour, last 7 days"]
    assert _bar_titles(sightings) == ["01 Dec 15:00: 1", "03 Dec 15:00: 2"]
    prompts = charts["Prompts per day, last 7 days"]
    assert _bar_titles(prompts) == ["03 Dec: 2 shown", "03 Dec: 1 opened", "03 Dec: 1 link followed"]
    assert "Shown 2 times, opened 1 times, link followed 1 times, dismissed 0 times" in html
    assert "<td>03 Dec 15:00</td><td>2</td>" in html  # the table alternative
    month = _charts(await get(backend.client, f"/manage/sites/{site}/numbers?days=30&lang=en"))
    assert "Sightings per hour, last 30 days" in month
    async with backend.client.get(f"/manage/sites/{site}/numbers.csv?days=7&per=day") as response:
        assert response.status == 200 and response.content_type == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows[0] == ["date", "sightings", "shown", "opened", "dismissed", "acted"]
    assert rows[-1] == ["2026-12-03", "2", "2", "1", "0", "1"] and rows[-3][:2] == ["2026-12-01", "1"]
    async with backend.client.get(f"/manage/sites/{site}/numbers.csv?days=30&per=hour") as response:
        hours = list(csv.reader(io.StringIO(await response.text())))
    assert len(hours) == 1 + 29 * 24 + 16 and ["2026-12-03T15:00:00+01:00", "2", "6"] in hours
    async with backend.client.get(f"/manage/sites/{site}/numbers.csv?per=week") as response:
        assert response.status == 400


async def test_a_new_site_shows_honest_empty_charts(backend: Backend) -> None:
    site, _token, _keys = await agent_site(backend, minors=1)
    await sign_up(backend.client, await setup_path(backend))
    html = await get(backend.client, f"/manage/sites/{site}/numbers")
    charts = _charts(html)
    assert set(charts) == {"Sichtungen pro Stunde, letzte 7 Tage", "Aufrufe pro Tag, letzte 7 Tage"}
    assert all(not _bar_titles(c) for c in charts.values())
    assert "Noch keine Sichtungen" in html and "Noch keine Aufrufe gezeigt" in html


async def test_another_organisations_numbers_are_not_found(backend: Backend, make_backend: Any) -> None:
    site, _token, _keys = await agent_site(backend, minors=1)
    other_key = await backend.new_org()
    other = await backend.json(
        "POST", "/v1/admin/sites", 201, key=other_key, json={"name": "Tafel", "lat": 1, "lon": 1}
    )
    await sign_up(backend.client, await setup_path(backend))
    await get(backend.client, f"/manage/sites/{site}/numbers", 200)
    await get(backend.client, f"/manage/sites/{other['id']}/numbers", 404)
    await get(backend.client, f"/manage/sites/{other['id']}/numbers.csv", 404)


async def test_a_viewer_reads_the_numbers(backend: Backend) -> None:
    site, _token, _keys = await agent_site(backend, minors=1)
    await sign_up(backend.client, await invite_path(backend, "vera@example.org", "viewer"))
    assert "Sichtungen pro Stunde" in await get(backend.client, f"/manage/sites/{site}/numbers")


async def test_the_numbers_page_in_a_browser_at_both_widths(backend: Backend, browser: Any) -> None:
    site = await _site_with_numbers(backend)
    page = await browser.new_page(locale="de-DE")
    await page.goto(str(backend.client.make_url(await setup_path(backend))))
    await page.get_by_label("Neues Passwort").fill(PASSWORD)
    await page.get_by_label("Passwort wiederholen").fill(PASSWORD)
    await page.get_by_role("button", name="Passwort speichern und anmelden").click()
    await page.wait_for_url("**/manage/")
    signed_in = await page.context.storage_state()
    url = str(backend.client.make_url(f"/manage/sites/{site}/numbers"))
    phone = await look(browser, url, "manage-numbers-phone", storage_state=signed_in, locale="de-DE")
    chart = phone.get_by_role("img", name="Sichtungen pro Stunde, letzte 7 Tage")
    assert await chart.count() == 1
    await phone.get_by_text("Als Tabelle zeigen").first.click()
    assert await phone.get_by_role("cell", name="03.12. 15:00").is_visible()
    await check(phone, "manage-numbers-table-phone")
    await phone.get_by_label("E-Mail-Adressen für Warnungen").fill("anna@example.org\nben@example.org")
    await phone.get_by_role("button", name="Kontakte speichern").click()
    await phone.wait_for_url("**done=contacts**")
    assert await phone.get_by_text("Die Kontakte sind gespeichert.").is_visible()
    await phone.get_by_label("Adresse des Webhooks").fill("https://hooks.example.org/nahbei")
    await phone.get_by_role("button", name="Speichern, neues Geheimnis erzeugen").click()
    assert (await phone.locator("code.secret").first.inner_text()).startswith("nbw_")
    await check(phone, "manage-numbers-alerts-phone")
    await look(
        browser, url + "?days=30&lang=en", "manage-numbers-desktop", phone=False, storage_state=signed_in
    )
