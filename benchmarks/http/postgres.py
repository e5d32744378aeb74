"""PostgreSQL for `make bench`: a throwaway cluster (`tests/pgcluster.py`, the one the tests start),
the benchmark databases in it, and the ingest baseline, a raw COPY.

The large database is written as a bulk load should be: rows by COPY with triggers and foreign-key
checks off (`session_replication_role = replica`), the secondary indexes and unique constraints
dropped first and built once at the end, so 1,000,000 sites take minutes, not an hour of index
updates. The server is durable (fsync on), as SQLite's `synchronous=FULL` is in the SQLite rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator, Sequence

import asyncpg

from backend.auth import secret_hash
from backend.storage.postgres.ingest import SIGHTING_COLUMNS
from backend.storage.postgres.schema import SCHEMA_VERSION
from benchmarks.http import seed
from tests import pgcluster

# Durable like a real server (the SQLite rows use synchronous=FULL), with room for every backend's
# pool: up to 8 servers of 2 workers with 10 connections each.
BENCH_CONF = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{sockets}'
shared_buffers = 256MB
max_connections = 200
maintenance_work_mem = 256MB
max_wal_size = 4GB
wal_level = replica
"""
BULK_TABLES = ("sites", "beacons", "prompts")


@contextlib.contextmanager
def cluster(say: Callable[[str], None]) -> Iterator[pgcluster.PostgresCluster | None]:
    """A throwaway primary for the run, or None (said in one line) when PostgreSQL is not installed."""
    bindir = pgcluster.find_bindir()
    if (reason := pgcluster.missing(bindir)) is not None:
        say(f"  PostgreSQL rows skipped: {reason}")
        yield None
        return
    assert bindir is not None
    say(f"  starting a throwaway PostgreSQL ({bindir.parent.name}) with PostGIS…")
    with pgcluster.throwaway_cluster(bindir, replica=False, conf=BENCH_CONF) as started:
        yield started


def database(db: pgcluster.PostgresCluster, sites: int, progress: bool = True) -> str:
    """The URL of a database with `sites` sites (the rows of `seed.database`), written by COPY."""
    name = f"sites_{sites}_v{SCHEMA_VERSION}"
    db.psql(f"CREATE DATABASE {name} TEMPLATE {pgcluster.TEMPLATE}")
    dsn = db.dsn(name)
    asyncio.run(seed.prepare(dsn))
    started = time.monotonic()
    asyncio.run(_bulk_load(dsn, sites, progress))
    if progress:
        print(f" ({time.monotonic() - started:.0f} s with indexes)")
    return dsn


def copy(db: pgcluster.PostgresCluster, source: str, name: str) -> str:
    """A copy of the database at `source`, named `name`; connections still open to `source` (a stopped
    backend's, on their way out) are ended first, as a template may have none."""
    template = source.rsplit("/", 1)[1]
    db.psql(f"DROP DATABASE IF EXISTS {name}")
    db.psql(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{template}'")
    db.psql(f"CREATE DATABASE {name} TEMPLATE {template}")
    return db.dsn(name)


def postmaster_pid(db: pgcluster.PostgresCluster) -> int:
    """The process id of the cluster's server (the first line of its postmaster.pid)."""
    return int((db.primary.datadir / "postmaster.pid").read_text().split()[0])


async def _bulk_load(dsn: str, sites: int, progress: bool) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica")
        rebuild = await _drop_secondary_indexes(conn)
        for chunk in seed.chunks(sites):
            async with conn.transaction():
                for table, rows in chunk.tables():
                    await conn.copy_records_to_table(table, records=rows, columns=seed.COLUMNS[table])
            if progress:
                seed.report_progress(sites, chunk.last, "PostgreSQL")
        if progress:
            print(", building indexes…", end="", flush=True)
        for statement in rebuild:
            await conn.execute(statement)
        for table in BULK_TABLES:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
            # As on a server that has been running: hint bits set and the visibility map written, so
            # the measured reads neither write those nor wait behind autovacuum doing it.
            await conn.execute(f"VACUUM (FREEZE, ANALYZE) {table}")
        await conn.execute(
            "INSERT INTO agents (site_id, name, token_hash) VALUES (1, 'bench', $1)",
            secret_hash(seed.AGENT_TOKEN),
        )
    finally:
        await conn.close()


async def _drop_secondary_indexes(conn: asyncpg.Connection) -> list[str]:
    """Drop the bulk tables' unique constraints and plain indexes (primary keys stay); the statements
    that make them again."""
    constraints = await conn.fetch(
        "SELECT conrelid::regclass::text AS tab, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint"
        " WHERE contype = 'u' AND conrelid::regclass::text = ANY($1)",
        list(BULK_TABLES),
    )
    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1) AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
        list(BULK_TABLES),
    )
    for c in constraints:
        await conn.execute(f'ALTER TABLE {c["tab"]} DROP CONSTRAINT "{c["conname"]}"')
    for i in indexes:
        await conn.execute(f'DROP INDEX "{i["indexname"]}"')
    return [i["indexdef"] for i in indexes] + [
        f'ALTER TABLE {c["tab"]} ADD CONSTRAINT "{c["conname"]}" {c["def"]}' for c in constraints
    ]


def raw_copy(dsn: str, rows: Sequence[tuple[object, ...]], seconds: float) -> float:
    """Rows per second of a raw COPY of `rows` into `sightings`, a transaction each, for `seconds`."""

    async def load() -> float:
        conn = await asyncpg.connect(dsn)
        try:
            batches, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                async with conn.transaction():
                    await conn.copy_records_to_table("sightings", records=rows, columns=SIGHTING_COLUMNS)
                batches += 1
            return batches * len(rows) / (time.perf_counter() - started)
        finally:
            await conn.close()

    return asyncio.run(load())
