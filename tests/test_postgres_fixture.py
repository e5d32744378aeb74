"""The test PostgreSQL (tests/postgres.py) is what the PostgreSQL store will need: PostGIS on the
primary, a hot standby that follows it, and a measurable lag between the two."""

from __future__ import annotations

import asyncpg
import pytest

from tests.postgres import PgDatabase, PostgresCluster

SCHEMA = """
CREATE TABLE beacon_spot (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    location geography(Point, 4326) NOT NULL
);
CREATE INDEX beacon_spot_location ON beacon_spot USING gist (location);
"""

# Leipzig: a hospice, a food bank ~300 m east of it, and a sports club ~5 km away.
SPOTS = [("hospice", 12.3731, 51.3397), ("food bank", 12.3774, 51.3397), ("club", 12.4450, 51.3397)]
NEAR = "ST_DWithin(location, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3)"


async def test_replica_serves_what_the_primary_wrote(
    postgres: PostgresCluster, pg_database: PgDatabase
) -> None:
    primary = await asyncpg.connect(pg_database.dsn)
    try:
        await primary.execute(SCHEMA)
        await primary.executemany(
            "INSERT INTO beacon_spot (name, location) VALUES ($1, ST_SetSRID(ST_MakePoint($2, $3), 4326))",
            SPOTS,
        )
    finally:
        await primary.close()

    lag = await postgres.replica_lag()
    print(f"replica lag after the insert: {lag * 1000:.1f} ms")

    replica = await asyncpg.connect(pg_database.replica_dsn)
    try:
        assert await replica.fetchval("SELECT pg_is_in_recovery()")
        near = await replica.fetch(
            f"SELECT name FROM beacon_spot WHERE {NEAR} ORDER BY id", 12.3731, 51.3397, 500.0
        )
        assert [row["name"] for row in near] == ["hospice", "food bank"]
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await replica.execute("DELETE FROM beacon_spot")
    finally:
        await replica.close()


async def test_nearby_query_uses_the_gist_index(pg_database: PgDatabase) -> None:
    connection = await asyncpg.connect(pg_database.dsn)
    try:
        await connection.execute(SCHEMA)
        await connection.execute("SET enable_seqscan = off")  # three rows: else a scan is cheaper
        plan = await connection.fetchval(
            f"EXPLAIN SELECT name FROM beacon_spot WHERE {NEAR}", 12.37, 51.34, 500.0
        )
        assert "beacon_spot_location" in plan
    finally:
        await connection.close()


async def test_each_test_gets_an_empty_database(pg_database: PgDatabase) -> None:
    connection = await asyncpg.connect(pg_database.dsn)
    try:
        tables = await connection.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'"
        )
        assert tables == 0
        assert await connection.fetchval("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    finally:
        await connection.close()


async def test_postgis_installs_in_a_database_made_without_the_template(postgres: PostgresCluster) -> None:
    admin = await asyncpg.connect(postgres.dsn())
    try:
        await admin.execute("CREATE DATABASE plain_postgis")
        try:
            plain = await asyncpg.connect(postgres.dsn("plain_postgis"))
            try:
                await plain.execute("CREATE EXTENSION postgis")
                one_degree = "SELECT ST_Distance('POINT(0 0)'::geography, 'POINT(0 1)'::geography)"
                assert 110_000 < await plain.fetchval(one_degree) < 112_000
            finally:
                await plain.close()
        finally:
            await admin.execute("DROP DATABASE plain_postgis WITH (FORCE)")
    finally:
        await admin.close()
