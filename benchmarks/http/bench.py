"""The backend's figures (issue "Backend v1"), each against a baseline measured in the same run.

- resolve of one known iBeacon vs a bare aiohttp handler returning a fixed small JSON body, driven by
  the same wrk script (the same POST) (target ≥ 0.7x); and the same with `serve --workers 2` (issue
  15) against the same bare handler (one process) in the same rounds
- nearby, 500 m, over 1,000,000 sites vs the same bare handler, same GET requests (target ≥ 0.5x)
- p99 latency of resolve and nearby at 1,000,000 vs at 1,000 beacons/sites (target ≤ 1.5x)
- sighting ingest over HTTP, batches of 500 vs raw sqlite3 executemany of the same rows into the
  same table and indexes, with the same durability (WAL, synchronous=FULL, a commit per batch)
  (target ≥ 0.3x)

Beside each of the first two runs a second baseline, the floor (`benchmarks/http/floor_server.py`): our
own edge answering the same requests with a fixed answer, no lookup. It shows how much of the gap to
the bare handler the contract's checks take before anything is looked up.

Besides requests per second, each HTTP run reports the server's CPU time per request, which other
work on the machine disturbs less.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import sqlite3
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import servers, wrk
from benchmarks.http import lua, postgres, seed
from tests import pgcluster

BATCH = 500
SQLITE, POSTGRESQL = "SQLite", "PostgreSQL"
STORES = (SQLITE, POSTGRESQL)
AT_SITE_1 = "UPDATE beacons SET site_id = 1 WHERE id <= 50"
# The site pages people open again and again (posters in town): a set the page cache holds whole.
HOT_SITES = 1000
# Each request figure is measured this many times, interleaved with its baseline (see `Bench.run`).
ROUNDS = 3


def round_seconds(seconds: float) -> int:
    """How long each request load runs in each round: half of `--seconds`, in whole seconds for wrk."""
    return max(1, math.ceil(seconds / 2))


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
    store: str = ""  # the backend's database (SQLite, PostgreSQL) where the figure is the backend's
    workers: int | None = None  # its `serve --workers`

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Databases:
    """One store's two benchmark databases: 1,000 sites and the large one (a path or a URL)."""

    store: str
    small: Path | str
    big: Path | str


@dataclass(frozen=True)
class Run:
    load: wrk.Load
    cpu_us: float


