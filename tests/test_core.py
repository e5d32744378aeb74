"""The agent's core on a real outbox file and, where it reports, a real backend on 127.0.0.1: what it
hears reaches the backend, its heartbeat is built from its own state, and a full disk holds at most
MAX_UNSAVED_SIGHTINGS in memory. Only time is the test's: the clocks are `tests.conftest.Clock`s."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import aiohttp
from structlog.testing import capture_logs

from beacon_agent.config import AgentConfig
from beacon_agent.constants import MAX_TRACKED_BEACONS, MAX_UNSAVED_SIGHTINGS
from beacon_agent.contract import version
from beacon_agent.contract.frames import encode_ibeacon
from beacon_agent.contract.wire import Heartbeat, ScannerState
from beacon_agent.core import AgentCore
from beacon_agent.outbox import Outbox
from tests.conftest import SITE, Backend, Clock
from tests.stored import rows

UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
BEACON = "AA:BB:CC:00:00:01"


def config(tmp_path: Path, url: str = "http://127.0.0.1:9", token: str = "nba_test") -> AgentConfig:
    return AgentConfig.model_validate(
        {"backend": {"url": url, "token": token}, "outbox": {"path": str(tmp_path / "outbox.sqlite3")}}
    )


def ibeacon(major: int, minor: int) -> dict[int, bytes]:
    company, payload = encode_ibeacon(UUID, major, minor, -59)
    return {company: payload}


async def set_disk_full(outbox: Outbox, full: bool) -> None:
    """The file's page limit stands in for the size of the disk: full at its present size, or not."""
    db = outbox._db
    assert db is not None
    limit = 1073741823
    if full:
        async with db.execute("PRAGMA page_count") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        limit = row[0]
    await db.execute(f"PRAGMA max_page_count = {limit}")


async def test_what_it_hears_reaches_the_backend_and_the_heartbeat_tells_its_state(
    backend: Backend, tmp_path: Path
) -> None:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    beacon = {"kind": "ibeacon", "uuid": UUID, "major": 7, "minor": 1, "label": "Eingang"}
    key = (await backend.json("POST", f"/v1/admin/sites/{site}/beacons", 201, json=beacon))["key"]
    token = (await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": "Pi"}))["token"]
    url = str(backend.client.make_url("")).rstrip("/")
    uptime = Clock(start=100.0)
    scanner = [ScannerState.STOPPED]
    async with aiohttp.ClientSession() as session:
        core = AgentCore(
            config(tmp_path, url, token),
            session,
            clock=backend.clock,
            monotonic=uptime,
            rng=random.Random(7),
            scanner_state=lambda: scanner[0],
        )
        await core.open()
        reporter = asyncio.create_task(core.reporter.run())
        try:
            for rssi in (-70, -60, -65):
                core.hear(BEACON, rssi, ibeacon(7, 1), {})
            core.hear("4C:3F:11:22:33:44", -50, {0x0075: b"\x01\x02\x03"}, {})  # a phone: no beacon frame
            backend.clock.advance(30)
            uptime.advance(61.26)
            await core.flush()
            assert core.outbox.depth == 1
            async with asyncio.timeout(10):
                while core.outbox.depth:  # noqa: ASYNC110 - the reporter's state: no event to wait on
                    await asyncio.sleep(0.005)
            scanner[0] = ScannerState.SCANNING
            ack = await core.heartbeat()
        finally:
            reporter.cancel()
            await asyncio.gather(reporter, return_exceptions=True)
            await core.close()
    assert ack is not None and ack.advertise is None
    assert rows(backend.settings.db, "SELECT beacon_key, count, rssi_max FROM sightings") == [(key, 3, -60)]
    expected = Heartbeat(
        version=version(),
        uptime_s=61.3,
        scanner=ScannerState.SCANNING,
        outbox_depth=0,
        dropped=0,
        set_aside=0,
    )
    health = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
    assert health["agents"][0]["heartbeat"] == expected.model_dump(mode="json")
    assert health["agents"][0]["alerts"] == []


async def test_a_full_disk_holds_the_newest_sightings_up_to_the_cap_and_counts_the_rest_as_dropped(
    tmp_path: Path,
) -> None:
    clock = Clock()
    windows = MAX_UNSAVED_SIGHTINGS // MAX_TRACKED_BEACONS + 1  # one window's worth more than the cap
    heard = windows * MAX_TRACKED_BEACONS
    async with aiohttp.ClientSession() as session:
        core = AgentCore(
            config(tmp_path),
            session,
            clock=clock,
            monotonic=clock,
            rng=random.Random(7),
            scanner_state=lambda: ScannerState.SCANNING,
        )
        await core.open()
        try:
            await set_disk_full(core.outbox, True)
            with capture_logs() as logs:
                for window in range(windows):
                    for minor in range(MAX_TRACKED_BEACONS):
                        core.hear(BEACON, -60, ibeacon(window, minor), {})
                    clock.advance(30)
                    await core.flush()
                    assert core.outbox.depth == 0
                status = core.status()
                assert core.diagnostics()["unsaved"] == MAX_UNSAVED_SIGHTINGS
                await set_disk_full(core.outbox, False)
                await core.flush()
            oldest = await core.outbox.next_batch()
            assert core.outbox.depth == MAX_UNSAVED_SIGHTINGS
            after = core.status()
        finally:
            await core.close()
    assert status.outbox_depth == MAX_UNSAVED_SIGHTINGS
    assert status.dropped == heard - MAX_UNSAVED_SIGHTINGS
    assert status.outbox_error is not None and str(tmp_path / "outbox.sqlite3") in status.outbox_error
    # The first window is the one that went: the oldest sighting saved was heard in the second.
    assert oldest is not None and oldest.sightings[0].beacon.split(":")[2] == "1"
    assert after.outbox_depth == MAX_UNSAVED_SIGHTINGS and after.dropped == heard - MAX_UNSAVED_SIGHTINGS
    assert after.outbox_error is None
    assert [e["log_level"] for e in logs] == ["error"] + ["debug"] * (windows - 1) + ["info"]
