"""The real command line, `nahbei-backend serve`, as a process, seeded by `nahbei-backend demo --no-serve`.

For tests where the backend must be a process of its own: fuzzing through the real server, and
measuring what hostile input costs it (its RSS is read from /proc).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import requests

from benchmarks.servers import free_port, stop
from tests.postgres import TEMPLATE, PostgresCluster

# Generous limits that only stop a hung server from hanging the suite; nothing here is timed.
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0


@dataclass
class DemoServer:
    base: str
    admin_key: str
    agent_token: str
    log: Path
    process: subprocess.Popen[bytes]
    db: Path | str
    settings: dict[str, str]
    # On PostgreSQL: the cluster and the database names of the served and the seeded copy.
    postgres: PostgresCluster | None = None
    names: tuple[str, str] = ("", "")

    def reset(self) -> None:
        """Back to the demo's data as seeded, at the same address: for tests whose next request
        depends on earlier answers (schemathesis's stateful runs), which must not meet what an
        earlier run created (a 409 where the last run got 201 changes the data drawn after it)."""
        stop(self.process)
        if self.postgres is not None:
            served, seeded = self.names
            self.postgres.psql(f"DROP DATABASE {served} WITH (FORCE)")
            self.postgres.psql(f"CREATE DATABASE {served} TEMPLATE {seeded}")
        else:
            assert isinstance(self.db, Path)
            for leftover in (
                self.db.with_name(self.db.name + "-wal"),
                self.db.with_name(self.db.name + "-shm"),
            ):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(self.db.with_name("seeded.db"), self.db)
        self.process, _ = _start(self.db, self.log, self.settings, port=int(self.base.rsplit(":", 1)[1]))

    def url(self, path: str) -> str:
        return self.base + path

    def auth(self, access: str) -> dict[str, str]:
        """The Authorization header an operation of this access (or schema tag) needs."""
        if access == "admin":
            return {"Authorization": f"Bearer {self.admin_key}"}
        if access == "agent":
            return {"Authorization": f"Bearer {self.agent_token}"}
        return {}

    def errors_logged(self) -> list[str]:
        return [
            line for line in self.log.read_text(errors="replace").splitlines() if "unhandled error" in line
        ]

    def rss_kib(self) -> int:
        """The server's resident memory now (VmRSS), in KiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert found, status
        return int(found.group(1))


def backend_command() -> list[str]:
    script = Path(sys.executable).with_name("nahbei-backend")
    if script.exists():
        return [str(script)]
    found = shutil.which("nahbei-backend")
    return [found] if found else [sys.executable, "-m", "backend"]


def backend_env(settings: Mapping[str, str]) -> dict[str, str]:
    """No NAHBEI_* of whoever runs the tests; `settings` (``{"body_timeout_s": "1"}``) as variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAHBEI_")}
    env.update({f"NAHBEI_{name.upper()}": value for name, value in settings.items()})
    return env


def _start(
    db: Path | str, log: Path, settings: Mapping[str, str], port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`nahbei-backend serve` on `port` (else a free one), once it answers /healthz."""
    for _attempt in range(3):  # another process may take the free port before the server does
        serve = ["serve", "--db", str(db), "--port", str(port or free_port()), "--log-format", "json"]
        with log.open("ab") as out:
            process = subprocess.Popen(
                [*backend_command(), *serve], stdout=out, stderr=subprocess.STDOUT, env=backend_env(settings)
            )
        base = f"http://127.0.0.1:{serve[4]}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return process, base
            except (requests.ConnectionError, requests.Timeout):  # not yet listening, or busy starting
                pass
            time.sleep(0.02)
        stop(process)
    raise AssertionError(f"nahbei-backend serve did not start:\n{log.read_text(errors='replace')}")


@contextlib.contextmanager
def serve(db: Path, log: Path, **settings: str) -> Iterator[str]:
    """`nahbei-backend serve` on `db` (created if new), logging JSON to `log`; yields its base URL."""
    process, base = _start(db, log, settings)
    try:
        yield base
    finally:
        stop(process)


def serve_demo(
    folder: Path, *, postgres: PostgresCluster | None = None, **settings: str
) -> Iterator[DemoServer]:
    """The demo's data served by `nahbei-backend serve` (rate limiting off unless `settings` say); on
    a database of its own in `postgres` if given, else on a SQLite file in `folder`."""
    settings = {"rate_limit_per_s": "0", **settings}
    db: Path | str = folder / "demo.db"
    names = ("", "")
    if postgres is not None:
        served = f"demo_{os.getpid()}_{folder.name.replace('-', '_')}"
        names = (served, served + "_seeded")
        postgres.psql(f"CREATE DATABASE {served} TEMPLATE {TEMPLATE}")
        db = postgres.dsn(served)
    seeded = subprocess.run(
        # --reset-demo: on PostgreSQL the demo cannot tell its own database from another's by a file
        [*backend_command(), "demo", "--no-serve", "--reset-demo", "--db", str(db), "--log-format", "json"],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        env=backend_env({}),
        check=True,
    )
    admin = re.search(r"admin key: (nbk_[A-Za-z0-9_-]+)", seeded.stdout)
    agent = re.search(r"agent token of the hospice's Pi: (nba_[A-Za-z0-9_-]+)", seeded.stdout)
    assert admin and agent, seeded.stdout
    if postgres is not None:
        postgres.psql(f"CREATE DATABASE {names[1]} TEMPLATE {names[0]}")
    else:
        shutil.copyfile(db, folder / "seeded.db")  # demo --no-serve leaves no WAL behind: one file is all
    log = folder / "server.log"
    process, base = _start(db, log, settings)
    server = DemoServer(
        base, admin.group(1), agent.group(1), log, process, db, dict(settings), postgres, names
    )
    try:
        yield server
    finally:
        stop(server.process)
        if postgres is not None:
            for name in names:
                postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
