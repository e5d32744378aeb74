"""The durable outbox on real SQLite files: order, acknowledgement, bound, set-aside, full disk, SIGKILL.

The disk-full test here fills the file's page limit (``PRAGMA max_page_count``), which makes SQLite
answer exactly as on a full disk (SQLITE_FULL, "database or disk is full"). The test with a real full
filesystem (a small tmpfs) belongs to the reliability suite, which runs as root.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from beacon_agent.contract.wire import Sighting
from beacon_agent.outbox import Outbox, OutboxFull, to_drop

IB = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
ROOT = Path(__file__).resolve().parent.parent


def sightings(n: int, minor: int = 1) -> list[Sighting]:
    at = datetime.now(UTC)
    return [
        Sighting(
            beacon=f"ibeacon:{IB}:{i % 100}:{minor}",
            first_seen=at - timedelta(seconds=30),
            last_seen=at,
            count=3,
            rssi_max=-60,
            rssi_mean=-64.5,
            tx_power=-59,
        )
        for i in range(n)
    ]


async def test_batches_come_out_oldest_first_and_go_only_when_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    async with Outbox(path, max_sightings=1000, batch_max=4) as outbox:
        first = await outbox.put(sightings(3, minor=1))
        split = await outbox.put_all(sightings(10, minor=2))
        assert [len(b.sightings) for b in split] == [4, 4, 2]
        assert outbox.depth == 13 and outbox.added.is_set()
        assert await outbox.next_batch() == first
        assert await outbox.next_batch() == first  # still there: nothing was acknowledged
    async with Outbox(path, max_sightings=1000, batch_max=4) as outbox:
        assert outbox.depth == 13 and outbox.added.is_set()  # a reopened outbox with work wakes the reporter
        pending = await outbox.next_pending()
        assert pending is not None and pending.batch_id == first.batch_id and pending.sightings == 3
        assert await outbox.ack(first.batch_id)
        assert not await outbox.ack(first.batch_id)  # acknowledging twice is harmless
        for batch in split:
            assert await outbox.next_batch() == batch
            await outbox.ack(batch.batch_id)
        assert await outbox.next_batch() is None and outbox.depth == 0


async def test_a_full_outbox_drops_the_oldest_counts_it_and_logs_once(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    with capture_logs() as logs:
        async with Outbox(path, max_sightings=10) as outbox:
            old = await outbox.put(sightings(4, minor=1))
            await outbox.put(sightings(4, minor=2))
            await outbox.put(sightings(4, minor=3))  # 12 > 10: the oldest batch goes
            assert outbox.dropped == 4 and outbox.depth == 8
            assert (await outbox.next_batch()) != old
            await outbox.put(sightings(4, minor=4))
            await outbox.put(sightings(25, minor=5))  # more than the bound in one go: the newest 10 stay
            assert outbox.depth == 10 and outbox.dropped == 4 + 4 + 8 + 15
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert len(warnings) == 1 and "dropping the oldest" in warnings[0]["event"]
    async with Outbox(path, max_sightings=10) as outbox:
        assert outbox.dropped == 31 and outbox.depth == 10  # the count survives a restart
        batch = await outbox.next_batch()
        assert batch is not None and {s.beacon.rsplit(":", 1)[1] for s in batch.sightings} == {"5"}


async def test_set_aside_batches_are_kept_counted_and_never_offered_again(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    async with Outbox(path, max_sightings=12) as outbox:
        refused = await outbox.put(sightings(4, minor=1))
        waiting = await outbox.put(sightings(4, minor=2))
        assert await outbox.set_aside(refused.batch_id, 422, "invalid fields: sightings.0.beacon")
        assert not await outbox.set_aside(refused.batch_id, 422, "again")
        assert outbox.set_aside_count == 1 and outbox.depth == 4
        assert await outbox.next_batch() == waiting
    async with Outbox(path, max_sightings=12) as outbox:
        assert outbox.set_aside_count == 1 and outbox.depth == 4
        [kept] = await outbox.set_aside_batches()
        assert (kept.batch_id, kept.status, kept.sightings) == (refused.batch_id, 422, 4)
        # Room is made from set-aside batches first: they will never be sent anyway.
        await outbox.put(sightings(5, minor=3))  # 13 > 12
        assert outbox.dropped == 0 and outbox.depth == 9
        assert await outbox.set_aside_batches() == [] and outbox.set_aside_count == 1


async def test_a_full_disk_is_a_clear_error_and_the_outbox_recovers(tmp_path: Path) -> None:
    async with Outbox(tmp_path / "outbox.sqlite3", max_sightings=100_000) as outbox:
        kept = await outbox.put(sightings(50))
        db = outbox._db  # the one connection: its page limit stands in for the size of the disk
        assert db is not None
        async with db.execute("PRAGMA page_count") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        await db.execute(f"PRAGMA max_page_count = {row[0]}")
        with pytest.raises(OutboxFull, match="disk is full"):
            await outbox.put(sightings(500))
        with pytest.raises(OutboxFull):
            await outbox.put_all(sightings(1200))
        assert outbox.depth == 50 and outbox.dropped == 0  # nothing half-written, nothing counted
        assert await outbox.next_batch() == kept
        assert await outbox.ack(kept.batch_id)  # deleting still works on a full disk
        await db.execute("PRAGMA max_page_count = 1073741823")  # space returns
        again = await outbox.put(sightings(500))
        assert outbox.depth == 500 and await outbox.next_batch() == again
        async with db.execute("PRAGMA integrity_check") as cursor:
            assert [tuple(r) for r in await cursor.fetchall()] == [("ok",)]


# Puts big batches forever and prints each batch id once `put` has returned, i.e. committed.
_WRITER = """
import asyncio, sys
from datetime import UTC, datetime
from beacon_agent.outbox import Outbox
from beacon_agent.contract.wire import Sighting

