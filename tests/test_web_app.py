"""The web app `/app/` as a passer-by meets it: a phone at 360 px in Debian's chromium, its location
set and granted (or not), the backend real; and the files' headers, size budget and icons."""

from __future__ import annotations

import gzip
import re
import shutil
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from backend.web.app import APP_FILES, FOLDER, load_files
from benchmarks.http.app_shell import BUDGET_BYTES, transfer_sizes
from tests.browser import PHONE, check
from tests.conftest import SITE, Backend, prompt_body

LAT, LON = cast(float, SITE["lat"]), cast(float, SITE["lon"])
HOSPICE = {"latitude": LAT, "longitude": LON, "accuracy": 10.0}
# 2 km north of the hospice: outside the app's 500 m, a walk of half an hour.
FAR_AWAY = {"latitude": LAT + 0.018, "longitude": LON, "accuracy": 10.0}


async def _site_with_prompt(backend: Backend, **prompt: Any) -> tuple[int, int]:
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    made = await backend.json(
        "POST", f"/v1/admin/sites/{site['id']}/prompts", 201, json=prompt_body(**prompt)
    )
    return site["id"], made["id"]


async def _phone(browser: Any, *, where: dict[str, float] | None = HOSPICE, **context: Any) -> Any:
    granted = ["geolocation"] if where is not None else []
    options: dict[str, Any] = {"viewport": PHONE, "locale": "de-DE", "permissions": granted, **context}
    if where is not None:
        options["geolocation"] = where
    return await browser.new_context(**options)


async def _open(context: Any, url: str) -> Any:
    page = await context.new_page()
    await page.goto(url)
    await page.locator("#status").filter(has_text="Nähe").wait_for()  # looked and answered
    return page


async def test_at_the_hospice_its_prompt_shows_and_two_km_away_it_does_not(
    backend: Backend, browser: Any
) -> None:
    await _site_with_prompt(backend)
    url = str(backend.client.make_url("/app/"))
    here = await _phone(browser)
    page = await _open(here, url)
    card = page.locator("article.card")
    assert await card.count() == 1
    text = await card.inner_text()
    assert "Helfen Sie mit" in text and "Hospiz am Park" in text and "direkt hier" in text
    assert await card.get_by_role("link", name="Mehr").get_attribute("href") == "https://example.org/help"
    await check(page, "app-phone-here")
    await card.get_by_role("link", name="Hospiz am Park").click()  # the site's name opens its page
    await page.wait_for_url("**/s/hospiz-am-park?lang=de")
    assert await page.locator("h1").inner_text() == "Hospiz am Park"
    far = await _phone(browser, where=FAR_AWAY)
    page = await _open(far, url)
    assert await page.locator("article.card").count() == 0
    assert "braucht niemand" in await page.locator("#status").inner_text()


async def test_walking_closer_shows_the_distance_in_words_and_english_on_request(
    backend: Backend, browser: Any
) -> None:
    await _site_with_prompt(backend)
    context = await _phone(browser, where={"latitude": LAT + 0.0011, "longitude": LON, "accuracy": 10})
    page = await _open(context, str(backend.client.make_url("/app/")))
    assert "etwa 100 m entfernt" in await page.locator("article.card").inner_text()
    await page.get_by_role("button", name="English").click()
    await page.locator("article.card", has_text="Help us").wait_for()
    assert "about 100 m away" in await page.locator("article.card").inner_text()
    assert await page.evaluate("document.documentElement.lang") == "en"
    await page.get_by_text("Read more").click()
    await context.set_geolocation(HOSPICE)  # 120 m on: a real move, so the app asks again
    await page.locator("article.card", has_text="right here").wait_for()
    assert await page.locator("article.card details").get_attribute("open") is not None  # still reading


async def test_not_interested_stays_hidden_through_a_reload(backend: Backend, browser: Any) -> None:
    await _site_with_prompt(backend)
    context = await _phone(browser)
    page = await _open(context, str(backend.client.make_url("/app/")))
    await page.get_by_role("button", name="Kein Interesse").click()
    assert await page.locator("article.card").count() == 0
    await page.reload()
    await page.locator("#status").filter(has_text="Nähe").wait_for()
    assert await page.locator("article.card").count() == 0
    assert "nahbei.hidden" in await page.evaluate("Object.keys(localStorage).join(' ')")


async def test_the_cooldown_holds_until_it_has_passed(backend: Backend, browser: Any) -> None:
    await _site_with_prompt(backend, cooldown_s=600)
    context = await _phone(browser)
    page = await context.new_page()
    await page.clock.install(time=datetime.now(UTC))
    url = str(backend.client.make_url("/app/"))
    await page.goto(url)
    await page.locator("article.card").wait_for()
    await page.reload()
    await page.locator("#paused").filter(has_text="pausiert").wait_for()
    assert await page.locator("article.card").count() == 0
    await page.clock.fast_forward("09:00")
    await page.reload()
    await page.locator("#paused").filter(has_text="pausiert").wait_for()
    await page.clock.fast_forward("01:05")  # 10 minutes and 5 seconds after it was shown
    await page.reload()
    await page.locator("article.card").wait_for()


