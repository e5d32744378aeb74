"""The backend's figures (issue "Backend v1"), each against a baseline measured in the same run.

- resolve of one known iBeacon vs a bare aiohttp handler returning a fixed small JSON body, driven by
  the same wrk script (the same POST) (target ≥ 0.7x)
- nearby, 500 m, over 1,000,000 sites vs the same bare handler, same GET requests (target ≥ 0.5x)
- p99 latency of resolve and nearby at 1,000,000 vs at 1,000 beacons/sites (target ≤ 1.5x)
- sighting ingest over HTTP, batches of 500 vs raw sqlite3 executemany of the same rows into the
  same table and indexes, with the same durability (WAL, synchronous=FULL, a commit per batch)
  (target ≥ 0.3x)

Besides requests per second, each HTTP run reports the server's CPU time per request, which other
work on the machine disturbs less.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import lua, seed, servers, wrk

BATCH = 500


@dataclass
class Result:
    name: str
    figure: float
    unit: str
    baseline: float
    ratio: float
    target: str
    met: bool
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Run:
    load: wrk.Load
    cpu_us: float


class Bench:
    def __init__(self, folder: Path, seconds: float, big: int, say: Callable[[str], None]) -> None:
        self.folder, self.seconds, self.big, self.say = folder, seconds, big, say
        self.log = folder / "servers.log"

    def load(
        self, server: servers.Server, script: Path | None, what: str, connections: int = wrk.CONNECTIONS
    ) -> Run:
        wrk.run(server.url, script, min(2.0, self.seconds), connections)  # warm-up: caches, connections
        self.say(f"  {what} ({self.seconds:g} s, {connections} connections)…")
        cpu = server.cpu_seconds()
        result = wrk.run(server.url, script, self.seconds, connections)
        cpu_us = (server.cpu_seconds() - cpu) / (result.requests_per_s * self.seconds) * 1e6
        if result.errors or result.non_2xx:
            raise RuntimeError(f"{what}: {result.errors} socket errors, {result.non_2xx} non-2xx answers")
        self.say(
            f"    {result.requests_per_s:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
            f"{cpu_us:.0f} µs CPU/request"
        )
        return Run(result, cpu_us)

    def run(self) -> list[Result]:
        small_db = self.copy(seed.database(self.folder, 1000), "small")
        big_db = self.copy(seed.database(self.folder, self.big), "big")
        one_script = lua.resolve_one(self.folder, seed.ibeacon_key(0))
        near_script = lua.nearby_random(self.folder, self.big, 500)
        bare: dict[str, list[Run]] = {"resolve": [], "nearby": []}

        def baseline() -> None:
            with servers.bare(self.log) as server:
                bare["resolve"].append(
                    self.load(server, one_script, "baseline: bare handler, resolve's POST")
                )
                bare["nearby"].append(self.load(server, near_script, "baseline: bare handler, nearby's GET"))

        baseline()
        with servers.backend(small_db, self.log) as server:
            one = self.load(server, one_script, "resolve, one known iBeacon")
            small_resolve = self.load(
                server, lua.resolve_random(self.folder, 1000), "resolve, random of 1,000"
            )
            small_nearby = self.load(
                server, lua.nearby_random(self.folder, 1000, 500), "nearby 500 m, 1,000 sites"
            )
        with servers.backend(big_db, self.log) as server:
            big_resolve = self.load(
                server, lua.resolve_random(self.folder, self.big), f"resolve, random of {self.big:,}"
            )
            big_nearby = self.load(server, near_script, f"nearby 500 m, {self.big:,} sites")
        baseline()
        ingest_rows = self.ingest()
        raw_rows = self.raw_executemany()
        big = f"{self.big:,}"
        return [
            _versus_bare("resolve one known iBeacon", one, bare["resolve"], 0.7),
            _versus_bare(f"nearby 500 m over {big} sites", big_nearby, bare["nearby"], 0.5),
            _latency(f"resolve p99 at {big} vs 1,000 beacons", big_resolve, small_resolve),
            _latency(f"nearby p99 at {big} vs 1,000 sites", big_nearby, small_nearby),
            _ratio(
                f"sighting ingest over HTTP (batches of {BATCH})",
                ingest_rows,
                "rows/s",
                raw_rows,
                0.3,
                "baseline: raw sqlite3 executemany, same rows, table, indexes and durability",
            ),
        ]

    def copy(self, db: Path, name: str) -> Path:
        target = self.folder / f"run-{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        shutil.copyfile(db, target)
        return target

    def ingest(self) -> float:
        db = self.copy(seed.database(self.folder, 1000), "ingest")
        script = lua.ingest(self.folder, sightings())
        with servers.backend(db, self.log) as server:
            # Sixteen agents sending at once: each batch waits for the one writer, and more only queue.
            run = self.load(server, script, f"ingest, batches of {BATCH} sightings", connections=16)
        with contextlib.closing(sqlite3.connect(db)) as conn:
            stored = conn.execute("SELECT COUNT(*) FROM sightings").fetchone()[0]
        if stored % BATCH:
            raise RuntimeError(f"ingest stored {stored} rows, not whole batches")
        return run.load.requests_per_s * BATCH

    def raw_executemany(self) -> float:
        """The same rows into the same table and indexes, with the same pragmas, a commit per batch."""
        db = self.copy(seed.database(self.folder, 1000), "raw")
        rows = [
            (
                1,
                1,
                1 + i % 50,
                s["beacon"],
                _ts(s["first_seen"]),
                _ts(s["last_seen"]),
                s["count"],
                s["rssi_max"],
                s["rssi_mean"],
                s["tx_power"],
                None,
            )
            for i, s in enumerate(sightings())
        ]
        with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
                conn.execute(f"PRAGMA {pragma}")
            self.say(f"  baseline: raw executemany ({self.seconds:g} s)…")
            batches, started = 0, time.perf_counter()
            while time.perf_counter() - started < self.seconds:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(
                    "INSERT INTO sightings (agent_id, site_id, beacon_id, beacon_key, first_seen, last_seen, count,"
                    " rssi_max, rssi_mean, tx_power, telemetry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                conn.execute("COMMIT")
                batches += 1
            figure = batches * BATCH / (time.perf_counter() - started)
        self.say(f"    {figure:,.0f} rows/s")
        return figure


def sightings() -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "beacon": seed.ibeacon_key(i % 50),
            "first_seen": (now - timedelta(seconds=60)).isoformat(),
            "last_seen": now.isoformat(),
            "count": 12,
            "rssi_max": -60,
            "rssi_mean": -66.5,
            "tx_power": -59,
            "telemetry": None,
        }
        for i in range(BATCH)
    ]


def _ts(text: Any) -> float:
    return datetime.fromisoformat(str(text)).timestamp()


def _versus_bare(name: str, run: Run, bare: list[Run], target: float) -> Result:
    baseline = sum(b.load.requests_per_s for b in bare) / len(bare)
    cpu = sum(b.cpu_us for b in bare) / len(bare)
    note = (
        f"bare runs {', '.join(f'{b.load.requests_per_s:,.0f}' for b in bare)} req/s; CPU per request "
        f"{run.cpu_us:.0f} µs vs {cpu:.0f} µs bare (ratio {cpu / run.cpu_us:.2f})"
    )
    return _ratio(name, run.load.requests_per_s, "req/s", baseline, target, note)


def _ratio(name: str, figure: float, unit: str, baseline: float, target: float, note: str) -> Result:
    ratio = figure / baseline
    return Result(
        name,
        round(figure, 1),
        unit,
        round(baseline, 1),
        round(ratio, 3),
        f">= {target}",
        ratio >= target,
        note,
    )


def _latency(name: str, big: Run, small: Run) -> Result:
    ratio = big.load.p99_ms / small.load.p99_ms
    return Result(
        name,
        big.load.p99_ms,
        "ms p99",
        small.load.p99_ms,
        round(ratio, 3),
        "<= 1.5",
        ratio <= 1.5,
        "baseline: p99 at 1,000",
    )
