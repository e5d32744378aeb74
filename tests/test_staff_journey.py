"""The whole journey of a new organisation, as one person does it in a real browser (Debian's
chromium), clicking and typing only: the CLI's setup link → a password → the dashboard → a site →
a beacon → a prompt, published → an agent and its agent.toml. Then a phone at that beacon is shown
the prompt, and the agent's token from the downloaded file is accepted. Each page is walked at a
phone's width in German and looked at again at a desktop's width, each checked with axe-core.

The negative paths the issue lists are covered where the pages are tested: wrong password
(tests/test_manage_browser.py), expired link, missing CSRF, another organisation's URL and a viewer
trying to edit (tests/test_manage_accounts.py and the tests of each tab), a prompt with HTML in it
(tests/test_manage_prompts.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from beacon_agent.config import load_config
from tests.browser import DESKTOP, PHONE, check, look
from tests.conftest import Backend
from tests.manage_helpers import PASSWORD
from tests.test_cli_backend import run
from tests.test_manage_prompts import IB_UUID, resolved_titles

OWNER = "clara@tafel-nord.example"


def _create_org(db: Path) -> dict[str, Any]:
    """`nahbei-backend admin create-org` as an operator runs it: its JSON answer."""
    done = run("admin", "create-org", "Tafel Nord e.V.", "--db", str(db), "--owner-email", OWNER, "--json")
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


async def test_from_the_setup_link_to_a_phone_shown_the_prompt(
    backend: Backend, browser: Any, tmp_path: Path
) -> None:
    created = _create_org(Path(str(backend.settings.db)))
    assert "setup_url" in created and "admin_key" in created
    url = backend.client.make_url

    async def also_on_a_desktop(page: Any, name: str) -> None:
        """The page the person is on, checked at 360 px and opened again at a desktop's width."""
        await check(page, f"journey-{name}-phone", PHONE["width"])
        await look(
            browser, page.url, f"journey-{name}-desktop", phone=False, locale="de-DE",
            storage_state=await page.context.storage_state(),
        )  # fmt: skip

    # The setup link: choose a password, and land on the (empty) dashboard, signed in.
    page = await look(
        browser, str(url(urlsplit(created["setup_url"]).path)), "journey-setup-phone", locale="de-DE"
    )
    await page.get_by_label("Neues Passwort").fill(PASSWORD)
    await page.get_by_label("Passwort wiederholen").fill(PASSWORD)
    await page.get_by_role("button", name="Passwort speichern und anmelden").click()
    await page.wait_for_url("**/manage/")
    assert await page.locator("h1").inner_text() == "Tafel Nord e.V."
    await also_on_a_desktop(page, "dashboard-empty")

    # A site, its position typed in.
    await page.get_by_role("link", name="Neuen Standort anlegen").click()
    await page.wait_for_url("**/manage/sites/new")
    await page.get_by_label("Name", exact=True).fill("Tafel am Markt")
    await page.get_by_label("Breitengrad").fill("53,5511")
    await page.get_by_label("Längengrad").fill("9.9937")
    await page.get_by_role("button", name="Standort anlegen").click()
    await page.wait_for_url("**/manage/sites/*?done=created")
    site = re.search(r"/manage/sites/(\d+)", page.url)
    assert site is not None
    await also_on_a_desktop(page, "site")

    # A beacon by its kind and identifiers.
    await page.get_by_role("link", name="Beacons").click()
    await page.get_by_text("iBeacon (UUID, Major, Minor)").click()
    await page.locator("#ibeacon-uuid").fill(IB_UUID)
    await page.locator("#ibeacon-major").fill("7")
    await page.locator("#ibeacon-minor").fill("1")
    await page.locator("#ibeacon-label").fill("Eingang")
    await page.get_by_role("button", name="Beacon eintragen").first.click()
    assert "Der Beacon ist eingetragen." in await page.get_by_role("status").inner_text()
    await also_on_a_desktop(page, "beacons")

    # A prompt, saved as a draft (a phone is not shown it yet), then published.
    await page.get_by_role("link", name="Aufrufe").click()
    await page.get_by_role("link", name="Neuer Aufruf").click()
    german = page.get_by_role("group", name="Deutsch")
    await german.get_by_label("Titel").fill("Helfen beim Sortieren")
    await german.get_by_label("Text").fill("Samstags sortieren wir Spenden. Eine Stunde hilft schon.")
    await page.get_by_label("Link des Knopfs").fill("https://tafel-nord.example/helfen")
    await page.get_by_label("Wie nah (Meter)").fill("20")
    await page.get_by_role("button", name="Als Entwurf speichern").click()
    await page.wait_for_url(re.compile(r"done=created$"))
    assert await resolved_titles(backend) == []
    await page.get_by_role("button", name="Veröffentlichen: Helfen beim Sortieren").click()
    await page.wait_for_url(re.compile(r"done=published$"))
    assert "Der Aufruf ist veröffentlicht." in await page.get_by_role("status").inner_text()
    await also_on_a_desktop(page, "prompt")

    # An agent: its token once, and agent.toml to download.
    await page.get_by_role("link", name="Agenten").click()
    await page.get_by_label("Name").fill("Pi im Lager")
    await page.get_by_role("button", name="Agenten anlegen").click()
    token = await page.locator("code.secret").inner_text()
    await check(page, "journey-agent-created-phone", PHONE["width"])
    await page.set_viewport_size(DESKTOP)
    await check(page, "journey-agent-created-desktop", DESKTOP["width"])
    async with page.expect_download() as event:
        await page.get_by_role("link", name="agent.toml herunterladen").click()
    saved = tmp_path / "agent.toml"
    await (await event.value).save_as(str(saved))
    config = load_config(saved, {})
    assert config.backend.token.get_secret_value() == token

    # A phone at the beacon is shown the prompt; the agent's downloaded token is accepted.
    assert await resolved_titles(backend) == ["Helfen beim Sortieren"]
    beat = {"version": "0.1.0", "uptime_s": 3.0, "scanner": "scanning", "outbox_depth": 0, "dropped": 0}
    headers = {"Authorization": f"Bearer {config.backend.token.get_secret_value()}"}
    async with backend.client.post("/v1/agent/heartbeat", json=beat, headers=headers) as response:
        assert response.status == 200, await response.text()
    async with backend.client.post("/v1/agent/heartbeat", json=beat) as response:
        assert response.status == 401  # without the token: refused, so the 200 above is the token's
    await page.set_viewport_size(PHONE)
    await page.get_by_role("link", name="Agenten").click()  # not reload: that would post the form again
    await page.wait_for_url("**/agents")
    assert "Agenten (1)" in await page.locator("main").inner_text()
    assert "Online" in await page.locator("main").inner_text()  # the heartbeat just sent
    await also_on_a_desktop(page, "agents")