class Bench:
    def __init__(
        self,
        folder: Path,
        seconds: float,
        big: int,
        say: Callable[[str], None],
        stores: Sequence[str] = STORES,
        workers: Sequence[int] = (1, 2),
    ) -> None:
        self.folder, self.seconds, self.big, self.say = folder, seconds, big, say
        self.stores, self.workers = tuple(stores), tuple(workers)
        self.log = folder / "servers.log"
        self.database_pid: int | None = None  # PostgreSQL's postmaster, whose CPU counts with its backends'

    def load(
        self,
        server: servers.Server,
        script: Path | None,
        what: str,
        connections: int = wrk.CONNECTIONS,
        *,
        warm: bool = True,
        seconds: float | None = None,
    ) -> Run:
        seconds = seconds or max(1, math.ceil(self.seconds))
        if warm:
            wrk.run(server.url, script, min(2.0, seconds), connections)  # caches, connections
        self.say(f"  {what} ({seconds:g} s, {connections} connections)…")
        cpu = server.cpu_seconds()
        result = wrk.run(server.url, script, seconds, connections)
        cpu_us = (server.cpu_seconds() - cpu) / (result.requests_per_s * seconds) * 1e6
        if result.errors or result.non_2xx:
            raise RuntimeError(f"{what}: {result.errors} socket errors, {result.non_2xx} non-2xx answers")
        self.say(
            f"    {result.requests_per_s:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
            f"{cpu_us:.0f} µs CPU/request"
        )
        return Run(result, cpu_us)

    def run(self) -> list[Result]:
        """The request figures in interleaved rounds, then ingest, for each store and number of workers.

        The machine's speed drifts by a third within minutes here (other tenants), so every figure and
        its baseline are measured next to each other, in each of `ROUNDS` rounds, with the bare server
        and every backend under test all running (an idle server costs nothing). Each figure is that of
        its median round: figure, baseline and ratio all from the same round.
        """
        with contextlib.ExitStack() as stack:
            cluster = stack.enter_context(postgres.cluster(self.say)) if POSTGRESQL in self.stores else None
            self.database_pid = None if cluster is None else postgres.postmaster_pid(cluster)
            stores = [self.sqlite_databases()] if SQLITE in self.stores else []
            if cluster is not None:
                stores.append(self.postgres_databases(cluster))
            if not stores:
                return []
            results = self.requests(stores)
            for store in stores:
                results.append(self.ingest_row(store, cluster))
        return results

    def sqlite_databases(self) -> Databases:
        small = self.copy(seed.database(self.folder, 1000), "small")
        return Databases(SQLITE, small, self.copy(seed.database(self.folder, self.big), "big"))

    def postgres_databases(self, cluster: pgcluster.PostgresCluster) -> Databases:
        return Databases(POSTGRESQL, postgres.database(cluster, 1000), postgres.database(cluster, self.big))

    def requests(self, stores: list[Databases]) -> list[Result]:
        one = lua.resolve_one(self.folder, seed.ibeacon_key(0))
        near_big = lua.nearby_random(self.folder, self.big, 500)
        near_small = lua.nearby_random(self.folder, 1000, 500)
        page_big = lua.site_page_random(self.folder, self.big)
        page_hot = lua.site_page_random(self.folder, HOT_SITES)  # sites 1-1,000 of the large database
        big = f"{self.big:,}"
        seconds = round_seconds(self.seconds)
        with contextlib.ExitStack() as stack:
            bare = stack.enter_context(servers.bare(self.log))
            small: dict[tuple[str, int], servers.Server] = {}
            large: dict[tuple[str, int], servers.Server] = {}
            for dbs in stores:
                pid = self.database_pid if dbs.store == POSTGRESQL else None
                for n in self.workers:
                    small[dbs.store, n] = stack.enter_context(servers.backend(dbs.small, self.log, n, pid))
                    large[dbs.store, n] = stack.enter_context(servers.backend(dbs.big, self.log, n, pid))
            first = (stores[0].store, self.workers[0])
            floor = stack.enter_context(self.floor(small[first], large[first]))
            plan: list[tuple[str, servers.Server, Path, str]] = [
                ("bare POST", bare, one, "baseline: bare handler, resolve's POST"),
                ("floor POST", floor, one, "floor: our edge, resolve's POST, no lookup"),
                ("bare GET", bare, near_big, "baseline: bare handler, nearby's GET"),
                ("floor GET", floor, near_big, "floor: our edge, nearby's GET, no lookup"),
            ]
            for (store, n), server in small.items():
                plan.append(
                    (f"resolve one {store} {n}", server, one, f"resolve, one known iBeacon, {store} x{n}")
                )
                plan.append(
                    (
                        f"nearby big {store} {n}",
                        large[store, n],
                        near_big,
                        f"nearby 500 m, {big} sites, {store} x{n}",
                    )
                )
            for dbs in stores:
                one_worker = (dbs.store, self.workers[0])
                resolve_small = lua.resolve_random(self.folder, 1000)
                resolve_big = lua.resolve_random(self.folder, self.big)
                plan += [
                    (
                        f"resolve small {dbs.store}",
                        small[one_worker],
                        resolve_small,
                        f"resolve, random of 1,000, {dbs.store}",
                    ),
                    (
                        f"resolve big {dbs.store}",
                        large[one_worker],
                        resolve_big,
                        f"resolve, random of {big}, {dbs.store}",
                    ),
                    (
                        f"nearby small {dbs.store}",
                        small[one_worker],
                        near_small,
                        f"nearby 500 m, 1,000 sites, {dbs.store}",
                    ),
                ]
            if (SQLITE, 1) in large:
                plan += [
                    ("bare page", bare, page_big, "baseline: bare handler, the site pages' GETs"),
                    ("site page big", large[SQLITE, 1], page_big, f"site page /s/{{slug}}, random of {big}"),
                    (
                        "site page hot",
                        large[SQLITE, 1],
                        page_hot,
                        f"site page /s/{{slug}}, {HOT_SITES:,} of {big}, kept rendered",
                    ),
                ]
            runs: dict[str, list[Run]] = {name: [] for name, *_ in plan}
            for round_ in range(ROUNDS):
                self.say(f"  round {round_ + 1} of {ROUNDS}")
                for name, server, script, what in plan:
                    runs[name].append(self.load(server, script, what, warm=round_ == 0, seconds=seconds))
        results = [
            _versus_bare("floor: resolve's edge, no lookup", runs["floor POST"], runs["bare POST"], None),
            _versus_bare("floor: nearby's edge, no lookup", runs["floor GET"], runs["bare GET"], None),
        ]
        for store, n in small:
            floors = (runs["floor POST"], runs["floor GET"]) if (store, n) == first else (None, None)
            results += [
                _versus_bare(
                    "resolve one known iBeacon",
                    runs[f"resolve one {store} {n}"],
                    runs["bare POST"],
                    0.7,
                    floors[0],
                ),
                _versus_bare(
                    f"nearby 500 m over {big} sites",
                    runs[f"nearby big {store} {n}"],
                    runs["bare GET"],
                    0.5,
                    floors[1],
                ),
            ]
            results[-2:] = [replace(r, store=store, workers=n) for r in results[-2:]]
        for dbs in stores:
            s = dbs.store
            nearby_big = runs[f"nearby big {s} {self.workers[0]}"]
            results += [
                replace(r, store=s, workers=self.workers[0])
                for r in (
                    # The same search where every card is cached: what the spatial index alone costs.
                    _versus_bare(
                        "nearby 500 m over 1,000 sites", runs[f"nearby small {s}"], runs["bare GET"], None
                    ),
                    _latency(
                        f"resolve p99 at {big} vs 1,000 beacons",
                        runs[f"resolve big {s}"],
                        runs[f"resolve small {s}"],
                    ),
                    _latency(f"nearby p99 at {big} vs 1,000 sites", nearby_big, runs[f"nearby small {s}"]),
                )
            ]
        if "site page big" in runs:
            results += [
                replace(
                    p95_row(
                        f"site page p95 over {big} sites vs the bare handler",
                        runs["site page big"],
                        runs["bare page"],
                    ),
                    store=SQLITE,
                    workers=1,
                ),
                replace(
                    p95_row(
                        f"site page p95, {HOT_SITES:,} sites read again and again of {big}, vs the bare handler",
                        runs["site page hot"],
                        runs["bare page"],
                    ),
                    store=SQLITE,
                    workers=1,
                ),
            ]
        return results

    def ingest_row(self, dbs: Databases, cluster: pgcluster.PostgresCluster | None) -> Result:
        name = f"sighting ingest over HTTP (batches of {BATCH})"
        if dbs.store == SQLITE:
            note = "baseline: raw sqlite3 executemany, same rows, table, indexes and durability"
            row = _ratio(name, self.ingest(), "rows/s", self.raw_executemany(), 0.3, note)
        else:
            assert cluster is not None
            note = "baseline: raw COPY, same rows, table and indexes, a transaction a batch, same server"
            row = _ratio(
                name, self.ingest_postgres(cluster, dbs), "rows/s", self.raw_copy(cluster, dbs), 0.3, note
            )
        return replace(row, store=dbs.store, workers=1)

    @contextlib.contextmanager
    def floor(self, small: servers.Server, large: servers.Server) -> Iterator[servers.Server]:
        """`benchmarks.http.floor_server`, answering what the real backends answered: resolve's one known
        iBeacon, and a search at the centre of the large database's area."""
        resolve = self.folder / "floor-resolve.json"
        resolve.write_bytes(_fetch(small.url + "/v1/resolve", lua.resolve_body(seed.ibeacon_key(0)).encode()))
        lat, lon = seed.CENTRE
        nearby = self.folder / "floor-nearby.json"
        nearby.write_bytes(_fetch(f"{large.url}/v1/nearby?lat={lat}&lon={lon}&radius_m=500"))
        with servers.floor(self.fresh("floor"), resolve, nearby, self.log) as floor:
            yield floor

    def fresh(self, name: str) -> Path:
        """Where this run's database `name` goes, with any earlier run's file gone."""
        target = self.folder / f"run-{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        return target

    def copy(self, db: Path, name: str) -> Path:
        target = self.fresh(name)
        shutil.copyfile(db, target)
        return target

    def ingest(self) -> float:
        db = self.copy(seed.database(self.folder, 1000), "ingest")
        # An agent's batch stores only its own site's beacons: the seed's agent is at site 1, and the
        # batches name the first 50 beacons, which the seed spreads one a site. Here they are all at
        # site 1, as the raw baseline's rows say; without this, 49 in 50 sightings were ignored.
        with contextlib.closing(sqlite3.connect(db)) as conn, conn:
            conn.execute(AT_SITE_1)
        rate = self.ingest_load(db)
        with contextlib.closing(sqlite3.connect(db)) as conn:
            _whole_batches(conn.execute("SELECT COUNT(*) FROM sightings").fetchone()[0])
        return rate

    def ingest_postgres(self, cluster: pgcluster.PostgresCluster, dbs: Databases) -> float:
        """As `ingest`, into a copy of the PostgreSQL 1,000-site database."""
        db = postgres.copy(cluster, str(dbs.small), "ingest")
        cluster.psql(AT_SITE_1, "ingest")
        rate = self.ingest_load(db, self.database_pid)
        _whole_batches(int(cluster.psql("SELECT count(*) FROM sightings", "ingest")))
        return rate

    def ingest_load(self, db: Path | str, database_pid: int | None = None) -> float:
        """Rows per second stored by 16 agents sending batches at once: each batch waits for the one
        writer (SQLite), and more only queue."""
        script = lua.ingest(self.folder, sightings())
        with servers.backend(db, self.log, 1, database_pid) as server:
            run = self.load(server, script, f"ingest, batches of {BATCH} sightings", connections=16)
        return run.load.requests_per_s * BATCH

    def raw_copy(self, cluster: pgcluster.PostgresCluster, dbs: Databases) -> float:
        """The same rows by COPY into the same table and indexes, a transaction per batch."""
        db = postgres.copy(cluster, str(dbs.small), "raw")
        self.say(f"  baseline: raw COPY ({self.seconds:g} s)…")
        figure = postgres.raw_copy(db, sighting_rows(), self.seconds)
        self.say(f"    {figure:,.0f} rows/s")
        return figure

    def raw_executemany(self) -> float:
        """The same rows into the same table and indexes, with the same pragmas, a commit per batch."""
        db = self.copy(seed.database(self.folder, 1000), "raw")
        rows = sighting_rows()
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


