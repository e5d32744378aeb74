"""Pages as a person sees them: Debian's chromium driven by Playwright, checked with axe-core.

`browser` launches the system's chromium (Playwright's own browser downloads are not reachable
here, and CI installs Debian's `chromium`); `look` opens a page at a phone's or a desktop's width,
checks it with axe (no serious or critical violations) and saves a screenshot under
var/screenshots/ for a person to open.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final

import pytest

SCREENSHOTS: Final = Path(__file__).resolve().parents[1] / "var" / "screenshots"
PHONE: Final = {"width": 360, "height": 740}
DESKTOP: Final = {"width": 1280, "height": 860}
SERIOUS: Final = frozenset({"serious", "critical"})


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # pragma: no cover - make test installs it
        pytest.skip("playwright is not installed: run make test, which installs the dev extra")
    executable = _chromium()
    if executable is None:
        if os.geteuid() == 0:
            pytest.fail("chromium is missing although we are root: make test-deps installs it")
        pytest.skip("Debian's chromium is not installed (sudo apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


async def accessibility_problems(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each (empty: none)."""
    from axe_playwright_python.async_playwright import Axe

    result = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
        if v.get("impact") in SERIOUS
    ]


async def look(browser: Any, url: str, name: str, *, phone: bool = True, **context: Any) -> Any:
    """Open `url` in a new page at a phone's (or desktop's) width, check it with axe, save a
    screenshot as var/screenshots/<name>.png; the page is returned for more checks."""
    viewport = PHONE if phone else DESKTOP
    ctx = await browser.new_context(viewport=viewport, **context)
    page = await ctx.new_page()
    response = await page.goto(url)
    assert response is not None and response.ok, f"{url}: {response.status if response else 'no answer'}"
    await check(page, name, viewport["width"])
    return page


async def check(page: Any, name: str, width: int = PHONE["width"]) -> None:
    """The page as it is now: axe clean, no sideways scroll at `width`, saved as <name>.png."""
    problems = await accessibility_problems(page)
    assert not problems, f"{page.url} at {width} px:\n" + "\n".join(problems)
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url} scrolls sideways at {width} px ({wide} px wide)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
