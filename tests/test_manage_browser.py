"""The staff pages in a real browser (Debian's chromium), at a phone's and a desktop's width, each
checked with axe-core: the journey from the setup link to the dashboard, out and in again, a wrong
password, and the members and keys pages. Screenshots land in var/screenshots/manage-*.png."""

from __future__ import annotations

from typing import Any

from tests.browser import SCREENSHOTS, look
from tests.conftest import SITE, Backend
from tests.manage_helpers import PASSWORD, setup_path


async def _with_a_site_needing_attention(backend: Backend) -> None:
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    base = f"/v1/admin/sites/{site['id']}"
    await backend.json(
        "POST", f"{base}/beacons", 201, json={"kind": "ibeacon", "allocate": True, "label": "Eingang"}
    )
    await backend.json("POST", f"{base}/agents", 201, json={"name": "Pi im Flur"})
    await backend.json("POST", "/v1/admin/sites", 201, json={**SITE, "name": "Laden <b>am</b> Markt"})


async def test_setup_link_password_dashboard_logout_login(backend: Backend, browser: Any) -> None:
    await _with_a_site_needing_attention(backend)
    url = str(backend.client.make_url(await setup_path(backend)))
    page = await look(browser, url, "manage-setup-phone", locale="de-DE")
    await page.get_by_label("Neues Passwort").fill(PASSWORD)
    await page.get_by_label("Passwort wiederholen").fill(PASSWORD)
    await page.get_by_role("button", name="Passwort speichern und anmelden").click()
    await page.wait_for_url("**/manage/")
    assert await page.locator("h1").inner_text() == "Hospiz am Park e.V."
    body = await page.locator("main").inner_text()
    assert (
        "Beacon „Eingang“ wurde noch nie gehört." in body
        and "Agent „Pi im Flur“ hat sich noch nie gemeldet." in body
    )
    assert "Laden <b>am</b> Markt" in body  # shown as typed, not as markup
    signed_in = await page.context.storage_state()
    await look(
        browser, str(backend.client.make_url("/manage/")), "manage-dashboard-phone", storage_state=signed_in
    )
    await look(
        browser, str(backend.client.make_url("/manage/?lang=en")), "manage-dashboard-desktop", phone=False,
        storage_state=signed_in,
    )  # fmt: skip
    await page.get_by_role("button", name="Abmelden").click()
    await page.wait_for_url("**/manage/login")
    await page.goto(str(backend.client.make_url("/manage/")))
    assert page.url.endswith("/manage/login")  # signed out: the dashboard sends to the login
    login = await look(
        browser, str(backend.client.make_url("/manage/login")), "manage-login-phone", locale="de-DE"
    )
    await login.get_by_label("E-Mail-Adresse").fill("anna@example.org")
    await login.get_by_label("Passwort").fill("not the password")
    await login.get_by_role("button", name="Anmelden").click()
    alert = login.get_by_role("alert")
    assert "stimmen nicht" in await alert.inner_text()
    await login.screenshot(path=str(SCREENSHOTS / "manage-login-wrong-phone.png"), full_page=True)
    await login.get_by_label("Passwort").fill(PASSWORD)
    await login.get_by_role("button", name="Anmelden").click()
    await login.wait_for_url("**/manage/")
    assert await login.locator("h1").inner_text() == "Hospiz am Park e.V."


async def test_members_and_keys_pages_at_both_widths(backend: Backend, browser: Any) -> None:
    url = str(backend.client.make_url(await setup_path(backend)))
    page = await look(browser, url, "manage-setup-desktop", phone=False, locale="en-GB")
    assert await page.locator("h1").inner_text() == "Welcome! Choose your password"
    await page.get_by_label("New password").fill(PASSWORD)
    await page.get_by_label("Repeat the password").fill(PASSWORD)
    await page.get_by_role("button", name="Save the password and sign in").click()
    await page.wait_for_url("**/manage/")
    await page.goto(str(backend.client.make_url("/manage/members")))
    await page.get_by_label("E-mail address").fill("ben@example.org")
    await page.get_by_label("Role").select_option("viewer")
    await page.get_by_role("button", name="Invite").click()
    assert "/manage/invite/" in await page.locator("code.secret").inner_text()
    signed_in = await page.context.storage_state()
    for width, phone in (("phone", True), ("desktop", False)):
        shown = await look(
            browser, str(backend.client.make_url("/manage/members")), f"manage-members-{width}", phone=phone,
            storage_state=signed_in, locale="en-GB",
        )  # fmt: skip
        assert (
            "ben@example.org" not in await shown.locator("table").inner_text()
        )  # not a member until they follow
    await page.goto(str(backend.client.make_url("/manage/keys")))
    await page.get_by_label("Name").fill("Import script")
    await page.get_by_role("button", name="Create the key").click()
    secret = await page.locator("code.secret").inner_text()
    assert secret.startswith("nbk_")
    await page.screenshot(path=str(SCREENSHOTS / "manage-keys-secret-desktop.png"), full_page=True)
    for width, phone in (("phone", True), ("desktop", False)):
        shown = await look(
            browser, str(backend.client.make_url("/manage/keys")), f"manage-keys-{width}", phone=phone,
            storage_state=signed_in, locale="en-GB",
        )  # fmt: skip
        assert secret not in await shown.content()
    await page.get_by_role("button", name="Revoke: Import script").click()
    assert "has been revoked" in await page.locator("main").inner_text()
    await backend.json("GET", "/v1/admin/sites", 401, key=secret)
    await look(browser, str(backend.client.make_url("/manage/forgot")), "manage-forgot-phone", locale="de-DE")
