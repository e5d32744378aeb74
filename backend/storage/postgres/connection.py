"""The PostgreSQL store's connection pool, transactions, migrations and the answer when it is down.

Every read takes a pooled connection for one statement; every change is one transaction
(`_tx()`). A lost connection, a server that is restarting or refuses connections, or a pool that
cannot get one in time becomes `Unavailable` (503 with Retry-After, never 500); the pool drops the
broken connection and opens new ones by itself, so service resumes when the server is back.

A connection goes back into the pool without asyncpg's reset query (`pg_advisory_unlock_all;
CLOSE ALL; UNLISTEN *; RESET ALL`): it is a second round trip after every read, 15% of the time
nearby spends on PostgreSQL, and nothing here leaves session state behind: no `SET` outside a
transaction, no cursors, LISTEN only on the change listener's own connection, and the one
session-level advisory lock (migrations) is released in a `finally`. An open transaction is still
rolled back by asyncpg before the custom reset runs.

Migrations run at start inside `pg_advisory_lock`: several processes starting at once queue on the
lock, and each after the first finds the schema already at its version.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Final
from urllib.parse import urlsplit

import asyncpg

from backend.errors import Unavailable
from backend.storage.postgres.schema import MIGRATIONS, TABLES, WRITER_SETTING
from backend.storage.statements import Change, Store, numbered
from beacon_agent.contract import logs

# One key for every Nahbei database's schema changes ("nahbei" as a number), and one for
# allocations that must not interleave (slugs, iBeacon majors and minors).
MIGRATION_LOCK: Final = 0x6E6168626569
ALLOCATION_LOCK: Final = 0x6E61686265690001
POOL_MIN: Final = 1
POOL_MAX: Final = 10
# How long a request waits for a connection or a statement before the answer is 503.
CONNECT_TIMEOUT_S: Final = 5.0
RETRY_AFTER_S: Final = 5

# What a database that is down, restarting or overloaded raises, as opposed to a bad statement.
DOWN = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
    # A connection the server ended in the middle of an operation (a restart's "terminating
    # connection due to administrator command") can leave asyncpg's protocol in a state it cannot
    # leave: "cannot switch to state 15; another operation (2) is in progress" (asyncpg issue 784).
    asyncpg.InternalClientError,
)


class PoolAway(logging.Filter):
    """asyncpg's pool logs each failed try to reconnect its floor of connections with a traceback
    (every 1, 2, 4 … 60 s while the database is down). A database that is away is no fault of this
    program: the line stays, naming the error, and the traceback goes. Other errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, DOWN):
            logs.without_traceback(record, f"{record.getMessage()} ({type(exc).__name__}: {exc})")
        return True


def _filter_pool_log() -> None:
    pool_log = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, PoolAway) for f in pool_log.filters):
        pool_log.addFilter(PoolAway())


async def _keep_session(db: asyncpg.Connection) -> None:
    """The pool's reset: nothing beyond asyncpg's own rollback (see the module's docstring)."""


