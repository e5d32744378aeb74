"""Read (or, for a test's set-up, change) a backend's database directly, on either store, from sync code.

Tests check what was stored, not only what was answered; `rows(db, sql, *args)` runs `sql` with
SQLite's ``?`` placeholders on the SQLite file `db` names, or (``$1``, ``$2``… in their place) on
the PostgreSQL database its URL names, through its own connection in a thread of its own, so it may
be called from the event loop's thread as the SQLite reads are.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import asyncpg

from backend.storage.postgres.connection import numbered


def rows(db: Path | str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    if isinstance(db, Path):
        with sqlite3.connect(db) as conn:
            return [tuple(row) for row in conn.execute(sql, args).fetchall()]
    pg_sql = numbered(sql)
    found: list[tuple[Any, ...]] = []
    failed: list[BaseException] = []

    async def run() -> None:
        conn = await asyncpg.connect(db)
        try:
            found.extend(tuple(row) for row in await conn.fetch(pg_sql, *args))
        finally:
            await conn.close()

    def thread() -> None:
        try:
            asyncio.run(run())
        except BaseException as exc:
            failed.append(exc)

    worker = threading.Thread(target=thread)
    worker.start()
    worker.join()
    if failed:
        raise failed[0]
    return found


def value(db: Path | str, sql: str, *args: Any) -> Any:
    """The first column of the first row, or None."""
    found = rows(db, sql, *args)
    return found[0][0] if found else None
