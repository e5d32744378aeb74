"""Load and soak: the public API under the highest mixed load wrk can drive, while twenty real agents
report into the same backend, for ten minutes in ``make reliability``.

One run serves both tests (a module fixture): the backend is a process of its own (``nahbei-backend
serve``, via `benchmarks.servers`) on a database seeded with `SITES` sites, one iBeacon and one
published prompt each (`benchmarks.http.seed`); its rate limits are raised because every client here is
127.0.0.1. While wrk sends the mix of `tests.reliability.load.MIX` (``-t2 -c64``, unthrottled), the
fleet's agents hear their sites' beacons through their fake BlueZ and report every second. ``
NAHBEI_SOAK_S`` sets the duration while developing (default: 45 s, or 600 s with
``NAHBEI_RELIABILITY=full``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from benchmarks import servers, wrk
from benchmarks.http import seed
from simulator.bluez.bus import find_dbus_daemon
from simulator.engine.agents import poll
from tests.reliability.figures import Figures, scaled
from tests.reliability.load import TICK_S, Answers, Fleet, Memory, growth, mixed_script

pytestmark = pytest.mark.long

SITES = 5000
AGENTS = 20
RSS_SAMPLES = 10  # during the load: every minute of ten
# Bounded caches fill in the first third; after that, a leak of a few hundred bytes per request at
# thousands of requests a second lifts the last third's peak by far more than this.
MAX_GROWTH = 0.10
START_TIMEOUT_S = 120.0  # twenty agent processes starting on two busy cores
DELIVERY_TIMEOUT_S = 120.0


def soak_seconds() -> float:
    return float(os.environ.get("NAHBEI_SOAK_S") or scaled(45, 600))


@dataclass(frozen=True)
class Soak:
    seconds: float
    load: wrk.Load
    answers: Answers
    rss_start: Memory
    rss_during: list[Memory]
    rss_end: Memory
    produced: dict[int, int]  # agent id -> advertisements of registered beacons it was given
    stored: dict[int, int]  # agent id -> sum of the counts the backend stored from it
    sent: int  # every advertisement the fleet heard, phones and foreign beacons included
    batches: int
    rows: int
    rows_of_batches: int  # what the batch table says it accepted
    doubled_rows: int
    redelivered: int  # batches the backend answered "duplicate" (a retry of a stored batch)
    exit_codes: dict[int, int]
    left_in_outboxes: int


@pytest.fixture(scope="module")
def soak(tmp_path_factory: pytest.TempPathFactory) -> Soak:
    if not wrk.available():
        pytest.skip("wrk is not installed (Debian package `wrk`; `make reliability` installs it)")
    if find_dbus_daemon() is None:
        pytest.skip("dbus-daemon is not installed (Debian package `dbus`): the agents need a fake BlueZ")
    folder = tmp_path_factory.mktemp("soak")
    db = folder / "backend.db"
    shutil.copyfile(seed.database(folder, SITES, progress=False), db)
    with servers.backend(db, folder / "backend.log") as server:
        return asyncio.run(_run(folder, db, server, soak_seconds()))


async def _run(folder: Path, db: Path, server: servers.Server, seconds: float) -> Soak:
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        agents = [await _new_agent(session, server.url, index) for index in range(AGENTS)]
        fleet = Fleet(folder)
        await fleet.start(stack, server.url, agents, SITES)
        await poll(lambda: fleet.scanning or bool(fleet.exited()), START_TIMEOUT_S, 0.5)
        assert not fleet.exited(), f"agents {fleet.exited()} exited before scanning; logs in {folder}"
        assert fleet.scanning, "the agents did not start scanning"
        counts = folder / "answers.json"
        script = mixed_script(folder, SITES, counts)
        rss_start = Memory.of(server.pid)
        load = asyncio.create_task(asyncio.to_thread(wrk.run, server.url, script, seconds))
        rss_during = await _hear_and_sample(fleet, server.pid, seconds)
        result = await load
        rss_end = Memory.of(server.pid)
        produced = {a.agent_id: a.produced for a in fleet.agents}
        await poll(lambda: _stored(db) == produced, DELIVERY_TIMEOUT_S, 0.5)
        redelivered = await _metric(session, server.url, "nahbei_duplicate_batches_total")
        exit_codes = await fleet.stop()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        batches, rows_of_batches = conn.execute(
            "SELECT COUNT(*), SUM(accepted) FROM sighting_batches"
        ).fetchone()
        rows = conn.execute("SELECT COUNT(*) FROM sightings").fetchone()[0]
        doubled = conn.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM sightings"
            " GROUP BY agent_id, beacon_id, first_seen, last_seen, count, rssi_max, rssi_mean) WHERE n > 1"
        ).fetchone()[0]
    return Soak(
        seconds=seconds,
        load=result,
        answers=Answers.read(counts),
        rss_start=rss_start,
        rss_during=rss_during,
        rss_end=rss_end,
        produced=produced,
        stored=_stored(db),
        sent=sum(a.sent for a in fleet.agents),
        batches=batches,
        rows=rows,
        rows_of_batches=rows_of_batches or 0,
        doubled_rows=doubled,
        redelivered=int(redelivered),
        exit_codes=exit_codes,
        left_in_outboxes=sum(_outbox_rows(p) for p in fleet.outboxes),
    )


async def _new_agent(session: aiohttp.ClientSession, url: str, index: int) -> tuple[int, str, int]:
    """An agent for seeded site `index`, created as site staff would: (agent id, token, site index)."""
    headers = {"Authorization": f"Bearer {seed.ADMIN_KEY}"}
    path = f"{url}/v1/admin/sites/{index + 1}/agents"
    async with session.post(path, json={"name": f"Pi {index + 1}"}, headers=headers) as response:
        assert response.status == 201, await response.text()
        body = await response.json()
    return int(body["id"]), str(body["token"]), index


async def _hear_and_sample(fleet: Fleet, pid: int, seconds: float) -> list[Memory]:
    """Feed the fleet tick by tick for `seconds` (paced on the monotonic clock, not drifting), and read
    the backend's memory `RSS_SAMPLES` times, the last at the end."""
    started = time.monotonic()
    every = seconds / RSS_SAMPLES
    samples: list[Memory] = []
    n = 0
    while (elapsed := time.monotonic() - started) < seconds:
        if elapsed >= every * (len(samples) + 1):
            samples.append(Memory.of(pid))
        await fleet.tick(n)
        n += 1
        await asyncio.sleep(max(0.0, started + n * TICK_S - time.monotonic()))
    return [*samples, Memory.of(pid)][-RSS_SAMPLES:]