class PostgresBase(Store):
    """A PostgreSQL database: its pool, one-transaction changes, migrations."""

    def __init__(self, dsn: str, *, fresh: bool = False) -> None:
        """`fresh`: `open()` first drops the store's tables (the demo's seed starts anew)."""
        self.dsn = dsn
        self.fresh = fresh
        self.where = _where(dsn)
        self._pool: asyncpg.Pool | None = None
        self._turns = asyncio.Semaphore(POOL_MAX)
        # Names this process's changes in their notifications (`changes.py`): it empties its own
        # caches as it makes a change, and a notification arriving after that would empty them again.
        self.writer = uuid.uuid4().hex

    async def open(self) -> None:
        _filter_pool_log()
        self._pool = await self._connect(POOL_MIN)
        async with self._pool.acquire() as db:
            await migrate(db, fresh=self.fresh)

    async def _connect(self, min_size: int) -> asyncpg.Pool:
        """The pool; with `min_size` 0 it connects only when first used."""
        return await asyncpg.create_pool(
            self.dsn, min_size=min_size, max_size=POOL_MAX, timeout=CONNECT_TIMEOUT_S,
            command_timeout=60, max_inactive_connection_lifetime=60,
            server_settings={WRITER_SETTING: self.writer}, reset=_keep_session,
        )  # fmt: skip

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    # --- connections -----------------------------------------------------------------------------

    @asynccontextmanager
    async def _db(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection, in the order asked for; `Unavailable` if the database cannot be reached."""
        assert self._pool is not None, "storage is not open"
        try:
            async with self._pooled(self._pool) as db:
                try:
                    yield db
                except asyncpg.InternalClientError:
                    db.terminate()  # its protocol state is lost: it must not go back into the pool
                    raise
        except DOWN as exc:
            raise Unavailable(
                f"the database {self.where} is unreachable", retry_after_s=RETRY_AFTER_S
            ) from exc

    @asynccontextmanager
    async def _pooled(self, pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
        """A connection of `pool`, first come first served; TimeoutError after `CONNECT_TIMEOUT_S`.

        asyncpg's own wait is not fair: a freed connection wakes the longest waiter, but a request
        arriving before that one runs takes it, and the one woken waits again at the back. With 64
        requests on 10 connections that was PostgreSQL's p99 at 1,000,000 sites (100-450 ms against a
        p50 of 3-9 ms). A FIFO semaphore of the pool's size admits requests in order, so the pool
        always has a connection free for the one admitted (asked without asyncpg's wait_for task)."""
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            await self._turns.acquire()
            try:
                db = await pool.acquire()
            except BaseException:
                self._turns.release()
                raise
        try:
            yield db
        finally:
            try:
                await pool.release(db)
            finally:
                self._turns.release()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection inside one transaction, rolled back if the block raises."""
        async with self._db() as db, db.transaction():
            yield db

    async def _one(self, sql: str, *args: Any) -> Any:
        async with self._db() as db:
            return await db.fetchrow(sql, *args)

    async def _all(self, sql: str, *args: Any) -> list[Any]:
        async with self._db() as db:
            return list(await db.fetch(sql, *args))

    async def _value(self, sql: str, *args: Any) -> Any:
        async with self._db() as db:
            return await db.fetchval(sql, *args)

    async def _fetch_row(self, sql: str, *args: Any) -> Any:
        return await self._one(numbered(sql), *args)

    async def _fetch_rows(self, sql: str, *args: Any) -> list[Any]:
        return await self._all(numbered(sql), *args)

    async def _fetch_value(self, sql: str, *args: Any) -> Any:
        return await self._value(numbered(sql), *args)

    async def _lookup_value(self, sql: str, *args: Any) -> Any:
        return await self._value(numbered(sql), *args)

    @asynccontextmanager
    async def _change(self) -> AsyncIterator[Change]:
        async with self._tx() as db:
            yield _PostgresChange(db)

    async def ping(self) -> None:
        await self._value("SELECT 1")

    async def wal_position(self) -> str:
        """How far the primary has written its log (an LSN): what a replica must replay to have it all."""
        position: str = await self._value("SELECT pg_current_wal_lsn()::text")
        return position


class _PostgresChange:
    """`statements.Change` on a pooled connection inside `_tx()`."""

    def __init__(self, db: asyncpg.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, *args: Any) -> None:
        await self._db.execute(numbered(sql), *args)

    async def insert(self, sql: str, *args: Any) -> int:
        return int(await self._db.fetchval(numbered(sql + " RETURNING id"), *args))

    async def count(self, sql: str, *args: Any) -> int:
        status: str = await self._db.execute(numbered(sql), *args)  # e.g. "UPDATE 1"
        return int(status.rsplit(" ", 1)[1])

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._db.executemany(numbered(sql), rows)

    async def rows(self, sql: str, *args: Any) -> list[Any]:
        return list(await self._db.fetch(numbered(sql), *args))

    async def value(self, sql: str, *args: Any) -> Any:
        return await self._db.fetchval(numbered(sql), *args)

    async def lock_allocations(self) -> None:
        await self._db.execute("SELECT pg_advisory_xact_lock($1)", ALLOCATION_LOCK)

    async def lock_site(self, site_id: int) -> None:
        await self._db.execute("SELECT 1 FROM sites WHERE id = $1 FOR UPDATE", site_id)

    def savepoint(self) -> AbstractAsyncContextManager[Any]:
        # A failed statement aborts a PostgreSQL transaction; inside a savepoint it aborts only that.
        savepoint: AbstractAsyncContextManager[Any] = self._db.transaction()
        return savepoint

    def starts_with(self, column: str) -> str:
        return f"starts_with({column}, ?)"


async def migrate(db: asyncpg.Connection, *, fresh: bool = False) -> int:
    """Bring the schema up to date under the migration lock; the version it was at before."""
    await db.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        if fresh:
            await db.execute(
                f"DROP TABLE IF EXISTS schema_migrations, changes, {', '.join(TABLES)} CASCADE;"
                " DROP FUNCTION IF EXISTS nahbei_changed() CASCADE"
            )
        await db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz"
            " NOT NULL DEFAULT now())"
        )
        current = int(await db.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
        if current == 0:
            await _postgis(db)
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            async with db.transaction():
                await db.execute(script)
                await db.execute("INSERT INTO schema_migrations (version) VALUES ($1)", number)
        await db.execute(
            "INSERT INTO meta (name, value) VALUES ('ibeacon_uuid', $1) ON CONFLICT DO NOTHING",
            str(uuid.uuid4()),
        )
        return current
    finally:
        await db.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


async def _postgis(db: asyncpg.Connection) -> None:
    """PostGIS, unless there: its owner creates it where the backend's role may not (see the README)."""
    if await db.fetchval("SELECT 1 FROM pg_extension WHERE extname = 'postgis'") is None:
        await db.execute("CREATE EXTENSION postgis")


def _where(dsn: str) -> str:
    """The database's host, port and name, without user or password: what /healthz may say."""
    parts = urlsplit(dsn)
    host = parts.netloc.rpartition("@")[2] or "localhost"
    return f"postgresql://{host}{parts.path}"
