"""The durable outbox: sighting batches wait on disk until the backend has acknowledged them.

A batch is committed here before it is sent and deleted only after the backend's 200, so a crash, a
reboot or a week without network loses nothing. The file is bounded in sightings: when it is full the
oldest batches go first (set-aside ones before waiting ones), and what had to go is counted in the file
so that the count survives restarts and reaches the backend in the heartbeat.

Durability: WAL with ``synchronous=FULL``. In WAL mode ``NORMAL`` never corrupts the file, but a commit
is only fsynced at the next checkpoint, so power loss can roll back the last few commits: a batch that
`put` reported stored would be gone. ``FULL`` fsyncs the WAL on every commit (one fsync, sequential
write); the outbox commits once per flush window and once per acknowledgement, so the cost on an SD card
is nothing next to a lost batch. WAL rather than a rollback journal: fewer fsyncs per commit and no
rewrite of the main file on every transaction, which spares the card. What no software can fix: a card
whose controller acknowledges writes it has only cached; the deployment guide asks for a card with
power-loss protection or a UPS hat.

One connection, every transaction explicit (``BEGIN IMMEDIATE`` … ``COMMIT``) and serialised by a lock,
and reads take the same lock, so nobody ever sees half of another coroutine's transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aiosqlite
import structlog

from beacon_agent.constants import REPORT_BATCH_MAX
from beacon_agent.contract.wire import Sighting, SightingBatch

log = structlog.get_logger(__name__)

# Longest refusal reason kept with a set-aside batch; problem details are short, bodies of proxies not.
MAX_REASON: Final = 500
SCHEMA_VERSION: Final = 1
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id TEXT NOT NULL UNIQUE,
    sightings INTEGER NOT NULL,
    body BLOB NOT NULL,
    created_at REAL NOT NULL,
    set_aside_status INTEGER,
    set_aside_reason TEXT,
    set_aside_at REAL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('dropped', 0), ('set_aside', 0);
"""


class OutboxError(Exception):
    """The outbox could not read or write its file; the agent logs it and keeps scanning."""


class OutboxFull(OutboxError):
    """The disk (or the file's page limit) is full; writes work again once there is space."""


@dataclass(frozen=True, slots=True)
class Pending:
    """The oldest batch waiting, as stored: every retry sends the same `body` (plus the time it is sent)."""

    batch_id: uuid.UUID
    sightings: int
    body: bytes


@dataclass(frozen=True, slots=True)
class SetAside:
    batch_id: uuid.UUID
    sightings: int
    status: int
    reason: str


def to_drop(rows: Iterable[tuple[int, int]], need: int) -> list[int]:
    """The leading `seq`s of `rows` ((seq, sightings) in drop order) that free at least `need` sightings."""
    seqs: list[int] = []
    freed = 0
    for seq, sightings in rows:
        if freed >= need:
            break
        seqs.append(seq)
        freed += sightings
    return seqs


def chunks(sightings: Sequence[Sighting], size: int) -> list[list[Sighting]]:
    return [list(sightings[i : i + size]) for i in range(0, len(sightings), size)]


