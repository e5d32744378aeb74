"""The simulation's backend: the real aiohttp service on 127.0.0.1, its clock, and site staff seeding it.

The backend runs in the simulator's process (``AppRunner`` + ``TCPSite`` on a free port, SQLite file in
the run's folder, or with ``--db postgresql://…`` a PostgreSQL database) and is set up the way a site's
staff would do it: through the admin HTTP API, with the admin key ``create_org`` printed. Nothing here
writes to the database directly except ``create_org`` (the one step the design leaves to the command
line) and the final count of what the agents delivered, which is read from the database.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import aiohttp
import asyncpg
from aiohttp import web

from backend.config import Settings
from backend.demo import DemoLogin
from backend.http.app import create_app
from backend.storage import open_storage
from backend.storage.open import postgres_dsn, sqlite_path
from simulator.world.scenario import (
    AgentSpec,
    AltBeaconSpec,
    BeaconSpec,
    EddystoneEidSpec,
    EddystoneUidSpec,
    IBeaconSpec,
    PromptSpec,
    SiteSpec,
)
from simulator.world.world import World

__all__ = ["SETTINGS_NOTES", "Admin", "BackendServer", "Seeded", "SimClock", "SimulationError", "seed_sites"]

DB_NAME: Final = "backend.sqlite3"
# A tape measures half a metre; an agent nearer its beacon than that sits on it (the API's minimum).
MIN_TYPED_DISTANCE_M: Final = 0.5
# Nearer than this a half metre is a large share of the distance: the tape's tenth is typed instead.
NEAR_M: Final = 2.0
# Every simulated phone and agent talks from 127.0.0.1, so they would all share one client's budget.
_UNLIMITED: Final = 1_000_000
# The backend's minimum: a beacon that dies a few minutes into a run turns SILENT within the run.
SILENT_AFTER_S: Final = 60
SETTINGS_NOTES: Final = (
    "backend ran with rate limits and the per-client event cap raised to 1,000,000: every simulated "
    "phone and agent connects from 127.0.0.1, so the limits meant for one client would throttle them all",
    f"backend ran with silent_after_s = {SILENT_AFTER_S} (its minimum; the default is 3600) so that a "
    "beacon that dies minutes into a run is reported SILENT within the run",
)


class SimulationError(Exception):
    """The simulation cannot run (no dbus-daemon, an agent that does not start, a refused request);
    ``str()`` is one line for the terminal."""


def sim_settings(folder: Path, db: str | None = None) -> Settings:
    """Backend settings suited to a simulation (see ``SETTINGS_NOTES`` for why each differs); `db`: a
    PostgreSQL URL instead of the SQLite file in `folder`."""
    return Settings(
        host="127.0.0.1",
        port=0,
        db=db or folder / DB_NAME,
        rate_limit_per_s=float(_UNLIMITED),
        rate_limit_burst=_UNLIMITED,
        max_event_rate_per_hour=_UNLIMITED,
        silent_after_s=SILENT_AFTER_S,
    )


SIMULATION_MARK: Final = "nahbei-sim"


async def fresh_database(settings: Settings) -> None:
    """Start a PostgreSQL database anew for a run, if it is empty or an earlier run's; refuse any other.

    A SQLite run's file lives in the run's folder, which the run clears; a PostgreSQL database may be
    someone's instance, so only one the simulator marked as its own is wiped.
    """
    dsn = postgres_dsn(settings.db)
    if dsn is None:
        return
    try:
        db = await asyncpg.connect(dsn)
    except (OSError, asyncpg.PostgresError) as exc:
        raise SimulationError(f"cannot reach the database {settings.db!r}: {exc}") from exc
    try:
        try:
            ours = await db.fetchval("SELECT value FROM meta WHERE name = 'simulation'") == SIMULATION_MARK
            empty = not await db.fetchval("SELECT EXISTS (SELECT 1 FROM orgs)")
        except asyncpg.UndefinedTableError:
            ours = empty = True
        if not (ours or empty):
            raise SimulationError(
                "the database holds organisations the simulator did not make: run on an empty database"
            )
    finally:
        await db.close()
    async with open_storage(settings, fresh=True):
        pass
    db = await asyncpg.connect(dsn)
    try:
        await db.execute("INSERT INTO meta (name, value) VALUES ('simulation', $1)", SIMULATION_MARK)
    finally:
        await db.close()


class SimClock:
    """Unix time for the backend and inline agents: ``epoch0`` plus the world's seconds.

    ``epoch0`` is a whole hour, so hourly roll-ups and the backend's one-minute EID tables line up with
    the world's seconds the same way on every run. ``release()`` lets it run on with the wall clock
    (for exploring a served backend after the run).
    """

    def __init__(self, epoch0: float | None = None) -> None:
        self.epoch0 = float(epoch0 if epoch0 is not None else math.floor(time.time() / 3600) * 3600)
        self.world_s = 0.0
        self._released: tuple[float, float] | None = None

    def __call__(self) -> float:
        if self._released is not None:
            base, since = self._released
            return base + time.monotonic() - since
        return self.epoch0 + self.world_s

    def at(self, world_s: float) -> float:
        return self.epoch0 + world_s

    def release(self) -> None:
        self._released = (self(), time.monotonic())


class BackendServer:
    """``create_app`` served on 127.0.0.1 at a free port until ``stop()``."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._app = create_app(settings, clock=clock)
        self._runner: web.AppRunner | None = None
        self._counter: asyncpg.Connection | None = None
        self.delivered = 0
        self.url = ""

    async def start(self) -> str:
        self._runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._counter is not None:
            await self._counter.close()
            self._counter = None

    async def received(self) -> int:
        """The sum of ``count`` over the stored sightings: what the agents delivered (also kept in
        ``delivered`` for the progress line)."""
        sql = "SELECT COALESCE(SUM(count), 0) FROM sightings"
        if (dsn := postgres_dsn(self.settings.db)) is not None:
            if self._counter is None:
                self._counter = await asyncpg.connect(dsn)
            self.delivered = int(await self._counter.fetchval(sql))
            return self.delivered
        # A connection of its own (sqlite3's context manager commits but does not close).
        with contextlib.closing(sqlite3.connect(sqlite_path(self.settings.db), timeout=10)) as conn:
            self.delivered = int(conn.execute(sql).fetchone()[0])
        return self.delivered


