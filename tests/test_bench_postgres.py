"""`make bench`'s PostgreSQL rows in a tiny configuration, so the code behind them cannot rot
unnoticed: the bulk-loaded database is one the backend serves like a migrated one, the servers run
with `--workers 2` on it, and ingest and its raw COPY baseline store whole batches. No timings are
asserted: the figures are the bench's to report."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from benchmarks import servers
from benchmarks.__main__ import table
from benchmarks.http import lua, seed
from benchmarks.http import postgres as bench_postgres
from benchmarks.http.bench import BATCH, POSTGRESQL, Bench, Databases
from tests.pgcluster import PostgresCluster

SITES = 2345


def _indexes(cluster: PostgresCluster, database: str) -> set[str]:
    listed = cluster.psql(
        "SELECT indexdef FROM pg_indexes WHERE tablename IN ('sites', 'beacons', 'prompts')", database
    )
    return set(listed.splitlines())


def _json(url: str, body: str | None = None) -> dict[str, object]:
    request = urllib.request.Request(
        url, data=None if body is None else body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        result: dict[str, object] = json.loads(answer.read())
        return result


def test_bulk_loaded_sites_are_served_by_two_workers(
    postgres: PostgresCluster, pg_schema: str, tmp_path: Path
) -> None:
    dsn = bench_postgres.database(postgres, SITES, progress=False)
    name = dsn.rsplit("/", 1)[1]
    assert postgres.psql(
        "SELECT count(*) FROM sites JOIN beacons USING (id) JOIN prompts USING (id)", name
    ) == str(SITES)
    # The indexes dropped for the load are all back, as the migrations made them.
    assert _indexes(postgres, name) == _indexes(postgres, pg_schema.rsplit("/", 1)[1])
    assert postgres.psql("SELECT nextval(pg_get_serial_sequence('sites', 'id'))", name) == str(SITES + 1)

    lat, lon = map(float, postgres.psql("SELECT lat || ' ' || lon FROM sites WHERE id = 1", name).split())
    pid = bench_postgres.postmaster_pid(postgres)
    with servers.backend(dsn, tmp_path / "servers.log", workers=2, database_pid=pid) as server:
        resolved = _json(server.url + "/v1/resolve", lua.resolve_body(seed.ibeacon_key(0)))
        assert [s["site"]["id"] for s in resolved["sites"]] == [1]  # type: ignore[attr-defined,index]
        near = _json(f"{server.url}/v1/nearby?lat={lat}&lon={lon}&radius_m=500")
        assert 1 in [s["site"]["id"] for s in near["sites"]]  # type: ignore[attr-defined,index]
        assert server.cpu_seconds() > 0


def test_ingest_and_its_raw_copy_store_whole_batches(
    postgres: PostgresCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian: apt-get install wrk; `make bench-tools` as root)")
    small = bench_postgres.copy(
        postgres, bench_postgres.database(postgres, 1000, progress=False), "bench_small"
    )
    bench = Bench(tmp_path, 1.0, SITES, print, stores=[POSTGRESQL], workers=[1])
    bench.database_pid = bench_postgres.postmaster_pid(postgres)
    row = bench.ingest_row(Databases(POSTGRESQL, small, small), postgres)
    stored = int(postgres.psql("SELECT count(*) FROM sightings", "ingest"))
    assert stored > 0 and stored % BATCH == 0
    assert int(postgres.psql("SELECT count(*) FROM sightings", "raw")) % BATCH == 0
    assert (row.store, row.workers, row.unit, row.target) == (POSTGRESQL, 1, "rows/s", ">= 0.3")
    assert "raw COPY" in row.note
    lines = table([row]).splitlines()
    assert lines[0].split()[:3] == ["figure", "store", "workers"]
    assert " PostgreSQL " in lines[1]
    assert "raw COPY" in capsys.readouterr().out


def test_the_bench_says_in_one_line_when_postgresql_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(bench_postgres.pgcluster, "find_bindir", lambda: None)
    with bench_postgres.cluster(said.append) as cluster:
        assert cluster is None
    assert len(said) == 1 and "PostgreSQL rows skipped: PostgreSQL is not installed" in said[0]