class Outbox:
    """Sighting batches on disk, oldest first; `depth`, `dropped` and `set_aside_count` are kept in memory."""

    def __init__(
        self,
        path: str | Path,
        max_sightings: int,
        *,
        batch_max: int = REPORT_BATCH_MAX,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_sightings < 1 or batch_max < 1:
            raise ValueError("max_sightings and batch_max must be at least 1")
        self.path = Path(path)
        self.max_sightings = max_sightings
        self.batch_max = batch_max
        self.added = asyncio.Event()  # set after every committed put: the reporter waits on it
        self._clock = clock
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._depth = 0  # sightings waiting to be sent
        self._stored = 0  # sightings in the file, waiting or set aside: what the bound applies to
        self._dropped = 0
        self._set_aside = 0
        self._dropping = False  # inside a drop episode: it is logged once, when it starts

    @property
    def depth(self) -> int:
        return self._depth

    @property
    def dropped(self) -> int:
        """Sightings a full outbox had to drop since the file was made."""
        return self._dropped

    @property
    def set_aside_count(self) -> int:
        """Batches the backend refused since the file was made (kept, never retried)."""
        return self._set_aside

    async def open(self) -> None:
        """Open (or create) the file; OutboxError when it is unusable, e.g. not an SQLite file."""
        if self._db is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _errors("open"):
            db = await aiosqlite.connect(self.path, isolation_level=None)
            try:
                mode = await _scalar(db, "PRAGMA journal_mode = WAL")
                if str(mode).lower() != "wal":
                    raise OutboxError(f"the outbox file cannot use WAL (journal mode {mode})")
                await _run(db, "PRAGMA synchronous = FULL", ())
                await _run(
                    db, "PRAGMA journal_size_limit = 4194304", ()
                )  # the WAL shrinks back after a backlog
                if (version := await _scalar(db, "PRAGMA user_version")) > SCHEMA_VERSION:
                    raise OutboxError(f"the outbox file was made by a newer agent (schema {version})")
                async with db.executescript(
                    f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                ):
                    pass
                self._depth = await _scalar(db, _SUM + " WHERE set_aside_status IS NULL")
                self._stored = await _scalar(db, _SUM)
                self._dropped = await _scalar(db, "SELECT value FROM counters WHERE name = 'dropped'")
                self._set_aside = await _scalar(db, "SELECT value FROM counters WHERE name = 'set_aside'")
            except BaseException:
                await db.close()
                raise
        self._db = db
        if self._depth:
            self.added.set()

    async def close(self) -> None:
        if self._db is not None:
            async with self._lock:
                db, self._db = self._db, None
                await db.close()

    async def __aenter__(self) -> Outbox:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def put(self, sightings: Sequence[Sighting]) -> SightingBatch:
        """Store one batch (at most wire.MAX_SIGHTINGS_PER_BATCH sightings); raises OutboxFull on a full disk."""
        if not sightings:
            raise ValueError("a batch needs at least one sighting")
        return (await self._store([list(sightings)]))[0]

    async def put_all(self, sightings: Sequence[Sighting]) -> list[SightingBatch]:
        """Store a flush as batches of at most `batch_max` sightings, all in one transaction."""
        return await self._store(chunks(sightings, self.batch_max)) if sightings else []

    async def next_pending(self) -> Pending | None:
        """The oldest batch that is neither acknowledged nor set aside."""
        async with self._lock:
            db = self._connection()
            with _errors("read"):
                async with db.execute(
                    "SELECT batch_id, sightings, body FROM batches WHERE set_aside_status IS NULL"
                    " ORDER BY seq LIMIT 1"
                ) as cursor:
                    row = await cursor.fetchone()
        return None if row is None else Pending(uuid.UUID(row[0]), int(row[1]), bytes(row[2]))

    async def next_batch(self) -> SightingBatch | None:
        """`next_pending`, parsed (raises pydantic's ValidationError for a body this agent cannot read)."""
        pending = await self.next_pending()
        return None if pending is None else SightingBatch.model_validate_json(pending.body)

    async def ack(self, batch_id: uuid.UUID) -> bool:
        """The backend stored the batch: delete it. False when it was no longer waiting (e.g. dropped)."""
        async with self._transaction("ack") as db:
            size = await _size(db, batch_id)
            if size is not None:
                await _run(db, "DELETE FROM batches WHERE batch_id = ?", (str(batch_id),))
        if size is not None:
            self._depth -= size
            self._stored -= size
            self._end_drop_episode()
        return size is not None

    async def set_aside(self, batch_id: uuid.UUID, status: int, reason: str) -> bool:
        """The backend refused the batch for good: keep it for diagnosis, count it, never send it again."""
        async with self._transaction("set aside") as db:
            size = await _size(db, batch_id)
            if size is not None:
                await _run(
                    db,
                    "UPDATE batches SET set_aside_status = ?, set_aside_reason = ?, set_aside_at = ?"
                    " WHERE batch_id = ?",
                    (status, reason[:MAX_REASON], self._clock(), str(batch_id)),
                )
                await _run(db, "UPDATE counters SET value = value + 1 WHERE name = 'set_aside'", ())
        if size is not None:
            self._depth -= size
            self._set_aside += 1
        return size is not None

    async def set_aside_batches(self) -> list[SetAside]:
        async with self._lock:
            db = self._connection()
            with _errors("read"):
                async with db.execute(
                    "SELECT batch_id, sightings, set_aside_status, set_aside_reason FROM batches"
                    " WHERE set_aside_status IS NOT NULL ORDER BY seq"
                ) as cursor:
                    rows = await cursor.fetchall()
        return [SetAside(uuid.UUID(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in rows]

    async def _store(self, groups: list[list[Sighting]]) -> list[SightingBatch]:
        # More than the whole bound at once: only the newest sightings can stay.
        excess = sum(map(len, groups)) - self.max_sightings
        trimmed = max(0, excess)
        while excess > 0:
            cut = min(excess, len(groups[0]))
            groups[0] = groups[0][cut:]
            excess -= cut
            if not groups[0]:
                groups.pop(0)
        batches = [SightingBatch(batch_id=uuid.uuid4(), sightings=g) for g in groups]
        adding = sum(len(b.sightings) for b in batches)
        now = self._clock()
        # Serialised before the transaction: the lock is held for the write only.
        rows = [(str(b.batch_id), len(b.sightings), b.model_dump_json().encode(), now) for b in batches]
        async with self._transaction("put") as db:
            dropped, pruned = await self._make_room(db, self._stored + adding - self.max_sightings)
            if dropped + trimmed:
                await _run(
                    db, "UPDATE counters SET value = value + ? WHERE name = 'dropped'", (dropped + trimmed,)
                )
            async with db.executemany(
                "INSERT INTO batches (batch_id, sightings, body, created_at) VALUES (?, ?, ?, ?)",
                rows,
            ):
                pass
        self._depth += adding - dropped
        self._stored += adding - dropped - pruned
        self._dropped += dropped + trimmed
        if dropped + trimmed and not self._dropping:
            self._dropping = True
            log.warning(
                "outbox full: dropping the oldest sightings until the backend is reachable again",
                dropped=dropped + trimmed,
                max_sightings=self.max_sightings,
                dropped_total=self._dropped,
            )
        self.added.set()
        return batches

    async def _make_room(self, db: aiosqlite.Connection, need: int) -> tuple[int, int]:
        """Delete the oldest batches, set-aside ones first; returns (waiting, set-aside) sightings freed."""
        if need <= 0:
            return 0, 0
        # Every batch holds at least one sighting, so `need` rows always free enough.
        async with db.execute(
            "SELECT seq, sightings, set_aside_status IS NOT NULL FROM batches"
            " ORDER BY set_aside_status IS NULL, seq LIMIT ?",
            (need,),
        ) as cursor:
            rows = [(int(r[0]), int(r[1]), bool(r[2])) for r in await cursor.fetchall()]
        seqs = set(to_drop(((seq, n) for seq, n, _ in rows), need))
        async with db.executemany("DELETE FROM batches WHERE seq = ?", [(s,) for s in seqs]):
            pass
        victims = [(n, aside) for seq, n, aside in rows if seq in seqs]
        return sum(n for n, aside in victims if not aside), sum(n for n, aside in victims if aside)

    def _end_drop_episode(self) -> None:
        # Hysteresis: the episode ends when half the bound is free again, not at the first ack.
        if self._dropping and self._stored <= self.max_sightings // 2:
            self._dropping = False
            log.info("outbox has room again", depth=self._depth, dropped_total=self._dropped)

    def _connection(self) -> aiosqlite.Connection:
        if self._db is None:
            raise OutboxError("the outbox is not open")
        return self._db

    @asynccontextmanager
    async def _transaction(self, what: str) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            db = self._connection()
            with _errors(what):
                await _run(db, "BEGIN IMMEDIATE", ())
                try:
                    yield db
                    await _run(db, "COMMIT", ())
                except BaseException:
                    # SQLite may already have rolled back by itself (it does on SQLITE_FULL).
                    with suppress(sqlite3.Error):
                        await _run(db, "ROLLBACK", ())
                    raise


_SUM: Final = "SELECT COALESCE(SUM(sightings), 0) FROM batches"


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """Turn sqlite3's errors into OutboxError/OutboxFull, which the agent knows how to carry on from."""
    try:
        yield
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "is full" in str(exc):
            raise OutboxFull(f"outbox {what} failed: the disk is full ({exc})") from exc
        raise OutboxError(f"outbox {what} failed: {exc}") from exc


async def _run(db: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> None:
    async with db.execute(sql, params):
        pass


async def _scalar(db: aiosqlite.Connection, sql: str) -> Any:
    async with db.execute(sql) as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]


async def _size(db: aiosqlite.Connection, batch_id: uuid.UUID) -> int | None:
    """The sightings of a waiting batch, or None when it is not waiting."""
    async with db.execute(
        "SELECT sightings FROM batches WHERE batch_id = ? AND set_aside_status IS NULL", (str(batch_id),)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else int(row[0])
