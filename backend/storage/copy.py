"""`admin copy-store`: an instance's SQLite file copied whole into an empty PostgreSQL database.

So a site that outgrows one file keeps its data: every table's rows are copied in one PostgreSQL
transaction (all or nothing), each table's count is checked against the source before it commits,
and the ids' sequences continue after the highest copied id. Both databases are first brought to
the current schema by opening them as stores. The target must hold no organisation yet: a copy
never merges two instances.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import asyncpg

from backend.config import Settings
from backend.storage.open import (
    CannotOpenDatabase,
    UnsupportedDatabase,
    open_storage,
    postgres_dsn,
    sqlite_path,
)
from backend.storage.postgres.schema import TABLES

CHUNK_ROWS: Final = 50_000
Progress = Callable[[str, int, int], None]  # table, rows copied so far, rows in all


class NotEmpty(ValueError):
    """The target already holds an instance; `str()` is one line naming it."""


async def copy_store(source: str | Path, target: str, progress: Progress) -> dict[str, int]:
    """Copy every row of the SQLite instance `source` into the empty PostgreSQL database `target`;
    the rows copied per table. `progress` is told as each chunk of a table lands."""
    path = sqlite_path(source)
    dsn = postgres_dsn(target)
    if dsn is None:
        raise UnsupportedDatabase(
            f"copy-store copies into PostgreSQL: --to must be a postgresql:// URL, not {target!r}"
        )
    if not path.is_file():
        raise CannotOpenDatabase(f"cannot open database {str(source)!r}: there is no such file")
    for db in (path, dsn):  # migrate both to the current schema, and refuse what cannot be opened
        async with open_storage(Settings(db=db)):
            pass
    source_db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target_db = await asyncpg.connect(dsn)
    try:
        if await target_db.fetchval("SELECT EXISTS (SELECT 1 FROM orgs)"):
            raise NotEmpty(f"the database {target!r} already holds organisations: copy into an empty one")
        copied: dict[str, int] = {}
        async with target_db.transaction():
            await target_db.execute("DELETE FROM meta")  # the source's iBeacon UUID, not a new one
            for table in reversed(TABLES):  # parents before children
                copied[table] = await _copy_table(source_db, target_db, table, progress)
            await _continue_ids(target_db)
            for table, count in copied.items():
                landed = await target_db.fetchval(f"SELECT COUNT(*) FROM {table}")
                if landed != count:
                    raise RuntimeError(f"{table}: {count} rows read, {landed} stored; nothing was copied")
        return copied
    finally:
        source_db.close()
        await target_db.close()


async def _copy_table(
    source: sqlite3.Connection, target: asyncpg.Connection, table: str, progress: Progress
) -> int:
    types = dict(
        await target.fetch(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'",
            table,
        )
    )
    columns = [c for (_, c, *_) in source.execute(f"PRAGMA table_info({table})") if c in types]
    total = int(source.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    done = 0
    progress(table, 0, total)
    convert = [_converter(types[c]) for c in columns]
    for chunk in _chunks(source.execute(f"SELECT {', '.join(columns)} FROM {table}")):
        rows = [
            tuple(None if v is None else f(v) for f, v in zip(convert, row, strict=True)) for row in chunk
        ]
        await target.copy_records_to_table(table, records=rows, columns=columns)
        done += len(rows)
        progress(table, done, total)
    return done


def _converter(data_type: str) -> Callable[[Any], Any]:
    """SQLite keeps a number as it came (1.0 may be 1); PostgreSQL's COPY wants each column's type."""
    if data_type == "double precision":
        return float
    if data_type in ("bigint", "integer"):
        return int
    if data_type == "bytea":
        return bytes
    return str


def _chunks(cursor: sqlite3.Cursor) -> Iterator[list[Any]]:
    while rows := cursor.fetchmany(CHUNK_ROWS):
        yield rows


async def _continue_ids(db: asyncpg.Connection) -> None:
    """Each identity column's next value after the highest id copied."""
    identities = await db.fetch(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for table, column in identities:
        await db.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
            f" COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        )
