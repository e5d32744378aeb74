"""Bad input through a real server: every answer is a clear problem-details error, and nothing is lost.

Each refusal must be `application/problem+json` with `type title status` (and `errors` naming the
fields for 422), must not change what is stored, and must leave the server answering.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from backend.http.app import create_app
from tests.conftest import SITE, Backend, BackendFactory, make_settings, prompt_body
from tests.stored import value

PROBLEM = "application/problem+json"
IB = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
KEY = f"ibeacon:{IB}:7:1"
# Long enough for any of these requests to finish on a slow CI machine; only there to never hang.
PATIENCE_S = 60.0

Answer = tuple[int, dict[str, str], bytes]


async def send(
    backend: Backend,
    method: str,
    path: str,
    body: bytes | None = None,
    *,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
) -> Answer:
    """One request with exactly these bytes; None as content_type sends no Content-Type at all."""
    sent = dict(headers or {})
    skip: list[str] = []
    if content_type is None:
        skip.append("Content-Type")
    else:
        sent["Content-Type"] = content_type
    request = backend.client.request(method, path, data=body, headers=sent, skip_auto_headers=skip)
    async with asyncio.timeout(PATIENCE_S), request as response:
        return response.status, dict(response.headers), await response.read()


async def chunked_at_once(backend: Backend, body: bytes) -> bytes:
    """POST /v1/resolve with a chunked body written in one piece: the status line of the answer."""
    server = backend.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(
            b"POST /v1/resolve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        )
        await writer.drain()
        async with asyncio.timeout(PATIENCE_S):
            return await reader.readline()
    finally:
        writer.close()


def problem(answer: Answer, status: int) -> dict[str, Any]:
    """The problem document of an answer, checked against RFC 9457 and the status expected."""
    got, headers, body = answer
    assert got == status, f"expected {status}, got {got}: {body[:300]!r}"
    assert headers.get("Content-Type", "").split(";")[0] == PROBLEM, headers
    doc = json.loads(body)
    assert isinstance(doc, dict)
    assert isinstance(doc["type"], str) and doc["type"]
    assert isinstance(doc["title"], str) and doc["title"]
    assert doc["status"] == status
    if status == 422:
        assert doc["errors"], doc
        for error in doc["errors"]:
            assert isinstance(error["loc"], list) and isinstance(error["msg"], str) and error["msg"]
    return doc


def error_locs(doc: dict[str, Any]) -> list[list[str | int]]:
    return [error["loc"] for error in doc["errors"]]


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()


def observations(n: int) -> dict[str, Any]:
    return {"observations": [{"beacon": KEY, "rssi": -60 - i % 30} for i in range(n)]}


def sighting(at: datetime, key: str = KEY) -> dict[str, Any]:
    return {
        "beacon": key,
        "first_seen": (at - timedelta(seconds=10)).isoformat(),
        "last_seen": at.isoformat(),
        "count": 3,
        "rssi_max": -60,
        "rssi_mean": -65.5,
        "tx_power": -59,
        "telemetry": None,
    }


def heartbeat() -> dict[str, Any]:
    return {"version": "1.0", "uptime_s": 12.5, "scanner": "scanning", "outbox_depth": 0, "dropped": 0}


def stored(backend: Backend, table: str) -> int:
    return int(value(backend.settings.db, f"SELECT COUNT(*) FROM {table}"))


async def healthy(backend: Backend) -> None:
    status, _, body = await send(backend, "GET", "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"


class World:
    """One site with a registered iBeacon (`KEY`) and an agent, made through the admin API."""

    def __init__(self, backend: Backend, site_id: int, token: str) -> None:
        self.backend = backend
        self.site_id = site_id
        self.token = token

    @property
    def agent(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.backend.admin()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.backend.clock.now, UTC)


async def make_world(backend: Backend) -> World:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    beacon = {"kind": "ibeacon", "uuid": IB, "major": 7, "minor": 1, "label": "door"}
    assert (await backend.json("POST", f"/v1/admin/sites/{site}/beacons", 201, json=beacon))["key"] == KEY
    agent = await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": "Pi"})
    assert agent["token"]
    return World(backend, site, agent["token"])


@pytest.fixture
async def world(backend: Backend) -> AsyncIterator[World]:
    made = await make_world(backend)
    yield made
    await healthy(backend)  # whatever a test sent, the server still answers


# --- malformed bodies ----------------------------------------------------------------------------

MALFORMED = [
    b"{bad",
    b'{"observations": [',
    b"",
    b'{"observations": []}}',
    b"{'observations': []}",
    b'{"observations": [] /* comment */}',
    b"\x00\x01\x02",
]


@pytest.mark.parametrize("body", MALFORMED, ids=lambda b: repr(b)[:30])
async def test_malformed_json_is_400(world: World, body: bytes) -> None:
    for method, path, headers in [
        ("POST", "/v1/resolve", {}),
        ("POST", "/v1/admin/sites", world.admin),
        ("POST", "/v1/agent/heartbeat", world.agent),
        ("PATCH", f"/v1/admin/sites/{world.site_id}", world.admin),
    ]:
        doc = problem(await send(world.backend, method, path, body, headers=headers), 400)
        assert doc["errors"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/xml",
        "application/octet-stream",
        None,
    ],
)
async def test_a_body_that_does_not_say_json_is_415(world: World, content_type: str | None) -> None:
    body = encode(observations(1))
    for method, path, headers in [
        ("POST", "/v1/resolve", {}),
        ("POST", "/v1/admin/sites", world.admin),
        ("POST", "/v1/agent/heartbeat", world.agent),
    ]:
        answer = await send(world.backend, method, path, body, content_type=content_type, headers=headers)
        problem(answer, 415)
    assert stored(world.backend, "sites") == 1


async def test_json_media_types_with_parameters_or_suffix_are_accepted(world: World) -> None:
    # The other side of the 415 test: these do say JSON.
    for content_type in ["application/json; charset=utf-8", "application/vnd.nahbei+json"]:
        status, _, body = await send(
            world.backend, "POST", "/v1/resolve", encode(observations(1)), content_type=content_type
        )
        assert status == 200, body


async def test_form_data_sent_the_usual_way_is_415(world: World) -> None:
    async with world.backend.client.post("/v1/resolve", data={"observations": "x"}) as response:
        assert response.status == 415
        assert response.content_type == PROBLEM


# --- sizes ---------------------------------------------------------------------------------------


async def test_a_body_over_the_cap_is_413_and_one_under_it_is_read(make_backend: BackendFactory) -> None:
    backend = await make_backend(max_body_bytes=2048)
    w = await make_world(backend)
    big = observations(50)
    assert len(encode(big)) > 2048
    problem(await send(backend, "POST", "/v1/resolve", encode(big)), 413)
    padded_site = {**SITE, "address": "x" * 3000}
    problem(await send(backend, "POST", "/v1/admin/sites", encode(padded_site), headers=w.admin), 413)
    batch = {"batch_id": str(uuid.uuid4()), "sightings": [sighting(w.now()) for _ in range(20)]}
    problem(await send(backend, "POST", "/v1/agent/sightings", encode(batch), headers=w.agent), 413)
    # Streamed without a Content-Length, the cap holds just the same.

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 1000
        yield encode(observations(1))

    request = backend.client.post("/v1/resolve", data=chunks(), headers={"Content-Type": "application/json"})
    async with asyncio.timeout(PATIENCE_S), request as response:
        assert response.status == 413 and response.content_type == PROBLEM
    # Chunked and all arrived at once, it is measured as it lies.
    assert (await chunked_at_once(backend, b" " * 3000 + encode(observations(1)))).startswith(
        b"HTTP/1.1 413 "
    )
    assert stored(backend, "sites") == 1 and stored(backend, "sightings") == 0
    # Small bodies still pass on the same server.
    status, _, body = await send(backend, "POST", "/v1/resolve", encode(observations(2)))
    assert status == 200 and json.loads(body)["sites"][0]["site"]["id"] == w.site_id
    await healthy(backend)


async def test_51_observations_are_422_and_50_are_fine(world: World) -> None:
    doc = problem(await send(world.backend, "POST", "/v1/resolve", encode(observations(51))), 422)
    assert ["observations"] in error_locs(doc)
    status, _, body = await send(world.backend, "POST", "/v1/resolve", encode(observations(50)))
    assert status == 200 and len(json.loads(body)["sites"]) == 1


async def test_5001_sightings_are_422_and_store_nothing(world: World) -> None:
    batch_id = str(uuid.uuid4())
    at = world.now()
    too_many = {"batch_id": batch_id, "sightings": [sighting(at)] * 5001}
    doc = problem(
        await send(world.backend, "POST", "/v1/agent/sightings", encode(too_many), headers=world.agent), 422
    )
    assert ["sightings"] in error_locs(doc)
    assert stored(world.backend, "sightings") == 0
    # The refused batch left no trace: the same batch id, now within the cap, is new and stored whole.
    batch = {"batch_id": batch_id, "sightings": [sighting(at)] * 5000}
    status, _, body = await send(
        world.backend, "POST", "/v1/agent/sightings", encode(batch), headers=world.agent
    )
    assert status == 200, body[:300]
    ack = json.loads(body)
    assert ack["accepted"] == 5000 and ack["duplicate"] is False
    assert stored(world.backend, "sightings") == 5000


async def test_one_bad_sighting_refuses_the_whole_batch(world: World) -> None:
    at = world.now()
    sightings = [sighting(at) for _ in range(10)]
    sightings[7] = {**sightings[7], "rssi_max": 99}
    batch = {"batch_id": str(uuid.uuid4()), "sightings": sightings}
    doc = problem(
        await send(world.backend, "POST", "/v1/agent/sightings", encode(batch), headers=world.agent), 422
    )
    assert error_locs(doc) == [["sightings", 7, "rssi_max"]]
    assert stored(world.backend, "sightings") == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lat=52.52&lon=13.4&radius_m=50001", "radius_m"),
        ("lat=52.52&lon=13.4&radius_m=1e9", "radius_m"),
        ("lat=52.52&lon=13.4&radius_m=0", "radius_m"),
        ("lat=52.52&lon=13.4&limit=101", "limit"),
        ("lat=52.52&lon=13.4&limit=0", "limit"),
        ("lat=52.52&lon=13.4&limit=1.5", "limit"),
        ("lat=91&lon=13.4", "lat"),
        ("lat=52.52&lon=-180.5", "lon"),
        ("lon=13.4", "lat"),
        ("lat=52.52&lon=13.4&kind=casino", "kind"),
        ("lat=52.52&lon=13.4&lang=" + "x" * 40, "lang"),
    ],
)
async def test_nearby_out_of_range_is_422_naming_the_parameter(world: World, query: str, field: str) -> None:
    doc = problem(await send(world.backend, "GET", f"/v1/nearby?{query}"), 422)
    assert ["query", field] in error_locs(doc)


async def test_nearby_at_its_limits_is_fine(world: World) -> None:
    status, _, body = await send(
        world.backend, "GET", "/v1/nearby?lat=52.52&lon=13.405&radius_m=50000&limit=100"
    )
    assert status == 200 and [s["site"]["id"] for s in json.loads(body)["sites"]] == [world.site_id]


# --- routes, methods, ids ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/nope", "/v1", "/v1/nope", "/v1/admin/nope", "/v2/resolve", "/v1/resolve/x"]
)
async def test_unknown_route_is_404(world: World, path: str) -> None:
    problem(await send(world.backend, "GET", path, headers=world.admin), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/resolve", {"POST"}),
        ("GET", "/v1/resolve", {"POST"}),
        ("POST", "/v1/regions", {"GET"}),
        ("PUT", "/v1/admin/sites", {"GET", "POST"}),
        ("POST", "/v1/agent/heartbeat/", None),
        ("GET", "/v1/agent/sightings", {"POST"}),
        ("PUT", "/v1/admin/sites/{site}", {"GET", "PATCH", "DELETE"}),
    ],
)
async def test_wrong_method_is_405_with_allow(
    world: World, method: str, path: str, allowed: set[str] | None
) -> None:
    path = path.format(site=world.site_id)
    answer = await send(world.backend, method, path, encode({}), headers=world.admin)
    if allowed is None:  # a trailing slash is another path
        problem(answer, 404)
        return
    problem(answer, 405)
    # HEAD may come with GET or not; the methods of the operations must all be there.
    assert {m.strip() for m in answer[1]["Allow"].split(",")} - {"HEAD"} == allowed


@pytest.mark.parametrize(
    "path", ["/v1/regions", "/v1/sites/{site}", "/v1/admin/sites/{site}/health", "/healthz"]
)
async def test_head_answers_wherever_get_does_without_a_body(world: World, path: str) -> None:
    path = path.format(site=world.site_id)
    status, headers, body = await send(world.backend, "GET", path, headers=world.admin)
    assert body
    head = await send(world.backend, "HEAD", path, headers=world.admin)
    assert status == 200 and head[0] == 200 and head[2] == b""
    assert head[1]["Content-Type"] == headers["Content-Type"]


@pytest.mark.parametrize(
    "site_id",
    [
        "abc",
        "-1",
        "1.5",
        "0x1",
        "1e3",
        "99999999999999999999",
        "9223372036854775808",
        "999999999999999999",
        "0",
    ],
)
async def test_ids_that_are_not_ours_or_not_numbers_are_404(world: World, site_id: str) -> None:
    admin = world.admin
    problem(await send(world.backend, "GET", f"/v1/sites/{site_id}"), 404)
    problem(await send(world.backend, "GET", f"/v1/admin/sites/{site_id}", headers=admin), 404)
    problem(await send(world.backend, "GET", f"/v1/admin/sites/{site_id}/beacons", headers=admin), 404)
    problem(
        await send(world.backend, "GET", f"/v1/admin/sites/{world.site_id}/prompts/{site_id}", headers=admin),
        404,
    )
    patch = encode({"name": "x"})
    problem(await send(world.backend, "PATCH", f"/v1/admin/sites/{site_id}", patch, headers=admin), 404)
    problem(await send(world.backend, "DELETE", f"/v1/admin/sites/{site_id}", headers=admin), 404)
    event = encode({"type": "shown"})
    problem(await send(world.backend, "POST", f"/v1/prompts/{site_id}/events", event), 404)
    assert stored(world.backend, "sites") == 1


# --- hostile JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["[", '{"a":', '{"observations":'])
async def test_deeply_nested_json_is_refused(world: World, opener: str) -> None:
    closer = {"[": "]", '{"a":': "}", '{"observations":': "}"}[opener]
    depth = 10_000
    body = (opener * depth + "1" + closer * depth).encode()
    for method, path, headers in [
        ("POST", "/v1/resolve", {}),
        ("POST", "/v1/admin/sites", world.admin),
        ("POST", "/v1/agent/sightings", world.agent),
    ]:
        answer = await send(world.backend, method, path, body, headers=headers)
        # resolve's body is capped at what 50 observations need: this one is refused unread
        assert answer[0] in ((413,) if path == "/v1/resolve" else (400, 422)), answer
        problem(answer, answer[0])


NOT_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]


@pytest.mark.parametrize("number", NOT_FINITE)
async def test_non_finite_numbers_are_refused(world: World, number: str) -> None:
    backend = world.backend
    resolve = f'{{"observations": [{{"beacon": "{KEY}", "rssi": {number}}}]}}'.encode()
    site = f'{{"name": "x", "lat": {number}, "lon": 13.4}}'.encode()
    patch = f'{{"lat": {number}}}'.encode()
    beat = f'{{"version": "1", "uptime_s": {number}, "scanner": "scanning", "outbox_depth": 0, "dropped": 0}}'
    sightings = json.dumps({"batch_id": str(uuid.uuid4()), "sightings": [sighting(world.now())]})
    sightings = sightings.replace('"rssi_mean": -65.5', f'"rssi_mean": {number}')
    prompt = f'{{"kind": "info", "texts": {{"de": {{"title": "t"}}}}, "max_distance_m": {number}}}'.encode()
    for method, path, body, headers in [
        ("POST", "/v1/resolve", resolve, {}),
        ("POST", "/v1/admin/sites", site, world.admin),
        ("PATCH", f"/v1/admin/sites/{world.site_id}", patch, world.admin),
        ("POST", "/v1/agent/heartbeat", beat.encode(), world.agent),
        ("POST", "/v1/agent/sightings", sightings.encode(), world.agent),
        ("POST", f"/v1/admin/sites/{world.site_id}/prompts", prompt, world.admin),
    ]:
        answer = await send(backend, method, path, body, headers=headers)
        assert 400 <= answer[0] < 500, (path, answer)
        problem(answer, answer[0])
    for query in [f"lat={number}&lon=13.4", f"lat=52.5&lon=13.4&radius_m={number}"]:
        answer = await send(backend, "GET", f"/v1/nearby?{query}")
        problem(answer, 422)
    assert stored(backend, "sites") == 1 and stored(backend, "prompts") == 0
    assert stored(backend, "sightings") == 0
    site_now = await backend.json("GET", f"/v1/admin/sites/{world.site_id}", 200)
    assert site_now["lat"] == SITE["lat"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"observations": [{"beacon": "\xff\xfe"}]}',
        b'{"observations": [{"beacon": "' + KEY.encode() + b'"}], "lang": "d\xc3"}',
        b'{"name": "\xed\xa0\x80", "lat": 1, "lon": 1}',
        b'{"name": "\\ud800", "lat": 1, "lon": 1}',
        b'{"name": "\\udfff\\ud800", "lat": 1, "lon": 1}',
        b"\xef\xbb\xbf{}",
    ],
    ids=["ff-fe", "truncated", "encoded-surrogate", "lone-high-escape", "reversed-pair-escape", "bom"],
)
async def test_invalid_utf8_and_unpaired_surrogates_are_refused(world: World, body: bytes) -> None:
    for path, headers in [("/v1/resolve", {}), ("/v1/admin/sites", world.admin)]:
        answer = await send(world.backend, "POST", path, body, headers=headers)
        assert answer[0] in (400, 422), answer
        problem(answer, answer[0])
    assert stored(world.backend, "sites") == 1


@pytest.mark.parametrize("body", ["[]", "[{}]", '"observations"', "null", "0", "true", "1e400"])
async def test_json_that_is_not_an_object_is_422(world: World, body: str) -> None:
    for method, path, headers in [
        ("POST", "/v1/resolve", {}),
        ("POST", "/v1/admin/sites", world.admin),
        ("POST", f"/v1/admin/sites/{world.site_id}/beacons", world.admin),
        ("POST", "/v1/agent/sightings", world.agent),
        ("PATCH", f"/v1/admin/sites/{world.site_id}", world.admin),
        ("POST", f"/v1/prompts/{world.site_id}/events", {}),
    ]:
        doc = problem(await send(world.backend, method, path, body.encode(), headers=headers), 422)
        assert doc["errors"][0]["loc"] in ([], ["kind"]), doc  # the beacon union is told apart by `kind`


async def test_duplicate_keys_are_harmless(world: World) -> None:
    backend = world.backend
    body = f'{{"observations": [], "observations": [{{"beacon": "{KEY}", "rssi": -60}}]}}'.encode()
    status, _, answer = await send(backend, "POST", "/v1/resolve", body)
    assert status == 200 and [s["site"]["id"] for s in json.loads(answer)["sites"]] == [world.site_id]
    site = b'{"name": "A", "lat": 52.5, "lon": 13.4, "name": "B", "lat": 52.6}'
    status, _, answer = await send(backend, "POST", "/v1/admin/sites", site, headers=world.admin)
    created = json.loads(answer)
    assert status == 201 and created["name"] in {"A", "B"} and created["lat"] in {52.5, 52.6}
    again = await backend.json("GET", f"/v1/admin/sites/{created['id']}", 200)
    assert again == created


# --- authorization -------------------------------------------------------------------------------


def bad_authorizations(admin_key: str, agent_token: str) -> list[dict[str, str]]:
    return [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer nbk_wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": f"Token {admin_key}"},
        {"Authorization": admin_key},
        {"Authorization": f"Bearer {admin_key} {admin_key}"},
        {"Authorization": f"Bearer {admin_key}x"},
        {"Authorization": f"Bearer {admin_key[:-1]}"},
        {"Authorization": "Bearer " + "a" * 5000},
        {"Authorization": f"Bearer {agent_token}"},
    ]


async def test_admin_endpoints_refuse_bad_authorization_with_401(world: World) -> None:
    backend = world.backend
    for headers in bad_authorizations(backend.admin_key, world.token):
        for method, path, body in [
            ("GET", "/v1/admin/sites", None),
            ("POST", "/v1/admin/sites", encode(SITE)),
            ("GET", f"/v1/admin/sites/{world.site_id}", None),
            ("DELETE", f"/v1/admin/sites/{world.site_id}", None),
            ("GET", f"/v1/admin/sites/{world.site_id}/health", None),
        ]:
            answer = await send(backend, method, path, body, headers=headers)
            problem(answer, 401)
            assert answer[1]["WWW-Authenticate"].startswith("Bearer"), headers
    assert stored(backend, "sites") == 1
    # The scheme is case-insensitive (RFC 9110); the right key in any spelling of it works.
    for scheme in ("Bearer", "bearer", "BEARER"):
        status, _, _ = await send(
            backend, "GET", "/v1/admin/sites", headers={"Authorization": f"{scheme} {backend.admin_key}"}
        )
        assert status == 200


async def test_agent_endpoints_refuse_bad_authorization_with_401(world: World) -> None:
    backend = world.backend
    batch = encode({"batch_id": str(uuid.uuid4()), "sightings": [sighting(world.now())]})
    for headers in bad_authorizations(world.token, backend.admin_key):
        for path, body in [("/v1/agent/sightings", batch), ("/v1/agent/heartbeat", encode(heartbeat()))]:
            answer = await send(backend, "POST", path, body, headers=headers)
            problem(answer, 401)
            assert answer[1]["WWW-Authenticate"].startswith("Bearer"), headers
    assert stored(backend, "sightings") == 0
    status, _, _ = await send(backend, "POST", "/v1/agent/sightings", batch, headers=world.agent)
    assert status == 200 and stored(backend, "sightings") == 1


async def test_authorization_is_checked_before_the_body_is_read(world: World) -> None:
    # Someone without a token learns nothing about the body rules, and cannot make the server parse.
    for body in [b"{bad", encode(observations(51))]:
        problem(await send(world.backend, "POST", "/v1/admin/sites", body), 401)
        problem(
            await send(world.backend, "POST", "/v1/agent/heartbeat", body, content_type="text/plain"), 401
        )


async def raw_request(backend: Backend, request: bytes) -> tuple[int, bytes]:
    """Send bytes the HTTP client would refuse to send; return the status and the body."""
    server = backend.client.server
    async with asyncio.timeout(PATIENCE_S):
        reader, writer = await asyncio.open_connection(server.host, server.port)
        try:
            writer.write(request)
            await writer.drain()
            answer = await reader.read()
        finally:
            writer.close()
            await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize(
    "token",
    [b"\xff\xfe\xc3", b"\xed\xa0\x80", "nbk_ä".encode(), b"\xc3\xa4" * 50],
    ids=["ff", "surrogate", "umlaut", "long"],
)
async def test_tokens_that_are_not_ascii_are_401(world: World, token: bytes) -> None:
    for path in [b"/v1/admin/sites", b"/v1/agent/heartbeat"]:
        method = b"GET" if path.endswith(b"sites") else b"POST"
        request = (
            method + b" " + path + b" HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        )
        status, body = await raw_request(world.backend, request)
        assert status == 401 and json.loads(body)["status"] == 401


async def test_a_body_cut_short_by_the_client_is_not_a_server_error(tmp_path: Path) -> None:
    # aiohttp's test server cancels the handler of a client that went away; `web.run_app`, which
    # `nahbei-backend serve` uses, lets it run on into the cut body. Serve the way production does.
    app = create_app(make_settings(tmp_path))
    arrived = asyncio.Event()

    @web.middleware
    async def note_arrival(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/v1/resolve":
            arrived.set()  # the handler runs on from here to where it waits for the rest of the body
        return await handler(request)

    app.middlewares.insert(0, note_arrival)
    runner = web.AppRunner(app, handler_cancellation=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        _, writer = await asyncio.open_connection(host, port)
        writer.write(
            b"POST /v1/resolve HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n" + encode(observations(1))[:20]
        )
        await writer.drain()
        async with asyncio.timeout(PATIENCE_S):
            await arrived.wait()
        writer.close()
        await writer.wait_closed()
        async with aiohttp.ClientSession(f"http://{host}:{port}") as session, asyncio.timeout(PATIENCE_S):
            while True:  # until the cut request has been answered and counted
                async with session.get("/metrics") as response:
                    metrics = await response.text()
                counted = [
                    line
                    for line in metrics.splitlines()
                    if line.startswith("nahbei_http_requests_total") and 'operation="resolve"' in line
                ]
                if counted:
                    break
                await asyncio.sleep(0.02)
            assert counted == ['nahbei_http_requests_total{operation="resolve",status="400"} 1.0']
            async with session.get("/healthz") as response:
                assert response.status == 200
    finally:
        await runner.cleanup()


# --- found by fuzzing (tests/test_api_fuzz.py): each was a 500, or worse -------------------------


@pytest.mark.parametrize(
    ("what", "field"),
    [
        ("", "name"),
        ("", "lat"),
        ("", "timezone"),
        ("", "kind"),
        ("beacons/{beacon}", "label"),
        ("beacons/{beacon}", "tx_power"),
        ("beacons/{beacon}", "status"),
        ("prompts/{prompt}", "kind"),
        ("prompts/{prompt}", "texts"),
        ("prompts/{prompt}", "status"),
        ("prompts/{prompt}", "cooldown_s"),
        ("prompts/{prompt}", "priority"),
        ("agents/{agent}", "name"),
        ("agents/{agent}", "revoked"),
    ],
)
async def test_patching_a_required_field_to_null_is_422_and_changes_nothing(
    world: World, what: str, field: str
) -> None:
    backend = world.backend
    site = f"/v1/admin/sites/{world.site_id}"
    prompt = (await backend.json("POST", f"{site}/prompts", 201, json=prompt_body()))["id"]
    agent = (await backend.json("GET", f"{site}/agents", 200))["agents"][0]["id"]
    beacon = (await backend.json("GET", f"{site}/beacons", 200))["beacons"][0]["id"]
    path = f"{site}/{what.format(beacon=beacon, prompt=prompt, agent=agent)}".rstrip("/")
    before = await backend.json("GET", path, 200)
    doc = problem(await send(backend, "PATCH", path, encode({field: None}), headers=world.admin), 422)
    assert error_locs(doc) == [[field]]
    assert await backend.json("GET", path, 200) == before


async def test_null_does_not_restore_a_revoked_token(world: World) -> None:
    backend = world.backend
    agents = f"/v1/admin/sites/{world.site_id}/agents"
    agent = (await backend.json("GET", agents, 200))["agents"][0]["id"]
    assert (await backend.json("PATCH", f"{agents}/{agent}", 200, json={"revoked": True}))["revoked"] is True
    problem(
        await send(backend, "PATCH", f"{agents}/{agent}", encode({"revoked": None}), headers=world.admin), 422
    )
    problem(await send(backend, "POST", "/v1/agent/heartbeat", encode(heartbeat()), headers=world.agent), 401)
    # Fields that may be empty still take null: an agent stops advertising, a prompt loses its end date.
    assert (await backend.json("PATCH", f"{agents}/{agent}", 200, json={"advertise_beacon_id": None}))[
        "revoked"
    ]


async def test_a_patch_at_odds_with_the_stored_prompt_is_422(world: World) -> None:
    backend = world.backend
    prompts = f"/v1/admin/sites/{world.site_id}/prompts"
    body = prompt_body(valid_from="2030-01-01T00:00:00Z", valid_until="2031-01-01T00:00:00Z")
    prompt = await backend.json("POST", prompts, 201, json=body)
    patch = encode({"valid_until": "2029-01-01T00:00:00Z"})
    doc = problem(await send(backend, "PATCH", f"{prompts}/{prompt['id']}", patch, headers=world.admin), 422)
    assert "valid_until" in doc["errors"][0]["msg"]
    assert await backend.json("GET", f"{prompts}/{prompt['id']}", 200) == prompt
    cleared = await backend.json("PATCH", f"{prompts}/{prompt['id']}", 200, json={"valid_until": None})
    assert cleared["valid_until"] is None and cleared["valid_from"] == prompt["valid_from"]


@pytest.mark.parametrize("query", ["until=0001-01-01T00:00:00Z", "until=0001-01-03T00:00:00%2B05:00"])
async def test_stats_until_the_first_week_of_year_one(world: World, query: str) -> None:
    stats = await world.backend.json("GET", f"/v1/admin/sites/{world.site_id}/stats?{query}", 200)
    assert stats["sightings"] == [] and stats["prompt_events"] == []


async def test_beacon_keys_with_a_major_or_minor_over_65535_are_422(world: World) -> None:
    for key in [f"ibeacon:{IB}:65536:1", f"ibeacon:{IB}:7:99999", f"altbeacon:{IB}:70000:0"]:
        resolve = encode({"observations": [{"beacon": key}]})
        doc = problem(await send(world.backend, "POST", "/v1/resolve", resolve), 422)
        assert error_locs(doc) == [["observations", 0, "beacon"]]
        batch = encode({"batch_id": str(uuid.uuid4()), "sightings": [sighting(world.now(), key)]})
        doc = problem(
            await send(world.backend, "POST", "/v1/agent/sightings", batch, headers=world.agent), 422
        )
        assert error_locs(doc) == [["sightings", 0, "beacon"]]
    assert stored(world.backend, "sightings") == 0


async def test_a_sighting_spanning_millennia_from_a_clock_far_ahead_is_filed_not_fatal(world: World) -> None:
    odd = {**sighting(world.now()), "first_seen": "0001-01-01T00:00:00Z", "last_seen": "9999-12-31T00:00:00Z"}
    batch = encode({"batch_id": str(uuid.uuid4()), "sightings": [odd]})
    status, _, body = await send(world.backend, "POST", "/v1/agent/sightings", batch, headers=world.agent)
    assert status == 200, body
    assert json.loads(body)["accepted"] == 1 and stored(world.backend, "sightings") == 1


# --- rate limits ---------------------------------------------------------------------------------


async def test_public_requests_beyond_the_burst_are_429_with_retry_after(
    make_backend: BackendFactory,
) -> None:
    backend = await make_backend(rate_limit_per_s=1, rate_limit_burst=3)
    w = await make_world(backend)
    requests = [
        ("GET", "/v1/regions", None),
        ("POST", "/v1/resolve", encode(observations(1))),
        ("GET", f"/v1/sites/{w.site_id}", None),
    ]
    for method, path, body in requests:
        status, _, answer = await send(backend, method, path, body)
        assert status == 200, answer
    limited = await send(backend, "GET", "/v1/nearby?lat=52.52&lon=13.4")
    problem(limited, 429)
    retry_after = int(limited[1]["Retry-After"])
    assert retry_after >= 1
    # Even bad requests are counted: a flood of garbage is still a flood.
    problem(await send(backend, "POST", "/v1/resolve", b"{bad"), 429)
    # Staff and agents are not limited: they are few and they authenticate.
    for _ in range(10):
        await backend.json("GET", "/v1/admin/sites", 200)
        await backend.json("POST", "/v1/agent/heartbeat", 200, json=heartbeat(), headers=w.agent)
    await healthy(backend)
    # Retry-After tells the truth: after that long, the client is served again (the clock is the test's).
    backend.clock.advance(retry_after)
    status, _, _ = await send(backend, "GET", "/v1/regions")
    assert status == 200
    problem(await send(backend, "GET", "/v1/regions"), 429)


# --- after all of that ---------------------------------------------------------------------------


async def test_a_barrage_of_bad_requests_changes_nothing_and_breaks_nothing(world: World) -> None:
    backend = world.backend
    before = {
        path: await backend.json("GET", path, 200)
        for path in [
            "/v1/admin/sites",
            f"/v1/admin/sites/{world.site_id}/beacons",
            f"/v1/admin/sites/{world.site_id}/agents",
            f"/v1/admin/sites/{world.site_id}/prompts",
        ]
    }
    deep = b"[" * 10_000 + b"]" * 10_000
    bodies = [
        *MALFORMED,
        deep,
        b"[]",
        b"null",
        b'{"lat": NaN}',
        b"\xff",
        encode(observations(51)),
        encode({"name": None}),
    ]
    targets = [
        ("POST", "/v1/resolve", {}),
        ("POST", "/v1/admin/sites", world.admin),
        ("PATCH", f"/v1/admin/sites/{world.site_id}", world.admin),
        ("POST", f"/v1/admin/sites/{world.site_id}/beacons", world.admin),
        ("POST", f"/v1/admin/sites/{world.site_id}/prompts", world.admin),
        ("POST", f"/v1/admin/sites/{world.site_id}/agents", world.admin),
        ("PATCH", f"/v1/admin/sites/{world.site_id}/agents/1", world.admin),
        ("POST", "/v1/agent/sightings", world.agent),
        ("POST", "/v1/agent/heartbeat", world.agent),
        ("POST", f"/v1/prompts/{world.site_id}/events", {}),
    ]
    answers = await asyncio.gather(
        *(
            send(backend, method, path, body, headers=headers)
            for method, path, headers in targets
            for body in bodies
        )
    )
    for answer in answers:
        assert 400 <= answer[0] < 500, answer
        problem(answer, answer[0])
    await healthy(backend)
    for path, answer in before.items():
        assert await backend.json("GET", path, 200) == answer, path
    assert stored(backend, "sightings") == 0
    # And the server still does its work.
    status, _, body = await send(backend, "POST", "/v1/resolve", encode(observations(1)))
    assert status == 200 and json.loads(body)["sites"][0]["site"]["id"] == world.site_id
