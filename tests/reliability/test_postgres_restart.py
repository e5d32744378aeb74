"""PostgreSQL restarted, and stopped for a while, under mixed load (issue 15, "Failure").

`nahbei-backend serve --workers 2` runs as a process on a PostgreSQL server of this module's own (the
session's primary and replica serve every other test and must not go away). Under mixed load, real
agents (`python -m beacon_agent run`, each scanning through its own fake BlueZ and reporting through
a recording proxy, `delivery.Link`), phones resolving and asking what is nearby, staff publishing
prompts and a monitor polling /healthz, the server is restarted (`pg_ctl restart -m fast`) and then
stopped for 5 s and started again (more of each in the long version). What must hold:

- no answer is 5xx but 503, and every 503 is problem+json with Retry-After (the phones', staff's
  and monitor's answers as they got them; the agents' from the backend's log, which names every
  5xx it sent); no traceback and no worker restarted in the backend's log;
- every worker answers /healthz 200, and a prompt is published, within seconds of the database
  being back, with no restart of the backend; while it is stopped /healthz is 503 naming it;
- every batch an agent saw acknowledged is stored once with all its rows, each advertisement the
  fake BlueZ passed to an agent is stored once, and the outboxes are empty afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import signal
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import aiohttp
import pytest

from simulator.bluez.bus import PrivateBus
from simulator.bluez.service import FakeBluez
from tests.agents import AgentProcess, eventually, write_config
from tests.conftest import SITE, Backend, BackendFactory, prompt_body
from tests.postgres import Server, server_folder, start_primary
from tests.reliability.delivery import (
    BackendProcess,
    Link,
    advertise_each,
    free_port,
    ibeacon_key,
    outbox_rows,
    site_with_beacons,
)
from tests.reliability.figures import Figures
from tests.stored import rows

WORKERS: Final = 2
DOWN_S: Final = 5.0  # how long the database stays stopped
RECOVERY_TARGET_S: Final = 10.0  # "within a few seconds": the pool's connect timeout (5 s) and a margin
BEACONS_PER_SITE: Final = 3
PROBLEM: Final = "application/problem+json"
# An answer later than this counts as none (status 0): the backend gives up on the database after 5 s.
ANSWER_WITHIN_S: Final = 20.0


@dataclass(frozen=True)
class Length:
    agents: int
    phones: int
    restarts: int  # pg_ctl restart -m fast
    stops: int  # stopped for DOWN_S, then started
    between_s: float  # load between one outage and the next


SHORT: Final = Length(agents=3, phones=3, restarts=1, stops=1, between_s=3.0)
LONG: Final = Length(agents=6, phones=6, restarts=4, stops=3, between_s=15.0)


@pytest.fixture(scope="module", name="lone_primary")
def fixture_lone_primary() -> Iterator[Server]:
    """A PostgreSQL server for this module alone, restarted and stopped by its tests."""
    with server_folder() as (bindir, folder):
        yield start_primary(bindir, folder)


_databases = itertools.count(1)


@pytest.fixture(name="db")
def fixture_db(lone_primary: Server) -> str:
    """Overrides tests/conftest.py's `db`: PostgreSQL only (an SQLite file has no server to restart)."""
    name = f"restart_{next(_databases)}"
    lone_primary.run("psql", "-X", "-q", "-d", lone_primary.dsn(), "-c", f"CREATE DATABASE {name}")
    return lone_primary.dsn(name)


@dataclass(frozen=True)
class Answer:
    kind: str  # "resolve", "nearby", "publish", "healthz"
    sent: float  # monotonic
    answered: float
    status: int  # 0: no answer at all
    content_type: str
    retry_after: str | None
    worker: str | None  # the worker process that answered (X-Nahbei-Worker)
    detail: str