async def main(path: str, size: int) -> None:
    at = datetime.now(UTC)
    items = [
        Sighting(beacon=f"ibeacon:{sys.argv[3]}:1:{i}", first_seen=at, last_seen=at, count=1,
                 rssi_max=-60, rssi_mean=-60.0)
        for i in range(size)
    ]
    async with Outbox(path, max_sightings=10**9, batch_max=size) as outbox:
        while True:
            print((await outbox.put(items)).batch_id, flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


SIZE = 3000  # sightings per put: ~20 ms a put, more than half of it inside the transaction


async def write_until_killed(path: Path, after_s: float) -> list[str]:
    """Run the writer, SIGKILL it `after_s` after its first commit; the batch ids it saw committed."""
    writer = await asyncio.create_subprocess_exec(
        *(sys.executable, "-c", _WRITER, str(path), str(SIZE), IB),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert writer.stdout is not None
    first = await asyncio.wait_for(writer.stdout.readline(), timeout=20)
    await asyncio.sleep(after_s)
    writer.send_signal(signal.SIGKILL)
    rest, _ = await writer.communicate()
    return [first.decode().strip(), *rest.decode().split()]


async def test_sigkill_mid_write_leaves_whole_batches_or_nothing(tmp_path: Path) -> None:
    # Five writers at once, killed at different moments: most kills land inside a transaction.
    paths = [tmp_path / f"outbox-{i}.sqlite3" for i in range(5)]
    runs = await asyncio.gather(*(write_until_killed(p, 0.03 + 0.061 * i) for i, p in enumerate(paths)))
    for path, committed in zip(paths, runs, strict=True):
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        async with Outbox(path, max_sightings=10**9, batch_max=SIZE) as outbox:
            assert outbox.depth % SIZE == 0
            found = []
            while (batch := await outbox.next_batch()) is not None:
                assert len(batch.sightings) == SIZE  # a batch is there whole, or not at all
                found.append(str(batch.batch_id))
                await outbox.ack(batch.batch_id)
        # Every put that returned is there; at most the one in flight when killed got further.
        assert found[: len(committed)] == committed and len(found) - len(committed) in (0, 1)


def test_to_drop_frees_at_least_what_is_needed_oldest_first() -> None:
    rows = [(1, 5), (2, 5), (7, 1)]
    assert to_drop(rows, 0) == []
    assert to_drop(rows, 3) == [1]
    assert to_drop(rows, 6) == [1, 2]
    assert to_drop(rows, 99) == [1, 2, 7]


def test_no_radio_address_can_reach_the_outbox() -> None:
    """What the outbox stores is the wire's Sighting, which has no field for an address, and ignores one."""
    assert not {"address", "mac", "device"} & set(Sighting.model_fields)
    at = datetime.now(UTC).isoformat()
    raw = {"beacon": f"ibeacon:{IB}:1:1", "first_seen": at, "last_seen": at, "count": 1, "rssi_max": -60}
    parsed = Sighting.model_validate({**raw, "rssi_mean": -60.0, "address": "AA:BB:CC:DD:EE:FF"})
    assert "AA:BB" not in parsed.model_dump_json()
