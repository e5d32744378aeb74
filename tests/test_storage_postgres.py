"""What only the PostgreSQL store has to show: several processes starting at once migrate once, and a
database that goes away is a 503 with Retry-After (never a 500) until it is back, by itself."""

from __future__ import annotations

import asyncio
import sys

import asyncpg
import pytest

from backend.storage.postgres.schema import SCHEMA_VERSION
from tests.conftest import SITE, BackendFactory
from tests.postgres import PgDatabase, PostgresCluster

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
    finally:
        postgres.primary.start()
    listed = await backend.json("GET", "/v1/admin/sites", 200)
    assert [s["id"] for s in listed["sites"]] == [site["id"]]
    async with backend.client.get("/healthz") as answer:
        assert answer.status == 200
