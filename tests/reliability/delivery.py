"""Helpers for the delivery fault tests: the backend as a process that can be SIGKILLed, a link between
agent and backend that can be cut or made to swallow requests, a direct ingest load, and readers of
the agent's outbox and the backend's database files.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import aiohttp
import pytest
from aiohttp import web

from beacon_agent.contract.frames import encode_ibeacon
from simulator.bluez.service import FakeBluez
from tests import stored
from tests.agents import IB_UUID, ROOT
from tests.backend_process import backend_command, backend_env, free_port
from tests.conftest import SITE, Backend

# Every beacon of a delivery test is one iBeacon of this major; its minor tells the sightings apart.
MAJOR: Final = 7
SIGHTINGS_PATH: Final = "/v1/agent/sightings"


class BackendProcess:
    """`nahbei-backend serve` on a fixed port and database (a file or a PostgreSQL URL), so it can be
    killed and started again; `settings` (``{"workers": "2"}``) go in as NAHBEI_* variables."""

    def __init__(self, db: Path | str, port: int, log: Path, **settings: str) -> None:
        self.db, self.port, self.log = db, port, log
        self.settings = {"rate_limit_per_s": "0", **settings}
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--db", str(self.db)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*backend_command(), *args, "--log-format", "json"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=backend_env(self.settings),
                cwd=ROOT,
            )

    async def ready(self, within: float = 30.0) -> float:
        """Wait until /healthz answers 200; returns the seconds it took."""
        began = time.monotonic()
        async with aiohttp.ClientSession() as session:
            while True:
                assert self.process is not None and self.process.poll() is None, "the backend exited"
                try:
                    async with session.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return time.monotonic() - began
                except aiohttp.ClientError:
                    pass
                if time.monotonic() - began > within:
                    raise AssertionError(f"the backend was not ready within {within} s")
                await asyncio.sleep(0.05)

    def kill(self, sig: int) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self.process = None
        return code


class LinkState(StrEnum):
    UP = "up"  # requests pass
    CUT = "cut"  # the connection drops without an answer (the backend's host is gone)
    BLACKHOLED = "blackholed"  # requests are taken and never answered (a dead NAT, a stuck proxy)


class Link:
    """The agent's path to the backend: an HTTP proxy on 127.0.0.1 that can be cut or blackholed.

    It also records which sighting batches the backend acknowledged to the agent (a 200 passed on in
    full), by batch id, with their sightings: what the agent deleted from its outbox.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.state = LinkState.UP
        self.acknowledged: dict[str, int] = {}
        self.duplicates = 0  # batches the backend already had: resent after a lost acknowledgement
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._healed = asyncio.Event()
        self._held: set[asyncio.BaseTransport] = set()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> Link:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle_request)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.set(LinkState.UP)
        assert self._runner is not None and self._session is not None
        await self._runner.cleanup()
        await self._session.close()

    def set(self, state: LinkState) -> None:
        """Change the link; leaving BLACKHOLED drops the connections it held, as a rebooted router does."""
        self.state = state
        if state is LinkState.BLACKHOLED:
            self._healed.clear()
        else:
            self._healed.set()
            for transport in self._held:
                transport.abort()
            self._held.clear()

    async def _handle_request(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        transport = request.transport
        assert transport is not None
        if self.state is LinkState.BLACKHOLED:
            self._held.add(transport)
            await self._healed.wait()
            return _unanswered(transport)  # what went into the blackhole never arrives
        if self.state is LinkState.CUT:
            return _unanswered(transport)
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k in ("Authorization", "Content-Type")}
        try:
            async with self._session.request(
                request.method, self.upstream + request.path_qs, data=body, headers=headers
            ) as upstream:
                answer = await upstream.read()
                status, passed = upstream.status, dict(upstream.headers)
        except aiohttp.ClientError:
            return _unanswered(transport)  # no answer from the backend: the agent gets none either
        keep = {k: v for k, v in passed.items() if k in ("Content-Type", "Retry-After")}
        response = web.Response(status=status, body=answer, headers=keep)
        try:
            await response.prepare(request)
            await response.write_eof()
        except ConnectionError:
            return response  # the agent went away: it never saw the answer
        if status == 200 and request.path == SIGHTINGS_PATH:
            batch = json.loads(body)
            self.acknowledged[batch["batch_id"]] = len(batch["sightings"])
            self.duplicates += bool(json.loads(answer).get("duplicate"))
        return response


def _unanswered(transport: asyncio.BaseTransport) -> web.StreamResponse:
    """Drop the agent's connection without an answer (the response returned is never written)."""
    transport.abort()
    return web.Response(status=502)


def ibeacon_key(minor: int) -> str:
    return f"ibeacon:{IB_UUID}:{MAJOR}:{minor}"


async def site_with_beacons(
    backend: Backend, minors: Iterable[int], agents: int = 1
) -> tuple[int, list[str]]:
    """A site with one iBeacon per minor and `agents` agents; returns the site id and agent tokens."""
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    for minor in minors:
        body = {"kind": "ibeacon", "uuid": IB_UUID, "major": MAJOR, "minor": minor}
        await backend.json("POST", f"/v1/admin/sites/{site}/beacons", 201, json=body)
    tokens = []
    for n in range(agents):
        made = await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": f"Pi {n}"})
        tokens.append(made["token"])
    return site, tokens


