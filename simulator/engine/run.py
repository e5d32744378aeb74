"""The simulation engine: a scenario's world, the real backend, agents and phones, run end to end.

``run_scenario`` starts the backend on 127.0.0.1 and seeds it as site staff would, brings up the
agents (real processes through a fake BlueZ, or their core in process) and one companion app per
walker with a phone, then moves the world on in steps of ``STEP_S``: each step's advertisements go to
every agent and phone that hears them, the apps do what is due, and every ``HEALTH_EVERY_S`` the
sites' health is read. At the end it waits until the backend holds every sighting the agents were
given, stops the agents, and writes the report (``simulator.report.figures``) into the run's folder.

Clocks: phones always live on world time. With ``agents="inline"`` the backend and the agents share
the world's clock as Unix time (``SimClock``), so the world may run as fast as the CPU allows
(``speed=0``). With ``agents="bleak"`` the agents are real processes on the wall clock, so the world is
paced: ``speed`` world seconds per wall second, and the backend keeps real time too.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import aiohttp
import structlog

from backend.demo import demo_owner
from backend.orgs import create_org
from simulator.bluez.bus import find_dbus_daemon
from simulator.engine.agents import NO_DBUS_DAEMON, Agents, BleakAgents, InlineAgents, poll
from simulator.engine.backend import (
    SETTINGS_NOTES,
    Admin,
    BackendServer,
    Seeded,
    SimClock,
    SimulationError,
    fresh_database,
    register_eids,
    seed_sites,
    serve_banner,
    sim_settings,
    site_links,
)
from simulator.engine.phones import Phones
from simulator.report.figures import write_report
from simulator.report.record import Alert, RunRecord
from simulator.world.scenario import EddystoneEidSpec, Scenario
from simulator.world.walkers import Walker
from simulator.world.world import World

__all__ = ["AGENT_EXIT_NOTE", "AgentMode", "Progress", "SimulationError", "run_scenario"]

log = structlog.get_logger(__name__)

AgentMode = Literal["bleak", "inline"]
Point = tuple[float, float]
STEP_S: Final = 0.1  # world seconds per step: 14 cm of walking, a fraction of any advertising interval
HEALTH_EVERY_S: Final = 5.0
PROGRESS_EVERY_S: Final = 0.5  # wall seconds
# After the last step: two flush windows and the reporter's first retries fit easily.
DELIVERY_TIMEOUT_S: Final = 60.0
AGENT_EXIT_NOTE: Final = "agent {agent} exited with status {code} after SIGTERM"
_OWN_FILES: Final = ("backend.sqlite3*", "agent-*.toml", "agent-*.log", "agent-*-outbox.sqlite3*")


@dataclass(frozen=True, slots=True)
class Progress:
    """A live view of a run, for a progress line."""

    world_s: float
    duration_s: float
    walkers: int  # on the scene now
    phones: int  # of them, with the app
    produced: int  # advertisements given to the agents' scanners
    received: int  # sightings' counts stored by the backend
    shown: int  # prompts shown so far
    alerts: int  # distinct alerts seen so far


async def run_scenario(
    scenario: Scenario,
    *,
    seed: int,
    duration_s: float | None = None,
    speed: float = 1.0,
    agents: AgentMode = "bleak",
    folder: Path,
    progress: Callable[[Progress], None] | None = None,
    serve: bool = False,
    on_report: Callable[[RunRecord, dict[str, Any]], None] | None = None,
    db: str | None = None,
) -> RunRecord:
    """Run ``scenario`` end to end and write its report into ``folder``; the record of the run.

    ``on_report`` gets the record and the report's figures as soon as they exist (before ``serve``
    keeps the backend up until Ctrl-C). ``db``: a PostgreSQL URL to run the backend on instead of a
    SQLite file in ``folder`` (an empty database, or one an earlier run used; it is started anew).
    Raises ``SimulationError`` (one line) when it cannot run.
    """
    duration = float(scenario.duration_s if duration_s is None else duration_s)
    if not (math.isfinite(duration) and duration > 0):
        raise SimulationError(f"the duration must be a positive number of seconds (got {duration_s})")
    if not (math.isfinite(speed) and speed >= 0) or (agents == "bleak" and speed == 0):
        raise SimulationError(f"the speed must be above 0 with real agents, 0 or more inline (got {speed})")
    if agents == "bleak" and find_dbus_daemon() is None:
        raise SimulationError(NO_DBUS_DAEMON)
    _prepare(folder)
    world = World(scenario, seed)
    clock = SimClock() if agents == "inline" else None
    record = RunRecord(scenario.name, seed, duration, speed, agents, scanner="")
    record.notes.extend(SETTINGS_NOTES)
    settings = sim_settings(folder, db)
    await fresh_database(settings)
    org_id, admin_key = await create_org(settings, f"Simulation {scenario.name}")
    login = await demo_owner(settings, org_id)
    async with contextlib.AsyncExitStack() as stack:
        server = BackendServer(settings, clock or time.time)
        record.backend_url = await server.start()
        stack.push_async_callback(server.stop)
        session = await stack.enter_async_context(aiohttp.ClientSession())
        admin = Admin(session, record.backend_url, admin_key)
        seeded = await seed_sites(admin, world)
        record.links = site_links(record.backend_url, seeded)
        fleet: Agents
        if clock is not None:
            fleet = InlineAgents(world, folder, clock, session, seed)
        else:
            fleet = BleakAgents(world, folder, stack)
        record.scanner = fleet.scanner
        stack.push_async_callback(fleet.stop)  # on any failure; stopping twice is harmless
        await fleet.start(record.backend_url, seeded)
        await register_eids(admin, world, seeded, 0.0)
        phones = Phones(world, seed, session, record.backend_url, record)
        steps = _Steps(world, fleet, phones, admin, seeded, server, record, clock, speed, progress)
        await steps.run(duration)
        await _finish(fleet, server, record, phones)
        _explain(record, scenario, agents, speed, steps.behind_s)
        figures = _report(record, world, folder)
        if on_report is not None:
            on_report(record, figures)
        if serve:
            if clock is not None:
                clock.release()
            print("\n".join(serve_banner(admin, world, seeded, duration, login)), flush=True)
            await _until_interrupted()
    return record


def _prepare(folder: Path) -> None:
    """Create the folder and remove what an earlier run in it left (the report is rewritten)."""
    folder.mkdir(parents=True, exist_ok=True)
    for pattern in _OWN_FILES:
        for path in folder.glob(pattern):
            path.unlink()


@dataclass
class _Steps:
    """The world's steps, and what happens at each."""

    world: World
    fleet: Agents
    phones: Phones
    admin: Admin
    seeded: Seeded
    server: BackendServer
    record: RunRecord
    clock: SimClock | None
    speed: float
    progress: Callable[[Progress], None] | None
    behind_s: float = 0.0  # the most a paced world fell behind the wall clock
    _alerts: set[tuple[str, str]] = field(default_factory=set)

    async def run(self, duration: float) -> None:
        world, fleet, phones, clock = self.world, self.fleet, self.phones, self.clock
        started = time.monotonic()
        next_health, next_progress = HEALTH_EVERY_S, 0.0
        t, n = 0.0, 0
        while t < duration:
            n += 1
            t1 = min(n * STEP_S, duration)  # counted, not summed: no drift over thousands of steps
            if self.speed > 0:
                wait = started + t1 / self.speed - time.monotonic()
                self.behind_s = max(self.behind_s, -wait)
                await asyncio.sleep(max(0.0, wait))
            else:
                await asyncio.sleep(0)  # let the reporters and the backend have their turn
            if clock is not None:
                clock.world_s = t1
            emissions = world.emissions(t, t1)
            present = world.walkers_at((t + t1) / 2)
            fleet.hear(emissions)
            await fleet.tick(t1)
            phones.hear(emissions, present)
            await phones.step(t1, present)
            if t1 >= next_health or t1 >= duration:
                next_health += HEALTH_EVERY_S
                await self.health(t1)
            if self.progress is not None and (time.monotonic() >= next_progress or t1 >= duration):
                next_progress = time.monotonic() + PROGRESS_EVERY_S
                await self.server.received()
                self.progress(self.snapshot(t1, duration, present))
            t = t1

    async def health(self, t: float) -> None:
        """Read every site's health as its staff would; keep the first time each alert showed."""
        sites = list(self.seeded.site_ids.items())
        answers = await asyncio.gather(*(self.admin.alerts(site_id) for _, site_id in sites))
        for (site, _), alerts in zip(sites, answers, strict=True):
            for alert in alerts:
                if (site, alert) not in self._alerts:
                    self._alerts.add((site, alert))
                    self.record.alerts.append(Alert(site, alert, round(t, 3)))

    def snapshot(self, t: float, duration: float, present: list[tuple[Walker, Point]]) -> Progress:
        return Progress(
            world_s=t,
            duration_s=duration,
            walkers=len(present),
            phones=sum(1 for walker, _ in present if walker.has_phone),
            produced=self.fleet.produced,
            received=self.server.delivered,
            shown=len(self.record.shown),
            alerts=len(self.record.alerts),
        )


