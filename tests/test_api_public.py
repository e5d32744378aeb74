"""The companion app's view, through a real server: resolve, nearby, site, regions, events."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from typing import Any

from backend.eids import beacon_clock
from backend.geo import EARTH_RADIUS_M
from backend.http.state import STATE
from backend.storage import EidBeacon
from backend.street_exponent import MIN_SAMPLES
from beacon_agent.contract.eid import compute_eid
from tests.conftest import SITE, Backend, prompt_body

METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0
IB_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"


def ibeacon(minor: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "ibeacon", "uuid": IB_UUID, "major": 7, "minor": minor, "tx_power": -59, **extra}


def key(minor: int) -> str:
    return f"ibeacon:{IB_UUID}:7:{minor}"


async def resolve(backend: Backend, *observations: dict[str, Any], **extra: Any) -> Any:
    headers = extra.pop("headers", {})
    async with backend.client.post(
        "/v1/resolve", json={"observations": list(observations), **extra}, headers=headers
    ) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def site_with(backend: Backend, site: dict[str, Any] | None = None, **prompt: Any) -> int:
    created = await backend.json("POST", "/v1/admin/sites", 201, json=site or SITE)
    await backend.json("POST", f"/v1/admin/sites/{created['id']}/prompts", 201, json=prompt_body(**prompt))
    return int(created["id"])


async def test_resolve_known_ibeacon_gives_site_prompts_and_distance(backend: Backend) -> None:
    site_id = await site_with(backend, max_distance_m=20)
    await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=ibeacon(1))

    near = await resolve(backend, {"beacon": key(1), "rssi": -59})
    assert [s["site"]["id"] for s in near["sites"]] == [site_id]
    assert near["sites"][0]["site"]["slug"] == "hospiz-am-park"  # the app links to /s/hospiz-am-park
    assert near["sites"][0]["distance_m"] == 1.0
    [prompt] = near["sites"][0]["prompts"]
    assert prompt["title"] == "Helfen Sie mit" and prompt["lang"] == "de"
    assert prompt["action"] == {"label": "Mehr", "url": "https://example.org/help"}

    # 20 dB weaker at n = 2 is 10 m; 30 dB weaker is 31.6 m, beyond the prompt's 20 m limit.
    assert (await resolve(backend, {"beacon": key(1), "rssi": -79}))["sites"][0]["distance_m"] == 10.0
    far = await resolve(backend, {"beacon": key(1), "rssi": -89})
    assert far["sites"][0]["distance_m"] == 31.6 and far["sites"][0]["prompts"] == []
    # No rssi: distance unknown, so a prompt with a distance limit stays silent.
    unknown = await resolve(backend, {"beacon": key(1)})
    assert unknown["sites"][0]["distance_m"] is None and unknown["sites"][0]["prompts"] == []
    # The phone's own tx_power wins over the registered one.
    own = await resolve(backend, {"beacon": key(1), "rssi": -69, "tx_power": -49})
    assert own["sites"][0]["distance_m"] == 10.0


async def test_a_beacon_heard_below_the_faint_floor_gives_no_distance_so_no_prompt_with_a_reach(
    make_backend: Any,
) -> None:
    # Near a phone's floor only the readings shadowing made lucky get through, and they read near.
    backend = await make_backend(faint_rssi_dbm=-92)
    site_id = await site_with(backend, max_distance_m=200)
    await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=ibeacon(1))
    faint = await resolve(backend, {"beacon": key(1), "rssi": -93})
    assert faint["sites"][0]["distance_m"] is None and faint["sites"][0]["prompts"] == []
    heard = await resolve(backend, {"beacon": key(1), "rssi": -92})
    assert heard["sites"][0]["distance_m"] == 44.7 and len(heard["sites"][0]["prompts"]) == 1
    # A prompt without a reach needs no distance.
    unlimited = await site_with(backend, {**SITE, "name": "Tafel"})
    await backend.json("POST", f"/v1/admin/sites/{unlimited}/beacons", 201, json=ibeacon(2))
    assert len((await resolve(backend, {"beacon": key(2), "rssi": -110}))["sites"][0]["prompts"]) == 1


async def test_resolves_between_two_sites_teach_the_street_n_to_sites_without_their_own(
    make_backend: Any,
) -> None:
    # Two sites 40 m apart on a street of n = 2.5; phones between them hear both. After MIN_SAMPLES
    # such resolves, a beacon heard alone is read with the street's n, not the setting's 2.
    backend = await make_backend(faint_rssi_dbm=-127)
    a = await site_with(backend)
    north = {**SITE, "name": "Tafel", "lat": SITE["lat"] + 40.0 / METRES_PER_DEGREE}  # type: ignore[operator]
    b = await site_with(backend, north)
    await backend.json("POST", f"/v1/admin/sites/{a}/beacons", 201, json=ibeacon(1))
    await backend.json("POST", f"/v1/admin/sites/{b}/beacons", 201, json=ibeacon(2))

    def rssi(distance_m: float) -> int:
        return round(-59 - 25.0 * math.log10(distance_m))

    alone = {"beacon": key(1), "rssi": rssi(10)}  # -84: 17.8 m at n = 2, 10 m at n = 2.5
    for i in range(MIN_SAMPLES):
        assert (await resolve(backend, alone))["sites"][0]["distance_m"] == 17.8
        from_a = 8.0 + i
        await resolve(
            backend, {"beacon": key(1), "rssi": rssi(from_a)}, {"beacon": key(2), "rssi": rssi(40 - from_a)}
        )
    learnt = (await resolve(backend, alone))["sites"][0]["distance_m"]
    assert 9.0 <= learnt <= 11.0, learnt  # the readings are whole dBm
    # Staff see where it came from; a site's own n (typed by staff) still comes first.
    url = f"/v1/admin/sites/{a}/distance-model"
    model = await backend.json("GET", url, 200)
    assert model["source"] == "street" and 2.4 <= model["in_use"] <= 2.6, model
    model = await backend.json("PUT", url, 200, json={"path_loss_exponent": 2.0})
    assert model["source"] == "typed"
    assert (await resolve(backend, alone))["sites"][0]["distance_m"] == 17.8


async def test_prompt_without_limit_shows_without_rssi(backend: Backend) -> None:
    site_id = await site_with(backend)
    await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=ibeacon(1))
    answer = await resolve(backend, {"beacon": key(1)})
    assert len(answer["sites"][0]["prompts"]) == 1


async def test_language_parameter_then_accept_language_then_site_default(backend: Backend) -> None:
    site_id = await site_with(backend)
    await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=ibeacon(1))
    obs = {"beacon": key(1), "rssi": -60}

    async with backend.client.post(
        "/v1/resolve", json={"observations": [obs]}, headers={"Accept-Language": "fr;q=0.9, en-GB;q=0.8"}
    ) as response:
        body = await response.json()
        assert body["sites"][0]["prompts"][0]["lang"] == "en"
        assert response.headers["Content-Language"] == "en"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cache-Control"] == "no-store"
    by_param = await resolve(backend, obs, lang="de", headers={"Accept-Language": "en"})
    assert by_param["sites"][0]["prompts"][0]["title"] == "Helfen Sie mit"
    fallback = await resolve(backend, obs, lang="pl")
    assert fallback["sites"][0]["prompts"][0]["lang"] == "de"


async def test_unknown_inactive_and_decommissioned_beacons_resolve_to_nothing(backend: Backend) -> None:
    site_id = await site_with(backend)
    base = f"/v1/admin/sites/{site_id}/beacons"
    inactive = await backend.json("POST", base, 201, json=ibeacon(2))
    retired = await backend.json("POST", base, 201, json=ibeacon(3))
    await backend.json("PATCH", f"{base}/{inactive['id']}", 200, json={"status": "inactive"})
    await backend.json("DELETE", f"{base}/{retired['id']}", 204)

    answer = await resolve(backend, {"beacon": key(2), "rssi": -60}, {"beacon": key(3)}, {"beacon": key(99)})
    assert answer == {"sites": []}
    # A decommissioned beacon's key is free for its replacement.
    await backend.json("POST", base, 201, json=ibeacon(3))
    assert len((await resolve(backend, {"beacon": key(3)}))["sites"]) == 1


async def test_several_sites_nearest_first_and_strongest_observation_counts(backend: Backend) -> None:
    a = await site_with(backend)
    b = await site_with(backend, {**SITE, "name": "Tafel", "kind": "food_bank"})
    await backend.json("POST", f"/v1/admin/sites/{a}/beacons", 201, json=ibeacon(1))
    await backend.json("POST", f"/v1/admin/sites/{b}/beacons", 201, json=ibeacon(2))
    await backend.json("POST", f"/v1/admin/sites/{b}/beacons", 201, json=ibeacon(3))

    answer = await resolve(
        backend,
        {"beacon": key(1), "rssi": -70},
        {"beacon": key(2), "rssi": -90},
        {"beacon": key(3), "rssi": -60},
    )
    assert [s["site"]["id"] for s in answer["sites"]] == [b, a]
    assert answer["sites"][0]["distance_m"] < answer["sites"][1]["distance_m"]


async def test_schedule_and_validity_decide_what_is_current(backend: Backend) -> None:
    # Weekdays 09:00-17:00 in Berlin; the clock is set to a Sunday, then to a Monday morning.
    schedule = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]
    site_id = await site_with(backend, schedule=schedule)
    await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=ibeacon(1))
    backend.clock.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC).timestamp()  # Sunday
    assert (await resolve(backend, {"beacon": key(1)}))["sites"][0]["prompts"] == []
    backend.clock.now = datetime(2026, 11, 23, 8, 30, tzinfo=UTC).timestamp()  # Monday 09:30 in Berlin
    assert len((await resolve(backend, {"beacon": key(1)}))["sites"][0]["prompts"]) == 1

    prompts = await backend.json("GET", f"/v1/admin/sites/{site_id}/prompts", 200)
    expired = {"valid_from": "2026-01-01T00:00:00Z", "valid_until": "2026-11-01T00:00:00Z"}
    await backend.json(
        "PATCH", f"/v1/admin/sites/{site_id}/prompts/{prompts['prompts'][0]['id']}", 200, json=expired
    )
    assert (await resolve(backend, {"beacon": key(1)}))["sites"][0]["prompts"] == []


async def test_priority_orders_prompts_and_drafts_are_hidden(backend: Backend) -> None:
    site_id = await site_with(backend, priority=1)
    base = f"/v1/admin/sites/{site_id}/prompts"
    await backend.json("POST", base, 201, json=prompt_body(kind="donate", priority=5))
    await backend.json("POST", base, 201, json=prompt_body(kind="event", status="draft"))
    await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=ibeacon(1))
    prompts = (await resolve(backend, {"beacon": key(1)}))["sites"][0]["prompts"]
    assert [p["kind"] for p in prompts] == ["donate", "volunteer"]


async def test_eid_beacon_resolves_within_one_rotation_of_skew(backend: Backend) -> None:
    site_id = await site_with(backend)
    identity = bytes(range(16))
    beacon = await backend.json(
        "POST",
        f"/v1/admin/sites/{site_id}/beacons",
        201,
        json={
            "kind": "eddystone-eid",
            "identity_key": identity.hex(),
            "rotation_exponent": 10,
            "initial_time": 5000,
            "tx_power": -60,
        },
    )
    assert beacon["key"] is None and "identity_key" not in beacon["identity"]
    registered = backend.clock.now
    backend.clock.advance(3 * 3600)
    clock = int(5000 + backend.clock.now - registered)
    probe = EidBeacon(1, site_id, 1, -60, identity, 10, 5000, registered)
    assert beacon_clock(probe, backend.clock.now) == clock

    def seen(offset_periods: int) -> dict[str, Any]:
        eid = compute_eid(identity, 10, clock + offset_periods * 1024)
        return {"beacon": f"eddystone-eid:{eid.hex()}", "rssi": -60}

    for skew in (-1, 0, 1):
        assert [s["site"]["id"] for s in (await resolve(backend, seen(skew)))["sites"]] == [site_id], skew
    for skew in (-3, 3):
        assert (await resolve(backend, seen(skew)))["sites"] == [], skew


async def test_nearby_sorted_within_radius_and_kind_filter(backend: Backend) -> None:
    here = {**SITE, "lat": 52.52, "lon": 13.405}
    east = {**SITE, "name": "Tafel", "kind": "food_bank", "lat": 52.52, "lon": 13.415}  # ~677 m east
    far = {**SITE, "name": "Weit weg", "lat": 52.60, "lon": 13.405}  # ~8.9 km north
    ids = [await site_with(backend, s, max_distance_m=10) for s in (east, here, far)]

    async def single(site_id: int) -> Any:
        async with backend.client.get(f"/v1/sites/{site_id}") as response:
            return await response.json()

    # The east site read first, so the search finds its card cached and builds the other's.
    singles = {ids[0]: await single(ids[0])}
    async with backend.client.get(
        "/v1/nearby", params={"lat": 52.52, "lon": 13.405, "radius_m": 1000}
    ) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"].startswith("public")
        body = await response.json()
    singles[ids[1]] = await single(ids[1])
    assert [s["site"]["id"] for s in body["sites"]] == [ids[1], ids[0]]
    assert body["sites"][0]["distance_m"] == 0.0 and 600 < body["sites"][1]["distance_m"] < 750
    assert len(body["sites"][0]["prompts"]) == 1  # a list the user opens: no door-distance filter
    # Each site names its public page, so the app can link there.
    assert [s["site"]["slug"] for s in body["sites"]] == ["hospiz-am-park", "tafel"]
    for found in body["sites"]:  # a card built from the search's rows is the card read on its own
        alone = singles[found["site"]["id"]]
        assert (found["site"], found["prompts"]) == (alone["site"], alone["prompts"])

    params = {"lat": 52.52, "lon": 13.405, "radius_m": 20000, "kind": "food_bank", "limit": 5}
    async with backend.client.get("/v1/nearby", params=params) as response:
        assert [s["site"]["id"] for s in (await response.json())["sites"]] == [ids[0]]
    async with backend.client.get("/v1/nearby", params={**params, "kind": "", "limit": 2}) as response:
        assert response.status == 422

    # Right after a change the store answered; once the in-memory grid is rebuilt, it answers alike.
    catalog = backend.client.app[STATE].catalog
    for _ in range(500):
        if catalog.site_grid() is not None:
            break
        await asyncio.sleep(0.01)
    assert catalog.site_grid() is not None, "the site grid was not built within 5 s"
    async with backend.client.get(
        "/v1/nearby", params={"lat": 52.52, "lon": 13.405, "radius_m": 1000}
    ) as response:
        assert await response.json() == body
    async with backend.client.get("/v1/nearby", params=params) as response:
        assert [s["site"]["id"] for s in (await response.json())["sites"]] == [ids[0]]


ALT_ID1 = "0a1b2c3d-0000-4000-8000-00000000abcd"


async def test_site_and_regions(backend: Backend) -> None:
    site_id = await site_with(backend)
    await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=ibeacon(1))
    await backend.json(
        "POST", f"/v1/admin/sites/{site_id}/beacons", 201, json={"kind": "ibeacon", "allocate": True}
    )
    await backend.json(
        "POST",
        f"/v1/admin/sites/{site_id}/beacons",
        201,
        json={"kind": "eddystone-uid", "namespace": "00112233445566778899", "instance": "aabbccddeeff"},
    )
    for beacon in (
        {"kind": "altbeacon", "id1": ALT_ID1, "id2": 1, "id3": 2},
        {"kind": "eddystone-eid", "identity_key": "00" * 16, "rotation_exponent": 12, "initial_time": 0},
    ):
        await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=beacon)
    async with backend.client.get(f"/v1/sites/{site_id}", params={"lang": "en"}) as response:
        body = await response.json()
        assert body["site"]["name"] == "Hospiz am Park" and body["prompts"][0]["title"] == "Help us"
    async with backend.client.get("/v1/sites/999") as response:
        assert response.status == 404
        assert response.content_type == "application/problem+json"
    async with backend.client.get("/v1/regions") as response:
        regions = (await response.json())["regions"]
    kinds = sorted((r["kind"], r["id"]) for r in regions)
    assert ("eddystone-uid", "00112233445566778899") in kinds and ("ibeacon", IB_UUID) in kinds
    assert ("altbeacon", ALT_ID1) in kinds and ("eddystone-eid", "") in kinds
    assert len([k for k in kinds if k[0] == "ibeacon"]) == 2  # ours and the service's allocated UUID
    assert kinds == [(r["kind"], r["id"]) for r in regions] and len(set(kinds)) == len(kinds)


async def test_events_are_counted_hourly_and_implausible_rates_are_not(make_backend: Any) -> None:
    backend: Backend = await make_backend(max_event_rate_per_hour=3)
    site_id = await site_with(backend)
    prompt_id = (await backend.json("GET", f"/v1/admin/sites/{site_id}/prompts", 200))["prompts"][0]["id"]
    for _ in range(5):
        async with backend.client.post(f"/v1/prompts/{prompt_id}/events", json={"type": "shown"}) as response:
            assert response.status == 204
    async with backend.client.post(f"/v1/prompts/{prompt_id}/events", json={"type": "acted"}) as response:
        assert response.status == 204
    async with backend.client.post("/v1/prompts/999/events", json={"type": "shown"}) as response:
        assert response.status == 404
    stats = await backend.json("GET", f"/v1/admin/sites/{site_id}/stats", 200)
    counts = {e["type"]: e["count"] for e in stats["prompt_events"]}
    assert counts == {"shown": 3, "acted": 1}


async def test_cors_preflight(backend: Backend) -> None:
    async with backend.client.options(
        "/v1/resolve", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    ) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
