"""The demo organisation: a hospice, a food bank and a sports club in Leipzig, with beacons of every
kind and prompts in German and English. Seeded into a fresh database by `nahbei-backend demo`, which
replaces only a database the demo seeded (`refuse_to_replace`) unless told to (`--reset-demo`)."""

from __future__ import annotations

import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pydantic import TypeAdapter

from backend import auth
from backend.accounts.passwords import hash_password
from backend.config import Settings
from backend.models import AgentIn, BeaconIn, PromptIn, SiteIn
from backend.storage import Storage, open_storage
from backend.storage.open import sqlite_path

DEMO_DB = "var/demo.db"  # where the demo lives unless --db or NAHBEI_DB say otherwise
DEMO_ORG = "Nahbei Demo Leipzig e.V."
DEMO_EID_IDENTITY_KEY = "6e61686265692d64656d6f2d6569642d"  # "nahbei-demo-eid-", public on purpose
DEMO_OWNER = "demo@nahbei.example"  # the demo's staff login; its password is new at every start
_BEACON = TypeAdapter[BeaconIn](BeaconIn)


def _prompt(kind: str, de: tuple[str, str, str], en: tuple[str, str, str], url: str, **rest: Any) -> PromptIn:
    texts = {lang: {"title": t, "body": b, "action_label": a} for lang, (t, b, a) in (("de", de), ("en", en))}
    return PromptIn.model_validate(
        {"kind": kind, "texts": texts, "action_url": url, "status": "published", **rest}
    )


@dataclass
class DemoSite:
    site: SiteIn
    beacons: list[dict[str, Any]]
    prompts: list[PromptIn]
    agent: str


DEMO_SITES = [
    DemoSite(
        SiteIn(
            name="Hospiz am Rosental",
            kind="hospice",
            lat=51.34672,
            lon=12.36401,
            address="Am Rosental 1, 04105 Leipzig",
            timezone="Europe/Berlin",
            default_lang="de",
        ),
        [
            {"kind": "ibeacon", "allocate": True, "label": "Eingang", "tx_power": -59},
            {
                "kind": "eddystone-eid",
                "identity_key": DEMO_EID_IDENTITY_KEY,
                "rotation_exponent": 10,
                "initial_time": 0,
                "label": "Garten (EID)",
                "tx_power": -62,
            },
        ],
        [
            _prompt(
                "volunteer",
                ("Zeit schenken", "Wir suchen Menschen, die vorlesen, zuhören, da sind.", "Ehrenamt ansehen"),
                (
                    "Give some time",
                    "We are looking for people who read, listen and are there.",
                    "See volunteering",
                ),
                "https://example.org/hospiz/ehrenamt",
                max_distance_m=30,
                cooldown_s=86400,
                priority=10,
            ),
            _prompt(
                "donate",
                ("Spenden", "Jede Spende hilft, Abschiede würdevoll zu gestalten.", "Spenden"),
                ("Donate", "Every gift helps us make farewells dignified.", "Donate"),
                "https://example.org/hospiz/spenden",
                max_distance_m=60,
                cooldown_s=7 * 86400,
            ),
        ],
        "Pi im Flur",
    ),
    DemoSite(
        SiteIn(
            name="Tafel Leipzig-Süd",
            kind="food_bank",
            lat=51.31903,
            lon=12.37904,
            address="Karl-Liebknecht-Str. 100, 04275 Leipzig",
            timezone="Europe/Berlin",
            default_lang="de",
        ),
        [
            {
                "kind": "eddystone-uid",
                "namespace": "6e61686265692d746166",
                "instance": "000000000001",
                "label": "Ausgabe",
                "tx_power": -59,
            },
            {
                "kind": "altbeacon",
                "id1": "2f234454-cf6d-4a0f-adf2-f4911ba9ffa6",
                "id2": 1,
                "id3": 2,
                "label": "Lager",
                "tx_power": -59,
            },
        ],
        [
            _prompt(
                "donate",
                ("Lebensmittel spenden", "Haltbares bitte werktags 9-18 Uhr abgeben.", "Mehr erfahren"),
                ("Donate food", "Please bring non-perishables on weekdays 9am-6pm.", "Learn more"),
                "https://example.org/tafel/spenden",
                max_distance_m=40,
                cooldown_s=86400,
                schedule=[{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}],
            ),
            _prompt(
                "volunteer",
                ("Fahrer:innen gesucht", "Samstags Lebensmittel abholen, 3 Stunden.", "Mitmachen"),
                ("Drivers wanted", "Collect food on Saturdays, 3 hours.", "Join in"),
                "https://example.org/tafel/fahren",
                cooldown_s=3 * 86400,
            ),
        ],
        "Pi im Lager",
    ),
    DemoSite(
        SiteIn(
            name="SV Lindenau 1848",
            kind="sports_club",
            lat=51.33812,
            lon=12.33305,
            address="Demmeringstr. 20, 04177 Leipzig",
            timezone="Europe/Berlin",
            default_lang="de",
        ),
        [
            {
                "kind": "ibeacon",
                "uuid": "e2c56db5-dffb-48d2-b060-d0f5a71096e0",
                "major": 1848,
                "minor": 1,
                "label": "Vereinsheim",
                "tx_power": -59,
            }
        ],
        [
            _prompt(
                "event",
                ("Tag der offenen Tür", "Samstag ab 10 Uhr: Training zum Mitmachen.", "Programm"),
                ("Open day", "Saturday from 10am: join a training session.", "Programme"),
                "https://example.org/svl/tag-der-offenen-tuer",
                max_distance_m=80,
                cooldown_s=86400,
            ),
        ],
        "Pi im Vereinsheim",
    ),
]