async def _finish(fleet: Agents, server: BackendServer, record: RunRecord, phones: Phones) -> None:
    """Let the agents deliver everything they were given, stop them, count what arrived."""
    await fleet.flush()

    async def all_in() -> bool:
        return await server.received() >= fleet.produced

    await poll(all_in, DELIVERY_TIMEOUT_S, 0.2)
    for agent, code in (await fleet.stop()).items():
        record.notes.append(AGENT_EXIT_NOTE.format(agent=agent, code=code))
    record.sightings_produced = fleet.produced
    record.sightings_received = await server.received()
    if record.sightings_received < record.sightings_produced:
        record.notes.append(
            f"the backend had {record.sightings_received} of {record.sightings_produced} sightings "
            f"{DELIVERY_TIMEOUT_S:g} s after the last step; the rest stayed in the agents' outboxes"
        )
    stats = phones.stats()
    record.resolves = stats.get("resolves", 0)
    record.resolve_errors = stats.get("errors", 0)
    record.rate_limited = stats.get("rate_limited", 0)
    if stats.get("events_failed", 0):
        record.notes.append(f"{stats['events_failed']} prompt events could not be posted")


def _explain(record: RunRecord, scenario: Scenario, agents: AgentMode, speed: float, behind_s: float) -> None:
    """Notes a reader of the report needs to judge the figures of this kind of run."""
    if behind_s > 1.0:
        record.notes.append(
            f"the world fell up to {behind_s:.1f} s behind the wall clock (the machine was busy): "
            "advertisements reached the agents in bursts, not at their pace"
        )
    if agents == "bleak":
        record.notes.append(
            f"real agent processes scanned with bleak through a fake BlueZ; the world handed them its "
            f"advertisements every {STEP_S:g} s of world time at {speed:g}x wall-clock speed"
        )
        has_eid = any(isinstance(b, EddystoneEidSpec) for s in scenario.sites for b in s.beacons)
        if has_eid and speed != 1:
            record.notes.append(
                "EID beacons rotate on world time while real agents and the backend keep wall time: "
                f"at {speed:g}x their EIDs drift out of the backend's window"
            )
    else:
        record.notes.append(
            "the agents' core (decode, aggregate, outbox, reporter) ran in process on the world's clock, "
            "without bleak or BlueZ; the backend ran on the same clock"
        )


def _report(record: RunRecord, world: World, folder: Path) -> dict[str, Any]:
    """The report's figures; a broken report costs the picture, not the run (the note says why)."""
    try:
        return write_report(record, world, folder)
    except Exception as exc:
        log.exception("the report could not be written")
        record.notes.append(f"the report could not be written: {type(exc).__name__}: {exc}")
        return {}


async def _until_interrupted() -> None:
    """Wait for Ctrl-C (or to be cancelled); the backend goes down on the way out."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, stop.set)
    except (NotImplementedError, RuntimeError):  # not the main thread: only cancelling ends the wait
        await stop.wait()
        return
    try:
        await stop.wait()
    finally:
        loop.remove_signal_handler(signal.SIGINT)
