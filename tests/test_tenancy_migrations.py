"""The tenancy migrations on a database written by the first schema: duplicate EID identity keys from
before the rule, and batch ids that become unique per agent, keep what they held."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backend.storage import AgentPrincipal
from backend.storage.sqlite import SqliteStorage
from backend.storage.sqlite.schema import MIGRATIONS


def _first_schema(path: Path) -> None:
    with sqlite3.connect(path) as db:
        for statement in MIGRATIONS[0].split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute("PRAGMA user_version=1")
        db.execute("INSERT INTO orgs VALUES (1, 'A', x'01', 0), (2, 'B', x'02', 0)")
        site = "INSERT INTO sites (id, org_id, name, kind, lat, lon, address, timezone, default_lang, created_at)"
        db.execute(f"{site} VALUES (1, 1, 'a', 'hospice', 52, 13, '', 'Europe/Berlin', 'de', 0)")
        db.execute(f"{site} VALUES (2, 2, 'b', 'hospice', 52, 13, '', 'Europe/Berlin', 'de', 0)")
        beacon = (
            "INSERT INTO beacons (id, site_id, kind, label, tx_power, status, identity, identity_key,"
            " rotation_exponent, initial_time, registered_at)"
            " VALUES (?, ?, 'eddystone-eid', '', -59, 'active', '{}', ?, 10, 0, 0)"
        )
        for beacon_id, site_id, key in (
            (1, 1, b"k" * 16),
            (2, 2, b"k" * 16),
            (3, 2, b"o" * 16),
            (4, 1, b"k" * 16),
        ):
            db.execute(beacon, (beacon_id, site_id, key))
        db.execute(
            "INSERT INTO agents (id, site_id, name, token_hash) VALUES (1, 1, 'a', x'0a'), (2, 2, 'b', x'0b')"
        )
        db.execute("INSERT INTO sighting_batches VALUES ('b-1', 1, 100, 3)")


async def test_duplicate_identity_keys_keep_the_first_beacon_and_batches_become_per_agent(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    _first_schema(path)
    storage = SqliteStorage(path)
    await storage.open()
    try:
        assert [(b.id, b.site_id) for b in await storage.eid_beacons()] == [(1, 1), (3, 2)]
        with sqlite3.connect(path) as db:
            statuses = dict(db.execute("SELECT id, status FROM beacons").fetchall())
            assert db.execute("SELECT * FROM sighting_batches").fetchall() == [(1, "b-1", 100.0, 3)]
            with pytest.raises(sqlite3.IntegrityError):
                db.execute("UPDATE beacons SET identity_key = ? WHERE id = 3", (b"k" * 16,))
        assert statuses == {1: "active", 2: "decommissioned", 3: "active", 4: "decommissioned"}
        other = await storage.ingest(AgentPrincipal(2, 2, 2), "b-1", [], 200)
        again = await storage.ingest(AgentPrincipal(1, 1, 1), "b-1", [], 200)
        assert (other.duplicate, again.duplicate) == (False, True)
    finally:
        await storage.close()
