"""What only the PostgreSQL store has to show: several processes starting at once migrate once, a batch
sent through several at once is stored once, and a database that goes away is a 503 with
Retry-After (never a 500) until it is back, by itself."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from backend.models import AgentIn, IBeaconIn, SiteIn
from backend.storage import AgentPrincipal, StoredSighting
from backend.storage.postgres import PostgresStorage
from backend.storage.postgres.schema import SCHEMA_VERSION
from beacon_agent.contract.wire import Sighting
from tests import stored
from tests.conftest import SITE, BackendFactory
from tests.postgres import PgDatabase, PostgresCluster

IB = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
OPEN_ONCE = """
import asyncio, sys
from backend.config import Settings
from backend.storage import open_storage

async def main() -> None:
    async with open_storage(Settings(db=sys.argv[1])) as storage:
        await storage.ping()

asyncio.run(main())
"""


async def test_several_processes_starting_at_once_migrate_once(pg_database: PgDatabase) -> None:
    starting = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", OPEN_ONCE, pg_database.dsn, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(4)
    ]
    for process in starting:
        _, err = await process.communicate()
        assert process.returncode == 0, err.decode()
    db = await asyncpg.connect(pg_database.dsn)
    try:
        versions = [
            row[0] for row in await db.fetch("SELECT version FROM schema_migrations ORDER BY version")
        ]
        uuids = await db.fetchval("SELECT COUNT(*) FROM meta WHERE name = 'ibeacon_uuid'")
    finally:
        await db.close()
    assert versions == list(range(1, SCHEMA_VERSION + 1)) and uuids == 1


async def test_a_pooled_connection_goes_back_without_a_reset_round_trip_and_with_no_open_transaction(
    pg_database: PgDatabase,
) -> None:
    """The pool skips asyncpg's reset query (a second round trip after every read), yet a change
    that failed half-way leaves no transaction behind for the next request on that connection."""
    store = PostgresStorage(pg_database.dsn)
    await store.open()
    try:
        for _ in range(5):
            await store.ping()
        with pytest.raises(asyncpg.UndefinedTableError):
            async with store._tx() as db:
                await db.execute("INSERT INTO meta (name, value) VALUES ('half', 'way')")
                await db.execute("SELECT * FROM no_such_table")
        for _ in range(5):
            async with store._db() as db:
                assert not db.is_in_transaction()
                assert await db.fetchval("SELECT COUNT(*) FROM meta WHERE name = 'half'") == 0
        watcher = await asyncpg.connect(pg_database.dsn)
        try:
            last = await watcher.fetch(
                "SELECT state, query FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
        finally:
            await watcher.close()
        assert last and all(row["state"] == "idle" for row in last), last
        assert not [row for row in last if "RESET ALL" in row["query"]], last
    finally:
        await store.close()


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_a_stopped_database_is_503_with_retry_after_and_service_resumes_when_it_is_back(
    make_backend: BackendFactory, postgres: PostgresCluster, pg_store: str
) -> None:
    backend = await make_backend(db=pg_store)
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    postgres.primary.stop()
    try:
        for path in ("/v1/admin/sites", "/healthz"):
            async with backend.client.get(path, headers=backend.admin()) as answer:
                problem = await answer.json(content_type=None)
                assert answer.status == 503, problem
                assert answer.content_type == "application/problem+json"
                assert int(answer.headers["Retry-After"]) > 0
                # /healthz says which database is down (its address, never a password)
                assert f"127.0.0.1:{postgres.primary.port}/" in problem["detail"]
        # a page says so in words, in German first, and when to come back
        async with backend.client.get(f"/s/{site['slug']}/privacy") as answer:
            assert answer.status == 503 and int(answer.headers["Retry-After"]) > 0
            assert "Die Datenbank ist gerade nicht erreichbar" in await answer.text()
    finally:
        postgres.primary.start()
    listed = await backend.json("GET", "/v1/admin/sites", 200)
    assert [s["id"] for s in listed["sites"]] == [site["id"]]
    async with backend.client.get("/healthz") as answer:
        assert answer.status == 200


async def test_a_batch_sent_at_once_through_several_pools_is_stored_once(pg_store: str) -> None:
    """Four stores with pools of their own (as four backend processes have) take the same batches at
    the same moment: each batch is acknowledged as new once, and its rows and roll-ups are there once."""
    stores = [PostgresStorage(pg_store) for _ in range(4)]
    for store in stores:
        await store.open()
    try:
        now = time.time()
        org = await stores[0].create_org("Tafel", b"k" * 32, now)
        site = await stores[0].create_site(org, SiteIn(name="Tafel", lat=51.0, lon=12.0), now)
        beacons = [
            await stores[0].create_beacon(
                org, site.id, IBeaconIn(kind="ibeacon", uuid=IB, major=1, minor=m), now
            )
            for m in (1, 2)
        ]
        agent = await stores[0].create_agent(org, site.id, AgentIn(name="Pi"), b"t" * 32)
        principal = AgentPrincipal(agent.id, site.id, org)
        seen = datetime.fromtimestamp(now, UTC)
        sightings = [
            StoredSighting(
                b.id,
                Sighting(
                    beacon=str(b.key), first_seen=seen, last_seen=seen, count=3, rssi_max=-60, rssi_mean=-65.0
                ),
                now,
                now,
            )
            for b in beacons
            for _ in range(50)
        ]
        batches = [str(uuid.uuid4()) for _ in range(20)]
        results = await asyncio.gather(
            *(store.ingest(principal, batch, sightings, now) for batch in batches for store in stores)
        )
    finally:
        for store in stores:
            await store.close()
    assert sum(not r.duplicate for r in results) == len(batches)
    assert sum(r.accepted for r in results) == len(batches) * len(sightings)
    assert stored.value(pg_store, "SELECT COUNT(*) FROM sightings") == len(batches) * len(sightings)
    assert stored.value(pg_store, "SELECT SUM(advertisements) FROM sightings_hourly") == len(batches) * 300
