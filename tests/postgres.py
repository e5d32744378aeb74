"""A real PostgreSQL with PostGIS for tests: a primary and a streaming replica on loopback ports,
started once per test session, stopped and deleted at its end; and a fresh database per test.

Registered as a plugin in tests/conftest.py, so test functions just name the fixtures:

- `postgres`: the session's `PostgresCluster` (`dsn(db)`, `replica_dsn(db)`, `replica_lag()`);
- `pg_database`: a fresh database copied from a template that already has PostGIS (a copy takes
  a fraction of `CREATE EXTENSION postgis`), already replayed on the replica, dropped afterwards.

The cluster itself is `tests/pgcluster.py`'s (`make bench` starts one too). Without the Debian
packages, tests that need them are skipped with the reason, unless run as root: then nothing stops
them being installed, and a skip would hide a broken CI.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from tests.pgcluster import (
    TEMPLATE,
    PostgresCluster,
    Server,
    find_bindir,
    missing,
    start_cluster,
    start_primary,
    throwaway_folder,
)

__all__ = ["TEMPLATE", "PostgresCluster", "Server", "cluster_of", "server_folder", "start_primary"]


def cluster_of(request: pytest.FixtureRequest) -> PostgresCluster | None:
    """For a fixture parametrised by store (``params=STORES``): the session's cluster on
    ``postgres``, None on ``sqlite``."""
    if request.param == "sqlite":
        return None
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster


@contextlib.contextmanager
def server_folder() -> Iterator[tuple[Path, Path]]:
    """The server programs and a fresh folder for servers' data (`pgcluster.throwaway_folder`: every
    server started in it is stopped afterwards). Skips the test, with the reason, where PostgreSQL
    cannot run (fails it as root, who could have installed it)."""
    bindir = find_bindir()
    reason = missing(bindir)
    if reason is not None:
        if os.geteuid() == 0:
            pytest.fail(reason)
        pytest.skip(reason)
    assert bindir is not None
    with throwaway_folder(bindir) as folder:
        yield bindir, folder


@pytest.fixture(scope="session", name="postgres")
def fixture_postgres() -> Iterator[PostgresCluster]:
    with server_folder() as (bindir, folder):
        yield start_cluster(bindir, folder)


@dataclass(frozen=True)
class PgDatabase:
    name: str
    dsn: str
    replica_dsn: str


_numbers = itertools.count(1)


@pytest_asyncio.fixture(name="pg_database")
async def fixture_pg_database(postgres: PostgresCluster) -> AsyncIterator[PgDatabase]:
    name = f"test_{os.getpid()}_{next(_numbers)}"
    admin = await asyncpg.connect(postgres.dsn())
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        await postgres.replica_lag()  # so that tests may connect to the replica at once
        yield PgDatabase(name, postgres.dsn(name), postgres.replica_dsn(name))
        await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    finally:
        await admin.close()


STORE = "nahbei_store"


@pytest.fixture(scope="session", name="pg_schema")
def fixture_pg_schema(postgres: PostgresCluster) -> str:
    """The session's database for the backend's tests: PostGIS and Nahbei's schema, migrated once."""
    from backend.storage.postgres import PostgresStorage

    postgres.psql(f"CREATE DATABASE {STORE} TEMPLATE {TEMPLATE}")

    async def migrate() -> None:
        storage = PostgresStorage(postgres.dsn(STORE))
        await storage.open()
        await storage.close()

    asyncio.run(migrate())
    return postgres.dsn(STORE)


@pytest.fixture(name="pg_store")
def fixture_pg_store(postgres: PostgresCluster, pg_schema: str) -> str:
    """The URL of an empty Nahbei database (ids from 1 again) on the session's primary.

    Emptied rather than copied from a template: with PostGIS a database is 16 MB, and copying one
    took ~1.8 s on a busy 2-core machine against ~0.4 s for emptying every table.
    """
    from backend.storage.postgres.schema import TABLES

    postgres.psql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY", STORE)
    return pg_schema
