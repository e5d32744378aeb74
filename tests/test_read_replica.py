"""`--read-db`: a real backend on the test PostgreSQL's primary with a streaming replica of it.

The public reads are answered by the replica (shown with a change the replica has not replayed and
the backend never heard of), a change made through the backend is served at once from the primary
and then from the replica once replicated (the lag is printed), a replica that stops costs no answer
and is used again when it is back, and a read_db that cannot be one stops the start in one line. The
`long` version loads it with resolves while the replica replays nothing and prompts are published.

The replica here is this module's own (`standby`), so stopping it and pausing its replay leave the
session's replica alone.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from backend.cli import main
from backend.http.app import create_app
from backend.http.state import STATE
from backend.orgs import create_org
from backend.storage.replica import RETRY_MAX_S, ReplicaState, ReplicaStorage, Route, retry_after_s
from tests.conftest import SITE, Backend, Clock, make_settings, prompt_body
from tests.postgres import PgDatabase, PostgresCluster, Server

ROOT = Path(__file__).resolve().parents[1]
SLOT = "nahbei_read_db_test"
# Only so that a broken backend fails the test instead of hanging it; nothing is timed against it.
GIVE_UP_S = 30.0
IB_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
FAR_SITE = {**SITE, "name": "Tafel München", "lat": 48.137, "lon": 11.575, "kind": "food_bank"}
UNHEARD = "Nur auf dem Primary"


# --- the routing's rules, without a database --------------------------------------------------


def test_a_replica_that_fails_is_retried_after_a_backoff_and_news_is_told_once() -> None:
    route = Route()
    assert not route.reads_replica()  # until it has replayed what the primary had at start
    assert route.caught_up(0) and route.reads_replica()
    assert route.failed(now=100.0)
    assert not route.failed(now=100.1)  # still down: no second log line
    assert route.retry_at == 100.1 + retry_after_s(2) and not route.reads_replica()
    assert [retry_after_s(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0] and retry_after_s(20) == RETRY_MAX_S
    assert route.caught_up(0) and route.failures == 0


def test_after_a_change_reads_wait_for_the_replay_of_the_last_one_heard() -> None:
    route = Route(state=ReplicaState.UP)
    route.heard()
    assert route.state is ReplicaState.BEHIND
    changes = route.changes
    route.heard()  # while the replica replayed up to the position taken after the first
    assert not route.caught_up(changes) and not route.reads_replica()
    assert route.caught_up(route.changes) and route.reads_replica()


# --- a real backend, primary and replica --------------------------------------------------------


@pytest.fixture(scope="module")
def standby(postgres: PostgresCluster) -> Iterator[Server]:
    replica = postgres.add_replica(SLOT)
    yield replica
    postgres.drop_replica(replica, SLOT)


@asynccontextmanager
async def served(
    tmp_path: Path, postgres: PostgresCluster, db: PgDatabase, replica: Server
) -> AsyncIterator[Backend]:
    await postgres.replica_lag(replica_server=replica)  # the test's database is on the replica too
    settings = make_settings(tmp_path, db=db.dsn, read_db=replica.dsn(db.name))
    org_id, key = await create_org(settings, "Tafel e.V.")
    client = TestClient(TestServer(create_app(settings, clock=Clock(real=True)), host="127.0.0.1"))
    await client.start_server()
    try:
        yield Backend(client, settings, Clock(real=True), key, org_id)
    finally:
        await client.close()


def storage_of(backend: Backend) -> ReplicaStorage:
    storage = backend.client.app[STATE].storage
    assert isinstance(storage, ReplicaStorage)
    return storage


async def site_with_beacon(backend: Backend, site: dict[str, Any], minor: int) -> int:
    created = await backend.json("POST", "/v1/admin/sites", 201, json=site)
    await backend.json("POST", f"/v1/admin/sites/{created['id']}/prompts", 201, json=prompt_body())
    beacon = {"kind": "ibeacon", "uuid": IB_UUID, "major": 7, "minor": minor, "tx_power": -59}
    await backend.json("POST", f"/v1/admin/sites/{created['id']}/beacons", 201, json=beacon)
    return int(created["id"])


async def get(backend: Backend, path: str, **kwargs: Any) -> Any:
    async with backend.client.get(path, **kwargs) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def health(backend: Backend) -> dict[str, str]:
    answer: dict[str, str] = (await get(backend, "/healthz"))["read_db"]
    return answer


async def until_state(backend: Backend, state: str) -> None:
    deadline = time.monotonic() + GIVE_UP_S
    while (await health(backend))["state"] != state:
        assert time.monotonic() < deadline, f"the replica not {state} within {GIVE_UP_S} s"
        await asyncio.sleep(0.005)


async def nearby(backend: Backend, site: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Each site within 100 m of `site`: its name and its prompts' titles."""
    answer = await get(
        backend, "/v1/nearby", params={"lat": site["lat"], "lon": site["lon"], "radius_m": 100}
    )
    return [(found["site"]["name"], [p["title"] for p in found["prompts"]]) for found in answer["sites"]]