async def advertise_each(fake: FakeBluez, minors: Iterable[int], times: int = 1) -> int:
    """Each beacon (by minor, each with its own radio address) advertises `times` times; returns the
    advertisements passed on to the agent's bleak."""
    passed = 0
    for i, minor in enumerate(minors):
        company, payload = encode_ibeacon(IB_UUID, MAJOR, minor, -59)
        address = f"AA:BB:CC:{minor >> 16 & 0xFF:02X}:{minor >> 8 & 0xFF:02X}:{minor & 0xFF:02X}"
        for t in range(times):
            passed += fake.advertise(address, rssi=-60 - t % 10, manufacturer_data={company: payload})
        if i % 50 == 49:
            await fake.drain()
    await fake.drain()
    return passed


class IngestLoad:
    """A busy agent without a radio: posts batches straight to the backend as fast as it answers, and
    resends a batch until it is acknowledged, as the real agent's outbox does."""

    def __init__(self, url: str, token: str, minor: int, batch_size: int = 50) -> None:
        self.url, self.minor, self.batch_size = url, minor, batch_size
        self.headers = {"Authorization": f"Bearer {token}"}
        self.acknowledged: set[str] = set()
        self.sightings_acknowledged = 0
        self.duplicates = 0  # batches resent after a lost answer that the backend already had

    async def run(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                batch_id = str(uuid.uuid4())
                now = datetime.now(UTC).isoformat()
                sighting = {"beacon": ibeacon_key(self.minor), "first_seen": now, "last_seen": now}
                sighting |= {"count": 1, "rssi_max": -60, "rssi_mean": -60.0, "tx_power": -59}
                body = {"batch_id": batch_id, "sightings": [sighting] * self.batch_size}
                while True:
                    try:
                        async with session.post(
                            self.url + SIGHTINGS_PATH, json=body, headers=self.headers
                        ) as r:
                            if r.status == 200:
                                self.duplicates += bool((await r.json()).get("duplicate"))
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.1)
                self.acknowledged.add(batch_id)
                self.sightings_acknowledged += self.batch_size
                await asyncio.sleep(0.005)


async def site_health(
    backend: Backend, site: int, until: Callable[[dict[str, Any]], bool], within: float = 20.0
) -> dict[str, Any]:
    """The site's health (admin API) once `until` holds for it (heartbeats come every 5 s in tests)."""
    deadline = time.monotonic() + within
    while True:
        health: dict[str, Any] = await backend.json("GET", f"/v1/admin/sites/{site}/health", 200)
        if until(health) or time.monotonic() > deadline:
            return health
        await asyncio.sleep(0.5)


def heartbeat(health: dict[str, Any], since: float = 0.0) -> dict[str, Any]:
    """The last heartbeat of the site's first agent as the backend stored it ({} if none since `since`)."""
    agent = health["agents"][0]
    at = agent["last_heartbeat"]
    if at is None or datetime.fromisoformat(at).timestamp() < since:
        return {}
    return dict(agent["heartbeat"] or {})


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder` (the test is skipped, with the reason, where mount is not
    allowed); unmounted afterwards whatever happens."""
    folder.mkdir(parents=True, exist_ok=True)
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size}", "nahbei-test", str(folder)]
    done = subprocess.run(mount, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a {size} tmpfs for the outbox: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write a file in `folder` until the disk is full; returns it (delete it to free the space)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)
    return filler


def outbox_rows(outbox: Path) -> dict[str, int]:
    """The batches waiting in (or set aside by) an agent's outbox file: batch id → sightings."""
    with sqlite3.connect(f"file:{outbox}?mode=ro", uri=True) as conn:
        return dict(conn.execute("SELECT batch_id, sightings FROM batches").fetchall())


def outbox_sightings(outbox: Path) -> int:
    return sum(outbox_rows(outbox).values())


def stored_batches(db: Path | str) -> set[str]:
    return {row[0] for row in stored.rows(db, "SELECT batch_id FROM sighting_batches")}


def stored_minors(db: Path | str) -> list[int]:
    """Minors of the stored sightings, one per sighting record."""
    return sorted(
        int(key.rsplit(":", 1)[1]) for (key,) in stored.rows(db, "SELECT beacon_key FROM sightings")
    )


def recover_copy(db: Path, into: Path) -> tuple[str, set[str], set[str]]:
    """What a restart will find, read from a copy so the backend recovers its own files: the copy of
    the database file with its WAL (no -shm, so SQLite must rebuild the index from the WAL), checked
    for integrity. Returns (integrity_check, batch ids with the WAL, batch ids in the main file only)."""
    into.mkdir(parents=True, exist_ok=True)
    main_only, with_wal = into / "main-only.db", into / "with-wal.db"
    for target in (main_only, with_wal):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db, main_only)
    shutil.copyfile(db, with_wal)
    wal = Path(f"{db}-wal")
    if wal.exists():
        shutil.copyfile(wal, f"{with_wal}-wal")
    with sqlite3.connect(with_wal) as conn:
        integrity = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    return integrity, stored_batches(with_wal), stored_batches(main_only)


def agent_log_events(log: Path) -> list[dict[str, object]]:
    """The agent's JSON log lines (lines that are not JSON, e.g. a traceback, are skipped)."""
    events = []
    for line in log.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events
