"""Shared fixtures: a real backend on 127.0.0.1 on each store (a real SQLite file, a real PostgreSQL
database), a clock tests can move, and the reliability suite's `figure`.

`db` is parametrised over the stores, so every test that takes `backend`, `make_backend` or `db` runs
once on each: its id ends in ``[sqlite]`` or ``[postgres]`` (``-k sqlite`` picks one, and so does
``NAHBEI_TEST_STORES=sqlite``). A test that
looks inside the SQLite file itself says so with ``@pytest.mark.sqlite_only("why")`` and is skipped
on PostgreSQL with that reason. A test that drives the browser runs on SQLite only (see
`pytest_collection_modifyitems`).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.config import Settings
from backend.http.app import create_app
from backend.orgs import create_org
from tests.reliability.figures import Figures, full

# A real PostgreSQL (primary and replica) for the tests that name `postgres` or `pg_database`; a real
# chromium for those that name `browser`.
pytest_plugins = ["tests.postgres", "tests.browser"]

# NAHBEI_TEST_STORES=sqlite runs the contract suite on SQLite alone (a quick run while editing).
STORES = tuple(os.environ.get("NAHBEI_TEST_STORES", "sqlite,postgres").split(","))
if not set(STORES) <= {"sqlite", "postgres"}:
    raise ValueError(f"NAHBEI_TEST_STORES names stores we do not have: {','.join(STORES)!r}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): the test reads the SQLite file itself")


# Hostile input repeated on PostgreSQL: the same handlers and rules as on SQLite, ~3 min of the
# suite; `make reliability` (NAHBEI_RELIABILITY=full) runs them, keeping `make test` near 20 min.
_POSTGRES_IN_FULL_ONLY = ("tests/test_api_fuzz.py", "tests/test_http_errors.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the browser tests' PostgreSQL runs (a page calls the same storage methods that the
    HTTP tests check on both stores, and chromium is the slowest part of the suite), and, outside
    `make reliability`, the fuzzing's and the malformed requests' PostgreSQL runs."""
    left_out = [item for item in items if _browser_on_postgres(item) or _fuzzing_on_postgres(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


def _fuzzing_on_postgres(item: pytest.Item) -> bool:
    return (
        not full()
        and item.nodeid.startswith(_POSTGRES_IN_FULL_ONLY)
        and "postgres" in getattr(getattr(item, "callspec", None), "id", "")
    )


def _browser_on_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return (
        "browser" in getattr(item, "fixturenames", ())
        and callspec is not None
        and callspec.params.get("db") == "postgres"
    )


@pytest.fixture(params=STORES)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """The database a test's backend uses: a SQLite file in `tmp_path`, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "nahbei.db"
    if (marker := request.node.get_closest_marker("sqlite_only")) is not None:
        pytest.skip(f"SQLite only: {marker.args[0]}")
    url: str = request.getfixturevalue("pg_store")
    return url


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Figures:
    """Record a measured figure: ``figure(area, what, value, target, met)`` (see tests/reliability/).

    Here rather than in tests/reliability/ because the fuzzing in tests/test_api_fuzz.py and
    tests/test_frames.py, which ``make reliability`` runs harder, records figures too.
    """
    return Figures(request.node.nodeid)


class Clock:
    """Wall-clock time the test controls, starting at the real time; or, with `real`, the real time
    (for tests where other processes, such as an agent, keep time of their own)."""

    def __init__(self, start: float | None = None, *, real: bool = False) -> None:
        self.now = time.time() if start is None else start
        self.real = real

    def __call__(self) -> float:
        return time.time() if self.real else self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Backend:
    client: TestClient[Any, Any]
    settings: Settings
    clock: Clock
    admin_key: str
    org_id: int

    def admin(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.admin_key}"}

    async def json(self, method: str, path: str, status: int, key: str | None = None, **kwargs: Any) -> Any:
        """Call the API as this organisation's staff and check the status."""
        headers = kwargs.pop("headers", None) or self.admin(key)
        async with self.client.request(method, path, headers=headers, **kwargs) as response:
            body = await response.read()
            assert response.status == status, f"{method} {path}: {response.status} {body[:500]!r}"
            return await response.json(content_type=None) if body else None

    async def new_org(self, name: str = "Other e.V.") -> str:
        _, key = await create_org(self.settings, name)
        return key


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "db": tmp_path / "nahbei.db",
        "rate_limit_per_s": 1000.0,
        "rate_limit_burst": 1000,
        "log_format": "console",
    }
    values.update(overrides)
    return Settings.model_validate(values)


BackendFactory = Callable[..., Awaitable[Backend]]


@pytest.fixture
async def make_backend(tmp_path: Path, db: Path | str) -> AsyncIterator[BackendFactory]:
    clients: list[TestClient[Any, Any]] = []

    async def start(*, real_clock: bool = False, **overrides: Any) -> Backend:
        settings = make_settings(tmp_path, **{"db": db, **overrides})
        org_id, key = await create_org(settings, "Hospiz am Park e.V.")
        clock = Clock(real=real_clock)
        client = TestClient(TestServer(create_app(settings, clock=clock), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return Backend(client, settings, clock, key, org_id)

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
async def backend(make_backend: BackendFactory) -> Backend:
    return await make_backend()


SITE = {
    "name": "Hospiz am Park",
    "lat": 52.52,
    "lon": 13.405,
    "timezone": "Europe/Berlin",
    "default_lang": "de",
    "kind": "hospice",
    "address": "Parkweg 1, Berlin",
}


def prompt_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "volunteer",
        "texts": {
            "de": {"title": "Helfen Sie mit", "body": "Wir suchen Ehrenamtliche.", "action_label": "Mehr"},
            "en": {"title": "Help us", "body": "We need volunteers.", "action_label": "More"},
        },
        "action_url": "https://example.org/help",
        "status": "published",
        "cooldown_s": 3600,
    }
    body.update(overrides)
    return body
