"""The distance model through a real server: staff type where the agent is, its windows fit the
site's exponent, resolve uses it, and the health shows the fit and MOVED."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from tests.conftest import Backend
from tests.stored import rows, value
from tests.test_api_agent import agent_site

N_STREET = 3.0
POWER = -59


def window(key: str, at: datetime, distance_m: float, offset_db: float = 0.0) -> dict[str, Any]:
    rssi = POWER - 10 * N_STREET * math.log10(distance_m) - offset_db
    return {
        "beacon": key,
        "first_seen": (at - timedelta(seconds=30)).isoformat(),
        "last_seen": at.isoformat(),
        "count": 10,
        "rssi_max": round(rssi) + 3,
        "rssi_mean": rssi,
        "tx_power": POWER,
        "telemetry": None,
    }


async def deliver(backend: Backend, token: str, key: str, windows: int, offset_db: float = 0.0) -> None:
    for _ in range(windows):
        backend.clock.advance(30)
        at = datetime.fromtimestamp(backend.clock.now, UTC)
        batch = {"batch_id": str(uuid.uuid4()), "sightings": [window(key, at, 4.0, offset_db)]}
        await backend.json(
            "POST", "/v1/agent/sightings", 200, json=batch, headers={"Authorization": f"Bearer {token}"}
        )


async def distance_of(backend: Backend, key: str, rssi: float) -> float:
    body = {"observations": [{"beacon": key, "rssi": round(rssi), "tx_power": POWER}]}
    answer = await backend.json("POST", "/v1/resolve", 200, json=body)
    return float(answer["sites"][0]["distance_m"])


async def test_agents_at_a_typed_distance_calibrate_resolve_and_health(backend: Backend) -> None:
    site, token, keys = await agent_site(backend, minors=1)
    agent = (await backend.json("GET", f"/v1/admin/sites/{site}/agents", 200))["agents"][0]["id"]
    beacon = (await backend.json("GET", f"/v1/admin/sites/{site}/beacons", 200))["beacons"][0]["id"]
    url = f"/v1/admin/sites/{site}/distance-model"
    ten_m = POWER - 10 * N_STREET  # what the street gives at 10 m
    assert await distance_of(backend, keys[0], ten_m) > 25  # n = 2 reads it as ~31 m

    typed = {"agent_distances": [{"agent_id": agent, "beacon_id": beacon, "distance_m": 4.0}]}
    model = await backend.json("PUT", url, 200, json=typed)
    assert model["source"] == "default" and model["calibration"]["status"] == "no_distances"

    await deliver(backend, token, keys[0], 30)
    model = await backend.json("GET", url, 200)
    assert model["source"] == "fitted" and model["in_use"] == N_STREET
    assert model["calibration"]["windows"] == 30, model
    assert model["calibration"]["spread_db"] == 0.0
    backend.clock.advance(60)  # past the read cache's TTL
    assert abs(await distance_of(backend, keys[0], ten_m) - 10.0) < 0.1

    # Covered with 12 dB for over an hour: MOVED, and the fit keeps the level the typed distance had.
    backend.clock.advance(3600)
    await deliver(backend, token, keys[0], 30, offset_db=12.0)
    health = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
    assert f"MOVED:beacon:{beacon}" in health["alerts"]
    assert health["distance_model"]["in_use"] == N_STREET
    # Back in place for an hour: cleared.
    backend.clock.advance(1800)
    await deliver(backend, token, keys[0], 130)
    health = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
    assert not any(a.startswith("MOVED") for a in health["alerts"])


async def test_typed_exponent_and_refusals(backend: Backend) -> None:
    site, _token, keys = await agent_site(backend, minors=1)
    other_site, _, _ = await agent_site(backend, minors=0)
    url = f"/v1/admin/sites/{site}/distance-model"
    model = await backend.json("PUT", url, 200, json={"path_loss_exponent": 2.5})
    assert model["source"] == "typed" and model["in_use"] == 2.5
    assert abs(await distance_of(backend, keys[0], POWER - 25) - 10.0) < 0.01
    await backend.json("PUT", url, 422, json={"path_loss_exponent": 9})
    await backend.json(
        "PUT", url, 422, json={"agent_distances": [{"agent_id": 1, "beacon_id": 1, "distance_m": 0}]}
    )
    other_agent = (await backend.json("GET", f"/v1/admin/sites/{other_site}/agents", 200))["agents"][0]["id"]
    beacon = (await backend.json("GET", f"/v1/admin/sites/{site}/beacons", 200))["beacons"][0]["id"]
    foreign = {"agent_distances": [{"agent_id": other_agent, "beacon_id": beacon, "distance_m": 4}]}
    await backend.json("PUT", url, 404, json=foreign)
    stranger = await backend.new_org()
    await backend.json("GET", url, 404, key=stranger)


async def test_batches_refit_their_site_at_most_once_a_minute(backend: Backend) -> None:
    """A refit reads up to a day of windows; an agent's batch every 30 s must not pay for one each."""
    site, token, keys = await agent_site(backend, minors=1)
    agent = (await backend.json("GET", f"/v1/admin/sites/{site}/agents", 200))["agents"][0]["id"]
    beacon = (await backend.json("GET", f"/v1/admin/sites/{site}/beacons", 200))["beacons"][0]["id"]
    typed = {"agent_distances": [{"agent_id": agent, "beacon_id": beacon, "distance_m": 4.0}]}
    await backend.json("PUT", f"/v1/admin/sites/{site}/distance-model", 200, json=typed)
    await deliver(backend, token, keys[0], 30)

    def fitted() -> float | None:
        found = value(
            backend.settings.db, "SELECT fitted_exponent FROM distance_models WHERE site_id = ?", site
        )
        return cast(float | None, found)

    assert fitted() == pytest.approx(N_STREET)
    backend.clock.advance(60)
    await deliver(backend, token, keys[0], 1)  # refits (a minute since the last), then ...
    rows(backend.settings.db, "UPDATE distance_models SET fitted_exponent = NULL WHERE site_id = ?", site)
    await deliver(backend, token, keys[0], 1)  # ... 30 s later: no refit
    assert fitted() is None
    backend.clock.advance(1)
    await deliver(backend, token, keys[0], 1)  # over a minute after the last refit: refits again
    assert fitted() == pytest.approx(N_STREET)
