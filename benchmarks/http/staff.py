"""The staff pages' speed (issue 13, "Speed"): an organisation with 1,000 sites and 5,000 beacons.

Each page's p95 latency against the bare aiohttp handler under the same load (wrk -t2 -c4, see `CONNECTIONS`), in
`ROUNDS` interleaved rounds, like the public site page's rows: the dashboard's first and a middle
page, one site's settings, beacons, prompts, agents and numbers tabs; and the dashboard of a second
organisation with 20 sites in the same database, to show that the dashboard's cost does not grow
with the organisation (lists read one page).

The database is written once through the real storage functions and kept in the benchmarks' folder;
each run signs a staff member in with the real `start_session` on a fresh copy and sends its cookie.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from pydantic import TypeAdapter

from backend.accounts.people import start_session
from backend.auth import secret_hash
from backend.config import Settings
from backend.models import AgentIn, BeaconIn, PromptIn, SiteIn
from backend.storage import Storage, open_storage
from backend.web.manage.session import SESSION_COOKIE
from benchmarks import servers
from benchmarks.http import lua
from benchmarks.http.bench import ROUNDS, Bench, Result, Run, p95_row, round_seconds
from benchmarks.http.seed import PROMPT, UUID

BIG: Final = 1000
SMALL: Final = 20
BEACONS: Final = 5000
# The site whose tabs are measured: more than a page of beacons, prompts and agents.
FULL_SITE_BEACONS: Final = 60
FULL_SITE_PROMPTS: Final = 25
FULL_SITE_AGENTS: Final = 25
# Staff pages are opened by a few people at once, not by passers-by: four connections, not wrk's 64
# (at 64 a page of ~30 ms waits two seconds in the queue and wrk's timeouts drop it).
CONNECTIONS: Final = 4
_BEACON = TypeAdapter[BeaconIn](BeaconIn)
_BIG_OWNER: Final = "big@bench.invalid"
_SMALL_OWNER: Final = "small@bench.invalid"


def database(folder: Path) -> Path:
    """The two organisations' database, written once (about a minute) and kept."""
    path = folder / f"staff-{BIG}-{BEACONS}.db"
    if not path.exists():
        partial = folder / f"{path.name}.partial"
        for suffix in ("", "-wal", "-shm"):
            Path(str(partial) + suffix).unlink(missing_ok=True)
        asyncio.run(_seed(partial))
        partial.rename(path)
    return path


async def _seed(path: Path) -> None:
    now = time.time()
    async with open_storage(Settings(db=path), fresh=True) as storage:
        big = await storage.create_org("Landesverband", secret_hash("nbk_bench-staff-big"), now)
        small = await storage.create_org("Hospiz am Park", secret_hash("nbk_bench-staff-small"), now)
        await _organisation(storage, big, BIG, BEACONS, 1, now)
        await _organisation(storage, small, SMALL, SMALL * 5, 100, now)
        for org, email in ((big, _BIG_OWNER), (small, _SMALL_OWNER)):
            await storage.add_member(org, await storage.add_person(email, now), "owner", now)


async def _organisation(storage: Storage, org: int, sites: int, beacons: int, major: int, now: float) -> None:
    """`sites` sites; the first holds `FULL_SITE_*` beacons, prompts and agents, the others share the
    remaining beacons and have one prompt and one agent each."""
    rest = beacons - FULL_SITE_BEACONS
    minor = 0
    for n in range(sites):
        site = await storage.create_site(
            org,
            SiteIn(
                name=f"Standort {n + 1}",
                kind="hospice",
                lat=51.0 + n / 10_000,
                lon=10.5,
                timezone="Europe/Berlin",
                default_lang="de",
                address=f"Weg {n + 1}",
            ),
            now,
        )
        count = FULL_SITE_BEACONS if n == 0 else rest // (sites - 1) + (n <= rest % (sites - 1))
        made = []
        for _ in range(count):
            minor += 1
            made.append(
                _BEACON.validate_python({"kind": "ibeacon", "uuid": UUID, "major": major, "minor": minor})
            )
        await storage.create_beacons(org, site.id, made, now)
        for p in range(FULL_SITE_PROMPTS if n == 0 else 1):
            texts = {"de": {"title": f"Bitte {p + 1}", "body": "Wir suchen Hilfe.", "action_label": "Mehr"}}
            await storage.create_prompt(
                org, site.id, PromptIn.model_validate({**PROMPT, "texts": texts}), now
            )
        for a in range(FULL_SITE_AGENTS if n == 0 else 1):
            token = f"nba_bench-staff-{org}-{n}-{a}"
            await storage.create_agent(org, site.id, AgentIn(name=f"Pi {a + 1}"), secret_hash(token))


