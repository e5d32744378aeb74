"""The pages' frame: languages, security headers, errors as pages, and what a person sees."""

from __future__ import annotations

from typing import Any

from backend.web.words import LANGUAGES, WORDS
from tests.browser import look
from tests.conftest import Backend


def test_every_text_is_written_in_every_language() -> None:
    missing = [key for key, texts in WORDS.items() if set(texts) != set(LANGUAGES) or not all(texts.values())]
    assert not missing


async def test_start_page_is_german_first_english_on_request_and_sets_no_cookie(backend: Backend) -> None:
    async with backend.client.get("/") as response:
        german = await response.text()
        assert response.status == 200
        assert response.headers["Content-Language"] == "de"
        assert "Set-Cookie" not in response.headers
        policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert '<html lang="de">' in german and "Willkommen" in german
    async with backend.client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}) as response:
        assert response.headers["Content-Language"] == "en"
        assert "Welcome" in await response.text()
    async with backend.client.get("/?lang=de", headers={"Accept-Language": "en"}) as response:
        assert "Willkommen" in await response.text()


async def test_a_missing_page_is_a_page_not_json(backend: Backend) -> None:
    async with backend.client.get("/static/nothing-here.css") as response:
        assert response.status == 404
    async with backend.client.get("/", headers={"Accept-Language": "x" * 300}) as response:
        assert response.status == 200 and response.headers["Content-Language"] == "de"


async def test_start_page_in_a_browser(backend: Backend, browser: Any) -> None:
    url = str(backend.client.make_url("/"))
    page = await look(browser, url, "home-phone", locale="de-DE")
    assert await page.locator("h1").inner_text() == "Willkommen bei Nahbei"
    await page.get_by_role("link", name="English").click()
    assert await page.locator("h1").inner_text() == "Welcome to Nahbei"
    await look(browser, url + "?lang=en", "home-desktop", phone=False)
