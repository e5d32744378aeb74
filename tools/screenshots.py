"""Remake the staff pages' screenshots in docs/screenshots/ (`make screenshots`).

Seeds the demo organisation into a scratch database, serves it on 127.0.0.1 with a local tile
server (no internet needed; the tiles are plain paper, so the map shows its markers, not a town),
signs in as the demo owner in Debian's chromium and saves each staff page at a phone's and a
desktop's width. The pictures are cut to the top of the page and, when Pillow is installed,
reduced to a few colours, so that the README stays light.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

from backend.config import Settings
from backend.demo import DemoSeed, seed_demo
from backend.http.app import create_app

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
WIDTHS = {"phone": ({"width": 360, "height": 740}, 1500), "desktop": ({"width": 1280, "height": 860}, 1100)}
COLOURS = 48
AGENT_NAMES = {"phone": "Pi at the back door", "desktop": "Pi in the shop"}


def _tile() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (236, 240, 237)).save(buffer, "PNG")
    return buffer.getvalue()


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def _save(png: bytes, name: str, longest: int) -> Path:
    """The top `longest` pixels of the picture, in few colours when Pillow is there."""
    path = OUT / f"{name}.png"
    try:
        from PIL import Image
    except ImportError:
        path.write_bytes(png)
        return path
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.crop((0, 0, image.width, min(image.height, longest)))
    image.quantize(COLOURS, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


async def _shoot(page: Any, name: str, width: str, url: str | None = None) -> None:
    """Save the page (opening `url` first, if given) as docs/screenshots/staff-<name>-<width>.png."""
    if url is not None:
        await page.goto(url)
    if await page.locator("#map").count():
        await page.locator(".leaflet-tile-loaded").first.wait_for()
    _report(_save(await page.screenshot(full_page=True), f"staff-{name}-{width}", WIDTHS[width][1]))


def _report(saved: Path) -> None:
    print(f"{saved.relative_to(OUT.parents[1])}: {saved.stat().st_size // 1024} KB")


async def _walk(browser: Any, base: str, site: str, email: str, password: str, width: str) -> None:
    """Sign in and save each staff page at one width (in English, for the README)."""
    context = await browser.new_context(viewport=WIDTHS[width][0], locale="en-GB")
    page = await context.new_page()
    await _shoot(page, "login", width, f"{base}/manage/login")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/manage/")
    await _shoot(page, "dashboard", width)
    await _shoot(page, "site", width, site)
    await _shoot(page, "beacons", width, site + "/beacons")
    await _shoot(page, "prompts", width, site + "/prompts")
    await page.locator("main table a").first.click()
    await _shoot(page, "prompt", width)
    _report(_save(await page.locator("#preview").screenshot(), f"staff-preview-{width}", WIDTHS[width][1]))
    await page.goto(site + "/agents")
    await page.get_by_label("Name").fill(AGENT_NAMES[width])
    await page.get_by_role("button", name="Create the agent").click()
    await _shoot(page, "agents", width)
    await _shoot(page, "numbers", width, site + "/numbers")
    await _shoot(page, "members", width, f"{base}/manage/members")
    await _shoot(page, "keys", width, f"{base}/manage/keys")
    await context.close()


async def _a_week_of_use(base: str, seed: DemoSeed) -> None:
    """A week of the hospice's life through the public API, so the numbers have bars: its agent
    reports its beacons through the day, and phones show, open and follow its prompts today."""
    site = seed.site_ids[0]
    agent = {"Authorization": f"Bearer {seed.agent_tokens[site]}"}
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    async with ClientSession(base) as http:
        for day in range(6, -1, -1):
            sightings = [
                {
                    "beacon": key,
                    "first_seen": (at - timedelta(seconds=50)).isoformat(),
                    "last_seen": at.isoformat(),
                    "count": 2 + (hour * 7 + day * 3) % 11,
                    "rssi_max": -60,
                    "rssi_mean": -66.0,
                    "tx_power": -59,
                    "telemetry": None,
                }
                for hour in range(8, 20)
                for minute in range(0, 50, 10)[: 1 + (hour * 7 + day * 3) % 5]
                for key in seed.beacon_keys[site]
                if (at := now - timedelta(days=day, hours=now.hour - hour, minutes=-minute)) < now
            ]
            batch = {"batch_id": str(uuid.uuid4()), "sightings": sightings}
            async with http.post("/v1/agent/sightings", json=batch, headers=agent) as answer:
                answer.raise_for_status()
        admin = {"Authorization": f"Bearer {seed.admin_key}"}
        async with http.get(f"/v1/admin/sites/{site}/prompts", headers=admin) as answer:
            prompt = (await answer.json())["prompts"][0]["id"]
        for kind, times in (("shown", 9), ("opened", 4), ("acted", 2)):
            for _ in range(times):
                async with http.post(f"/v1/prompts/{prompt}/events", json={"type": kind}) as answer:
                    answer.raise_for_status()


async def main() -> int:
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("screenshots: Debian's chromium is missing (sudo apt-get install chromium)", file=sys.stderr)
        return 1
    png = _tile()

    async def tile(_: web.Request) -> web.Response:
        return web.Response(body=png, content_type="image/png")

    tiles = web.Application()
    tiles.router.add_get("/{z}/{x}/{y}.png", tile)
    tile_runner, tile_base = await _serve(tiles)
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings.model_validate(
            {
                "db": Path(scratch) / "demo.db",
                "map_tiles": tile_base + "/{z}/{x}/{y}.png",
                "log_format": "console",
            }
        )
        seed = await seed_demo(settings)
        runner, base = await _serve(create_app(settings))
        await _a_week_of_use(base, seed)
        site = f"{base}/manage/sites/{seed.site_ids[0]}"
        OUT.mkdir(parents=True, exist_ok=True)
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                for width in WIDTHS:
                    await _walk(browser, base, site, seed.login.email, seed.login.password, width)
                await browser.close()
        finally:
            await runner.cleanup()
            await tile_runner.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