class NotADemoDatabase(ValueError):
    """The demo was pointed at a database it did not seed; `str()` is one line naming the file."""


def refuse_to_replace(settings: Settings) -> None:
    """`NotADemoDatabase` unless the database `settings.db` names is the demo's own, or none yet.

    The demo starts its database anew; a careless `--db` (or `NAHBEI_DB` left set) must not wipe an
    organisation's real data.
    """
    path = sqlite_path(settings.db)
    if not _is_demo(path):
        raise NotADemoDatabase(
            f"{str(path)!r} is not a demo database, and the demo would replace it; name another file with "
            "--db, or add --reset-demo to replace this one"
        )


def _is_demo(path: Path) -> bool:
    """Nothing there yet, an empty file, or a database whose one organisation is the demo's.

    Read-only and past the storage seam on purpose: opening it through the seam migrates it, and a
    file that is not ours must be left exactly as it was. (A folder is for `open_storage` to refuse.)
    """
    if not path.is_file() or path.stat().st_size == 0:
        return True
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            names = [name for (name,) in db.execute("SELECT name FROM orgs")]
    except sqlite3.Error:  # not SQLite, or not Nahbei's
        return False
    return names == [DEMO_ORG]


@dataclass(frozen=True)
class DemoLogin:
    """The demo organisation's owner, for the staff pages at /manage/login."""

    email: str
    password: str

    def line(self, base: str) -> str:
        return (
            f"staff pages: {base}/manage/login  e-mail {self.email}  password {self.password}"
            "  (a demo: its password is printed here, and is new at every start)"
        )


async def add_demo_owner(storage: Storage, org_id: int, now: float) -> DemoLogin:
    """An owner with a fresh random password: a demo is looked at in a browser, and nobody has
    received a setup link. Random, so a demo left reachable cannot be entered with a known password."""
    login = DemoLogin(DEMO_OWNER, secrets.token_urlsafe(12))
    person_id = await storage.add_person(login.email, now)
    await storage.add_member(org_id, person_id, "owner", now)
    await storage.set_password(person_id, hash_password(login.password))
    return login


async def demo_owner(settings: Settings, org_id: int) -> DemoLogin:
    """`add_demo_owner` in the database `settings.db` names (for the simulator's street)."""
    async with open_storage(settings) as storage:
        return await add_demo_owner(storage, org_id, time.time())


@dataclass
class DemoSeed:
    org_id: int
    admin_key: str
    login: DemoLogin
    site_ids: list[int] = field(default_factory=list)
    agent_tokens: dict[int, str] = field(default_factory=dict)
    beacon_keys: dict[int, list[str]] = field(default_factory=dict)
    slugs: dict[int, str] = field(default_factory=dict)


async def seed_demo(settings: Settings, out: TextIO | None = None) -> DemoSeed:
    """A fresh demo database (any old one at the same place is replaced)."""
    now = time.time()
    async with open_storage(settings, fresh=True) as storage:
        key = auth.new_secret(auth.ADMIN_PREFIX)
        org_id = await storage.create_org(DEMO_ORG, auth.secret_hash(key), now)
        seed = DemoSeed(org_id, key, await add_demo_owner(storage, org_id, now))
        for demo in DEMO_SITES:
            site = await storage.create_site(seed.org_id, demo.site, now)
            seed.site_ids.append(site.id)
            seed.slugs[site.id] = site.slug
            beacons = [
                await storage.create_beacon(seed.org_id, site.id, _BEACON.validate_python(b), now)
                for b in demo.beacons
            ]
            seed.beacon_keys[site.id] = [b.key for b in beacons if b.key]
            for prompt in demo.prompts:
                await storage.create_prompt(seed.org_id, site.id, prompt, now)
            token = auth.new_secret(auth.AGENT_PREFIX)
            await storage.create_agent(
                seed.org_id, site.id, AgentIn(name=demo.agent), auth.secret_hash(token)
            )
            seed.agent_tokens[site.id] = token
    if out is not None:
        _explain(seed, settings, out)
    return seed


def _explain(seed: DemoSeed, settings: Settings, out: TextIO) -> None:
    base = f"http://{settings.host}:{settings.port}"
    key = seed.beacon_keys[seed.site_ids[0]][0]
    site = seed.site_ids[0]
    out.write(f"""
Demo organisation {DEMO_ORG!r} seeded into {settings.db}

Open in a browser:
  the web app for passers-by: {base}/app/  (it asks for the phone's location; stand in Leipzig)
  the hospice's page for passers-by: {base}/s/{seed.slugs[site]}  (its poster: add /poster.pdf)
  {seed.login.line(base)}

For scripts and the Pi (shown once):
  admin key: {seed.admin_key}
  agent token of the hospice's Pi: {seed.agent_tokens[site]}

Try, in another terminal:
  curl -s {base}/v1/nearby?lat=51.3467\\&lon=12.364\\&radius_m=5000
  curl -s -X POST {base}/v1/resolve -H 'Content-Type: application/json' -H 'Accept-Language: en' \\
       -d '{{"observations": [{{"beacon": "{key}", "rssi": -65}}]}}'
  curl -s {base}/v1/regions
  curl -s -H 'Authorization: Bearer {seed.admin_key}' {base}/v1/admin/sites/{site}/health
  curl -s {base}/openapi.json
""")
    out.flush()
