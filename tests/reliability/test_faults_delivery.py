"""Delivery faults: the backend SIGKILLed under load, a partition longer than the outbox holds, and a
full disk under the outbox. Each test runs the shipped agent (`python -m beacon_agent run`) scanning
with the real bleak through the fake BlueZ, and counts exactly: every advertisement the fake passes on
is one bleak callback, so the stored `count`s must add up to what was sent, no more and no less.

Short versions run in ``make test``; ``make reliability`` runs them longer (more kills, a longer
partition, more advertisements), scaled by `scaled()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from simulator.bluez.bus import PrivateBus
from simulator.bluez.service import FakeBluez
from tests.agents import AgentProcess, eventually, stored, write_config
from tests.bluez_fixtures import fixture_bluez_bus, fixture_fake_bluez
from tests.conftest import BackendFactory
from tests.reliability.delivery import (
    BackendProcess,
    IngestLoad,
    Link,
    LinkState,
    advertise_each,
    agent_log_events,
    fill,
    free_port,
    heartbeat,
    ibeacon_key,
    outbox_rows,
    outbox_sightings,
    recover_copy,
    site_health,
    site_with_beacons,
    small_disk,
    stored_batches,
    stored_minors,
)
from tests.reliability.figures import Figures, scaled

__all__ = ["fixture_bluez_bus", "fixture_fake_bluez"]

SUM_OF_MINORS = "SELECT COALESCE(SUM(count), 0) FROM sightings WHERE beacon_key IN ({})"


def counted(db: Path, minors: range) -> int:
    """Advertisements stored for these beacons (the sum of their sightings' counts)."""
    keys = ", ".join(f"'{ibeacon_key(m)}'" for m in minors)
    return stored(db, SUM_OF_MINORS.format(keys))


@contextlib.asynccontextmanager
async def running(agent: AgentProcess, fake: FakeBluez) -> AsyncIterator[AgentProcess]:
    """The agent started and scanning; stopped (SIGTERM) afterwards if it is still running."""
    agent.start()
    try:
        await eventually(lambda: fake.discovering, 30, "the agent to start scanning")
        yield agent
    finally:
        if agent.running():
            await agent.stop()


@pytest.mark.sqlite_only("checks the SQLite file and its WAL as a restart finds them after each kill")
async def test_backend_sigkilled_under_load_keeps_every_acknowledged_batch_once(
    make_backend: BackendFactory,
    fake_bluez: FakeBluez,
    bluez_bus: PrivateBus,
    tmp_path: Path,
    figure: Figures,
) -> None:
    """The backend runs as a process (`python -m backend serve`); an agent reports through a recording
    proxy (which notes every batch the backend acknowledged to it) while its beacons advertise without
    pause, and a direct ingest load posts 50-sighting batches as fast as the backend answers. The
    backend is SIGKILLed mid-load (2 times here, 10 in the long run) and started again on the same
    port and file. At each kill, before the restart, a copy of the database file and its WAL (without
    the -shm index, so SQLite must rebuild it from the WAL) must pass `PRAGMA integrity_check` and hold
    every batch acknowledged before the kill. At the end the stored counts must equal what was sent."""
    setup = await make_backend(real_clock=True)
    db = setup.settings.db
    radio, load_minor = range(1, 11), 1000
    _, (agent_token, load_token) = await site_with_beacons(setup, [*radio, load_minor], agents=2)
    await setup.client.close()  # the process takes over the file
    backend = BackendProcess(db, free_port(), tmp_path / "backend.log")
    backend.start()
    await backend.ready()
    kills = int(scaled(2, 10))
    between = scaled(3.0, 15.0)
    outbox = tmp_path / "outbox.sqlite3"
    sent = 0
    stop = asyncio.Event()

    async def advertise() -> None:
        nonlocal sent
        while not stop.is_set():
            sent += await advertise_each(fake_bluez, radio, times=5)
            await asyncio.sleep(0.05)

    redelivery: list[float] = []
    wal_only = 0
    try:
        async with Link(backend.url) as link:
            config = write_config(tmp_path, link.url, agent_token)
            async with running(AgentProcess(config, bluez_bus, tmp_path / "agent.log"), fake_bluez):
                load = IngestLoad(backend.url, load_token, load_minor)
                tasks = [asyncio.create_task(advertise()), asyncio.create_task(load.run(stop))]
                for _ in range(kills):
                    await asyncio.sleep(between)
                    acknowledged = set(link.acknowledged) | load.acknowledged
                    assert backend.kill(signal.SIGKILL) == -signal.SIGKILL
                    integrity, with_wal, main_only = recover_copy(db, tmp_path / "copy")
                    assert integrity == "ok"
                    assert not acknowledged - with_wal, "an acknowledged batch is missing after SIGKILL"
                    wal_only += len(acknowledged & (with_wal - main_only))
                    await asyncio.sleep(1.5)  # down: the agent's batches wait in its outbox
                    waiting = set(outbox_rows(outbox))
                    backend.start()
                    await backend.ready()
                    began = time.monotonic()
                    await eventually(
                        lambda w=waiting: not w & set(outbox_rows(outbox)), 60, "the agent to redeliver"
                    )
                    redelivery.append(time.monotonic() - began)
                stop.set()
                await asyncio.gather(*tasks)
                await eventually(lambda: counted(db, radio) >= sent, 60, "every advertisement stored")
                await asyncio.sleep(2)  # anything doubled would arrive now
            assert counted(db, radio) == sent
            assert counted(db, range(load_minor, load_minor + 1)) == load.sightings_acknowledged
            assert not set(link.acknowledged) - stored_batches(db)
            duplicates = link.duplicates + load.duplicates
    finally:
        if backend.process is not None:
            backend.kill(signal.SIGTERM)
    # The copies must have needed the WAL at least once: otherwise recovery was not exercised.
    assert wal_only > 0
    figure("faults", "backend SIGKILLs under load", f"{kills}", f"{kills}", True)
    figure(
        "faults",
        "advertisements sent / stored across the kills",
        f"{sent} / {counted(db, radio)}",
        "equal",
        True,
    )
    figure(
        "faults",
        "acknowledged batches missing after SIGKILL (WAL copy checked before restart)",
        f"0 of {len(link.acknowledged) + len(load.acknowledged)} ({wal_only} recovered from the WAL)",
        "0",
        True,
    )
    figure(
        "faults", "batches resent after a kill and answered duplicate", f"{duplicates}", "stored once", True
    )
    figure(
        "faults",
        "time for the agent to redeliver after the backend restarted (max)",
        f"{max(redelivery):.1f} s",
        "< 60 s",
        max(redelivery) < 60,
    )


class OutboxWatch:
    """Polls an outbox file and keeps the most sightings it ever held."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.most = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):  # the file may not exist yet, or be mid-checkpoint
                self.most = max(self.most, outbox_sightings(self.path))
            await asyncio.sleep(0.02)


async def test_a_partition_longer_than_the_outbox_holds_drops_the_oldest_and_counts_them(
    make_backend: BackendFactory,
    fake_bluez: FakeBluez,
    bluez_bus: PrivateBus,
    tmp_path: Path,
    figure: Figures,
) -> None:
    """The agent reports through a proxy that is first cut (connections drop without an answer), then
    blackholed (requests are taken and never answered), while beacons keep appearing: each beacon
    advertises once, so each is one sighting, and the minors tell their order. The outbox is bounded at
    100 sightings; 300 (1,500 in the long run) are heard during the partition. A poller reads the
    outbox file every 20 ms for its largest size. After healing: the outbox never held more than its
    bound, the stored sightings of the partition are exactly its newest ones (a suffix of the minors),
    none is stored twice, stored + dropped == heard, and the dropped count reaches the site's health
    through the heartbeat and the agent's log."""
    backend = await make_backend(real_clock=True)
    bound = 100
    before = range(1, 21)
    during = range(21, 21 + int(scaled(300, 1500)))
    site, (token,) = await site_with_beacons(backend, [*before, *during])
    url = str(backend.client.make_url("")).rstrip("/")
    outbox = tmp_path / "outbox.sqlite3"
    log = tmp_path / "agent.log"
    async with Link(url) as link:
        config = write_config(tmp_path, link.url, token, outbox={"max_sightings": bound})
        async with running(AgentProcess(config, bluez_bus, log), fake_bluez):
            heard = await advertise_each(fake_bluez, before)
            await eventually(lambda: stored(backend.settings.db) == heard, 30, "the sightings before")
            watch, stop = OutboxWatch(outbox), asyncio.Event()
            watching = asyncio.create_task(watch.run(stop))
            link.set(LinkState.CUT)
            # About 50 new beacons a second, in order: several flush windows, each far below the bound.
            step = 10
            for start in range(during.start, during.stop, step):
                if start - during.start >= len(during) // 2:
                    link.set(LinkState.BLACKHOLED)
                heard += await advertise_each(fake_bluez, range(start, min(start + step, during.stop)))
                await asyncio.sleep(0.2)
            await asyncio.sleep(2.5)  # the last window flushed into the outbox
            link.set(LinkState.UP)
            healed = time.monotonic()
            await eventually(
                lambda: outbox_sightings(outbox) == 0, scaled(60, 360), "the outbox to empty after healing"
            )
            delivered_in = time.monotonic() - healed
            stop.set()
            await watching
            await asyncio.sleep(2)  # anything doubled would arrive now
            minors = stored_minors(backend.settings.db)
            dropped = heard - len(minors)

            health = await site_health(backend, site, lambda h: heartbeat(h).get("dropped") == dropped)
    assert heard == len(before) + len(during)  # the fake passed every advertisement on
    assert len(minors) == len(set(minors)), "a sighting was stored twice"
    assert stored(backend.settings.db) == len(minors)  # one advertisement each
    assert watch.most <= bound
    assert dropped > 0, "the partition was meant to overflow the outbox"
    kept = [m for m in minors if m in during]
    assert kept == list(range(during.stop - len(kept), during.stop)), "not the newest that were kept"
    assert [m for m in minors if m in before] == list(before)
    assert heartbeat(health)["dropped"] == dropped
    assert any(alert.startswith("OUTBOX_DROPPING") for alert in health["alerts"]), health["alerts"]
    warnings = [e for e in agent_log_events(log) if "dropping the oldest" in str(e.get("event"))]
    assert len(warnings) == 1, warnings
    figure(
        "faults",
        "sightings heard during the partition / outbox bound",
        f"{len(during)} / {bound}",
        "> bound",
        True,
    )
    figure(
        "faults", "largest outbox seen during the partition", f"{watch.most} sightings", f"≤ {bound}", True
    )
    figure(
        "faults",
        "partition: stored + dropped (reported in the heartbeat) = heard",
        f"{len(minors)} + {dropped} = {heard}",
        "equal, newest kept",
        True,
    )
    figure(
        "faults",
        "partition: time from healing to an empty outbox",
        f"{delivered_in:.1f} s",
        f"< {scaled(60, 360):.0f} s (backoff caps at 300 s)",
        delivered_in < scaled(60, 360),
    )


def disk_full_lines(log: Path) -> list[dict[str, object]]:
    return [e for e in agent_log_events(log) if "disk is full" in str(e)]


async def test_a_full_disk_under_the_outbox_keeps_the_agent_scanning_and_it_recovers(
    make_backend: BackendFactory,
    fake_bluez: FakeBluez,
    bluez_bus: PrivateBus,
    tmp_path: Path,
    figure: Figures,
) -> None:
    """The outbox lives on a 512 KiB tmpfs. With the link to the backend cut, so that the outbox must
    grow, a filler file takes every free block, and ten beacons keep advertising (5 s here, 60 s in the
    long run). Then the link comes back while the disk is still full, and at last the filler goes. The
    agent must keep running and scanning throughout, say once, clearly, that the disk under its outbox
    (by path) is full, and afterwards deliver every advertisement heard, once: the stored counts equal
    what was sent. Sightings it could not hold are counted in the heartbeat's `dropped` (0 expected:
    it holds up to 20,000 in memory)."""
    backend = await make_backend(real_clock=True)
    db = backend.settings.db
    radio = range(1, 11)
    site, (token,) = await site_with_beacons(backend, radio)
    url = str(backend.client.make_url("")).rstrip("/")
    log = tmp_path / "agent.log"
    with small_disk(tmp_path / "disk", "512k") as disk:
        outbox = disk / "outbox.sqlite3"
        async with Link(url) as link:
            config = write_config(tmp_path, link.url, token, outbox={"path": str(outbox)})
            async with running(AgentProcess(config, bluez_bus, log), fake_bluez) as agent:
                sent = await advertise_each(fake_bluez, radio, times=5)
                await eventually(lambda: stored(db) == sent, 30, "the sightings before the disk filled")
                link.set(LinkState.CUT)
                sent += await advertise_each(fake_bluez, radio, times=5)
                await eventually(lambda: outbox_sightings(outbox) > 0, 10, "a batch waiting in the outbox")
                filler = fill(disk)
                full_for = scaled(5.0, 60.0)
                began = time.monotonic()
                while time.monotonic() - began < full_for or not disk_full_lines(log):
                    assert time.monotonic() - began < full_for + 30, "the outbox never noticed the full disk"
                    sent += await advertise_each(fake_bluez, radio, times=5)
                    await asyncio.sleep(0.3)
                assert agent.running() and fake_bluez.discovering
                link.set(LinkState.UP)  # the backend is back, the disk still full
                back = time.time()
                sent += await advertise_each(fake_bluez, radio, times=5)
                health = await site_health(backend, site, lambda h: bool(heartbeat(h, since=back)))
                beat = heartbeat(health, since=back)
                assert beat["outbox_depth"] > 0, beat  # the sightings held in memory are counted as waiting
                assert str(outbox) in beat["outbox_error"], beat  # and staff are told why
                assert "OUTBOX_FAILING" in health["agents"][0]["alerts"], health["agents"][0]
                assert agent.running() and fake_bluez.discovering
                filler.unlink()
                freed, freed_at = time.monotonic(), time.time()
                await eventually(lambda: stored(db) >= sent, 60, "every advertisement after space returned")
                recovered_in = time.monotonic() - freed
                await asyncio.sleep(1.5)  # anything doubled would arrive now
                assert stored(db) == sent
                health = await site_health(
                    backend,
                    site,
                    lambda h: bool(heartbeat(h, since=freed_at)) and not h["agents"][0]["alerts"],
                )
                assert heartbeat(health, since=freed_at).get("outbox_error") is None
                assert health["agents"][0]["alerts"] == []  # the alert ends with the trouble
    lines = disk_full_lines(log)
    # Once per operation: saving the window ("put") says it, with the path; and when the link came
    # back while the disk was still full, deleting a delivered batch ("ack") may say it once too
    # (the batch is sent again later and the backend answers it as a duplicate).
    puts = [line for line in lines if "outbox put failed" in str(line)]
    assert len(puts) == 1 and str(outbox) in str(puts[0]), lines
    assert len(lines) - len(puts) <= 1 and all(
        "outbox ack failed" in str(x) for x in lines if x not in puts
    ), lines
    lost = int(heartbeat(health, since=freed_at)["dropped"])
    assert lost == 0
    figure(
        "faults",
        "disk full under the outbox: advertisements sent / stored",
        f"{sent} / {stored(db)}",
        "equal",
        True,
    )
    figure(
        "faults", "disk full: sightings lost (heartbeat `dropped`)", f"{lost}", "0, counted if any", lost == 0
    )
    figure(
        "faults",
        "disk full: time from space returning to every sighting stored",
        f"{recovered_in:.1f} s",
        "< 60 s",
        recovered_in < 60,
    )