def sighting_rows() -> list[tuple[object, ...]]:
    """`sightings()` as rows of the `sightings` table, as the backend stores them for the seed's agent."""
    return [
        (1, 1, 1 + i % 50, s["beacon"], _ts(s["first_seen"]), _ts(s["last_seen"]), s["count"], s["rssi_max"],
         s["rssi_mean"], s["tx_power"], None)
        for i, s in enumerate(sightings())
    ]  # fmt: skip


def _whole_batches(stored: int) -> None:
    if stored % BATCH:
        raise RuntimeError(f"ingest stored {stored} rows, not whole batches")


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


def _fetch(url: str, body: bytes | None = None) -> bytes:
    """The body the server answers (a POST of JSON when `body` is given)."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return bytes(answer.read())


def _ts(text: Any) -> float:
    return datetime.fromisoformat(str(text)).timestamp()


def _median_round(ratios: list[float]) -> tuple[int, str]:
    """The round whose ratio is the median (the lower middle one of an even count), and a note
    naming it among every round's ratio."""
    i = sorted(range(len(ratios)), key=ratios.__getitem__)[(len(ratios) - 1) // 2]
    return i, f"round {i + 1} of {len(ratios)} (ratios {', '.join(f'{r:.2f}' for r in ratios)})"


def _versus_bare(
    name: str, runs: list[Run], bare: list[Run], target: float | None, floor: list[Run] | None = None
) -> Result:
    """`runs` against the bare handler, from the median round; with the floor of that round in the note."""
    ratios = [r.load.requests_per_s / b.load.requests_per_s for r, b in zip(runs, bare, strict=True)]
    i, rounds = _median_round(ratios)
    note = (
        f"{rounds}; CPU per request {runs[i].cpu_us:.0f} µs vs {bare[i].cpu_us:.0f} µs bare"
        f" (ratio {bare[i].cpu_us / runs[i].cpu_us:.2f})"
    )
    if floor is not None:
        f = floor[i]
        note += (
            f"; the floor (our edge, no lookup) in that round: {f.load.requests_per_s:,.0f} req/s ="
            f" {f.load.requests_per_s / bare[i].load.requests_per_s:.2f} of bare, {f.cpu_us:.0f} µs CPU"
        )
    return _ratio(name, runs[i].load.requests_per_s, "req/s", bare[i].load.requests_per_s, target, note)


def _ratio(name: str, figure: float, unit: str, baseline: float, target: float | None, note: str) -> Result:
    """A figure against its baseline; without a target it is shown for what it explains."""
    ratio = figure / baseline
    return Result(
        name,
        round(figure, 1),
        unit,
        round(baseline, 1),
        round(ratio, 3),
        "" if target is None else f">= {target}",
        target is None or ratio >= target,
        note,
    )


def _latency(name: str, big: list[Run], small: list[Run]) -> Result:
    ratios = [b.load.p99_ms / s.load.p99_ms for b, s in zip(big, small, strict=True)]
    i, rounds = _median_round(ratios)
    return Result(
        name,
        big[i].load.p99_ms,
        "ms p99",
        small[i].load.p99_ms,
        round(ratios[i], 3),
        "<= 1.5",
        ratios[i] <= 1.5,
        f"baseline: p99 at 1,000; {rounds}",
    )


def p95_row(name: str, page: list[Run], bare: list[Run]) -> Result:
    """The site page's p95 latency against the bare handler's under the same load: what our page costs.

    No target: the issue asks for the figure. Pages are kept rendered like `resolve`'s cards: over
    1,000,000 sites picked at random nearly every request misses (one statement and a render), over a
    hot set of `HOT_SITES` nearly every one is a kept page."""
    ratios = [_p95_ms(p) / _p95_ms(b) for p, b in zip(page, bare, strict=True)]
    i, rounds = _median_round(ratios)
    return Result(
        name,
        _p95_ms(page[i]),
        "ms p95",
        _p95_ms(bare[i]),
        round(ratios[i], 3),
        "",
        True,
        f"baseline: bare handler, same GETs; {rounds}; {page[i].load.requests_per_s:,.0f} vs "
        f"{bare[i].load.requests_per_s:,.0f} req/s, CPU per request {page[i].cpu_us:.0f} vs {bare[i].cpu_us:.0f} µs",
    )


def _p95_ms(run: Run) -> float:
    if run.load.p95_ms is None:
        raise RuntimeError("the site page's wrk script printed no p95")
    return run.load.p95_ms
