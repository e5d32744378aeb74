"""Agents through a real server: idempotent sighting batches, ingest under concurrency, heartbeats, health."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.eids import beacon_clock
from backend.http.state import STATE
from backend.storage import EidBeacon
from tests import stored
from tests.conftest import SITE, Backend, prompt_body

IB = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"


def sighting(
    key: str, at: datetime, count: int = 3, telemetry: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "beacon": key,
        "first_seen": (at - timedelta(seconds=10)).isoformat(),
        "last_seen": at.isoformat(),
        "count": count,
        "rssi_max": -60,
        "rssi_mean": -65.5,
        "tx_power": -59,
        "telemetry": telemetry,
    }


async def agent_site(backend: Backend, minors: int = 2) -> tuple[int, str, list[str]]:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    await backend.json("POST", f"/v1/admin/sites/{site}/prompts", 201, json=prompt_body())
    keys = []
    for minor in range(1, minors + 1):
        body = {"kind": "ibeacon", "uuid": IB, "major": site, "minor": minor, "label": f"B{minor}"}
        keys.append((await backend.json("POST", f"/v1/admin/sites/{site}/beacons", 201, json=body))["key"])
    token = (await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": "Pi"}))["token"]
    return site, token, keys


def now(backend: Backend) -> datetime:
    return datetime.fromtimestamp(backend.clock.now, UTC)


def rows(backend: Backend, sql: str = "SELECT COUNT(*) FROM sightings") -> int:
    return int(stored.value(backend.settings.db, sql))


async def test_batch_is_stored_once_and_answered_with_prompts(backend: Backend) -> None:
    _site, token, keys = await agent_site(backend)
    headers = {"Authorization": f"Bearer {token}"}
    batch = {"batch_id": str(uuid.uuid4()), "sightings": [sighting(k, now(backend)) for k in keys]}
    first = await backend.json("POST", "/v1/agent/sightings", 200, json=batch, headers=headers)
    assert first["accepted"] == 2 and first["duplicate"] is False
    assert [p["title"] for p in first["prompts"]] == ["Helfen Sie mit"]
    again = await backend.json("POST", "/v1/agent/sightings", 200, json=batch, headers=headers)
    assert again["accepted"] == 0 and again["duplicate"] is True and again["prompts"] == first["prompts"]
    assert rows(backend) == 2


async def test_foreign_and_unknown_beacons_are_not_stored(backend: Backend) -> None:
    _, token, keys = await agent_site(backend, minors=1)
    other_key = await backend.new_org("Andere e.V.")
    other_site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE, key=other_key))["id"]
    body = {"kind": "ibeacon", "uuid": IB, "major": 999, "minor": 1}
    foreign = await backend.json(
        "POST", f"/v1/admin/sites/{other_site}/beacons", 201, json=body, key=other_key
    )
    unknown = f"ibeacon:{IB}:4242:1"
    batch = {
        "batch_id": str(uuid.uuid4()),
        "sightings": [sighting(k, now(backend)) for k in (keys[0], foreign["key"], unknown)],
    }
    answer = await backend.json(
        "POST", "/v1/agent/sightings", 200, json=batch, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer["accepted"] == 1
    assert rows(backend) == 1


async def test_a_beacon_reported_many_times_in_a_batch_is_stored_each_time_and_rolled_up_once(
    backend: Backend,
) -> None:
    _, token, keys = await agent_site(backend, minors=1)
    unknown = f"ibeacon:{IB}:4242:1"
    at = now(backend).replace(minute=30)
    reports = [(keys[0], 1), (unknown, 1), (keys[0], 2), (unknown, 1), (keys[0], 4)]
    batch = {"batch_id": str(uuid.uuid4()), "sightings": [sighting(k, at, count=n) for k, n in reports]}
    answer = await backend.json(
        "POST", "/v1/agent/sightings", 200, json=batch, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer["accepted"] == 3
    assert rows(backend) == 3
    assert rows(backend, "SELECT COUNT(*) FROM sightings_hourly") == 1
    assert rows(backend, "SELECT advertisements FROM sightings_hourly") == 7


async def test_a_batch_longer_than_one_statement_stores_every_row_roll_up_and_newest_sighting(
    backend: Backend,
) -> None:
    """Ingest writes a batch as a few multi-row statements: nothing may be lost or crossed at their seams."""
    _, token, keys = await agent_site(backend, minors=3)
    start = now(backend).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    reports = [
        sighting(
            keys[i % 3],
            start + timedelta(seconds=11 * i),
            count=1 + i % 7,
            telemetry={"battery_mv": 2000 + i},
        )
        for i in range(700)  # crosses the hour, and 256 rows a statement
    ]
    batch = {"batch_id": str(uuid.uuid4()), "sightings": reports}
    answer = await backend.json(
        "POST", "/v1/agent/sightings", 200, json=batch, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer["accepted"] == 700
    db = backend.settings.db
    found = stored.rows(db, "SELECT beacon_key, last_seen, count, telemetry FROM sightings ORDER BY id")
    hourly = stored.rows(db, "SELECT hour, sightings, advertisements FROM sightings_hourly")
    beacons = dict(stored.rows(db, "SELECT key, battery_mv FROM beacons"))
    assert [(k, c) for k, _, c, _ in found] == [(r["beacon"], r["count"]) for r in reports]
    assert [t for *_, t in found] == [f'{{"battery_mv":{2000 + i}}}' for i in range(700)]
    assert sum(n for _, n, _ in hourly) == 700 and sum(a for *_, a in hourly) == sum(
        r["count"] for r in reports
    )
    assert len({h for h, _, _ in hourly}) == 3
    assert beacons == {keys[i % 3]: 2000 + i for i in range(697, 700)}


async def test_concurrent_batches_with_retries_store_every_sighting_exactly_once(backend: Backend) -> None:
    _, token, keys = await agent_site(backend, minors=5)
    headers = {"Authorization": f"Bearer {token}"}
    batches = [
        {
            "batch_id": str(uuid.uuid4()),
            "sightings": [sighting(keys[i % 5], now(backend) - timedelta(seconds=i)) for i in range(100)],
        }
        for _ in range(40)
    ]

    async def send(batch: dict[str, Any]) -> Any:
        async with backend.client.post("/v1/agent/sightings", json=batch, headers=headers) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    # Every batch twice, all at once: an agent retrying while its first attempt is still in flight.
    answers = await asyncio.gather(*(send(b) for b in batches + batches))
    assert sum(a["accepted"] for a in answers) == 40 * 100
    assert sum(a["duplicate"] for a in answers) == 40
    assert rows(backend) == 40 * 100
    assert rows(backend, "SELECT COUNT(*) FROM sighting_batches") == 40
    assert rows(backend, "SELECT SUM(sightings) FROM sightings_hourly") == 40 * 100


async def test_heartbeat_gives_what_to_advertise_including_eid_clock(backend: Backend) -> None:
    site, token, _ = await agent_site(backend, minors=0)
    identity = "0f" * 16
    eid = await backend.json(
        "POST",
        f"/v1/admin/sites/{site}/beacons",
        201,
        json={
            "kind": "eddystone-eid",
            "identity_key": identity,
            "rotation_exponent": 9,
            "initial_time": 1000,
            "tx_power": -55,
        },
    )
    registered = backend.clock.now
    agents = await backend.json("GET", f"/v1/admin/sites/{site}/agents", 200)
    agent_id = agents["agents"][0]["id"]
    headers = {"Authorization": f"Bearer {token}"}
    beat = {"version": "0.1.0", "uptime_s": 12.5, "scanner": "scanning", "outbox_depth": 4, "dropped": 0}
    plain = await backend.json("POST", "/v1/agent/heartbeat", 200, json=beat, headers=headers)
    assert plain["advertise"] is None
    await backend.json(
        "PATCH", f"/v1/admin/sites/{site}/agents/{agent_id}", 200, json={"advertise_beacon_id": eid["id"]}
    )
    backend.clock.advance(600)
    answer = await backend.json("POST", "/v1/agent/heartbeat", 200, json=beat, headers=headers)
    assert answer["advertise"] == {
        "kind": "eddystone-eid",
        "identity_key": identity,
        "rotation_exponent": 9,
        "beacon_time": 1600,
        "tx_power": -55,
    }
    probe = EidBeacon(eid["id"], site, 1, -55, bytes.fromhex(identity), 9, 1000, registered)
    assert beacon_clock(probe, backend.clock.now) == 1600
    health = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
    assert health["agents"][0]["heartbeat"]["outbox_depth"] == 4 and health["agents"][0]["alerts"] == []


async def test_health_raises_low_battery_then_silent(backend: Backend) -> None:
    site, token, keys = await agent_site(backend, minors=1)
    headers = {"Authorization": f"Bearer {token}"}

    async def report(battery: int) -> None:
        tlm = {"version": 0, "battery_mv": battery, "temperature_c": 21.5, "adv_count": 10, "uptime_s": 100.0}
        batch = {"batch_id": str(uuid.uuid4()), "sightings": [sighting(keys[0], now(backend), telemetry=tlm)]}
        await backend.json("POST", "/v1/agent/sightings", 200, json=batch, headers=headers)

    health = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
    assert health["beacons"][0]["alerts"] == ["NEVER_SEEN"]
    await report(3000)
    health = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
    assert health["beacons"][0]["alerts"] == [] and health["beacons"][0]["battery_mv"] == 3000
    assert health["beacons"][0]["sightings_last_hour"] == 1
    backend.clock.advance(60)
    await report(2300)
    health = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
    assert health["beacons"][0]["alerts"] == ["LOW_BATTERY"]
    backend.clock.advance(backend.settings.silent_after_s + 1)
    health = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
    assert health["beacons"][0]["alerts"] == ["SILENT", "LOW_BATTERY"]
    assert f"SILENT:beacon:{health['beacons'][0]['beacon_id']}" in health["alerts"]
    stats = await backend.json("GET", f"/v1/admin/sites/{site}/stats", 200)
    assert sum(h["sightings"] for h in stats["sightings"]) == 2
    assert sum(h["advertisements"] for h in stats["sightings"]) == 6


async def test_a_late_old_batch_does_not_overwrite_newer_battery(backend: Backend) -> None:
    site, token, keys = await agent_site(backend, minors=1)
    headers = {"Authorization": f"Bearer {token}"}
    for battery, age in ((2900, 0), (3100, 3600)):
        tlm = {"battery_mv": battery}
        at = now(backend) - timedelta(seconds=age)
        batch = {"batch_id": str(uuid.uuid4()), "sightings": [sighting(keys[0], at, telemetry=tlm)]}
        await backend.json("POST", "/v1/agent/sightings", 200, json=batch, headers=headers)
    health = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
    assert health["beacons"][0]["battery_mv"] == 2900


async def test_sightings_from_an_agent_clock_far_ahead_are_filed_at_server_time(backend: Backend) -> None:
    _site, token, keys = await agent_site(backend, minors=1)
    future = now(backend) + timedelta(days=3)
    batch = {"batch_id": str(uuid.uuid4()), "sightings": [sighting(keys[0], future)]}
    await backend.json(
        "POST", "/v1/agent/sightings", 200, json=batch, headers={"Authorization": f"Bearer {token}"}
    )
    last_seen = rows(backend, "SELECT MAX(last_seen) FROM sightings")
    assert abs(last_seen - backend.clock.now) < 1


async def test_old_raw_sightings_are_purged_and_rollups_stay(make_backend: Any) -> None:
    backend: Backend = await make_backend(retention_days=1)
    site, token, keys = await agent_site(backend, minors=1)
    old = now(backend) - timedelta(days=2)
    batch = {
        "batch_id": str(uuid.uuid4()),
        "sightings": [sighting(keys[0], old), sighting(keys[0], now(backend))],
    }
    await backend.json(
        "POST", "/v1/agent/sightings", 200, json=batch, headers={"Authorization": f"Bearer {token}"}
    )
    storage = backend.client.app[STATE].storage
    assert await storage.purge_sightings(backend.clock.now - 86400) == 1
    assert rows(backend) == 1
    assert rows(backend, "SELECT SUM(sightings) FROM sightings_hourly") == 2
    stats = await backend.json("GET", f"/v1/admin/sites/{site}/stats", 200, params={"since": old.isoformat()})
    assert sum(h["sightings"] for h in stats["sightings"]) == 2


@pytest.mark.parametrize(
    ("trouble", "alerts"),
    [
        ({}, []),
        ({"dropped": 12}, ["OUTBOX_DROPPING"]),
        (
            {"outbox_error": "cannot write /var/lib/nahbei/outbox.sqlite3: database or disk is full"},
            ["OUTBOX_FAILING"],
        ),
        ({"set_aside": 1}, ["BATCHES_SET_ASIDE"]),
        ({"scanner": "no_adapter"}, ["SCANNER_DOWN"]),
        ({"scanner": "no_adapter", "uptime_s": 10}, []),  # still starting
    ],
)
async def test_what_an_agent_reports_of_its_troubles_becomes_its_alerts(
    backend: Backend, trouble: dict[str, Any], alerts: list[str]
) -> None:
    site, token, _keys = await agent_site(backend, minors=1)
    beat = {"version": "0.1.0", "uptime_s": 600, "scanner": "scanning", "outbox_depth": 0, "dropped": 0}
    headers = {"Authorization": f"Bearer {token}"}
    await backend.json("POST", "/v1/agent/heartbeat", 200, json={**beat, **trouble}, headers=headers)
    health = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
    assert health["agents"][0]["alerts"] == alerts
