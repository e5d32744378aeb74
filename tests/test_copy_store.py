"""`nahbei-backend admin copy-store`: a SQLite instance moves into PostgreSQL whole, row counts checked,
and the copy answers as the original did, with the same keys and tokens."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from backend.storage.postgres.schema import TABLES
from tests import stored
from tests.conftest import BackendFactory
from tests.test_api_agent import agent_site, now, sighting

ROOT = Path(__file__).resolve().parent.parent


async def nahbei_backend(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend", *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_an_instance_copied_into_postgresql_answers_as_it_did(
    make_backend: BackendFactory, pg_store: str
) -> None:
    old = await make_backend()
    site, token, keys = await agent_site(old)
    agent = {"Authorization": f"Bearer {token}"}
    batch = {"batch_id": str(uuid.uuid4()), "sightings": [sighting(k, now(old)) for k in keys]}
    await old.json("POST", "/v1/agent/sightings", 200, json=batch, headers=agent)
    await old.json(
        "POST", "/v1/admin/sites", 201, json={"name": "Tafel", "lat": 1.5, "lon": 2.5, "kind": "food_bank"}
    )
    pages = [f"/v1/admin/sites/{site}/{what}" for what in ("beacons", "prompts", "agents", "health")]
    before = {path: await old.json("GET", path, 200) for path in ("/v1/admin/sites", *pages)}
    counts = {t: stored.value(old.settings.db, f"SELECT COUNT(*) FROM {t}") for t in TABLES}
    assert counts["sightings"] == 2 and counts["sites"] == 2

    status, out, err = await nahbei_backend(
        "admin", "copy-store", "--from", f"sqlite:///{old.settings.db}", "--to", pg_store
    )
    assert status == 0, err
    assert "sightings: 2 of 2 rows" in out and "every table's count matches" in out
    assert {t: stored.value(pg_store, f"SELECT COUNT(*) FROM {t}") for t in TABLES} == counts

    new = await make_backend(db=pg_store)  # which adds an organisation of its own, id 2
    new.clock.now = old.clock.now
    after: dict[str, Any] = {path: await new.json("GET", path, 200, key=old.admin_key) for path in before}
    assert after == before
    # the agent's token still works, the same batch is still a duplicate, ids go on after the copied ones
    answer = await new.json("POST", "/v1/agent/sightings", 200, json=batch, headers=agent)
    assert answer["duplicate"] is True
    third = await new.json(
        "POST", "/v1/admin/sites", 201, json={"name": "Verein", "lat": 3, "lon": 4, "kind": "sports_club"}
    )
    assert third["id"] == 3

    # a second copy into what is no longer empty is refused in one line, and changes nothing
    status, out, err = await nahbei_backend(
        "admin", "copy-store", "--from", str(old.settings.db), "--to", pg_store
    )
    assert status == 2 and "already holds organisations" in err and err.count("\n") == 1
    assert stored.value(pg_store, "SELECT COUNT(*) FROM sites") == 3
