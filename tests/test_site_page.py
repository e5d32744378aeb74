"""A site's public page and its action button's redirect, as a visitor's browser meets them."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from backend.demo import seed_demo
from backend.http.app import create_app
from tests.browser import look
from tests.conftest import SITE, Backend, BackendFactory, make_settings, prompt_body
from tests.manage_helpers import get, submit
from tests.stored import rows


async def _site_with_prompts(backend: Backend) -> tuple[dict[str, Any], dict[str, Any]]:
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    prompts = f"/v1/admin/sites/{site['id']}/prompts"
    published = await backend.json("POST", prompts, 201, json=prompt_body())
    await backend.json(
        "POST", prompts, 201, json=prompt_body(status="draft", texts={"de": {"title": "Entwurf"}})
    )
    return site, published


async def test_the_page_shows_who_the_site_is_and_its_prompts_now(backend: Backend) -> None:
    site, prompt = await _site_with_prompts(backend)
    async with backend.client.get(f"/s/{site['slug']}") as response:
        page = await response.text()
        assert response.status == 200
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "public, max-age=60"
        assert response.headers["Vary"] == "Accept-Language"
        assert response.headers["Content-Language"] == "de"
    assert "<h1>Hospiz am Park</h1>" in page and "Hospiz · Parkweg 1, Berlin" in page
    assert "Helfen Sie mit" in page and "Wir suchen Ehrenamtliche." in page
    assert f'href="/s/{site["slug"]}/go/{prompt["id"]}">Mehr</a>' in page
    assert "https://example.org/help" not in page  # the button's label, never the raw link
    assert "Entwurf" not in page
    assert f'href="/s/{site["slug"]}/privacy?lang=de"' in page
    assert "<script" not in page  # works without JavaScript: there is none

    async with backend.client.get(f"/s/{site['slug']}", headers={"Accept-Language": "en-GB"}) as response:
        english = await response.text()
    assert "How you can help right now" in english and "Help us" in english and ">More</a>" in english


async def test_a_prompt_with_html_shows_as_text(backend: Backend) -> None:
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    texts = {"de": {"title": "<script>alert(1)</script>", "body": "<b>fett</b>\nzweite Zeile"}}
    await backend.json("POST", f"/v1/admin/sites/{site['id']}/prompts", 201, json=prompt_body(texts=texts))
    async with backend.client.get(f"/s/{site['slug']}") as response:
        page = await response.text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;fett&lt;/b&gt;" in page and "<p>zweite Zeile</p>" in page


async def test_the_kept_page_follows_every_change_and_the_clock(backend: Backend) -> None:
    """The page is kept rendered, with the catalog's discipline: a change through this process shows
    at once, a prompt's schedule when it turns, and another process's change within the TTL."""
    schedule = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    prompts = f"/v1/admin/sites/{site['id']}/prompts"
    weekdays = await backend.json("POST", prompts, 201, json=prompt_body(schedule=schedule))
    page = f"/s/{site['slug']}"

    async def shown(**headers: str) -> str:
        async with backend.client.get(page, headers=headers) as response:
            assert response.status == 200
            return await response.text()

    backend.clock.now = datetime(2026, 11, 23, 15, 59, tzinfo=UTC).timestamp()  # Monday 16:59 in Berlin
    assert "Helfen Sie mit" in await shown()
    assert "Help us" in await shown(**{"Accept-Language": "en"})  # kept per reader's languages
    assert "Helfen Sie mit" in await shown()
    backend.clock.advance(60)  # 17:00: the schedule turns, and so does the kept page
    assert "Helfen Sie mit" not in await shown()

    backend.clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC).timestamp()  # Tuesday 09:00
    await backend.json("PATCH", f"{prompts}/{weekdays['id']}", 200, json={"texts": {"de": {"title": "Neu"}}})
    assert "Neu" in await shown()  # an admin change clears it at once

    # another process renames the site
    rows(backend.settings.db, "UPDATE sites SET name = 'Hospiz am See' WHERE id = ?", site["id"])
    assert "Hospiz am Park" in await shown()  # kept: this process cannot know yet
    backend.clock.advance(backend.settings.cache_ttl_s + 1)
    assert "Hospiz am See" in await shown()

    await backend.json("PATCH", f"/v1/admin/sites/{site['id']}", 200, json={"slug": "hospiz-am-see"})
    async with backend.client.get(page) as response:
        assert response.status == 404  # the old address is gone at once, not kept


async def test_no_site_no_page(backend: Backend) -> None:
    for path in (
        "/s/nobody-here",
        "/s/nobody-here/privacy",
        "/s/nobody-here/poster.svg",
        "/s/nobody-here/go/1",
    ):
        async with backend.client.get(path) as response:
            assert response.status == 404, path
            assert response.content_type == "text/html"


async def test_following_the_button_counts_acted_and_redirects(make_backend: BackendFactory) -> None:
    backend = await make_backend(max_event_rate_per_hour=2)
    site, prompt = await _site_with_prompts(backend)
    go = f"/s/{site['slug']}/go/{prompt['id']}"
    for _ in range(3):
        async with backend.client.get(go, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "https://example.org/help"
            assert response.headers["Cache-Control"] == "no-store"
            assert "Set-Cookie" not in response.headers
    stats = await backend.json("GET", f"/v1/admin/sites/{site['id']}/stats", 200)
    # The third is over the per-client cap: answered alike, not counted.
    assert [(e["type"], e["count"]) for e in stats["prompt_events"]] == [("acted", 2)]

    drafts = await backend.json("GET", f"/v1/admin/sites/{site['id']}/prompts", 200)
    draft = next(p for p in drafts["prompts"] if p["status"] == "draft")
    async with backend.client.get(f"/s/{site['slug']}/go/{draft['id']}", allow_redirects=False) as response:
        assert response.status == 404


async def test_the_site_page_in_a_browser(backend: Backend, browser: Any) -> None:
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    texts = {
        "de": {"title": "<script>alert(1)</script> Helfen Sie mit", "body": "Wir suchen Ehrenamtliche."},
        "en": {"title": "Help us", "body": "We need volunteers.", "action_label": "Join us"},
    }
    await backend.json("POST", f"/v1/admin/sites/{site['id']}/prompts", 201, json=prompt_body(texts=texts))
    url = str(backend.client.make_url(f"/s/{site['slug']}"))

    page = await look(browser, url, "site-phone-de", locale="de-DE")
    assert await page.locator("h1").inner_text() == "Hospiz am Park"
    assert await page.locator("h3").inner_text() == "<script>alert(1)</script> Helfen Sie mit"
    assert await page.get_by_role("link", name="Mehr erfahren").count() == 1  # the default label
    assert not await page.context.cookies()
    await page.get_by_role("link", name="Datenschutz").click()
    assert await page.locator("h1").inner_text() == "Datenschutzhinweise: Hospiz am Park"

    english = await look(browser, url + "?lang=en", "site-desktop-en", phone=False)
    assert await english.get_by_role("link", name="Join us").count() == 1
    assert not await english.context.cookies()
    await look(browser, url + "/privacy?lang=en", "privacy-phone-en")


async def test_the_demo_prints_the_app_a_site_page_and_a_staff_login_that_work(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db=tmp_path / "demo.db")
    out = io.StringIO()
    await seed_demo(settings, out)
    printed = out.getvalue()
    base = "http://127.0.0.1:8080"
    page = re.search(rf"page for passers-by: {base}(/s/[a-z0-9-]+)", printed)
    app = re.search(rf"web app for passers-by: {base}(/app/)", printed)
    login = re.search(rf"staff pages: {base}(/manage/login)  e-mail (\S+)  password (\S+)  \(a demo", printed)
    assert page and app and login, printed
    client = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
    await client.start_server()
    try:
        assert 'class="card"' in await get(client, page.group(1))
        assert "Hilfe in Ihrer Nähe" in await get(client, app.group(1))
        fields = {"email": login.group(2), "password": login.group(3)}
        dashboard = await submit(client, login.group(1), fields)
        assert "Hospiz am Rosental" in dashboard  # signed in, as the demo organisation's owner
    finally:
        await client.close()
