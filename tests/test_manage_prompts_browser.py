"""The prompts tab in a real browser (Debian's chromium), at a phone's and a desktop's width, checked
with axe-core: a coordinator fills in the form, watches the phone preview follow each keystroke and
language, saves, publishes, and a phone at the beacon is then shown the prompt.
Screenshots: var/screenshots/manage-prompt-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser import PHONE, check, look
from tests.conftest import SITE, Backend
from tests.manage_helpers import PASSWORD, setup_path
from tests.test_manage_prompts import IB_UUID, resolved_titles

# Each width in the page language a person there would likely have.
WIDTHS = {
    "phone": {"phone": True, "locale": "de-DE"},
    "desktop": {"phone": False, "locale": "en-GB"},
}
SAY = {
    "phone": {
        "password": "Neues Passwort",
        "repeat": "Passwort wiederholen",
        "sign_up": "Passwort speichern und anmelden",
        "title": "Titel",
        "body": "Text",
        "label": "Beschriftung des Knopfs",
        "link": "Link des Knopfs",
        "near": "Wie nah (Meter)",
        "create": "Als Entwurf speichern",
        "publish": "Veröffentlichen",
        "four_shops": "Etwa vier Ladenfronten",
        "published": "Der Aufruf ist veröffentlicht.",
    },
    "desktop": {
        "password": "New password",
        "repeat": "Repeat the password",
        "sign_up": "Save the password and sign in",
        "title": "Title",
        "body": "Text",
        "label": "Button label",
        "link": "Button link",
        "near": "How near (metres)",
        "create": "Save as draft",
        "publish": "Publish",
        "four_shops": "About four shop fronts",
        "published": "The prompt is published.",
    },
}


@pytest.mark.parametrize("width", ["phone", "desktop"])
async def test_fill_in_watch_the_preview_publish_and_a_phone_is_shown_it(
    backend: Backend, browser: Any, width: str
) -> None:
    say, options = SAY[width], WIDTHS[width]
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    beacon = {"kind": "ibeacon", "uuid": IB_UUID, "major": 7, "minor": 1, "tx_power": -59}
    await backend.json("POST", f"/v1/admin/sites/{site['id']}/beacons", 201, json=beacon)
    setup = await look(
        browser,
        str(backend.client.make_url(await setup_path(backend))),
        f"manage-prompt-setup-{width}",
        **options,
    )
    await setup.get_by_label(say["password"]).fill(PASSWORD)
    await setup.get_by_label(say["repeat"]).fill(PASSWORD)
    await setup.get_by_role("button", name=say["sign_up"]).click()
    await setup.wait_for_url("**/manage/")
    signed_in = await setup.context.storage_state()
    prompts = str(backend.client.make_url(f"/manage/sites/{site['id']}/prompts"))

    page = await look(
        browser, prompts + "/new", f"manage-prompt-new-{width}", storage_state=signed_in, **options
    )
    phone = page.locator("#preview [data-screen]")
    german = page.get_by_role("group", name="Deutsch" if width == "phone" else "German")
    empty = await phone.inner_text()
    await german.get_by_label(say["title"]).press_sequentially("Vorlesen im Hospiz")
    assert await phone.locator("article.card h2").inner_text() == "Vorlesen im Hospiz"
    assert await phone.locator("article.card .where").inner_text() == "Hospiz am Park"
    if width == "desktop":  # a 360 px screen with the app's padding: the card as wide as on a phone
        box = await phone.locator("article.card").bounding_box()
        assert box["width"] == 360 - 2 * 16
    await german.get_by_label(say["title"]).fill("")
    assert await phone.locator("article.card").count() == 0 and await phone.inner_text() == empty
    await german.get_by_label(say["title"]).fill("Vorlesen im Hospiz")
    await german.get_by_label(say["body"]).fill("Wir suchen Menschen, die vorlesen.\nEinmal die Woche.")
    assert await phone.locator(".body p").all_inner_texts() == [
        "Wir suchen Menschen, die vorlesen.",
        "Einmal die Woche.",
    ]
    assert await phone.locator("[data-slot=action]").is_hidden()  # no link, no button
    await page.get_by_label(say["link"]).fill("https://hospiz.example/lesen")
    button = phone.locator("[data-slot=action]")
    assert await button.inner_text() == "Mehr erfahren"  # the app's default label
    assert await button.get_attribute("href") == "https://hospiz.example/lesen"
    await german.get_by_label(say["label"]).fill("Mitmachen")
    assert await button.inner_text() == "Mitmachen"
    await page.get_by_label(say["near"]).fill("20")
    assert say["four_shops"] in await page.locator("#near-hint").inner_text()

    # The phone set to English: no English text yet, so the app shows the German one, and says so.
    await page.locator("#preview").get_by_role("link", name="English").click()
    assert await phone.locator("article.card").get_attribute("lang") == "de"
    assert await phone.locator("summary").inner_text() == "Read more"  # the app's own words, in English
    assert await page.locator("#preview-fallback").is_visible()
    english = page.get_by_role("group", name="Englisch" if width == "phone" else "English")
    await english.get_by_label(say["title"]).fill("Read aloud at the hospice")
    assert await phone.locator("article.card h2").inner_text() == "Read aloud at the hospice"
    assert await phone.locator("article.card").get_attribute("lang") == "en"
    assert await button.inner_text() == "Learn more"
    assert await page.locator("#preview-fallback").is_hidden()
    await check(page, f"manage-prompt-typing-{width}", 360 if width == "phone" else 1280)

    # A link that is not https: the form comes back with the problem on the field, nothing lost.
    await page.get_by_label(say["link"]).fill("http://hospiz.example/lesen")
    await page.get_by_role("button", name=say["create"]).click()
    alert = page.get_by_role("alert")
    assert "https" in await alert.inner_text()
    assert await page.get_by_label(say["link"]).get_attribute("aria-invalid") == "true"
    assert await german.get_by_label(say["title"]).input_value() == "Vorlesen im Hospiz"
    # Redrawn from what was typed, the phone still set to English.
    assert await phone.locator("article.card h2").inner_text() == "Read aloud at the hospice"
    await check(page, f"manage-prompt-problem-{width}", 360 if width == "phone" else 1280)
    await alert.get_by_role("link").click()
    assert await page.evaluate("document.activeElement.id") == "action_url"
    await page.get_by_label(say["link"]).fill("https://hospiz.example/lesen")
    await page.get_by_role("button", name=say["create"]).click()
    await page.wait_for_url(re.compile(r"done=created$"))
    assert await resolved_titles(backend) == []  # a draft
    await page.get_by_role("button", name=f"{say['publish']}: Vorlesen im Hospiz").click()
    await page.wait_for_url(re.compile(r"done=published$"))
    assert say["published"] in await page.get_by_role("status").inner_text()
    assert await resolved_titles(backend) == ["Vorlesen im Hospiz"]
    await check(page, f"manage-prompt-edit-{width}", 360 if width == "phone" else 1280)
    await look(browser, prompts, f"manage-prompts-{width}", storage_state=signed_in, **options)

    # The app on a phone at the site shows the card the preview showed: the same parts, the same look.
    app = await browser.new_context(
        viewport=PHONE,
        locale="de-DE",
        permissions=["geolocation"],
        geolocation={"latitude": SITE["lat"], "longitude": SITE["lon"], "accuracy": 5.0},
    )
    shown = await app.new_page()
    await shown.goto(str(backend.client.make_url("/app/")))
    in_app = shown.locator("article.card")
    await in_app.wait_for()
    await page.locator("#preview").get_by_role("link", name="Deutsch").click()
    in_preview = phone.locator("article.card")
    assert await in_app.locator("h2").inner_text() == await in_preview.locator("h2").inner_text()
    assert await in_app.evaluate(_PARTS) == await in_preview.evaluate(_PARTS)
    app_look, preview_look = await in_app.evaluate(_LOOK), await in_preview.evaluate(_LOOK)
    if width == "phone":  # the staff's own screen is 360 px: the frame in it is narrower than a phone
        app_look, preview_look = [x[:-1] for x in app_look], [x[:-1] for x in preview_look]
    assert app_look == preview_look
    await app.close()


# Every element of a card, by tag, class and slot; and how the card and its parts look.
_PARTS = "(card) => [...card.querySelectorAll('*')].map((n) => `${n.tagName}.${n.className}[${n.dataset.slot || ''}]`)"
_LOOK = """(card) => [card, ...card.querySelectorAll('h2, .where, summary, .button, button')].map((n) => {
  const s = getComputedStyle(n);
  const width = n.getBoundingClientRect().width;
  return [s.fontSize, s.fontWeight, s.color, s.backgroundColor, s.padding, s.borderRadius, width];
})"""
