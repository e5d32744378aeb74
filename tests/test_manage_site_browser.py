"""A site made in a real browser (Debian's chromium), at a phone's and a desktop's width: by clicking
the map, and with "use my current position"; then its settings page and the dashboard's map. The
tiles come from a local aiohttp server (there is no internet in tests), which counts the tiles it
served. Every page is checked with axe; screenshots land in var/screenshots/manage-site-*.png."""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from backend.street_exponent import MIN_SAMPLES
from tests.browser import PHONE, SCREENSHOTS, check, look
from tests.conftest import SITE, Backend, BackendFactory
from tests.manage_helpers import PASSWORD, invite_path, setup_path
from tests.test_api_public import METRES_PER_DEGREE, ibeacon, key, resolve, site_with


def _tile_png() -> bytes:
    """A 256 px map tile: pale paper with a grid line at its edges, so the screenshots show tiles."""
    rows = []
    for y in range(256):
        line = bytearray([0])  # no filter
        for x in range(256):
            edge = x == 0 or y == 0
            line += bytes((200, 208, 204) if edge else (236, 240, 237))
        rows.append(bytes(line))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


class Tiles:
    """A tile server on 127.0.0.1 that remembers which tiles it served."""

    def __init__(self) -> None:
        self.served: list[str] = []
        self.template = ""


@pytest.fixture
async def tiles() -> AsyncIterator[Tiles]:
    served = Tiles()
    png = _tile_png()

    async def tile(request: web.Request) -> web.Response:
        served.served.append(request.path)
        return web.Response(body=png, content_type="image/png")

    app = web.Application()
    app.router.add_get("/{z}/{x}/{y}.png", tile)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    served.template = f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"
    try:
        yield served
    finally:
        await runner.cleanup()


async def _signed_in(backend: Backend, browser: Any, locale: str) -> dict[str, Any]:
    """An owner who followed the setup link: the browser state to open further pages with."""
    context = await browser.new_context(locale=locale)
    page = await context.new_page()
    await page.goto(str(backend.client.make_url(await setup_path(backend))))
    await page.locator("input[type=password]").nth(0).fill(PASSWORD)
    await page.locator("input[type=password]").nth(1).fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url("**/manage/")
    state: dict[str, Any] = await context.storage_state()
    await context.close()
    return state


async def _site(backend: Backend, name: str) -> dict[str, Any]:
    sites = (await backend.json("GET", "/v1/admin/sites", 200))["sites"]
    [site] = [s for s in sites if s["name"] == name]
    return dict(site)


@pytest.mark.parametrize("width", ["phone", "desktop"])
async def test_a_site_made_by_clicking_the_map_and_with_my_position(
    make_backend: BackendFactory, browser: Any, tiles: Tiles, width: str
) -> None:
    from playwright.async_api import expect

    backend = await make_backend(map_tiles=tiles.template)
    phone = width == "phone"
    signed_in = await _signed_in(backend, browser, "de-DE")
    new = str(backend.client.make_url("/manage/sites/new"))

    # By clicking the map: the click fills the coordinate fields, which are what is stored.
    page = await look(
        browser, new, f"manage-site-new-{width}", phone=phone, storage_state=signed_in, locale="de-DE"
    )
    await page.locator(".leaflet-tile-loaded").first.wait_for()
    assert tiles.served and all(p.endswith(".png") for p in tiles.served)
    await expect(page.get_by_role("button", name="Vergrößern")).to_be_visible()  # the controls speak German
    await page.get_by_role("button", name="Standort anlegen").click()  # nothing filled in yet
    summary = page.get_by_role("alert")
    assert "Name: Geben Sie einen Namen ein" in await summary.inner_text()
    assert "Breitengrad: Eine Zahl von -90 bis 90" in await summary.inner_text()
    await check(page, f"manage-site-new-errors-{width}", page.viewport_size["width"])
    await page.get_by_label("Name", exact=True).fill("Hospiz am Park")
    await page.get_by_role("region", name="Karte: ein Klick setzt die Position").click()
    await expect(page.locator("#lat")).not_to_have_value("")
    lat, lon = (
        float(await page.locator("#lat").input_value()),
        float(await page.locator("#lon").input_value()),
    )
    assert abs(lat - 51.16) < 1 and abs(lon - 10.45) < 1  # the middle of the map it opened on
    await check(page, f"manage-site-new-clicked-{width}", page.viewport_size["width"])
    await page.get_by_role("button", name="Standort anlegen").click()
    await page.wait_for_url("**/manage/sites/*?done=created")
    site = await _site(backend, "Hospiz am Park")
    assert (round(site["lat"], 6), round(site["lon"], 6)) == (round(lat, 6), round(lon, 6))
    base = f"/v1/admin/sites/{site['id']}"
    await backend.json(
        "POST", f"{base}/beacons", 201, json={"kind": "ibeacon", "allocate": True, "label": "Eingang"}
    )
    await backend.json("POST", f"{base}/agents", 201, json={"name": "Pi im Flur"})
    await page.reload()
    await page.get_by_label("Agent „Pi im Flur“ bis Beacon „Eingang“ (m)").fill("4")
    await page.get_by_role("button", name="Entfernungsmodell speichern").click()
    await page.wait_for_url("**/manage/sites/*?done=distances*")
    assert "Die Agenten sammeln noch Messungen" in await page.locator(".fit").inner_text()
    await check(page, f"manage-site-settings-{width}", page.viewport_size["width"])

    # With "use my current position": staff standing at the door.
    here = await look(
        browser, new, f"manage-site-new-here-{width}", phone=phone, storage_state=signed_in, locale="en-GB",
        geolocation={"latitude": 52.520008, "longitude": 13.404954}, permissions=["geolocation"],
    )  # fmt: skip
    await here.get_by_label("Name", exact=True).fill("Tafel am Markt")
    await here.get_by_role("button", name="Use my current position").click()
    await expect(here.locator("#lat")).to_have_value("52.520008")
    await expect(here.locator("#lon")).to_have_value("13.404954")
    await expect(here.get_by_role("status").filter(has_text="Position filled in")).to_be_visible()
    await here.get_by_role("button", name="Create the site").click()
    await here.wait_for_url("**/manage/sites/*?done=created")
    site = await _site(backend, "Tafel am Markt")
    assert (site["lat"], site["lon"]) == (52.520008, 13.404954)

    # The dashboard marks both sites on its map, each marker linking to its site.
    dashboard = await look(
        browser, str(backend.client.make_url("/manage/?lang=en")), f"manage-dashboard-map-{width}", phone=phone,
        storage_state=signed_in,
    )  # fmt: skip
    markers = dashboard.locator(".leaflet-marker-icon")
    await expect(markers).to_have_count(2)
    await dashboard.get_by_role("img", name="Tafel am Markt").click()
    link = dashboard.locator(".leaflet-popup-content a")
    assert await link.inner_text() == "Tafel am Markt"
    assert (await link.get_attribute("href") or "").endswith(f"/manage/sites/{site['id']}")


