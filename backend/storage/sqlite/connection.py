"""The SQLite store's connections and transactions, which every part of it (`SqliteBase`'s mixins) uses.

Two aiosqlite connections: one writer, behind a lock, in which every change is one explicit
``BEGIN IMMEDIATE … COMMIT``; and one reader, which in WAL mode sees only committed data. Sharing a
single connection between concurrent requests lets one request's commit publish another's half-done
batch (measured while sizing the design), so nothing writes outside `_write()` or `_write_whole()`.

``synchronous=FULL``: an acknowledged sighting batch is on disk, because the agent deletes it from
its outbox on that acknowledgement.

The public hot path (key lookups, the R*Tree search, a site's prompts) reads through a third,
plain `sqlite3` connection on the event loop's own thread (`_one`, `_all`). These are bounded index
lookups of tens of microseconds; handing each to aiosqlite's thread costs more than the query (the
design measured ~6k req/s with one aiosqlite query per request against ~14k for a bare handler). In
WAL mode a reader never waits for the writer, and `busy_timeout` on this connection is short.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from backend.storage.sqlite.schema import MIGRATIONS
from backend.storage.statements import Change, Store

T = TypeVar("T")

INLINE_BUSY_TIMEOUT_MS = 250
# The hot path's point lookups touch pages all over a large file. Mapped, a page already in the OS's
# cache is read without a system call and a copy: a site's lookup at 1,000,000 sites fell from
# ~60 to ~11 µs. Address space only; the pages are the OS's file cache, shared and reclaimable.
INLINE_MMAP_BYTES = 1 << 32


class SqliteBase(Store):
    """One SQLite file in WAL mode: its connections, the one-writer transactions, the migrations."""

    def __init__(self, path: Path, *, fresh: bool = False) -> None:
        """`fresh`: `open()` first deletes any database at `path` (the demo's seed starts anew)."""
        self.path = path
        self.fresh = fresh
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._inline: sqlite3.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def open(self) -> None:
        try:
            await self._open()
        except BaseException:  # e.g. SIGTERM while migrating: an open connection's thread would keep
            await self.close()  # the process from ever exiting
            raise

    async def _open(self) -> None:
        if self.fresh:
            for suffix in ("", "-wal", "-shm"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        await self._migrate()
        self._reader = await self._connect()
        await self._reader.execute("PRAGMA query_only=ON")
        self._inline = sqlite3.connect(self.path, isolation_level=None)
        for pragma in (
            "query_only=ON",
            f"busy_timeout={INLINE_BUSY_TIMEOUT_MS}",
            f"mmap_size={INLINE_MMAP_BYTES}",
        ):
            self._inline.execute(f"PRAGMA {pragma}")

    async def _connect(self) -> aiosqlite.Connection:
        db = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            for pragma in ("foreign_keys=ON", "busy_timeout=10000", "synchronous=FULL"):
                await db.execute(f"PRAGMA {pragma}")
        except BaseException:  # a file that is no database: its thread would keep the process alive
            await db.close()
            raise
        return db

    async def close(self) -> None:
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        for db in (self._reader, self._writer):
            if db is not None:
                await db.close()
        self._reader = self._writer = None

    async def _migrate(self) -> None:
        async with self._write() as db:
            current = int(await fetch_value(db, "PRAGMA user_version") or 0)
            for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
                for statement in _statements(script):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version={number}")
            if await fetch_value(db, "SELECT value FROM meta WHERE name = 'ibeacon_uuid'") is None:
                await db.execute(
                    "INSERT INTO meta (name, value) VALUES ('ibeacon_uuid', ?)", (str(uuid.uuid4()),)
                )

    # --- reads -----------------------------------------------------------------------------------

    @property
    def _r(self) -> aiosqlite.Connection:
        """The reader, for reads that may take long (admin lists, stats): off the event loop."""
        assert self._reader is not None, "storage is not open"
        return self._reader

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row of a short read on the event loop's thread (the hot path), or None."""
        assert self._inline is not None, "storage is not open"
        return self._inline.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Every row of a short read on the event loop's thread (the hot path)."""
        assert self._inline is not None, "storage is not open"
        return self._inline.execute(sql, params).fetchall()

    def _value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The one column of the first row of a short read, or None when there is no row."""
        row = self._one(sql, params)
        return None if row is None else row[0]

    async def _fetch_row(self, sql: str, *args: Any) -> Any:
        return await fetch_one(self._r, sql, args)

    async def _fetch_rows(self, sql: str, *args: Any) -> list[Any]:
        return await fetch_all(self._r, sql, args)

    async def _fetch_value(self, sql: str, *args: Any) -> Any:
        return await fetch_value(self._r, sql, args)

    async def _lookup_value(self, sql: str, *args: Any) -> Any:
        return self._value(sql, args)

    # --- writes ----------------------------------------------------------------------------------

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer inside one ``BEGIN IMMEDIATE … COMMIT``, rolled back if the block raises."""
        assert self._writer is not None, "storage is not open"
        db = self._writer
        async with self._write_lock:
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                await asyncio.shield(db.execute("ROLLBACK"))
                raise
            await asyncio.shield(db.execute("COMMIT"))

    @asynccontextmanager
    async def _change(self) -> AsyncIterator[Change]:
        async with self._write() as db:
            yield _SqliteChange(db)

    async def _write_whole(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` as one transaction run whole on the writer's thread.

        `_write()` hands every statement to the writer's thread and waits for the event loop to
        take the answer back; while the loop validates another batch (milliseconds), the write lock
        stays held. Sighting batches queued behind each other on those hand-overs: one hand-over
        per transaction let them through ~2x faster. (aiosqlite has no public call for this.)
        """
        assert self._writer is not None, "storage is not open"
        writer = self._writer
        async with self._write_lock:
            return await writer._execute(_transaction, writer._conn, work)  # type: ignore[no-untyped-call, no-any-return]


class _SqliteChange:
    """`statements.Change` on the writer, inside `_write()`."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, *args: Any) -> None:
        await execute(self._db, sql, args)

    async def insert(self, sql: str, *args: Any) -> int:
        return await insert(self._db, sql, args)

    async def count(self, sql: str, *args: Any) -> int:
        async with self._db.execute(sql, args) as cursor:
            return cursor.rowcount

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        async with self._db.executemany(sql, rows):
            pass

    async def rows(self, sql: str, *args: Any) -> list[Any]:
        return await fetch_all(self._db, sql, args)

    async def value(self, sql: str, *args: Any) -> Any:
        return await fetch_value(self._db, sql, args)

    async def lock_allocations(self) -> None:
        """Nothing: the one writer holds every other change back already."""

    async def lock_site(self, site_id: int) -> None:
        """Nothing: the one writer holds every other change back already."""

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        # SQLite undoes a failed statement alone and the transaction goes on.
        return nullcontext()

    def starts_with(self, column: str) -> str:
        return f"{column} LIKE ? || '%'"


def _transaction(db: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    db.execute("BEGIN IMMEDIATE")
    try:
        result = work(db)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result


def _statements(script: str) -> list[str]:
    """The script's statements; a trigger's body (``BEGIN …; END``) stays in its statement."""
    statements, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        statements.append(pending.strip())
    return statements


async def execute(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> None:
    async with db.execute(sql, params):
        pass


async def insert(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    """Run an INSERT; the new row's id."""
    async with db.execute(sql, params) as cur:
        assert cur.lastrowid is not None
        return int(cur.lastrowid)


async def fetch_one(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    async with db.execute(sql, params) as cur:
        return await cur.fetchone()


async def fetch_all(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    async with db.execute(sql, params) as cur:
        return list(await cur.fetchall())


async def fetch_value(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The one column of the first row, or None when there is no row."""
    row = await fetch_one(db, sql, params)
    return None if row is None else row[0]
