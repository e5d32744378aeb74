"""The running agent's flush on a full disk: sightings held in memory, one clear error, then saved."""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp
from structlog.testing import capture_logs

from beacon_agent.config import AgentConfig
from beacon_agent.contract.frames import decode, encode_ibeacon
from beacon_agent.service import Agent

UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"


def hear(agent: Agent, minors: range, at: float) -> None:
    """Each beacon (one per minor) heard once."""
    for minor in minors:
        company, payload = encode_ibeacon(UUID, 7, minor, -59)
        agent.core.aggregator.add(f"AA:BB:CC:00:00:{minor:02X}", -60, decode({company: payload}, {}), at)


async def test_a_full_disk_is_one_error_naming_the_outbox_and_held_sightings_are_saved_later(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outbox.sqlite3"
    config = AgentConfig.model_validate(
        {"backend": {"url": "http://127.0.0.1:9", "token": "nba_test"}, "outbox": {"path": str(path)}}
    )
    now = time.time()
    async with aiohttp.ClientSession() as session:
        agent = Agent(config, session, clock=lambda: now)
        await agent.core.outbox.open()
        try:
            hear(agent, range(0, 30), now)
            await agent.core.flush()
            db = agent.core.outbox._db  # its page limit stands in for the size of the disk
            assert db is not None
            async with db.execute("PRAGMA page_count") as cursor:
                row = await cursor.fetchone()
            assert row is not None
            await db.execute(f"PRAGMA max_page_count = {row[0]}")
            with capture_logs() as logs:
                for flush in range(1, 4):
                    hear(agent, range(30 * flush, 30 * flush + 30), now)
                    await agent.core.flush()
                    assert agent.core.outbox.depth == 30  # the disk is full: nothing more got in
                    problem = agent.core.status().outbox_error  # the site's staff see it as OUTBOX_FAILING
                    assert problem is not None and str(path) in problem and "full" in problem
                await db.execute("PRAGMA max_page_count = 1073741823")  # space returns
                await agent.core.flush()
                assert agent.core.status().outbox_error is None
        finally:
            await agent.core.outbox.close()
    errors = [e for e in logs if e["log_level"] == "error"]
    assert len(errors) == 1, logs
    assert errors[0]["outbox"] == str(path) and "disk is full" in errors[0]["error"]
    assert [e["event"] for e in logs if e["log_level"] == "info"] == ["the outbox takes sightings again"]
    assert agent.core.outbox.depth == 120 and agent.core.outbox.dropped == 0
