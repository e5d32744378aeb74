"""A throwaway PostgreSQL with PostGIS on loopback ports: a primary, and a streaming replica when asked.

What the tests' fixtures (`tests/postgres.py`) and `make bench` (`benchmarks/http/postgres.py`) both
start, so it imports nothing of pytest. The servers come from Debian's `postgresql` and
`postgresql-postgis` packages. PostgreSQL refuses to run as root, so as root the servers run as the
`postgres` system user that the `postgresql` package creates, in a folder under /tmp that it owns.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

USER = "nahbei"  # the superuser initdb creates; clients connect as it over trusted loopback
RUN_AS = "postgres"  # the system user Debian's postgresql package creates
TEMPLATE = "nahbei_template"
SLOT = "nahbei_replica"
INSTALL_HINT = (
    "Debian packages `postgresql` and `postgresql-postgis`; `make system-deps` installs them as root"
)

# Settings for a throwaway cluster: durability is worth nothing here, start time and memory are.
# synchronous_commit stays on: the WAL sender ships only flushed WAL, so turning it off would
# add up to wal_writer_delay to every measured replica lag.
SERVER_CONF = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{sockets}'
fsync = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 60
wal_level = replica
max_wal_senders = 4
max_replication_slots = 4
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = 1s
"""


def find_bindir() -> Path | None:
    """Debian keeps the server programs off PATH in /usr/lib/postgresql/<major>/bin: take the newest."""
    majors = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name),
        reverse=True,
    )
    if majors:
        return majors[0].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def missing(bindir: Path | None) -> str | None:
    """Why a cluster with PostGIS cannot start here, or None."""
    if bindir is None:
        return f"PostgreSQL is not installed ({INSTALL_HINT})"
    sharedir = subprocess.run(
        [bindir / "pg_config", "--sharedir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not (Path(sharedir) / "extension" / "postgis.control").exists():
        return f"PostGIS is not installed for PostgreSQL in {bindir} ({INSTALL_HINT})"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(RUN_AS)
        except KeyError:
            return f"no `{RUN_AS}` user to run PostgreSQL as (root may not; {INSTALL_HINT})"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """One postgres process: its data folder, port and log."""

    bindir: Path
    datadir: Path
    port: int

    @property
    def log(self) -> Path:
        return self.datadir.with_suffix(".log")

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.datadir), "-l", str(self.log), "-o", f"-p {self.port}",
                     "-w", "-t", "120", "start")  # fmt: skip
        except subprocess.CalledProcessError as error:
            tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"postgres in {self.datadir} did not start: {error.stderr}\n{tail}") from error

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; by default the quickest way (the data are deleted next: nothing to flush).
        `mode` "fast", as an operator's restart does: sessions are ended, then a clean shutdown."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self.run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: what an operator's restart (or a package upgrade) does."""
        self.run("pg_ctl", "-D", str(self.datadir), "-l", str(self.log), "-m", "fast", "-w", "-t", "120",
                 "restart")  # fmt: skip

    def run(self, program: str, *args: str) -> str:
        """Run one of the server's programs, as `postgres` when we are root (initdb refuses root)."""
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", RUN_AS, "--", *command]
        done = subprocess.run(
            command, cwd=self.datadir.parent, capture_output=True, text=True, check=True, timeout=180
        )
        return done.stdout

    def psql(self, sql: str, database: str = "postgres") -> str:
        """One statement, outside a transaction (as CREATE DATABASE needs)."""
        done = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
             "-d", self.dsn(database), "-c", sql],
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {done.stderr.strip()}")
        return done.stdout.strip()


