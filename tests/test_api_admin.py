"""Site staff's API through a real server: CRUD, allocation, isolation between organisations, health."""

from __future__ import annotations

from typing import Any

from tests.conftest import SITE, Backend, prompt_body


async def test_site_crud(backend: Backend) -> None:
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    assert site["name"] == "Hospiz am Park" and site["timezone"] == "Europe/Berlin"
    path = f"/v1/admin/sites/{site['id']}"
    assert (await backend.json("GET", path, 200)) == site
    changed = await backend.json("PATCH", path, 200, json={"name": "Hospiz am Stadtpark", "lat": 52.0})
    assert (
        changed["name"] == "Hospiz am Stadtpark" and changed["lat"] == 52.0 and changed["lon"] == SITE["lon"]
    )
    assert [s["id"] for s in (await backend.json("GET", "/v1/admin/sites", 200))["sites"]] == [site["id"]]
    await backend.json("DELETE", path, 204)
    await backend.json("GET", path, 404)
    assert (await backend.json("GET", "/v1/admin/sites", 200))["sites"] == []


async def test_site_validation_names_fields(backend: Backend) -> None:
    bad = {**SITE, "lat": 91, "timezone": "Mars/Olympus", "colour": "red"}
    problem = await backend.json("POST", "/v1/admin/sites", 422, json=bad)
    fields = {tuple(e["loc"]) for e in problem["errors"]}
    assert {("lat",), ("timezone",), ("colour",)} <= fields


async def test_ibeacon_allocation_uses_one_uuid_a_major_per_site_and_minors(backend: Backend) -> None:
    a = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    b = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    made = [
        await backend.json(
            "POST", f"/v1/admin/sites/{site}/beacons", 201, json={"kind": "ibeacon", "allocate": True}
        )
        for site in (a, a, b)
    ]
    idents = [m["identity"] for m in made]
    assert len({i["uuid"] for i in idents}) == 1
    assert (idents[0]["major"], idents[0]["minor"]) == (idents[1]["major"], 1)
    assert idents[1]["minor"] == 2 and idents[2]["major"] != idents[0]["major"]
    assert made[0]["key"] == f"ibeacon:{idents[0]['uuid']}:{idents[0]['major']}:1"
    site_a = await backend.json("GET", f"/v1/admin/sites/{a}", 200)
    assert site_a["ibeacon_major"] == idents[0]["major"]
    # Allocation cannot be mixed with explicit ids.
    await backend.json(
        "POST", f"/v1/admin/sites/{a}/beacons", 422, json={"kind": "ibeacon", "allocate": True, "major": 1}
    )


async def test_every_beacon_kind_registers_and_duplicates_conflict(backend: Backend) -> None:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    path = f"/v1/admin/sites/{site}/beacons"
    bodies: list[dict[str, Any]] = [
        {
            "kind": "ibeacon",
            "uuid": "E2C56DB5DFFB48D2B060D0F5A71096E0",
            "major": 1,
            "minor": 2,
            "label": "Tür",
        },
        {"kind": "altbeacon", "id1": "2f234454-cf6d-4a0f-adf2-f4911ba9ffa6", "id2": 1, "id3": 2},
        {"kind": "eddystone-uid", "namespace": "00112233445566778899", "instance": "AABBCCDDEEFF"},
        {"kind": "eddystone-eid", "identity_key": "00" * 16, "rotation_exponent": 12, "initial_time": 0},
    ]
    keys = [(await backend.json("POST", path, 201, json=body))["key"] for body in bodies]
    assert keys == [
        "ibeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0:1:2",
        "altbeacon:2f234454-cf6d-4a0f-adf2-f4911ba9ffa6:1:2",
        "eddystone-uid:00112233445566778899:aabbccddeeff",
        None,
    ]
    problem = await backend.json("POST", path, 409, json=bodies[0])
    assert problem["title"] == "Conflict"
    listed = (await backend.json("GET", path, 200))["beacons"]
    assert [b["kind"] for b in listed] == ["ibeacon", "altbeacon", "eddystone-uid", "eddystone-eid"]
    assert all("identity_key" not in b["identity"] for b in listed)
    await backend.json(
        "POST",
        path,
        422,
        json={"kind": "eddystone-eid", "identity_key": "zz" * 16, "rotation_exponent": 12, "initial_time": 0},
    )
    await backend.json("POST", path, 422, json={"kind": "bluetooth-tag"})


