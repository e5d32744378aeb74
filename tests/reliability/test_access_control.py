"""Access control: every admin and agent operation, with every wrong kind of credential.

The operations come from the route table (`backend.http.routes.OPERATIONS`), so a route added later
is tried too. Each is called on a real server, with this organisation's real ids in its path and a
valid body, by: no token, malformed headers, made-up tokens (one sharing the real key's prefix), a
revoked agent token, an agent token where an admin key belongs and the other way round (all 401
with `WWW-Authenticate`), and another organisation's admin key (404 wherever the path names our
ids). Every answer is problem details, and no answer given to the other organisation contains any
of our names, keys, beacon identifiers or prompt texts (searched in the bytes).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import statistics
import time
from typing import Any

import pytest

from backend import auth
from backend.http.operations import Access
from backend.http.routes import OPERATIONS
from backend.http.state import STATE
from backend.storage.sqlite import SqliteStorage
from tests.conftest import SITE, Backend, BackendFactory, prompt_body
from tests.reliability.figures import Figures, scaled
from tests.reliability.hostile_http import exchange, request_bytes
from tests.test_api_fuzz import VALID_BODIES

PROBLEM = "application/problem+json"
PROTECTED = [op for op in OPERATIONS if op.access is not Access.PUBLIC]
OTHER_ORG = "Tafel Nord e.V."


class Ours:
    """One organisation with a site, a beacon, a prompt, a live and a revoked agent: what must not leak."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.ids: dict[str, int] = {}
        self.token = self.revoked_token = ""
        self.secrets: list[str] = []

    async def make(self) -> Ours:
        b = self.backend
        site = await b.json(
            "POST",
            "/v1/admin/sites",
            201,
            json={**SITE, "name": "Hospiz Lindenhof", "address": "Geheimweg 7"},
        )
        base = f"/v1/admin/sites/{site['id']}"
        beacon = await b.json("POST", f"{base}/beacons", 201, json={"kind": "ibeacon", "allocate": True})
        texts = {"de": {"title": "Nur für uns", "body": "Interner Aufruf", "action_label": "Los"}}
        prompt = await b.json("POST", f"{base}/prompts", 201, json=prompt_body(texts=texts))
        agent = await b.json("POST", f"{base}/agents", 201, json={"name": "Pi im Keller"})
        gone = await b.json("POST", f"{base}/agents", 201, json={"name": "Pi im Müll"})
        await b.json("PATCH", f"{base}/agents/{gone['id']}", 200, json={"revoked": True})
        self.ids = {
            "site_id": site["id"],
            "beacon_id": beacon["id"],
            "prompt_id": prompt["id"],
            "agent_id": agent["id"],
            "key_id": (await b.json("GET", "/v1/admin/keys", 200))["keys"][0]["id"],
        }
        self.token, self.revoked_token = agent["token"], gone["token"]
        self.secrets = [
            "Lindenhof", "Geheimweg", beacon["key"], beacon["key"].split(":")[1], "Nur für uns", "Interner Aufruf",
            "Pi im Keller", "Pi im Müll", b.admin_key, self.token, self.revoked_token, "Hospiz am Park e.V.",
        ]  # fmt: skip
        return self

    async def everything(self) -> list[Any]:
        """All this organisation's data as its staff see it: to show that nothing was changed."""
        site = f"/v1/admin/sites/{self.ids['site_id']}"
        paths = ["/v1/admin/sites", site, f"{site}/beacons", f"{site}/prompts", f"{site}/agents"]
        return [await self.backend.json("GET", path, 200) for path in paths]