@dataclass
class MixedLoad:
    """Phones resolving and asking what is near, staff publishing prompts, a monitor on /healthz."""

    url: str
    admin_key: str
    sites: dict[int, list[str]]  # site id → its beacons' keys
    phones: int
    answers: list[Answer] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        timeout = aiohttp.ClientTimeout(total=ANSWER_WITHIN_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            work = [self._phone(session, stop, n) for n in range(self.phones)]
            await asyncio.gather(*work, self._staff(session, stop), self._monitor(session, stop))

    async def _ask(
        self, session: aiohttp.ClientSession, kind: str, method: str, path: str, **kw: object
    ) -> None:
        sent = time.monotonic()
        try:
            async with session.request(method, self.url + path, **kw) as response:  # type: ignore[arg-type]
                body = await response.read()
                status, headers = response.status, response.headers
        except (aiohttp.ClientError, TimeoutError):
            self.answers.append(Answer(kind, sent, time.monotonic(), 0, "", None, None, ""))
            return
        detail = ""
        if headers.get("Content-Type", "").startswith(PROBLEM):
            detail = str(json.loads(body).get("detail", ""))
        self.answers.append(
            Answer(kind, sent, time.monotonic(), status, headers.get("Content-Type", ""),
                   headers.get("Retry-After"), headers.get("X-Nahbei-Worker"), detail)
        )  # fmt: skip

    async def _phone(self, session: aiohttp.ClientSession, stop: asyncio.Event, n: int) -> None:
        rng = random.Random(n)
        while not stop.is_set():
            keys = self.sites[rng.choice(list(self.sites))]
            observations = [{"beacon": key, "rssi": -60, "tx_power": -59} for key in keys]
            await self._ask(session, "resolve", "POST", "/v1/resolve", json={"observations": observations})
            query = f"lat={SITE['lat']}&lon={SITE['lon']}&radius_m=1000"
            await self._ask(session, "nearby", "GET", f"/v1/nearby?{query}")
            await asyncio.sleep(0.05)

    async def _staff(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self.admin_key}"}
        for site in itertools.cycle(self.sites):
            if stop.is_set():
                return
            path = f"/v1/admin/sites/{site}/prompts"
            await self._ask(session, "publish", "POST", path, json=prompt_body(), headers=headers)
            await asyncio.sleep(0.3)

    async def _monitor(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        """Every 0.1 s, not waiting for the last answer: one that hangs is seen as no answer (status 0)."""
        asked: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            task = asyncio.create_task(self._ask(session, "healthz", "GET", "/healthz"))
            asked.add(task)
            task.add_done_callback(asked.discard)
            await asyncio.sleep(0.1)
        await asyncio.gather(*asked)

    def recovered_in(self, back: float) -> float | None:
        """Seconds from `back` (the database accepting connections again) until every worker answered
        /healthz 200 and a prompt was published; None while that has not happened yet."""
        firsts: dict[str, float] = {}
        for a in sorted(self.answers, key=lambda a: a.answered):
            if a.answered < back:
                continue
            if a.kind == "healthz" and a.status == 200 and a.worker is not None:
                firsts.setdefault(f"worker {a.worker}", a.answered)
            elif a.kind == "publish" and a.status == 201:
                firsts.setdefault("publish", a.answered)
        if len(firsts) < WORKERS + 1:
            return None
        return max(firsts.values()) - back


@dataclass
class Reporter:
    """One agent of the test: its own bus and fake BlueZ, its proxy to the backend, its site."""

    site: int
    minors: list[int]
    fake: FakeBluez
    link: Link
    process: AgentProcess
    outbox: Path
    heard: int = 0  # advertisements the fake passed to the agent's bleak


async def _agents(
    stack: contextlib.AsyncExitStack, setup: Backend, url: str, folder: Path, count: int
) -> list[Reporter]:
    reporters = []
    for n in range(count):
        minors = [n * 10 + b for b in range(1, BEACONS_PER_SITE + 1)]
        site, (token,) = await site_with_beacons(setup, minors)
        await setup.json("POST", f"/v1/admin/sites/{site}/prompts", 201, json=prompt_body())
        home = folder / f"agent-{n + 1}"
        home.mkdir()
        bus = stack.enter_context(PrivateBus())
        fake = await stack.enter_async_context(FakeBluez().serving(bus.address))
        link = await stack.enter_async_context(Link(url))
        process = AgentProcess(write_config(home, link.url, token), bus, home / "agent.log")
        reporters.append(Reporter(site, minors, fake, link, process, home / "outbox.sqlite3"))
    return reporters


@contextlib.asynccontextmanager
async def _running(reporters: list[Reporter]) -> AsyncIterator[None]:
    for r in reporters:
        r.process.start()
    try:
        await eventually(lambda: all(r.fake.discovering for r in reporters), 60, "the agents to scan")
        yield
    finally:
        for r in reporters:
            if r.process.running():
                await r.process.stop(signal.SIGKILL)


async def _advertise(reporters: list[Reporter], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for r in reporters:
            r.heard += await advertise_each(r.fake, r.minors)
        await asyncio.sleep(0.2)


def _stored_by_site(db: str) -> dict[int, int]:
    return {
        int(site): int(n)
        for site, n in rows(db, "SELECT site_id, SUM(count) FROM sightings GROUP BY site_id")
    }


def _log_events(log: Path) -> tuple[list[dict[str, object]], int]:
    """The backend's JSON log events, and how many lines that are not JSON print a traceback."""
    events, raw = [], 0
    for line in log.read_text(errors="replace").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            raw += "Traceback" in line
    return events, raw


@pytest.mark.parametrize(
    "length", [pytest.param(SHORT, id="short"), pytest.param(LONG, id="long", marks=pytest.mark.long)]
)
async def test_postgres_restarted_under_mixed_load_answers_503_and_loses_nothing(
    length: Length,
    make_backend: BackendFactory,
    lone_primary: Server,
    db: str,
    tmp_path: Path,
    figure: Figures,
) -> None:
    """The load runs `between_s` before, between and after the outages. "Back" is when `pg_ctl`
    returned (it waits until the server accepts connections); recovery runs from there until every
    worker answered /healthz 200 and staff published a prompt (answers carry X-Nahbei-Worker). Once
    the load is stopped, the test waits (up to 60 s) until each site's stored advertisements reach
    what its agent heard and the outboxes are empty, then 2 s more for anything sent twice."""
    setup = await make_backend(real_clock=True)
    backend = BackendProcess(
        db, free_port(), tmp_path / "backend.log", workers=str(WORKERS), show_worker="true"
    )
    async with contextlib.AsyncExitStack() as stack:
        reporters = await _agents(stack, setup, backend.url, tmp_path, length.agents)
        await setup.client.close()  # the process takes over
        backend.start()
        await backend.ready()
        load = MixedLoad(
            backend.url, setup.admin_key, {r.site: [ibeacon_key(m) for m in r.minors] for r in reporters},
            length.phones,
        )  # fmt: skip
        stop = asyncio.Event()
        backs: list[float] = []
        down: list[tuple[float, float]] = []  # stopped: from pg_ctl stop returning to pg_ctl start called
        try:
            async with _running(reporters):
                tasks = [
                    asyncio.create_task(load.run(stop)),
                    asyncio.create_task(_advertise(reporters, stop)),
                ]
                outages = ["restart"] * length.restarts + ["stop"] * length.stops
                for outage in outages:
                    await asyncio.sleep(length.between_s)
                    if outage == "restart":
                        await asyncio.to_thread(lone_primary.restart)
                    else:
                        await asyncio.to_thread(lone_primary.stop, "fast")
                        stopped = time.monotonic()
                        await asyncio.sleep(DOWN_S)
                        down.append((stopped, time.monotonic()))
                        await asyncio.to_thread(lone_primary.start)
                    backs.append(time.monotonic())
                    await eventually(
                        lambda: load.recovered_in(backs[-1]) is not None, 60, "the backend to recover"
                    )
                await asyncio.sleep(length.between_s)
                stop.set()
                await asyncio.gather(*tasks)
                began = time.monotonic()
                await eventually(
                    lambda: (
                        _stored_by_site(db) == {r.site: r.heard for r in reporters}
                        and not any(outbox_rows(r.outbox) for r in reporters)
                    ),
                    60,
                    "every advertisement stored and the outboxes empty",
                )
                drained = time.monotonic() - began
                await asyncio.sleep(2)  # anything sent twice would arrive now
                exits = [await r.process.stop() for r in reporters]
        finally:
            if backend.process is not None:
                backend.kill(signal.SIGTERM)

    # What the phones, staff and monitor were answered.
    answers = load.answers
    by_status: dict[int, int] = {}
    for a in answers:
        by_status[a.status] = by_status.get(a.status, 0) + 1
    unexpected = {s: n for s, n in by_status.items() if s not in (200, 201, 503)}
    refusals = [a for a in answers if a.status == 503]
    bad_refusals = [
        a for a in refusals if not (a.content_type.startswith(PROBLEM) and (a.retry_after or "").isdigit())
    ]
    # What the backend answered anyone, the agents included: it logs every 5xx; and what went wrong inside.
    events, raw_lines = _log_events(backend.log)
    failed = [e for e in events if e.get("event") == "request failed"]
    not_503 = [e for e in failed if e.get("status") != 503]
    tracebacks = [e for e in events if e.get("level") in ("error", "critical") or "exception" in e]
    died = [e for e in events if e.get("event") == "worker died, starting another"]
    # /healthz while the database was stopped.
    where = db.rpartition("@")[2]
    while_down = [
        a for a in answers if a.kind == "healthz" and any(s <= a.sent and a.answered <= e for s, e in down)
    ]
    named = [a for a in while_down if a.status == 503 and where in a.detail]
    recoveries = [load.recovered_in(b) or float("inf") for b in backs]
    # The agents' batches.
    acknowledged = {batch: n for r in reporters for batch, n in r.link.acknowledged.items()}
    duplicates = sum(r.link.duplicates for r in reporters)
    stored = dict(rows(db, "SELECT batch_id, accepted FROM sighting_batches"))
    rows_stored = int(rows(db, "SELECT COUNT(*) FROM sightings")[0][0])
    lost = sum(n - stored.get(batch, 0) for batch, n in acknowledged.items())
    heard = sum(r.heard for r in reporters)
    counted = sum(_stored_by_site(db).values())

    outages = f"{length.restarts} restart(s), {length.stops} stop(s) of {DOWN_S:.0f} s"
    figure("faults", f"PostgreSQL restarted under mixed load ({outages}; {length.agents} agents, "
           f"{length.phones} phones, staff, {WORKERS} workers): answers 5xx other than 503 (logged by the backend)",
           f"{len(not_503)} of {len(answers):,} answers to phones, staff, monitor and the agents' 5xx",
           "0", not not_503 and not unexpected)  # fmt: skip
    figure("faults", "PostgreSQL restarted: 503s seen by phones, staff and monitor, problem+json with Retry-After",
           f"{len(refusals)} ({len(refusals) - len(bad_refusals)} both); the backend logged {len(failed)} 5xx in all",
           "all", not bad_refusals)  # fmt: skip
    figure("faults", "PostgreSQL restarted: from the database back to every worker's /healthz 200 and a prompt "
           "published, without restarting the backend", ", ".join(f"{s:.1f} s" for s in recoveries),
           f"< {RECOVERY_TARGET_S:.0f} s", max(recoveries) < RECOVERY_TARGET_S and not died)  # fmt: skip
    figure("faults", "PostgreSQL stopped: /healthz answered 503 naming the database",
           f"{len(named)} of {len(while_down)}", "all", bool(while_down) and len(named) == len(while_down))  # fmt: skip
    figure("faults", "PostgreSQL restarted: agents' batches acknowledged / stored once (retries answered duplicate); "
           "rows lost",
           f"{len(acknowledged):,} / {len(acknowledged.keys() & stored.keys()):,} ({duplicates}); {lost}",
           "all; 0", lost == 0 and acknowledged.keys() <= stored.keys())  # fmt: skip
    figure("faults", "PostgreSQL restarted: advertisements heard / stored; outboxes empty after the load",
           f"{heard:,} / {counted:,}; {drained:.1f} s", "equal; empty", heard == counted)  # fmt: skip
    figure("faults", "PostgreSQL restarted: tracebacks and errors in the backend's log, workers restarted",
           f"{len(tracebacks) + raw_lines}, {len(died)}", "0, 0",
           not tracebacks and not raw_lines and not died)  # fmt: skip

    assert not unexpected, f"answers other than 200, 201 and 503: {unexpected}"
    assert not not_503, f"5xx other than 503: {not_503[:3]}"
    assert refusals and not bad_refusals, f"503s without problem+json and Retry-After: {bad_refusals[:3]}"
    assert not tracebacks and not raw_lines, f"the backend's log has errors: {tracebacks[:3]}"
    assert not died, f"workers died: {died}"
    assert max(recoveries) < RECOVERY_TARGET_S, recoveries
    assert while_down and len(named) == len(while_down), [(a.status, a.detail) for a in while_down]
    assert acknowledged and acknowledged.keys() <= stored.keys(), "an acknowledged batch is missing"
    assert lost == 0
    assert rows_stored == sum(stored.values()), "sighting rows that no stored batch accounts for"
    assert heard == counted > 0
    assert exits == [0] * length.agents
