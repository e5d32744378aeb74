"""The reporter against a real backend on 127.0.0.1, with real outbox and backend SQLite files.

Only time is patched: the reporter's `sleep` records each backoff delay and returns at once.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from structlog.testing import capture_logs

from backend.http.app import create_app
from beacon_agent.backoff import backoff_ceiling
from beacon_agent.contract.wire import Heartbeat, HeartbeatAck, ScannerState, Sighting
from beacon_agent.outbox import Outbox
from beacon_agent.reporter import TOKEN_REJECTED_MESSAGE, Reporter, ReporterStatus
from tests import stored
from tests.conftest import SITE, Backend, BackendFactory, prompt_body

IB = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"


@dataclass
class Site:
    id: int
    agent_id: int
    token: str
    keys: list[str]


class Sleeps:
    """The reporter's only clock: records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


async def site_with_agent(backend: Backend, beacons: int = 3) -> Site:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    await backend.json("POST", f"/v1/admin/sites/{site}/prompts", 201, json=prompt_body())
    keys = []
    for minor in range(1, beacons + 1):
        body = {"kind": "ibeacon", "uuid": IB, "major": site, "minor": minor, "label": f"B{minor}"}
        keys.append((await backend.json("POST", f"/v1/admin/sites/{site}/beacons", 201, json=body))["key"])
    agent = await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": "Pi"})
    return Site(site, agent["id"], agent["token"], keys)


def sightings(keys: list[str], per_key: int = 1) -> list[Sighting]:
    at = datetime.now(UTC)
    return [
        Sighting(
            beacon=key,
            first_seen=at - timedelta(seconds=30 * (i + 1)),
            last_seen=at - timedelta(seconds=30 * i),
            count=4,
            rssi_max=-61,
            rssi_mean=-66.0,
            tx_power=-59,
        )
        for key in keys
        for i in range(per_key)
    ]


def count(backend: Backend, sql: str = "SELECT COUNT(*) FROM sightings") -> int:
    return int(stored.value(backend.settings.db, sql))


def url(port: int | None) -> str:
    assert port is not None, "the server is not running"
    return f"http://127.0.0.1:{port}"


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait (in real time, for the test only) until the agent's state shows what the test waits for."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the state belongs to the code under test: no event to wait on
            await asyncio.sleep(0.005)


@asynccontextmanager
async def running(reporter: Reporter) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(reporter.run())
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@dataclass
class Agent:
    box: Outbox
    reporter: Reporter
    sleeps: Sleeps


@asynccontextmanager
async def agent(tmp_path: Path, port: int | None, token: str, **outbox: Any) -> AsyncIterator[Agent]:
    """The agent's reporting half: a real outbox file and a reporter with a recording `sleep`."""
    sleeps = Sleeps()
    options = {"max_sightings": 10_000, **outbox}
    async with Outbox(tmp_path / "outbox.sqlite3", **options) as box, aiohttp.ClientSession() as session:
        reporter = Reporter(session, url(port), token, box, random.Random(7), sleeps, timeout_s=5)
        yield Agent(box, reporter, sleeps)


def beat(box: Outbox) -> Heartbeat:
    return Heartbeat(
        version="0.1.0",
        uptime_s=12.0,
        scanner=ScannerState.SCANNING,
        outbox_depth=box.depth,
        dropped=box.dropped,
        set_aside=box.set_aside_count,
    )


async def test_batches_arrive_with_their_keys_and_the_outbox_empties(
    backend: Backend, tmp_path: Path
) -> None:
    site = await site_with_agent(backend)
    async with agent(tmp_path, backend.client.port, site.token, batch_max=4) as a:
        box, reporter = a.box, a.reporter
        batches = await box.put_all(sightings(site.keys, per_key=3))  # 9 sightings: 4 + 4 + 1
        assert box.depth == 9
        async with running(reporter):
            await until(lambda: box.depth == 0 and reporter.status is ReporterStatus.IDLE)
            # A new batch wakes the reporter at once: it waits on the outbox, it does not poll.
            batches.append(await box.put(sightings(site.keys[:1])))
            await until(lambda: box.depth == 0 and reporter.status is ReporterStatus.IDLE, within=1.0)
        ack = await reporter.heartbeat(beat(box))
        diagnostics = reporter.diagnostics()
        assert a.sleeps.delays == []
    assert count(backend) == 10
    by_key = "SELECT COUNT(DISTINCT beacon_key) FROM sightings WHERE beacon_key IN (?, ?, ?)"
    assert stored.value(backend.settings.db, by_key, *site.keys) == 3
    batch_ids = {row[0] for row in stored.rows(backend.settings.db, "SELECT batch_id FROM sighting_batches")}
    assert batch_ids == {str(b.batch_id) for b in batches}
    assert [p.title for p in reporter.prompts] == ["Helfen Sie mit"]
    assert isinstance(ack, HeartbeatAck) and ack.advertise is None
    assert diagnostics["batches_sent"] == 4 and diagnostics["sightings_sent"] == 10
    assert diagnostics["status"] == "idle" and diagnostics["depth"] == 0
    assert diagnostics["consecutive_failures"] == 0 and diagnostics["last_success_at"] is not None
    health = await backend.json("GET", f"/v1/admin/sites/{site.id}/health", 200)
    assert health["agents"][0]["heartbeat"]["outbox_depth"] == 0


