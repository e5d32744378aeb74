"""The benchmarks' floor (`benchmarks/http/floor_server.py`) must do every check the real endpoints do,
or the floor it reports would be too low and explain nothing: it answers its fixed body only to
requests the real backend would answer, and refuses the others the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from backend.http.app import create_app
from backend.http.routes import OPERATIONS
from benchmarks.http.floor_server import fixed
from tests.conftest import make_settings

RESOLVE_ANSWER = b'{"sites":[{"fixed":true}]}'
NEARBY_ANSWER = b'{"sites":[]}'
KEY = "ibeacon:6e616862-6569-4265-8e63-686d61726b21:1:1"


async def _floor(tmp_path: Path, **settings: Any) -> TestClient[Any, Any]:
    answers = {"resolve": RESOLVE_ANSWER, "nearby": NEARBY_ANSWER}
    operations = [fixed(op, answers[op.name]) for op in OPERATIONS if op.name in answers]
    app = create_app(make_settings(tmp_path, **settings), operations=operations)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


async def test_floor_answers_valid_requests_with_the_real_headers(tmp_path: Path) -> None:
    client = await _floor(tmp_path)
    try:
        body = {"observations": [{"beacon": KEY, "rssi": -67}], "lang": "de"}
        async with client.post("/v1/resolve", json=body) as answer:
            assert answer.status == 200
            assert await answer.read() == RESOLVE_ANSWER
            assert answer.headers["Content-Type"] == "application/json"
            assert answer.headers["Access-Control-Allow-Origin"] == "*"
            assert answer.headers["Cache-Control"] == "no-store"
            assert answer.headers["Content-Language"] == "de"
        async with client.get("/v1/nearby", params={"lat": "51", "lon": "10.5", "radius_m": "500"}) as answer:
            assert answer.status == 200
            assert await answer.read() == NEARBY_ANSWER
            assert answer.headers["Vary"] == "Accept-Language"
        async with client.get("/v1/sites/1") as answer:
            assert answer.status == 404  # only the two operations measured are served
        async with client.get("/openapi.json") as answer:
            paths = [path for path in (await answer.json())["paths"] if path.startswith("/v1/")]
            assert sorted(paths) == ["/v1/nearby", "/v1/resolve"]
    finally:
        await client.close()


async def test_floor_refuses_what_the_backend_refuses(tmp_path: Path) -> None:
    client = await _floor(tmp_path)
    try:
        async with client.post("/v1/resolve", json={"observations": [{"beacon": "nonsense"}]}) as answer:
            assert answer.status == 422
            problem = await answer.json(content_type="application/problem+json")
            assert [e["loc"] for e in problem["errors"]] == [["observations", 0, "beacon"]]
        async with client.post("/v1/resolve", data=b"{}", headers={"Content-Type": "text/plain"}) as answer:
            assert answer.status == 415
        async with client.get("/v1/nearby", params={"lat": "91", "lon": "10.5"}) as answer:
            assert answer.status == 422
            problem = await answer.json(content_type="application/problem+json")
            assert [e["loc"] for e in problem["errors"]] == [["query", "lat"]]
    finally:
        await client.close()


async def test_floor_is_rate_limited_like_the_backend(tmp_path: Path) -> None:
    client = await _floor(tmp_path, rate_limit_per_s=0.001, rate_limit_burst=2)
    try:
        statuses = []
        for _ in range(3):
            async with client.get("/v1/nearby", params={"lat": "51", "lon": "10.5"}) as answer:
                statuses.append(answer.status)
        assert statuses == [200, 200, 429]
    finally:
        await client.close()