async def resolve(backend: Backend, minor: int) -> list[tuple[str, list[str]]]:
    body = {"observations": [{"beacon": f"ibeacon:{IB_UUID}:7:{minor}", "rssi": -60}]}
    async with backend.client.post("/v1/resolve", json=body) as response:
        assert response.status == 200, await response.text()
        answer = await response.json()
    return [(found["site"]["name"], [p["title"] for p in found["prompts"]]) for found in answer["sites"]]


@asynccontextmanager
async def replay_paused(replica: Server) -> AsyncIterator[None]:
    """The replica receives the primary's log but applies none of it until the block ends."""
    db = await asyncpg.connect(replica.dsn())
    try:
        await db.execute("SELECT pg_wal_replay_pause()")
        yield
    finally:
        await db.execute("SELECT pg_wal_replay_resume()")
        await db.close()


async def rename_unheard(db: PgDatabase, site_id: int) -> None:
    """Rename a site on the primary without a notification (triggers do not fire in a session that
    says it replicates): no cache is emptied and no read is sent to the primary for it, so an
    answer with the old name can only come from a replica that has not replayed it."""
    primary = await asyncpg.connect(db.dsn)
    try:
        await primary.execute("SET session_replication_role = replica")
        await primary.execute("UPDATE sites SET name = $1 WHERE id = $2", UNHEARD, site_id)
    finally:
        await primary.close()


async def test_public_reads_come_from_the_replica_and_a_change_from_the_primary_until_replayed(
    tmp_path: Path, postgres: PostgresCluster, pg_database: PgDatabase, standby: Server
) -> None:
    async with served(tmp_path, postgres, pg_database, standby) as backend:
        site_id = await site_with_beacon(backend, SITE, minor=1)
        await until_state(backend, "up")
        async with replay_paused(standby):
            await rename_unheard(pg_database, site_id)
            # Nothing was read before: each answer here is read from the store, and says the old name.
            assert await nearby(backend, SITE) == [(SITE["name"], ["Helfen Sie mit"])]
            assert await resolve(backend, 1) == [(SITE["name"], ["Helfen Sie mit"])]
            async with backend.client.get("/s/hospiz-am-park") as response:
                page = await response.text()
            assert SITE["name"] in page and UNHEARD not in page

            # A change through the backend: served at once, from the primary, which has the rename too.
            donate = prompt_body(
                texts={"de": {"title": "Spenden", "body": "Jeder Euro hilft.", "action_label": "Los"}}
            )
            await backend.json("POST", f"/v1/admin/sites/{site_id}/prompts", 201, json=donate)
            await until_state(backend, "behind")  # its notification heard; the replica has not replayed it
            assert await resolve(backend, 1) == [(UNHEARD, ["Helfen Sie mit", "Spenden"])]
        await until_state(backend, "up")  # replayed: the replica serves the reads again
        assert await nearby(backend, SITE) == [(UNHEARD, ["Helfen Sie mit", "Spenden"])]


async def test_the_lag_from_publishing_to_being_served_by_the_replica(
    tmp_path: Path, postgres: PostgresCluster, pg_database: PgDatabase, standby: Server
) -> None:
    async with served(tmp_path, postgres, pg_database, standby) as backend:
        site_id = await site_with_beacon(backend, SITE, minor=1)
        route = storage_of(backend).route
        lags = []
        for n in range(10):
            heard = route.changes
            title = f"Aufruf {n}"
            texts = {"de": {"title": title, "body": "Wir brauchen Sie.", "action_label": "Mehr"}}
            await backend.json(
                "POST", f"/v1/admin/sites/{site_id}/prompts", 201, json=prompt_body(texts=texts)
            )
            published = time.monotonic()
            # Heard, then replayed by the replica, which then answers the public reads again.
            while not (route.changes > heard and route.reads_replica()):
                assert time.monotonic() - published < GIVE_UP_S, "the replica did not catch up"
                await asyncio.sleep(0.001)
            lags.append(time.monotonic() - published)
            assert title in (await resolve(backend, 1))[0][1]
        print(
            f"\npublished on the primary -> served by the replica: median {statistics.median(lags) * 1000:.1f} ms, "
            f"max {max(lags) * 1000:.1f} ms over {len(lags)} prompts"
        )


