"""How a process learns that another one changed what its read caches hold: LISTEN/NOTIFY.

The triggers of migration 2 (the same tables and columns as SQLite's `schema.CACHED`) bump the
`changes` row and send a notification on `CHANGES_CHANNEL` when the changing transaction commits.
Each process keeps one connection of its own (not from the pool) listening, and counts what it
hears in memory, so `change_count()` answers at once on the event loop, as the catalog needs.

A notification sent while the listening connection was away is lost: each time it (re)connects the
count moves by one too, so the caches are emptied once rather than trusted.

A change made through this process's own pool is not counted: its notification names this process
(`PostgresBase.writer`, in the setting `WRITER_SETTING` of each pooled connection), and the process
has emptied its caches already (`Catalog.invalidate`); the notification arrives a moment later and
would empty them a second time. (On SQLite the counter moves for those too, and `invalidate` reads
it after the change: the same outcome.)
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Final

import asyncpg
import structlog

from backend.storage.postgres.connection import CONNECT_TIMEOUT_S, PostgresBase
from backend.storage.postgres.schema import CHANGES_CHANNEL

log = structlog.get_logger(__name__)

# How often the listening connection is asked whether it still answers (a silent network loss
# gives no notice), and how long to wait before connecting again after it broke.
CHECK_EVERY_S: Final = 5.0
RECONNECT_AFTER_S: Final = 1.0
# What the listening connection is called in pg_stat_activity.
LISTENER: Final = "nahbei change listener"


class Changes(PostgresBase):
    _changes = 0
    _notified = 0
    _listening: asyncio.Task[None] | None = None

    async def open(self) -> None:
        await super().open()
        heard = asyncio.Event()
        self._listening = asyncio.create_task(self._listen(heard))
        # The first connection is made before open returns, so a change right after is heard.
        await asyncio.wait_for(heard.wait(), timeout=CONNECT_TIMEOUT_S * 2)

    async def close(self) -> None:
        if self._listening is not None:
            task, self._listening = self._listening, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().close()

    def change_count(self) -> int:
        return self._changes

    def notified_count(self) -> int:
        """`change_count` with this process's own changes too: after each, a read replica must
        replay the primary's log before its answers are fresh (`backend.storage.replica`)."""
        return self._notified

    def _heard(self, _db: Any, _pid: int, _channel: str, writer: str) -> None:
        self._notified += 1
        if writer != self.writer:
            self._changes += 1

    async def _listen(self, connected: asyncio.Event) -> None:
        """Listen until cancelled, connecting again whenever the connection is lost."""
        while True:
            try:
                db = await asyncpg.connect(
                    self.dsn, timeout=CONNECT_TIMEOUT_S, server_settings={"application_name": LISTENER}
                )
            except Exception as exc:  # down, or its database dropped or renamed: try again
                log.warning("change listener cannot connect", database=self.where, error=str(exc))
                await asyncio.sleep(RECONNECT_AFTER_S)
                continue
            try:
                await self._hear(db, connected)
                log.warning("change listener lost its connection", database=self.where)
            except Exception as exc:
                log.warning("change listener lost its connection", database=self.where, error=str(exc))
            finally:
                db.terminate()
            await asyncio.sleep(RECONNECT_AFTER_S)

    async def _hear(self, db: asyncpg.Connection, connected: asyncio.Event) -> None:
        """Count the notifications `db` hears until it is closed or stops answering."""
        lost = asyncio.Event()
        db.add_termination_listener(lambda _db: lost.set())
        await db.add_listener(CHANGES_CHANNEL, self._heard)
        self._changes += 1  # what was sent while nobody listened is unknown
        self._notified += 1
        connected.set()
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), CHECK_EVERY_S)
            if not lost.is_set():
                await db.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT_S)
