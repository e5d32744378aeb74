"""A site's beacons and agents tabs in a real browser (Debian's chromium), at a phone's and a desktop's
width, each state checked with axe-core: adding a beacon, importing a CSV file (a bad one first),
decommissioning one (asked first), creating an agent and downloading its agent.toml. Screenshots:
var/screenshots/manage-beacons-*.png and manage-agents-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.beacon_csv import EXAMPLE_CSV
from beacon_agent.config import load_config
from tests.browser import DESKTOP, check, look
from tests.conftest import SITE, Backend
from tests.manage_helpers import PASSWORD, setup_path

UUID = "f7826da6-4fa2-4e98-8024-bc5b71e0893e"


async def _signed_in(backend: Backend, browser: Any, locale: str) -> tuple[int, Any]:
    site_id: int = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    context = await browser.new_context(locale=locale)
    page = await context.new_page()
    await page.goto(str(backend.client.make_url(await setup_path(backend))))
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#repeat").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url("**/manage/")
    return site_id, await context.storage_state()


async def test_adding_a_beacon_and_importing_a_csv_file_at_a_phones_width(
    backend: Backend, browser: Any, tmp_path: Path
) -> None:
    site_id, signed_in = await _signed_in(backend, browser, "de-DE")
    url = str(backend.client.make_url(f"/manage/sites/{site_id}/beacons"))
    page = await look(browser, url, "manage-beacons-empty-phone", storage_state=signed_in, locale="de-DE")
    await page.get_by_text("iBeacon (UUID, Major, Minor)").click()
    await page.locator("#ibeacon-uuid").fill("not a uuid")
    await page.locator("#ibeacon-major").fill("7")
    await page.locator("#ibeacon-label").fill("Eingang")
    await page.locator("#ibeacon-label").press("Enter")
    assert "UUID: Das ist keine UUID" in await page.get_by_role("alert").inner_text()
    await check(page, "manage-beacons-wrong-phone")
    await page.locator("#ibeacon-uuid").fill(UUID)
    await page.locator("#ibeacon-minor").fill("1")
    await page.locator("#ibeacon-minor").press("Enter")
    assert "Der Beacon ist eingetragen." in await page.get_by_role("status").inner_text()
    assert "Eingang" in await page.locator("table").inner_text()

    bad = tmp_path / "bad.csv"
    bad.write_text(f"kind,label,uuid,major,minor\nibeacon,Hof,{UUID},100,70000\nibeacon,Tür,{UUID},7,1\n")
    await page.locator("#file").set_input_files(str(bad))
    await page.get_by_role("button", name="Datei prüfen und eintragen").click()
    alert = await page.get_by_role("alert").inner_text()
    assert "Nichts importiert" in alert and "Zeile 2, Minor" in alert and "Zeile 3:" in alert
    await check(page, "manage-beacons-import-refused-phone")
    good = tmp_path / "beacons.csv"
    good.write_text(EXAMPLE_CSV)
    await page.locator("#file").set_input_files(str(good))
    await page.get_by_role("button", name="Datei prüfen und eintragen").click()
    assert "5 Beacons aus der Datei sind eingetragen." in await page.get_by_role("status").inner_text()
    assert await page.locator("table tbody tr").count() == 6
    await check(page, "manage-beacons-phone")
    await page.get_by_role("button", name="Außer Betrieb nehmen: Garten").click()
    assert "Beacon „Garten“ wirklich außer Betrieb nehmen?" in await page.get_by_role("alert").inner_text()
    await check(page, "manage-beacons-confirm-phone")
    await page.get_by_role("button", name="Ja, außer Betrieb nehmen").click()
    assert "außer Betrieb genommen" in await page.get_by_role("status").inner_text()
    assert await page.locator("table tbody tr").count() == 5
    async with page.expect_download() as event:
        await page.get_by_text("Beispieldatei herunterladen").click()
    example = tmp_path / "example.csv"
    await (await event.value).save_as(str(example))
    assert (
        example.read_text() == EXAMPLE_CSV.replace("\r\n", "\n")
        or example.read_bytes() == EXAMPLE_CSV.encode()
    )


async def test_creating_an_agent_and_downloading_its_agent_toml_at_a_desktops_width(
    backend: Backend, browser: Any, tmp_path: Path
) -> None:
    site_id, signed_in = await _signed_in(backend, browser, "en-GB")
    await backend.json(
        "POST",
        f"/v1/admin/sites/{site_id}/beacons",
        201,
        json={"kind": "ibeacon", "allocate": True, "label": "Door"},
    )
    url = str(backend.client.make_url(f"/manage/sites/{site_id}/agents"))
    page = await look(
        browser, url, "manage-agents-empty-desktop", phone=False, storage_state=signed_in, locale="en-GB"
    )
    await page.get_by_label("Name").fill("Pi in the hall")
    await page.get_by_role("button", name="Create the agent").click()
    token = await page.locator("code.secret").inner_text()
    assert token.startswith("nba_")
    await check(page, "manage-agents-created-desktop", DESKTOP["width"])
    async with page.expect_download() as event:
        await page.get_by_role("link", name="Download agent.toml").click()
    download = await event.value
    assert download.suggested_filename == "agent.toml"
    saved = tmp_path / "agent.toml"
    await download.save_as(str(saved))
    assert load_config(saved, {}).backend.token.get_secret_value() == token
    await page.set_viewport_size({"width": 360, "height": 740})
    await check(page, "manage-agents-created-phone")
    shown = await look(browser, url, "manage-agents-phone", storage_state=signed_in, locale="en-GB")
    assert token not in await shown.content()
    assert "Never heard from" in await shown.locator("table").inner_text()
    beacons = str(backend.client.make_url(f"/manage/sites/{site_id}/beacons?lang=en"))
    await look(browser, beacons, "manage-beacons-desktop", phone=False, storage_state=signed_in)
