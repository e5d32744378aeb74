"""What the agents send, stored: sighting batches (exactly once each), heartbeats, prompt events;
and the purge of raw sightings past their retention.

A batch is one transaction that first claims `(agent_id, batch_id)` in `sighting_batches`
(``ON CONFLICT DO NOTHING``): a second delivery of the same batch, even at the same moment through
another process, waits on that row's unique index until the first commits and then finds it taken,
so its sightings are stored once. The sightings go in by COPY; the hourly roll-ups and the beacons'
last sighting as one statement each over arrays, in beacon order, so batches of different agents
lock shared rows in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import asyncpg

from backend.storage import AgentPrincipal, IngestResult, StoredSighting
from backend.storage.postgres.connection import PostgresBase
from backend.storage.sqlite.ingest import _ingest_rows
from beacon_agent.contract.wire import Heartbeat, PromptEventType

SIGHTING_COLUMNS: Final = (
    "agent_id", "site_id", "beacon_id", "beacon_key", "first_seen", "last_seen", "count", "rssi_max",
    "rssi_mean", "tx_power", "telemetry",
)  # fmt: skip
_ADD_HOURLY = (
    "INSERT INTO sightings_hourly (site_id, beacon_id, hour, sightings, advertisements)"
    " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::bigint[], $5::bigint[])"
    " ON CONFLICT (site_id, beacon_id, hour) DO UPDATE SET"
    " sightings = sightings_hourly.sightings + excluded.sightings,"
    " advertisements = sightings_hourly.advertisements + excluded.advertisements"
)
_MARK_SEEN = (
    "UPDATE beacons b SET battery_mv = CASE WHEN v.battery IS NOT NULL AND v.seen >= COALESCE(b.last_seen, 0)"
    " THEN v.battery ELSE b.battery_mv END, last_seen = GREATEST(COALESCE(b.last_seen, 0), v.seen)"
    " FROM unnest($1::int[], $2::float8[], $3::bigint[]) AS v(battery, seen, id) WHERE b.id = v.id"
)
# Two batches touching the same beacons can still deadlock through the index pages; PostgreSQL
# aborts one, which is then tried again whole.
DEADLOCK_TRIES: Final = 3


class Ingest(PostgresBase):
    async def ingest(
        self, principal: AgentPrincipal, batch_id: str, sightings: Sequence[StoredSighting], now: float
    ) -> IngestResult:
        rows, hourly, latest = _ingest_rows(principal, sightings)
        hourly.sort()
        latest.sort(key=lambda row: row[2])
        for attempt in range(DEADLOCK_TRIES):
            try:
                async with self._tx() as db:
                    claimed = await db.fetchval(
                        "INSERT INTO sighting_batches (agent_id, batch_id, received_at, accepted)"
                        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
                        principal.agent_id, batch_id, now, len(rows),
                    )  # fmt: skip
                    if claimed is None:
                        return IngestResult(accepted=0, duplicate=True)
                    if rows:
                        await db.copy_records_to_table("sightings", records=rows, columns=SIGHTING_COLUMNS)
                        await db.execute(_ADD_HOURLY, *(list(column) for column in zip(*hourly, strict=True)))
                        await db.execute(_MARK_SEEN, *(list(column) for column in zip(*latest, strict=True)))
                return IngestResult(accepted=len(rows), duplicate=False)
            except asyncpg.DeadlockDetectedError:
                if attempt == DEADLOCK_TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def record_heartbeat(self, agent_id: int, heartbeat: Heartbeat, now: float) -> int | None:
        async with self._tx() as db:
            beacon_id = await db.fetchval(
                "UPDATE agents SET last_heartbeat = $1, heartbeat = $2 WHERE id = $3 RETURNING advertise_beacon_id",
                now, heartbeat.model_dump_json(), agent_id,
            )  # fmt: skip
        return None if beacon_id is None else int(beacon_id)

    async def record_event(self, prompt_id: int, type: PromptEventType, hour: float) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO prompt_events_hourly (prompt_id, hour, type, count) VALUES ($1, $2, $3, 1)"
                " ON CONFLICT (prompt_id, hour, type) DO UPDATE SET count = prompt_events_hourly.count + 1",
                prompt_id, hour, str(type),
            )  # fmt: skip

    async def purge_sightings(self, before: float) -> int:
        async with self._tx() as db:
            status = await db.execute("DELETE FROM sightings WHERE last_seen < $1", before)
            await db.execute("DELETE FROM sighting_batches WHERE received_at < $1", before)
        return int(status.rsplit(" ", 1)[1])