@dataclass
class PostgresCluster:
    """A primary and, unless started without one, its streaming replica (physical, through a slot)."""

    primary: Server
    replica: Server | None

    def dsn(self, database: str = "postgres") -> str:
        return self.primary.dsn(database)

    def replica_dsn(self, database: str = "postgres") -> str:
        assert self.replica is not None, "this cluster was started without a replica"
        return self.replica.dsn(database)

    def add_replica(self, slot: str) -> Server:
        """Another streaming replica, for a test that stops and starts it (the session's `replica`
        stays up for every other test); `drop_replica` when done."""
        return start_replica(self.primary, slot)

    def drop_replica(self, replica: Server, slot: str) -> None:
        """Stop and delete a replica from `add_replica`, and its slot, so the primary keeps no WAL for it."""
        replica.stop()
        shutil.rmtree(replica.datadir, ignore_errors=True)
        deadline = time.monotonic() + 30
        while True:  # the slot stays active until the primary notices its WAL sender's peer is gone
            try:
                self.psql(f"SELECT pg_drop_replication_slot('{slot}')")
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """One statement on the primary, outside a transaction (as CREATE DATABASE needs)."""
        return self.primary.psql(sql, database)

    async def replica_lag(self, within: float = 30.0, replica_server: Server | None = None) -> float:
        """Seconds until the replica (or `replica_server`) has replayed all the primary has written
        up to this call."""
        started = time.monotonic()
        primary = await asyncpg.connect(self.dsn())
        replica = await asyncpg.connect(replica_server.dsn() if replica_server else self.replica_dsn())
        try:
            target = await primary.fetchval("SELECT pg_current_wal_lsn()::text")
            while not await replica.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", target):
                if time.monotonic() - started > within:
                    replayed = await replica.fetchval("SELECT pg_last_wal_replay_lsn()::text")
                    raise AssertionError(f"replica replayed {replayed} of {target} within {within} s")
                await asyncio.sleep(0.002)
            return time.monotonic() - started
        finally:
            await primary.close()
            await replica.close()


def start_primary(bindir: Path, folder: Path, conf: str = SERVER_CONF) -> Server:
    """initdb and start a server in `folder`/primary, on a free loopback port, `conf` appended to its
    postgresql.conf."""
    primary = Server(bindir, folder / "primary", free_port())
    primary.run("initdb", "-D", str(primary.datadir), "-U", USER, "--auth=trust", "--no-locale",
                "-E", "UTF8", "--no-sync", "--no-instructions")  # fmt: skip
    with (primary.datadir / "postgresql.conf").open("a") as settings:
        settings.write(conf.format(sockets=folder))
    primary.start()
    return primary


def start_cluster(
    bindir: Path, folder: Path, *, replica: bool = True, conf: str = SERVER_CONF
) -> PostgresCluster:
    """initdb, the primary (`conf` appended to its postgresql.conf), a template database with PostGIS,
    then, unless `replica` is false, the replica from a base backup."""
    primary = start_primary(bindir, folder, conf)
    cluster = PostgresCluster(primary, Server(bindir, folder / "replica", free_port()) if replica else None)
    cluster.psql(f"CREATE DATABASE {TEMPLATE}")
    cluster.psql("CREATE EXTENSION postgis", TEMPLATE)
    # No one may connect to the template, or copying it would fail ("being accessed by other users").
    cluster.psql(f"ALTER DATABASE {TEMPLATE} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
    if cluster.replica is not None:
        start_replica(primary, SLOT, cluster.replica)
    return cluster


def start_replica(primary: Server, slot: str, replica: Server | None = None) -> Server:
    """A streaming replica of `primary` (in a folder named after its slot unless given), from a base
    backup, replicating through its own slot."""
    replica = replica or Server(primary.bindir, primary.datadir.with_name(slot), free_port())
    # -R writes primary_conninfo and standby.signal; -C -S keeps WAL on the primary until replayed.
    primary.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", USER,
                "-D", str(replica.datadir), "-R", "-C", "-S", slot, "-c", "fast", "--no-sync")  # fmt: skip
    for _ in range(3):  # on a shared machine another program may take the free port first
        try:
            replica.start()
            return replica
        except RuntimeError as error:
            if "Address already in use" not in str(error):
                raise
            replica.port = free_port()
    replica.start()
    return replica


@contextlib.contextmanager
def throwaway_folder(bindir: Path) -> Iterator[Path]:
    """A new folder under /tmp for servers' data; afterwards every server started in it is stopped
    and the folder deleted."""
    folder = Path(tempfile.mkdtemp(prefix="nahbei-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, RUN_AS, RUN_AS)
    try:
        yield folder
    finally:
        # Whatever got started, also when starting failed half-way; the replicas first, else they
        # keep trying to reach their primary until stopped.
        for datadir in sorted(folder.iterdir(), key=lambda path: path.name == "primary"):
            if (datadir / "postmaster.pid").exists():
                Server(bindir, datadir, 0).stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster(
    bindir: Path, *, replica: bool = True, conf: str = SERVER_CONF
) -> Iterator[PostgresCluster]:
    """A cluster in a new folder under /tmp, stopped and deleted when the block ends."""
    with throwaway_folder(bindir) as folder:
        yield start_cluster(bindir, folder, replica=replica, conf=conf)