async def _call(
    backend: Backend, op: Any, ids: dict[str, int], headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    body = VALID_BODIES.get(op.name)
    request = backend.client.request(op.method, op.path.format(**ids), headers=headers, json=body)
    async with request as response:
        sent_headers = {k.lower(): v for k, v in response.headers.items()}
        return response.status, sent_headers, await response.read()


def _last_changed(secret: str) -> str:
    """A guess with every character of `secret` right but the last."""
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


def _is_problem(status: int, headers: dict[str, str], body: bytes) -> None:
    assert headers.get("content-type", "").split(";")[0] == PROBLEM, (status, headers)
    assert json.loads(body)["status"] == status


async def test_every_protected_operation_refuses_wrong_credentials(
    make_backend: BackendFactory, figure: Figures
) -> None:
    backend = await make_backend()
    ours = await Ours(backend).make()
    other_key = await backend.new_org(OTHER_ORG)
    before = await ours.everything()
    key, token = backend.admin_key, ours.token
    wrong = {
        "no Authorization": {},
        "empty": {"Authorization": ""},
        "Basic scheme": {"Authorization": f"Basic {key}"},
        "Bearer without token": {"Authorization": "Bearer "},
        "made-up admin key": {"Authorization": f"Bearer {auth.new_secret(auth.ADMIN_PREFIX)}"},
        "made-up agent token": {"Authorization": f"Bearer {auth.new_secret(auth.AGENT_PREFIX)}"},
        "the real key but its last character": {"Authorization": f"Bearer {_last_changed(key)}"},
        "the real token but its last character": {"Authorization": f"Bearer {_last_changed(token)}"},
        "a revoked agent token": {"Authorization": f"Bearer {ours.revoked_token}"},
    }  # fmt: skip
    tried = 0
    for op in PROTECTED:
        # The credential of the other kind: an agent token on staff routes, the admin key on agent routes.
        swapped = {"Authorization": f"Bearer {token if op.access is Access.ADMIN else key}"}
        for what, headers in [*wrong.items(), ("the other kind of credential", swapped)]:
            status, sent, body = await _call(backend, op, ours.ids, headers)
            assert status == 401, (op.method, op.path, what, status, body[:200])
            assert sent["www-authenticate"].startswith("Bearer"), (op.path, what)
            _is_problem(status, sent, body)
            tried += 1
    # Another organisation's staff: our ids are not found, lists hold only their own, nothing of ours leaks.
    leaks: list[str] = []
    for op in [op for op in PROTECTED if op.access is Access.ADMIN]:
        status, sent, body = await _call(backend, op, ours.ids, {"Authorization": f"Bearer {other_key}"})
        if "{" in op.path:
            assert status == 404, (op.method, op.path, status, body[:200])
            _is_problem(status, sent, body)
        else:
            assert status < 300, (op.method, op.path, status, body[:200])
        leaks += [f"{op.method} {op.path}: {s}" for s in ours.secrets if s.encode() in body]
        tried += 1
    assert leaks == []
    assert await ours.everything() == before  # the other organisation's PATCHes and DELETEs changed nothing
    figure(
        "access",
        f"wrong credentials on the {len(PROTECTED)} admin and agent operations (from the route table): "
        "right 401/404, problem details",
        f"{tried} of {tried}",
        "all",
        True,
    )
    figure(
        "access",
        "answers to another organisation containing our names, keys or texts",
        str(len(leaks)),
        "0",
        not leaks,
    )


@pytest.mark.sqlite_only("reads the SQLite file's bytes and SQLite's query plans")
async def test_keys_are_stored_hashed_and_looked_up_by_hash(
    make_backend: BackendFactory, figure: Figures
) -> None:
    """Structural: the database holds SHA-256 hashes only, and the lookup is one equality on an index
    of the hash, so how much of a guess matches a real key cannot change the work done. Then timed:
    lookups of a guess sharing all but the last character of the real key, and of a wholly made-up
    one, alternated in process (the catalog, without HTTP); the difference of medians is recorded
    against the spread, not asserted (the machine is shared)."""
    backend = await make_backend()
    ours = await Ours(backend).make()
    db = backend.settings.db
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    for secret in (backend.admin_key, ours.token, ours.revoked_token):
        assert secret.encode() not in raw and secret[4:].encode() not in raw
    with sqlite3.connect(db) as conn:
        stored = {row[0] for row in conn.execute("SELECT key_hash FROM admin_keys")}
        assert hashlib.sha256(backend.admin_key.encode()).digest() in stored
        for table, column in (("admin_keys", "key_hash"), ("agents", "token_hash")):
            plan = " ".join(
                str(r)
                for r in conn.execute(
                    f"EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE {column} = ?", (b"x",)
                )
            )
            assert "USING" in plan and "INDEX" in plan, plan  # a search on an index, not a scan
    lookup = "SELECT org_id FROM admin_keys WHERE key_hash = ? AND revoked_at IS NULL"
    assert SqliteStorage.org_for_key.__code__.co_consts.count(lookup) == 1

    catalog = backend.client.app[STATE].catalog
    key = backend.admin_key
    near = _last_changed(key)
    far = auth.new_secret(auth.ADMIN_PREFIX)
    assert await catalog.admin_org(auth.secret_hash(key)) == backend.org_id
    times: dict[str, list[float]] = {"near": [], "far": []}
    for _ in range(int(scaled(2000, 20000))):
        for name, guess in (("near", near), ("far", far)):
            started = time.perf_counter_ns()
            found = await catalog.admin_org(auth.secret_hash(guess))
            times[name].append(time.perf_counter_ns() - started)
            assert found is None
    near_ns, far_ns = statistics.median(times["near"]), statistics.median(times["far"])
    spread = statistics.median(abs(t - far_ns) for t in times["far"])
    figure(
        "access",
        "token check: median time, a guess right but for its last character vs a wholly wrong one",
        f"{near_ns / 1000:.2f} µs vs {far_ns / 1000:.2f} µs (spread ±{spread / 1000:.2f} µs)",
        "difference within the spread",
        abs(near_ns - far_ns) <= max(spread, 1.0),
    )


async def test_metrics_answer_only_loopback_and_configured_scrapers(
    make_backend: BackendFactory, figure: Figures
) -> None:
    """`/metrics` from 127.0.0.1 (the default `metrics_allow`) is served; from 127.0.0.2, and from a
    visitor the trusted proxy on 127.0.0.1 names in `X-Forwarded-For`, it is 404 problem details as
    if there were none. With `metrics_allow` naming a network, its scrapers are served."""
    default = await make_backend()
    configured = await make_backend(metrics_allow="10.0.0.5, 127.0.0.0/30")
    statuses: dict[str, int] = {}
    for name, backend, source, forwarded in [
        ("loopback", default, "127.0.0.1", None),
        ("another address", default, "127.0.0.2", None),
        ("a visitor through the proxy", default, "127.0.0.1", "198.51.100.7"),
        ("a configured network", configured, "127.0.0.2", None),
        ("outside the configured network", configured, "127.0.0.5", None),
    ]:
        port = backend.client.port
        assert port is not None
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        answer = await exchange(
            backend.client.host, port, request_bytes("GET", "/metrics", None, headers), source=source
        )
        statuses[name] = answer.status
        assert answer.headers["x-content-type-options"] == "nosniff"
        if answer.status != 200:
            answer.problem()
    expected = {
        "loopback": 200,
        "another address": 404,
        "a visitor through the proxy": 404,
        "a configured network": 200,
        "outside the configured network": 404,
    }
    figure(
        "access",
        "/metrics from loopback, another address, a visitor through the proxy, a configured network, "
        "outside it",
        ", ".join(str(s) for s in statuses.values()),
        ", ".join(str(s) for s in expected.values()),
        statuses == expected,
    )
    assert statuses == expected


async def test_every_answer_carries_nosniff_and_refused_methods_are_problem_details(
    backend: Backend, figure: Figures
) -> None:
    """A sample of every kind of answer, 2xx to 4xx, has `X-Content-Type-Options: nosniff`; methods a
    route does not take (PUT, and WebDAV's PROPFIND, which aiohttp parses) are 405 problem details
    with `Allow`. (A method aiohttp's parser does not know, such as BREW, is refused by the parser with
    a plain 400 before any handler runs: see README.md.)"""
    port = backend.client.port
    assert port is not None
    json_type = {"Content-Type": "application/json"}
    requests = [
        request_bytes("GET", "/healthz"),
        request_bytes("GET", "/openapi.json"),
        request_bytes("GET", "/v1/regions"),
        request_bytes("OPTIONS", "/v1/resolve", None, {"Origin": "https://app.example"}),
        request_bytes("POST", "/v1/resolve", b'{"observations": []}', json_type),
        request_bytes("POST", "/v1/resolve", b"x" * 20_000, json_type),
        request_bytes("GET", "/v1/admin/sites"),
        request_bytes("GET", "/nothing-here"),
        request_bytes("PUT", "/v1/resolve", b"{}", json_type),
        request_bytes("PROPFIND", "/v1/regions"),
    ]
    answers = [await exchange(backend.client.host, port, raw) for raw in requests]
    assert [a.status for a in answers] == [200, 200, 200, 204, 422, 413, 401, 404, 405, 405]
    assert all(a.headers.get("x-content-type-options") == "nosniff" for a in answers)
    for answer in answers[-2:]:
        answer.problem()
        assert answer.headers["allow"]
    figure(
        "access",
        "answers carrying X-Content-Type-Options: nosniff (200, 204, 401, 404, 405, 413, 422); methods a "
        "route does not take answered as problem details",
        f"{len(answers)} of {len(answers)}; 405 problem+json",
        "all",
        True,
    )