async def test_an_outage_loses_nothing_and_stores_every_sighting_once(
    backend: Backend, tmp_path: Path
) -> None:
    site = await site_with_agent(backend)
    port, settings, clock = backend.client.port, backend.settings, backend.clock
    async with agent(tmp_path, port, site.token) as a:
        box, reporter = a.box, a.reporter
        delays: list[float] = a.sleeps.delays
        async with running(reporter):
            first = await box.put(sightings(site.keys))
            await until(lambda: box.depth == 0)
            await backend.client.close()  # the backend goes away
            put = [await box.put(sightings(site.keys, per_key=2))]
            await until(lambda: reporter.consecutive_failures >= 5)
            put += await box.put_all(sightings(site.keys, per_key=100))
            put.append(await box.put(sightings(site.keys[:1])))
            await until(lambda: reporter.consecutive_failures >= 20)
            assert reporter.status is ReporterStatus.BACKING_OFF and not reporter.healthy
            assert box.depth == 6 + 300 + 1  # nothing leaves the outbox without an acknowledgement
            # Full jitter: each delay below its doubling ceiling, capped.
            assert all(0 <= d < backoff_ceiling(k) for k, d in enumerate(delays[:20]))
            assert max(delays) <= 300 and len(set(delays)) == len(delays)
            restarted = TestServer(create_app(settings, clock=clock), host="127.0.0.1", port=port)
            await restarted.start_server()  # the same SQLite file, the same address
            try:
                await until(lambda: box.depth == 0 and reporter.status is ReporterStatus.IDLE)
                assert reporter.consecutive_failures == 0 and reporter.diagnostics()["last_error"] is None
                seen = len(delays)
                await restarted.close()  # a second outage: the backoff starts again from its base
                await box.put(sightings(site.keys[:1]))
                await until(lambda: len(delays) > seen)
                assert delays[seen] < backoff_ceiling(0)
            finally:
                await restarted.close()
    assert count(backend) == 3 + 6 + 300 + 1
    assert count(backend, "SELECT COUNT(*) FROM sighting_batches") == 1 + len(put)
    ids = {r[0] for r in stored.rows(settings.db, "SELECT batch_id FROM sighting_batches")}
    assert ids == {str(first.batch_id), *(str(b.batch_id) for b in put)}


async def test_a_batch_resent_after_a_lost_acknowledgement_is_stored_once(
    backend: Backend, tmp_path: Path
) -> None:
    site = await site_with_agent(backend)
    async with agent(tmp_path, backend.client.port, site.token) as a:
        box, reporter = a.box, a.reporter
        await box.put(sightings(site.keys))
        pending = await box.next_pending()
        assert pending is not None
        # The first attempt reached the backend; its answer was lost on the way back.
        headers = {"Authorization": f"Bearer {site.token}", "Content-Type": "application/json"}
        await backend.json("POST", "/v1/agent/sightings", 200, data=pending.body, headers=headers)
        with capture_logs() as logs:
            async with running(reporter):
                await until(lambda: box.depth == 0)
    [acked] = [e for e in logs if e["event"] == "batch acknowledged"]
    assert acked["duplicate"] is True and acked["accepted"] == 0
    assert count(backend) == 3


async def test_refused_batches_are_set_aside_and_the_next_ones_go(
    make_backend: BackendFactory, tmp_path: Path
) -> None:
    backend = await make_backend(max_body_bytes=2048)
    site = await site_with_agent(backend)
    good = sightings(site.keys[:1])
    # A key the backend's contract refuses (upper case), as an older agent might have stored it.
    bad = Sighting.model_construct(**{**dict(good[0]), "beacon": f"ibeacon:{IB.upper()}:1:1"})
    async with agent(tmp_path, backend.client.port, site.token) as a:
        box, reporter = a.box, a.reporter
        invalid = await box.put([bad])
        too_big = await box.put(sightings(site.keys, per_key=5))  # over the 2 kB body cap
        await box.put(good)
        with capture_logs() as logs:
            async with running(reporter):
                await until(lambda: box.depth == 0)
        kept = {k.batch_id: k for k in await box.set_aside_batches()}
        assert box.set_aside_count == 2 and reporter.healthy
    assert kept[invalid.batch_id].status == 422 and "beacon" in kept[invalid.batch_id].reason
    assert kept[too_big.batch_id].status == 413 and "larger" in kept[too_big.batch_id].reason
    assert len([e for e in logs if e["log_level"] == "warning"]) == 2
    assert count(backend) == 1 and count(backend, "SELECT COUNT(*) FROM sighting_batches") == 1


