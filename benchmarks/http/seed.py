"""Databases for the benchmarks: N sites (one iBeacon and one prompt each), written in bulk.

Sites are spread uniformly over an area sized so that every database has the same density as
1,000,000 sites over Germany (~1.7 per km²), so a query at 1,000 sites finds as much as one at
1,000,000 and only the size of the index differs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from backend.auth import secret_hash
from backend.config import Settings
from backend.storage import open_storage
from backend.storage.sqlite.schema import SCHEMA_VERSION

UUID = "6e616862-6569-4265-8e63-686d61726b21"
CENTRE = (51.0, 10.5)
DENSITY_PER_KM2 = 1_000_000 / 585_000
ADMIN_KEY = "nbk_benchmark-admin-key"
AGENT_TOKEN = "nba_benchmark-agent-token"
PROMPT = {
    "kind": "volunteer",
    "texts": {"de": {"title": "Helfen Sie mit", "body": "Wir suchen Ehrenamtliche.", "action_label": "Mehr"}},
    "action_url": "https://example.org/help",
    "status": "published",
    "max_distance_m": None,
    "cooldown_s": 3600,
    "priority": 0,
    "valid_from": None,
    "valid_until": None,
    "schedule": None,
}


@dataclass(frozen=True)
class Area:
    """The square the sites of one database are spread over, in degrees."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    @classmethod
    def for_sites(cls, count: int) -> Area:
        side_km = math.sqrt(count / DENSITY_PER_KM2)
        half_lat = side_km / 2 / 111.2
        half_lon = side_km / 2 / (111.2 * math.cos(math.radians(CENTRE[0])))
        return cls(CENTRE[0] - half_lat, CENTRE[0] + half_lat, CENTRE[1] - half_lon, CENTRE[1] + half_lon)


def ibeacon_key(index: int) -> str:
    major, minor = divmod(index, 65535)
    return f"ibeacon:{UUID}:{major + 1}:{minor + 1}"


def site_slug(site_id: int) -> str:
    """The slug of benchmark site `site_id`: its public page is /s/<slug>."""
    return f"site-{site_id}"


# Sites are written this many at a time, with progress printed after each.
CHUNK = 50_000


@dataclass(frozen=True)
class Chunk:
    """The rows of up to `CHUNK` sites, as both stores' tables take them (columns in `COLUMNS`)."""

    sites: list[tuple[object, ...]]
    beacons: list[tuple[object, ...]]
    prompts: list[tuple[object, ...]]
    last: int

    def tables(self) -> tuple[tuple[str, list[tuple[object, ...]]], ...]:
        return (("sites", self.sites), ("beacons", self.beacons), ("prompts", self.prompts))


COLUMNS: dict[str, tuple[str, ...]] = {
    "sites": ("id", "org_id", "name", "kind", "lat", "lon", "address", "timezone", "default_lang", "created_at",
              "slug"),
    "beacons": ("id", "site_id", "kind", "key", "label", "tx_power", "status", "identity", "registered_at"),
    "prompts": ("site_id", "body", "updated_at"),
}  # fmt: skip


def chunks(sites: int) -> Iterator[Chunk]:
    """The same `sites` sites for either store: site i has beacon i (`ibeacon_key(i - 1)`) and a prompt."""
    area, rng, now = Area.for_sites(sites), random.Random(sites), time.time()
    prompt = json.dumps(PROMPT)
    for start in range(0, sites, CHUNK):
        ids = range(start + 1, min(start + CHUNK, sites) + 1)
        points = [
            (i, rng.uniform(area.min_lat, area.max_lat), rng.uniform(area.min_lon, area.max_lon)) for i in ids
        ]
        yield Chunk(
            [
                (i, 1, f"Site {i}", "other", lat, lon, "", "Europe/Berlin", "de", now, site_slug(i))
                for i, lat, lon in points
            ],
            [(i, i, "ibeacon", ibeacon_key(i - 1), "", -59, "active", "{}", now) for i in ids],
            [(i, prompt, now) for i in ids],
            ids[-1],
        )


def report_progress(sites: int, done: int, store: str) -> None:
    print(f"\r  seeding {sites:,} sites ({store}): {done:,}", end="", flush=True)


def database(folder: Path, sites: int, progress: bool = True) -> Path:
    """A SQLite database with `sites` sites, made once and kept in `folder` for later runs."""
    path = folder / f"sites-{sites}-v{SCHEMA_VERSION}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    for old in folder.glob(partial.name + "*"):
        old.unlink()
    asyncio.run(prepare(partial))
    with contextlib.closing(sqlite3.connect(partial)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        for chunk in chunks(sites):
            for table, rows in chunk.tables():
                columns = COLUMNS[table]
                db.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                    rows,
                )
            db.executemany(
                "INSERT INTO site_index (id, min_lat, max_lat, min_lon, max_lon) VALUES (?, ?, ?, ?, ?)",
                [(row[0], row[4], row[4], row[5], row[5]) for row in chunk.sites],
            )
            db.commit()
            if progress:
                report_progress(sites, chunk.last, "SQLite")
        db.execute(
            "INSERT INTO agents (site_id, name, token_hash) VALUES (1, 'bench', ?)",
            (secret_hash(AGENT_TOKEN),),
        )
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if progress:
        print()
    partial.rename(path)
    return path


async def prepare(db: Path | str) -> None:
    """The schema and the organisation, through the storage seam; the bulk rows follow in plain SQL."""
    async with open_storage(Settings(db=db)) as storage:
        await storage.create_org("Benchmark e.V.", secret_hash(ADMIN_KEY), time.time())