async def test_a_stopped_replica_costs_no_answer_and_is_used_again_when_back(
    tmp_path: Path, postgres: PostgresCluster, pg_database: PgDatabase, standby: Server
) -> None:
    async with served(tmp_path, postgres, pg_database, standby) as backend:
        await site_with_beacon(backend, SITE, minor=1)
        far_id = await site_with_beacon(backend, FAR_SITE, minor=2)
        await until_state(backend, "up")
        with capture_logs() as logs:
            await asyncio.to_thread(standby.stop)
            try:
                # nearby asks the store for the sites each time: the replica first, then the primary.
                for _ in range(5):
                    assert await nearby(backend, SITE) == [(SITE["name"], ["Helfen Sie mit"])]
                assert await resolve(backend, 1) == [(SITE["name"], ["Helfen Sie mit"])]
                assert await health(backend) == {
                    "database": f"postgresql://127.0.0.1:{standby.port}/{pg_database.name}",
                    "state": "down",
                }
            finally:
                await asyncio.to_thread(standby.start)
            await until_state(backend, "up")
        events = [entry["event"] for entry in logs if "read replica" in entry["event"]]
        assert events == [
            "read replica unavailable; public reads go to the primary",
            "read replica back; public reads go to it again",
        ]
        # Back in use: the far site, never read yet, is read from the replica.
        async with replay_paused(standby):
            await rename_unheard(pg_database, far_id)
            assert await nearby(backend, FAR_SITE) == [(FAR_SITE["name"], ["Helfen Sie mit"])]


def test_a_read_db_without_a_postgresql_db_stops_the_start_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    replica = "postgresql://nahbei:secret@127.0.0.1:1/nahbei"
    monkeypatch.setenv("NAHBEI_READ_DB", replica)  # what the last one gets; an option wins over it
    for args in (
        ("--db", str(tmp_path / "a.db"), "--read-db", replica),
        ("--db", "postgresql://nahbei@127.0.0.1:1/nahbei", "--read-db", f"sqlite:///{tmp_path / 'b.db'}"),
        ("--db", str(tmp_path / "a.db")),
    ):
        assert main(["serve", "--port", "0", *args]) == 2
        stderr = capsys.readouterr().err
        assert stderr.strip().splitlines() == [stderr.strip()], stderr
        assert "bad setting read_db" in stderr and "secret" not in stderr
    assert not (tmp_path / "a.db").exists()


def test_a_read_db_that_is_no_replica_stops_the_start_in_one_line(pg_database: PgDatabase) -> None:
    command = [sys.executable, "-m", "backend", "serve", "--port", "0"]
    done = subprocess.run(
        [*command, "--db", pg_database.dsn, "--read-db", pg_database.dsn],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
    assert "not a streaming replica" in done.stderr and "read_db" in done.stderr


@pytest.mark.long
async def test_a_replica_that_falls_behind_under_load_never_serves_an_older_answer(
    tmp_path: Path, postgres: PostgresCluster, pg_database: PgDatabase, standby: Server
) -> None:
    """Phones resolve all along while prompts are published and the replica replays nothing: every
    answer is 200 and has every prompt published before it was asked; replayed, the replica is used again."""
    async with served(tmp_path, postgres, pg_database, standby) as backend:
        site_id = await site_with_beacon(backend, SITE, minor=1)
        await until_state(backend, "up")
        published: list[str] = []
        stale: list[str] = []
        answers = 0
        publishing = True

        async def phone() -> None:
            nonlocal answers
            while publishing:
                expected = list(published)
                titles = (await resolve(backend, 1))[0][1]
                answers += 1
                stale.extend(title for title in expected if title not in titles)

        async with replay_paused(standby):
            # Phones start once the backend has heard a change the replica lacks (before that, for
            # as long as its own notification takes to arrive, a read may still go to the replica).
            await backend.json("POST", f"/v1/admin/sites/{site_id}/prompts", 201, json=prompt_body())
            await until_state(backend, "behind")
            phones = [asyncio.create_task(phone()) for _ in range(8)]
            try:
                for n in range(40):
                    title = f"Aufruf {n}"
                    texts = {"de": {"title": title, "body": "Wir brauchen Sie.", "action_label": "Mehr"}}
                    await backend.json(
                        "POST", f"/v1/admin/sites/{site_id}/prompts", 201, json=prompt_body(texts=texts)
                    )
                    published.append(title)
                    await asyncio.sleep(0.05)
                assert (await health(backend))["state"] == "behind"
            finally:
                publishing = False
                await asyncio.gather(*phones)
        await until_state(backend, "up")
        assert stale == [] and answers > 0
        assert set(published) <= set((await resolve(backend, 1))[0][1])
        print(f"\n{answers} resolves while the replica replayed nothing, none older than a publish")