async def test_a_revoked_token_stops_reporting_with_one_log_line(backend: Backend, tmp_path: Path) -> None:
    site = await site_with_agent(backend)
    async with agent(tmp_path, backend.client.port, site.token) as a:
        box, reporter = a.box, a.reporter
        async with running(reporter) as task:
            await box.put(sightings(site.keys))
            await until(lambda: box.depth == 0)
            await backend.json(
                "PATCH", f"/v1/admin/sites/{site.id}/agents/{site.agent_id}", 200, json={"revoked": True}
            )
            with capture_logs() as logs:
                await box.put(sightings(site.keys))
                await asyncio.wait_for(task, timeout=10)  # `run` returns: it stopped
                assert await reporter.heartbeat(beat(box)) is None
                await box.put(sightings(site.keys))
                await asyncio.sleep(0.05)
        assert reporter.status is ReporterStatus.TOKEN_REJECTED and not reporter.healthy
        assert box.depth == 6 and box.set_aside_count == 0  # kept for when a new token is configured
        assert a.sleeps.delays == []
    assert [e["event"] for e in logs if e["log_level"] in ("warning", "error")] == [TOKEN_REJECTED_MESSAGE]
    assert site.token not in repr(logs)
    assert count(backend) == 3


async def test_a_heartbeat_with_a_revoked_token_stops_the_reporter_too(
    backend: Backend, tmp_path: Path
) -> None:
    site = await site_with_agent(backend, beacons=1)
    path = f"/v1/admin/sites/{site.id}/agents/{site.agent_id}"
    await backend.json("PATCH", path, 200, json={"revoked": True})
    async with agent(tmp_path, backend.client.port, site.token) as a:
        box, reporter = a.box, a.reporter
        async with running(reporter) as task:
            assert await reporter.heartbeat(beat(box)) is None
            await asyncio.wait_for(task, timeout=5)  # it was waiting for work; it stops at once
        assert reporter.status is ReporterStatus.TOKEN_REJECTED


async def test_a_backend_that_never_answers_times_out_and_is_retried(tmp_path: Path) -> None:
    """A peer that accepts the connection and says nothing (a hung proxy): every request has a timeout."""
    hung: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hung.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        outbox = Outbox(tmp_path / "outbox.sqlite3", max_sightings=100)
        async with outbox as box, aiohttp.ClientSession() as session:
            reporter = Reporter(session, url(port), "t0ken", box, random.Random(1), Sleeps(), timeout_s=0.1)
            await box.put(sightings([f"ibeacon:{IB}:1:1"]))
            async with running(reporter):
                await until(lambda: reporter.consecutive_failures >= 2)
            assert "Timeout" in str(reporter.diagnostics()["last_error"])
            assert box.depth == 1 and reporter.status is ReporterStatus.BACKING_OFF
            assert await reporter.heartbeat(beat(box)) is None
    finally:
        for writer in hung:
            writer.close()
        server.close()
        await server.wait_closed()


class LongSleeps(Sleeps):
    """A backoff that would last: only a heartbeat getting through can end it early."""

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.Event().wait()


async def test_a_heartbeat_getting_through_ends_the_backoff_so_the_outbox_goes_at_once(
    backend: Backend, tmp_path: Path
) -> None:
    """After a long outage the backoff can be minutes (cap 300 s); the heartbeat, which runs on its own
    timer, is the first to notice the link is back, and the waiting batches go then, not minutes later."""
    site = await site_with_agent(backend)
    port, settings, clock = backend.client.port, backend.settings, backend.clock
    await backend.client.close()  # the backend is away
    outbox = Outbox(tmp_path / "outbox.sqlite3", max_sightings=100)
    async with outbox as box, aiohttp.ClientSession() as session:
        sleeps = LongSleeps()
        reporter = Reporter(session, url(port), site.token, box, random.Random(3), sleeps, timeout_s=5)
        await box.put(sightings(site.keys))
        async with running(reporter):
            await until(lambda: reporter.status is ReporterStatus.BACKING_OFF)
            assert await reporter.heartbeat(beat(box)) is None  # still away: the backoff goes on
            await asyncio.sleep(0.1)
            assert box.depth == 3 and len(sleeps.delays) == 1
            back = TestServer(create_app(settings, clock=clock), host="127.0.0.1", port=port)
            await back.start_server()
            try:
                assert await reporter.heartbeat(beat(box)) is not None
                await until(lambda: box.depth == 0, within=5.0)
                assert len(sleeps.delays) == 1  # sent without waiting out the backoff
            finally:
                await back.close()