def _stored(db: Path) -> dict[int, int]:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        rows = conn.execute("SELECT agent_id, SUM(count) FROM sightings GROUP BY agent_id").fetchall()
    return {int(agent): int(total) for agent, total in rows}


def _outbox_rows(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0])


async def _metric(session: aiohttp.ClientSession, url: str, name: str) -> float:
    async with session.get(f"{url}/metrics") as response:
        text = await response.text()
    match = re.search(rf"^{name} ([\d.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_public_api_under_mixed_load(soak: Soak, figure: Figures) -> None:
    """wrk ``-t2 -c64 --latency`` with the mixed script for the whole run; its Lua ``response`` hook
    counts answers by status class. The backend's memory is read from /proc before the load, ten times
    during it and after it; the trend compares the peak of the heap (RssAnon: RSS also counts the
    database's mapped pages, which grow with the stored sightings) in the last third with the first
    third's."""
    a, load, minutes = soak.answers, soak.load, f"{soak.seconds / 60:.1f}"
    error_rate = a.unexpected / a.requests
    heap = [m.anon for m in soak.rss_during]
    rise = growth(heap)
    samples = ", ".join(f"{m:.0f}" for m in heap)
    figure("load", f"public API requests, mixed, {minutes} min", f"{a.requests:,}", "> 0", a.requests > 0)
    figure("load", "public API throughput (with 20 agents reporting)", f"{load.requests_per_s:,.0f} req/s",
           "highest sustained", True)  # fmt: skip
    figure("load", "error rate (answers other than 2xx)", f"{error_rate:.4%}", "0 %", a.unexpected == 0)
    figure("load", "5xx answers", str(a.server_error), "0", a.server_error == 0)
    figure("load", "latency p50 / p99", f"{load.p50_ms:.1f} / {load.p99_ms:.1f} ms", "p99 < 1 s",
           load.p99_ms < 1000)  # fmt: skip
    start, end = soak.rss_start, soak.rss_end
    figure("load", "backend RSS (of it anonymous) before / after the load",
           f"{start.rss:.0f} ({start.anon:.0f}) / {end.rss:.0f} ({end.anon:.0f}) MiB", "no trend",
           rise <= MAX_GROWTH)  # fmt: skip
    figure("load", "backend heap (RssAnon), last third's peak over first third's", f"{rise:+.1%} ({samples} MiB)",
           f"<= {MAX_GROWTH:.0%}", rise <= MAX_GROWTH)  # fmt: skip
    assert a.requests > 0 and load.errors == 0, f"wrk socket errors: {load.errors}"
    assert a.server_error == 0, f"{a.server_error} answers 5xx"
    assert a.unexpected == 0, f"answers other than 2xx: {a}"
    assert rise <= MAX_GROWTH, f"the backend's heap grew {rise:.1%}: {samples} MiB"


def test_every_sighting_is_stored_exactly_once(soak: Soak, figure: Figures) -> None:
    """Each agent's fake BlueZ counts the advertisements of registered beacons it passed to bleak; after
    the run, when the backend's ``SUM(count)`` per agent has reached them (or two minutes passed), the
    agents get SIGTERM. Doubles are looked for as identical sighting rows, and the batch table's
    accepted rows are compared with the rows stored."""
    produced, stored = sum(soak.produced.values()), sum(soak.stored.values())
    wrong = {a: (n, soak.stored.get(a, 0)) for a, n in soak.produced.items() if soak.stored.get(a, 0) != n}
    figure("soak", f"sightings produced / stored, {AGENTS} agents", f"{produced:,} / {stored:,}", "equal",
           not wrong)  # fmt: skip
    figure("soak", "agents whose stored count differs from what they heard", str(len(wrong)), "0", not wrong)
    figure("soak", "batches stored (of which retried and answered duplicate)",
           f"{soak.batches:,} ({soak.redelivered})", "each once", soak.doubled_rows == 0)  # fmt: skip
    figure("soak", "sighting rows stored twice", str(soak.doubled_rows), "0", soak.doubled_rows == 0)
    assert produced > 0 and soak.sent > produced, "the fleet heard nothing, or only registered beacons"
    assert not wrong, f"agent: (produced, stored) where they differ: {wrong}"
    assert soak.doubled_rows == 0
    assert soak.rows == soak.rows_of_batches
    assert soak.left_in_outboxes == 0
    assert set(soak.exit_codes.values()) == {0}, soak.exit_codes