class Admin:
    """The admin API as site staff use it, with the organisation's admin key."""

    def __init__(self, session: aiohttp.ClientSession, url: str, key: str) -> None:
        self._session, self.url, self.key = session, url, key
        self._headers = {"Authorization": f"Bearer {key}"}

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, expect: int = 200
    ) -> Any:
        async with self._session.request(
            method, self.url + path, json=body, headers=self._headers
        ) as response:
            text = await response.text()
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = None
        if response.status != expect:
            detail = data.get("detail") if isinstance(data, dict) else text[:200]
            raise SimulationError(f"{method} {path}: HTTP {response.status}: {detail}")
        return data

    async def alerts(self, site_id: int) -> list[str]:
        health = await self.call("GET", f"/v1/admin/sites/{site_id}/health")
        return [str(alert) for alert in health["alerts"]]


@dataclass
class Seeded:
    """What seeding created: backend ids by scenario name, and each agent's token (by ``AgentInfo.id``)."""

    site_ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    eids: list[tuple[int, str, EddystoneEidSpec]] = field(default_factory=list)  # (site id, beacon id, spec)
    slugs: dict[str, str] = field(default_factory=dict)  # each site's public page is /s/<slug>


async def seed_sites(admin: Admin, world: World) -> Seeded:
    """Sites, beacons, prompts and agents through the admin API. EID beacons wait for
    ``register_eids`` at the world's start, so that their clocks and the backend's agree."""
    seeded = Seeded()
    for site in world.scenario.sites:
        created = await admin.call("POST", "/v1/admin/sites", _site_body(site, world), 201)
        site_id = seeded.site_ids[site.name] = created["id"]
        seeded.slugs[site.name] = created["slug"]
        registered: dict[int, int] = {}  # scenario index -> backend beacon id
        for index, spec in enumerate(site.beacons):
            beacon_id = f"{site.name}/{index}"
            if isinstance(spec, EddystoneEidSpec):
                seeded.eids.append((site_id, beacon_id, spec))
                continue
            created = await admin.call("POST", f"/v1/admin/sites/{site_id}/beacons", _beacon_body(spec), 201)
            registered[index] = created["id"]
            if isinstance(spec, IBeaconSpec) and spec.allocate:
                ids = created["identity"]
                world.assign_ibeacon(beacon_id, ids["uuid"], int(ids["major"]), int(ids["minor"]))
        for prompt in site.prompts:
            await admin.call("POST", f"/v1/admin/sites/{site_id}/prompts", _prompt_body(prompt), 201)
        distances = []
        for agent in site.agents:
            created = await admin.call("POST", f"/v1/admin/sites/{site_id}/agents", {"name": agent.name}, 201)
            seeded.tokens[f"{site.name}/{agent.name}"] = created["token"]
            distances += _typed_distances(created["id"], agent, site, registered)
        if distances:
            body = {"agent_distances": distances}
            await admin.call("PUT", f"/v1/admin/sites/{site_id}/distance-model", body)
    return seeded


def _typed_distances(
    agent_id: int, agent: AgentSpec, site: SiteSpec, registered: dict[int, int]
) -> list[dict[str, Any]]:
    """What a coordinator would type once: "the agent is 4 m from the entrance beacon", to half a
    metre (to a tenth below `NEAR_M`), for each beacon at least `MIN_TYPED_DISTANCE_M` away (an agent
    on its beacon has no distance to measure). From 2 m it teaches n; nearer, the beacon's power."""
    typed = []
    for index, beacon_id in registered.items():
        beacon = site.beacons[index]
        assert agent.position is not None and beacon.position is not None  # filled in by the scenario
        true = math.dist(agent.position, beacon.position)
        metres = round(2 * true) / 2 if true >= NEAR_M else round(true, 1)
        if metres >= MIN_TYPED_DISTANCE_M:
            typed.append({"agent_id": agent_id, "beacon_id": beacon_id, "distance_m": metres})
    return typed