async def test_at_most_six_new_requests_an_hour_whatever_the_sites(backend: Backend, browser: Any) -> None:
    site_id, _ = await _site_with_prompt(backend)
    for _ in range(6):
        await backend.json("POST", f"/v1/admin/sites/{site_id}/prompts", 201, json=prompt_body())
    context = await _phone(browser)
    page = await _open(context, str(backend.client.make_url("/app/")))
    assert await page.locator("article.card").count() == 6
    assert "genug gezeigt" in await page.locator("#paused").inner_text()
    # `shown` counts a card once it was half in view: the last ones only after scrolling down.
    in_view = await page.evaluate(
        "[...document.querySelectorAll('article.card')].filter((card) => {"
        " const box = card.getBoundingClientRect(); return box.top + box.height / 2 <= innerHeight; }).length"
    )
    assert 0 < in_view < 6
    await _until_shown(page, backend, site_id, in_view)
    await page.locator("article.card").last.scroll_into_view_if_needed()
    await _until_shown(page, backend, site_id, 6)


async def _until_shown(page: Any, backend: Backend, site_id: int, count: int) -> None:
    """Wait until `count` shown events have been counted, then a little longer: no more arrive."""
    for _ in range(100):
        if (await _counts(backend, site_id)).get("shown") == count:
            await page.wait_for_timeout(200)
            break
        await page.wait_for_timeout(50)
    assert (await _counts(backend, site_id)).get("shown") == count


async def _counts(backend: Backend, site_id: int) -> dict[str, int]:
    """The site's event counts by type, all its prompts together."""
    stats = await backend.json("GET", f"/v1/admin/sites/{site_id}/stats", 200)
    counts: dict[str, int] = {}
    for event in stats["prompt_events"]:
        counts[event["type"]] = counts.get(event["type"], 0) + event["count"]
    return counts


async def test_events_reach_the_sites_counts_and_nothing_else_leaves(backend: Backend, browser: Any) -> None:
    site_id, _ = await _site_with_prompt(backend)
    context = await _phone(browser)
    sent: list[str] = []
    context.on("request", lambda request: sent.append(f"{request.method} {request.url}"))
    page = await _open(context, str(backend.client.make_url("/app/")))
    await page.get_by_text("Mehr erfahren").click()
    async with context.expect_page() as opened:
        await page.get_by_role("link", name="Mehr").click()
    await (await opened.value).close()

    expected = {"shown": 1, "opened": 1, "acted": 1}
    for _ in range(100):
        if await _counts(backend, site_id) == expected:
            break
        await page.wait_for_timeout(50)
    assert await _counts(backend, site_id) == expected
    with_position = [line for line in sent if "lat=" in line]
    assert with_position and all("/v1/nearby?" in line for line in with_position)
    assert all("example.org" not in line or line.startswith("GET https://example.org/help") for line in sent)


async def test_offline_after_the_first_visit_the_shell_opens_and_says_so(
    backend: Backend, browser: Any
) -> None:
    await _site_with_prompt(backend)
    context = await _phone(browser)
    page = await _open(context, str(backend.client.make_url("/app/")))
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    await context.set_offline(True)
    await backend.client.close()  # no server at all: whatever opens now came from the service worker
    await page.reload()
    await page.locator("#offline").wait_for()
    assert "offline" in await page.locator("#offline").inner_text()
    assert await page.locator("h1").inner_text() == "Hilfe in Ihrer Nähe"
    assert "niemand" not in await page.locator("main").inner_text()  # no claim it cannot know
    await check(page, "app-phone-offline")


async def test_a_new_deployment_replaces_the_kept_shell(
    backend: Backend, browser: Any, tmp_path: Path
) -> None:
    """A changed shell means a new cache name in sw.js: the next visit shows the new shell, the new
    worker keeps it in place of the old one, and offline it is the new shell that opens."""
    await _site_with_prompt(backend)
    context = await _phone(browser)
    page = await _open(context, str(backend.client.make_url("/app/")))
    old = await page.evaluate(ACTIVATED)
    assert old == [await _cache_name(backend)]

    new_shell = tmp_path / "app"
    shutil.copytree(FOLDER, new_shell)
    index = new_shell / "index.html"
    index.write_text(index.read_text().replace("<title>", '<meta name="shell" content="new">\n  <title>'))
    backend.client.server.app[APP_FILES].update(load_files(new_shell))  # deployed: the server sends it
    new = await _cache_name(backend)
    assert new not in old

    await page.reload()
    assert await page.locator('meta[name="shell"]').count() == 1  # online: the new shell at once
    assert await page.evaluate(ACTIVATED) == [new]  # the old cache is gone, the new one kept
    await context.set_offline(True)
    await backend.client.close()
    await page.reload()
    await page.locator("#offline").wait_for()
    assert await page.locator('meta[name="shell"]').count() == 1  # offline: the kept copy is the new one