async def test_prompt_crud_and_rules(backend: Backend) -> None:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    path = f"/v1/admin/sites/{site}/prompts"
    prompt = await backend.json("POST", path, 201, json=prompt_body(max_distance_m=25))
    assert prompt["texts"]["en"]["title"] == "Help us" and prompt["max_distance_m"] == 25
    patched = await backend.json(
        "PATCH", f"{path}/{prompt['id']}", 200, json={"status": "archived", "priority": 3}
    )
    assert (patched["status"], patched["priority"], patched["max_distance_m"]) == ("archived", 3, 25)
    for bad in (
        prompt_body(action_url="http://example.org/plain-http"),
        prompt_body(kind="advert"),
        prompt_body(texts={}),
        prompt_body(valid_from="2026-05-01T00:00:00Z", valid_until="2026-04-01T00:00:00Z"),
        prompt_body(valid_from="2026-05-01T00:00:00"),
        prompt_body(schedule=[{"days": ["mon"], "start": "25:00", "end": "26:00"}]),
    ):
        await backend.json("POST", path, 422, json=bad)
    await backend.json(
        "PATCH",
        f"{path}/{prompt['id']}",
        422,
        json={"valid_from": "2030-01-01T00:00:00Z", "valid_until": "2029-01-01T00:00:00Z"},
    )
    await backend.json("DELETE", f"{path}/{prompt['id']}", 204)
    assert (await backend.json("GET", path, 200))["prompts"] == []


async def test_agent_token_shown_once_and_revocable(backend: Backend) -> None:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    created = await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": "Pi im Flur"})
    assert created["token"].startswith("nba_") and len(created["token"]) > 40
    listed = await backend.json("GET", f"/v1/admin/sites/{site}/agents", 200)
    assert "token" not in listed["agents"][0]
    beat = {"version": "0.1.0", "uptime_s": 5, "scanner": "scanning", "outbox_depth": 0, "dropped": 0}
    agent_headers = {"Authorization": f"Bearer {created['token']}"}
    await backend.json("POST", "/v1/agent/heartbeat", 200, json=beat, headers=agent_headers)
    await backend.json("PATCH", f"/v1/admin/sites/{site}/agents/{created['id']}", 200, json={"revoked": True})
    await backend.json("POST", "/v1/agent/heartbeat", 401, json=beat, headers=agent_headers)
    await backend.json(
        "PATCH", f"/v1/admin/sites/{site}/agents/{created['id']}", 409, json={"revoked": False}
    )


async def test_organisations_never_see_each_other(backend: Backend) -> None:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    beacon = (
        await backend.json(
            "POST", f"/v1/admin/sites/{site}/beacons", 201, json={"kind": "ibeacon", "allocate": True}
        )
    )["id"]
    prompt = (await backend.json("POST", f"/v1/admin/sites/{site}/prompts", 201, json=prompt_body()))["id"]
    agent = (await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": "Pi"}))["id"]
    other = await backend.new_org()

    assert (await backend.json("GET", "/v1/admin/sites", 200, key=other))["sites"] == []
    base = f"/v1/admin/sites/{site}"
    for method, path, body in (
        ("GET", base, None),
        ("PATCH", base, {"name": "Gekapert"}),
        ("DELETE", base, None),
        ("GET", f"{base}/beacons", None),
        ("POST", f"{base}/beacons", {"kind": "ibeacon", "allocate": True}),
        ("GET", f"{base}/beacons/{beacon}", None),
        ("PATCH", f"{base}/beacons/{beacon}", {"label": "x"}),
        ("DELETE", f"{base}/beacons/{beacon}", None),
        ("GET", f"{base}/prompts", None),
        ("POST", f"{base}/prompts", prompt_body()),
        ("GET", f"{base}/prompts/{prompt}", None),
        ("PATCH", f"{base}/prompts/{prompt}", {"status": "draft"}),
        ("DELETE", f"{base}/prompts/{prompt}", None),
        ("GET", f"{base}/agents", None),
        ("POST", f"{base}/agents", {"name": "Fremd"}),
        ("GET", f"{base}/agents/{agent}", None),
        ("PATCH", f"{base}/agents/{agent}", {"revoked": True}),
        ("GET", f"{base}/health", None),
        ("GET", f"{base}/stats", None),
    ):
        problem = await backend.json(method, path, 404, key=other, json=body)
        assert "Hospiz" not in str(problem)
    # Nothing changed for the owner.
    assert (await backend.json("GET", base, 200))["name"] == "Hospiz am Park"
    assert (await backend.json("GET", f"{base}/agents/{agent}", 200))["revoked"] is False
    assert (await backend.json("GET", f"{base}/beacons/{beacon}", 200))["status"] == "active"


async def test_an_id_beyond_sqlites_integers_in_a_body_is_refused_not_an_overflow(backend: Backend) -> None:
    """Found by the stateful fuzzing: a 22-digit beacon id reached SQLite and overflowed (a 500)."""
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    agents = f"/v1/admin/sites/{site}/agents"
    refused = await backend.json("POST", agents, 422, json={"name": "Pi", "advertise_beacon_id": 2**70})
    assert refused["errors"][0]["loc"][-1] == "advertise_beacon_id"
    agent = (await backend.json("POST", agents, 201, json={"name": "Pi"}))["id"]
    await backend.json("PATCH", f"{agents}/{agent}", 422, json={"advertise_beacon_id": 2**63})