async def register_eids(admin: Admin, world: World, seeded: Seeded, world_s: float) -> None:
    """Register the EID beacons with their clock as it reads at ``world_s`` (the moment of the call)."""
    for site_id, beacon_id, spec in seeded.eids:
        body = {
            **_common(spec),
            "kind": "eddystone-eid",
            "identity_key": spec.identity_key,
            "rotation_exponent": spec.rotation_exponent,
            "initial_time": world.beacon_clock(beacon_id, world_s),
        }
        await admin.call("POST", f"/v1/admin/sites/{site_id}/beacons", body, 201)


def _site_body(site: SiteSpec, world: World) -> dict[str, Any]:
    lat, lon = world.to_lat_lon(site.position)
    return {
        "name": site.name,
        "lat": round(lat, 7),
        "lon": round(lon, 7),
        "timezone": site.timezone,
        "default_lang": site.default_lang,
        "kind": str(site.kind),
        "address": site.address,
    }


def _common(spec: BeaconSpec) -> dict[str, Any]:
    # The registered power is the measured power at 1 m, for every kind (the backend's convention).
    return {"label": spec.label, "tx_power": spec.tx_power_1m}


def _beacon_body(spec: BeaconSpec) -> dict[str, Any]:
    match spec:
        case IBeaconSpec(allocate=True):
            return {**_common(spec), "kind": "ibeacon", "allocate": True}
        case IBeaconSpec():
            return {
                **_common(spec),
                "kind": "ibeacon",
                "uuid": spec.uuid,
                "major": spec.major,
                "minor": spec.minor,
            }
        case AltBeaconSpec():
            return {**_common(spec), "kind": "altbeacon", "id1": spec.id1, "id2": spec.id2, "id3": spec.id3}
        case EddystoneUidSpec():
            return {
                **_common(spec),
                "kind": "eddystone-uid",
                "namespace": spec.namespace,
                "instance": spec.instance,
            }
    raise ValueError(f"no registration body for a {spec.kind} beacon")


def _prompt_body(prompt: PromptSpec) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": str(prompt.kind),
        "texts": {lang: text.model_dump() for lang, text in prompt.texts.items()},
        "status": "published",
        "cooldown_s": prompt.cooldown_s,
        "priority": prompt.priority,
    }
    if prompt.action_url is not None:
        body["action_url"] = prompt.action_url
    if prompt.max_distance_m is not None:
        body["max_distance_m"] = prompt.max_distance_m
    if prompt.schedule is not None:
        body["schedule"] = [window.model_dump(mode="json") for window in prompt.schedule]
    return body


def site_links(url: str, seeded: Seeded) -> dict[str, str]:
    """What a person opens in a browser while the backend is up: the app, each site's page, the staff pages."""
    pages = {f"{name}'s page for passers-by": f"{url}/s/{slug}" for name, slug in seeded.slugs.items()}
    return {"the web app for passers-by": f"{url}/app/", **pages, "the staff pages": f"{url}/manage/login"}


def serve_banner(admin: Admin, world: World, seeded: Seeded, at_s: float, login: DemoLogin) -> list[str]:
    """What to print while the backend stays up: where to look in a browser, with a staff login, then
    the admin key and calls to paste."""
    url, auth = admin.url, f'-H "Authorization: Bearer {admin.key}"'
    site_name, site_id = next(iter(seeded.site_ids.items()))
    site = next(s for s in world.scenario.sites if s.name == site_name)
    lat, lon = world.to_lat_lon(site.position)
    keys = [k for b in world.beacons if b.site is not None and (k := world.key_at(b.id, at_s))]
    observation = (
        f'{{"observations": [{{"beacon": "{keys[0]}", "rssi": -65}}], "lang": "en"}}' if keys else ""
    )
    lines = [
        "",
        f"The backend stays up at {url} until Ctrl-C. Open in a browser:",
        f"  the web app for passers-by: {url}/app/  (stand at {lat:.5f}, {lon:.5f}: DevTools > Sensors > Location)",
        f"  {site_name}'s page for passers-by: {url}/s/{seeded.slugs[site_name]}  (its poster: add /poster.pdf)",
        f"  {login.line(url)}",
        "",
        f"For scripts: admin key {admin.key}",
        f"curl -s {auth} {url}/v1/admin/sites",
        f"curl -s {auth} {url}/v1/admin/sites/{site_id}/health",
        f"curl -s {auth} {url}/v1/admin/sites/{site_id}/stats",
        f'curl -s "{url}/v1/nearby?lat={lat:.6f}&lon={lon:.6f}&radius_m=500&lang=en"',
        f"curl -s {url}/v1/regions",
    ]
    if observation:
        lines.append(
            f"curl -s -X POST {url}/v1/resolve -H 'Content-Type: application/json' -d '{observation}'"
        )
    lines += [f"curl -s {url}/metrics | grep nahbei | head", f"{url}/openapi.json describes the whole API."]
    return lines