async def _sign_in(db: Path) -> dict[str, tuple[str, int]]:
    """A fresh session for each organisation's owner: its cookie and its first site's id."""
    signed: dict[str, tuple[str, int]] = {}
    async with open_storage(Settings(db=db)) as storage:
        for name, email in (("big", _BIG_OWNER), ("small", _SMALL_OWNER)):
            person = await storage.person_by_email(email)
            assert person is not None
            [membership] = await storage.memberships(person.id)
            session = await start_session(storage, person.id, membership.org_id, time.time())
            assert session is not None
            first, _ = await storage.sites_page(membership.org_id, 0, 1)
            signed[name] = (f"{SESSION_COOKIE}={session.session_id}", first[0].id)
    return signed


def run(bench: Bench, say: Callable[[str], None]) -> list[Result]:
    db = bench.copy(database(bench.folder), "staff")
    signed = asyncio.run(_sign_in(db))
    big_cookie, site = signed["big"]
    small_cookie, _ = signed["small"]
    tab = f"/manage/sites/{site}"
    pages = [
        ("dashboard", "/manage/", big_cookie, f"dashboard, {BIG:,} sites, page 1"),
        (
            "dashboard middle",
            f"/manage/?page={BIG // 40}",
            big_cookie,
            f"dashboard, {BIG:,} sites, page {BIG // 40}",
        ),
        ("dashboard small", "/manage/", small_cookie, f"dashboard, {SMALL} sites, page 1"),
        ("settings", tab, big_cookie, "a site's settings"),
        ("beacons", f"{tab}/beacons", big_cookie, f"a site's beacons ({FULL_SITE_BEACONS}, 50 a page)"),
        ("prompts", f"{tab}/prompts", big_cookie, f"a site's prompts ({FULL_SITE_PROMPTS}, 20 a page)"),
        ("agents", f"{tab}/agents", big_cookie, f"a site's agents ({FULL_SITE_AGENTS}, 20 a page)"),
        ("numbers", f"{tab}/numbers?days=7", big_cookie, "a site's numbers, 7 days"),
    ]
    scripts = {name: lua.staff_page(bench.folder, name, path, cookie) for name, path, cookie, _ in pages}
    bare_script = lua.staff_page(bench.folder, "bare", "/manage/", big_cookie)
    seconds = round_seconds(bench.seconds)
    runs: dict[str, list[Run]] = {name: [] for name in ("bare", *scripts)}
    with servers.bare(bench.log) as bare, servers.backend(db, bench.log) as backend:
        for round_ in range(ROUNDS):
            say(f"  round {round_ + 1} of {ROUNDS}")
            warm = round_ == 0
            runs["bare"].append(
                bench.load(
                    bare, bare_script, "baseline: bare handler", CONNECTIONS, warm=warm, seconds=seconds
                )
            )
            for name, _, _, what in pages:
                runs[name].append(
                    bench.load(backend, scripts[name], what, CONNECTIONS, warm=warm, seconds=seconds)
                )
    return [
        p95_row(f"staff page p95: {what}, vs the bare handler", runs[name], runs["bare"])
        for name, *_, what in pages
    ]