async def test_without_javascript_the_coordinates_are_typed_and_no_tile_is_asked_for(
    make_backend: BackendFactory, browser: Any, tiles: Tiles
) -> None:
    backend = await make_backend(map_tiles=tiles.template)
    signed_in = await _signed_in(backend, browser, "de-DE")
    # axe runs as a script, so this page is looked at without it (the one above is checked with it).
    context = await browser.new_context(
        viewport=PHONE, storage_state=signed_in, locale="de-DE", java_script_enabled=False
    )
    page = await context.new_page()
    await page.goto(str(backend.client.make_url("/manage/sites/new")))
    await page.screenshot(path=str(SCREENSHOTS / "manage-site-new-nojs-phone.png"), full_page=True)
    assert not await page.get_by_role("button", name="Meine aktuelle Position verwenden").is_visible()
    await page.get_by_label("Name", exact=True).fill("Sportverein Nord")
    await page.get_by_label("Breitengrad").fill("53,5511")
    await page.get_by_label("Längengrad").fill("9.9937")
    await page.get_by_role("button", name="Standort anlegen").click()
    await page.wait_for_url("**/manage/sites/*?done=created")
    site = await _site(backend, "Sportverein Nord")
    assert (site["lat"], site["lon"]) == (53.5511, 9.9937)
    assert not tiles.served  # the map is only drawn by the script
    await context.close()


async def test_a_viewer_sees_the_site_and_its_place_on_the_map_without_a_form(
    make_backend: BackendFactory, browser: Any, tiles: Tiles
) -> None:
    from playwright.async_api import expect

    backend = await make_backend(map_tiles=tiles.template)
    site = await backend.json(
        "POST", "/v1/admin/sites", 201, json={**SITE, "opening_hours": "Sa 8\u201312 Uhr"}
    )
    context = await browser.new_context(locale="en-GB")
    page = await context.new_page()
    await page.goto(str(backend.client.make_url(await invite_path(backend, "vera@example.org", "viewer"))))
    await page.locator("input[type=password]").nth(0).fill(PASSWORD)
    await page.locator("input[type=password]").nth(1).fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url("**/manage/")
    signed_in = await context.storage_state()
    await context.close()
    shown = await look(
        browser, str(backend.client.make_url(f"/manage/sites/{site['id']}")), "manage-site-viewer-desktop",
        phone=False, storage_state=signed_in, locale="en-GB",
    )  # fmt: skip
    await expect(shown.get_by_role("img", name="Position")).to_be_visible()
    assert "Sa 8\u201312 Uhr" in await shown.locator("dl.facts").inner_text()
    assert await shown.locator("form[method=post] button[type=submit]").count() == 1  # only "Sign out"


@pytest.mark.parametrize("width", ["phone", "desktop"])
async def test_staff_see_in_words_that_the_n_in_use_was_learnt_from_passers_by(
    make_backend: BackendFactory, browser: Any, width: str
) -> None:
    """Two sites 40 m apart; phones between them teach the street's n (`backend/street_exponent.py`),
    and the settings page says so: the n in use and where it came from."""
    backend = await make_backend(faint_rssi_dbm=-127)
    a = await site_with(backend)
    b = await site_with(backend, {**SITE, "name": "Tafel", "lat": SITE["lat"] + 40.0 / METRES_PER_DEGREE})  # type: ignore[operator]
    await backend.json("POST", f"/v1/admin/sites/{a}/beacons", 201, json=ibeacon(1))
    await backend.json("POST", f"/v1/admin/sites/{b}/beacons", 201, json=ibeacon(2))
    for i in range(MIN_SAMPLES):  # a street of n = 2.5, whole dBm as phones send them
        near, far = 8.0 + i, 32.0 - i
        await resolve(
            backend,
            {"beacon": key(1), "rssi": round(-59 - 25.0 * math.log10(near))},
            {"beacon": key(2), "rssi": round(-59 - 25.0 * math.log10(far))},
        )
    signed_in = await _signed_in(backend, browser, "en-GB")
    page = await look(
        browser, str(backend.client.make_url(f"/manage/sites/{a}")), f"manage-site-street-n-{width}",
        phone=width == "phone", storage_state=signed_in, locale="en-GB",
    )  # fmt: skip
    told = await page.locator("body").inner_text()
    assert "learnt from passers-by between your site and its neighbours" in told, told