async def _cache_name(backend: Backend) -> str:
    """The cache the served sw.js keeps the shell in."""
    async with backend.client.get("/app/sw.js") as response:
        found = re.search(r'const VERSION = "([^"]+)"', await response.text())
    assert found is not None
    return found.group(1)


# Waits until the newest service worker is the active one and has tidied up, then names the caches.
ACTIVATED = """async () => {
  const registration = await navigator.serviceWorker.ready;
  await registration.update();
  const worker = registration.installing || registration.waiting || registration.active;
  if (worker.state !== "activated") {
    await new Promise((done) => worker.addEventListener("statechange", () => worker.state === "activated" && done()));
  }
  return caches.keys();
}"""


async def test_without_permission_it_asks_only_on_a_tap_and_explains_a_refusal(
    backend: Backend, browser: Any
) -> None:
    await _site_with_prompt(backend)
    context = await _phone(browser, where=None)  # headless chromium refuses location, as a visitor can
    page = await context.new_page()
    # Counts the app's calls for a position: the browser asks the visitor on the first of them.
    await page.add_init_script(
        "window.asked = 0; for (const name of ['getCurrentPosition', 'watchPosition']) {"
        " const real = navigator.geolocation[name].bind(navigator.geolocation);"
        " navigator.geolocation[name] = (...args) => { window.asked += 1; return real(...args); }; }"
    )
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto(str(backend.client.make_url("/app/")))
    look = page.get_by_role("button", name="Umgebung ansehen")
    await look.wait_for()
    assert await page.evaluate("window.asked") == 0
    assert "Standort" in await page.locator("#ask").inner_text()
    await check(page, "app-phone-ask")
    await look.click()
    await page.get_by_role("heading", name="Ohne Standort").wait_for()
    assert await page.evaluate("window.asked") == 1
    assert "QR-Code" in await page.locator("#denied").inner_text()
    assert not [url for url in requests if "/v1/" in url]
    await check(page, "app-phone-denied")


async def test_a_prompt_text_with_html_shows_as_text(backend: Backend, browser: Any) -> None:
    texts = {
        "de": {
            "title": "<b>Fett</b><img src=x onerror=alert(1)>",
            "body": "<i>x</i>",
            "action_label": "<u>Los</u>",
        }
    }
    await _site_with_prompt(backend, texts=texts)
    context = await _phone(browser)
    page = await _open(context, str(backend.client.make_url("/app/")))
    card = page.locator("article.card")
    assert await card.locator("h2").inner_text() == texts["de"]["title"]
    assert await card.locator("b, img, i, u").count() == 0
    assert await card.locator("a.button").inner_text() == "<u>Los</u>"
    await check(page, "app-phone-html")


# --- the files as the server sends them --------------------------------------------------------------


async def test_the_shell_is_within_its_budget_compressed(backend: Backend) -> None:
    sizes = await transfer_sizes(str(backend.client.make_url("")).rstrip("/"))
    wire = sum(sent for sent, _ in sizes.values())
    assert wire <= BUDGET_BYTES, f"the app shell takes {wire:,} bytes gzipped; the budget is {BUDGET_BYTES:,}"
    assert all(sent < unpacked for sent, unpacked in sizes.values())  # every file went compressed


async def test_the_files_carry_what_an_installable_app_needs(backend: Backend) -> None:
    client = backend.client
    async with client.get("/app/manifest.webmanifest") as response:
        assert response.headers["Content-Type"] == "application/manifest+json"
        manifest = await response.json(content_type=None)
    assert manifest["start_url"] == manifest["scope"] == "/app/"
    for icon in manifest["icons"]:
        async with client.get(icon["src"]) as response:
            assert response.status == 200 and response.headers["Content-Type"] == icon["type"]
            body = await response.read()
        if icon["type"] == "image/png":
            width, height = struct.unpack(">II", body[16:24])
            assert f"{width}x{height}" == icon["sizes"] and body.startswith(b"\x89PNG")
    async with client.get("/app/sw.js", headers={"Accept-Encoding": "gzip"}) as response:
        worker = await response.text()
        assert response.headers["Cache-Control"] == "no-cache"
        assert "Set-Cookie" not in response.headers
        etag = response.headers["ETag"]
    assert "__VERSION__" not in worker and "/v1/" not in worker.split("SHELL")[1]
    async with client.get("/app/sw.js", headers={"If-None-Match": etag}) as response:
        assert response.status == 304
    async with client.get("/app", allow_redirects=False) as response:
        assert response.status == 301 and response.headers["Location"] == "/app/"
    async with client.get("/app/", headers={"Accept-Encoding": "gzip"}, auto_decompress=False) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert b"<script src" in gzip.decompress(await response.read())
    for missing in ("/app/nothing.js", "/app/icon-193.png", "/app/icon-192.png.png"):
        async with client.get(missing) as response:
            assert response.status == 404 and response.content_type == "text/html"
