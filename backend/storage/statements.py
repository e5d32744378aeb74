"""What both stores run the same way: statements written once with SQLite's ``?`` placeholders, and
the few primitives (reads, one transaction) that run them on either database.

A mixin shared by both stores (`admin.py`, `keys.py` here) is written against `Store`;
`SqliteBase` and `PostgresBase` implement its primitives, PostgreSQL's rendering each statement
with `numbered`. What really differs between the dialects (R*Tree against PostGIS, UPSERT syntax,
COPY) stays in the store's own folder.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from backend.errors import NotFound

if TYPE_CHECKING:
    from backend.storage.columns import Columns


@lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """SQLite's placeholders as PostgreSQL's: ``?`` as ``$1, $2, …`` in order, ``?N`` as ``$N``.

    A bare ``?`` takes the number after the largest one so far, as SQLite numbers it. Text inside
    string literals (``'…'``), quoted names (``"…"``) and comments stays as it is. Cached: the
    stores render the same few statements again and again.
    """
    out: list[str] = []
    largest = 0
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            end = _closing_quote(sql, i)
            out.append(sql[i:end])
            i = end
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif c == "?":
            j = i + 1
            while j < n and sql[j].isascii() and sql[j].isdigit():
                j += 1
            number = int(sql[i + 1 : j]) if j > i + 1 else largest + 1
            largest = max(largest, number)
            out.append(f"${number}")
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _closing_quote(sql: str, start: int) -> int:
    """The index after the quote that closes the one at `start` (a doubled quote is an escape)."""
    quote = sql[start]
    i = start + 1
    while True:
        i = sql.find(quote, i)
        if i < 0:
            return len(sql)
        if sql.startswith(quote * 2, i):
            i += 2
            continue
        return i + 1


class Change(Protocol):
    """One transaction of either store, taking statements with ``?`` placeholders."""

    async def execute(self, sql: str, *args: Any) -> None: ...
    async def insert(self, sql: str, *args: Any) -> int:
        """Run an INSERT into a table with an `id` column; the new row's id."""
        ...

    async def count(self, sql: str, *args: Any) -> int:
        """Run an UPDATE or DELETE; how many rows it changed."""
        ...

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    async def rows(self, sql: str, *args: Any) -> list[Any]: ...
    async def value(self, sql: str, *args: Any) -> Any:
        """The one column of the first row, or None when there is no row."""
        ...

    async def lock_allocations(self) -> None:
        """Keep other processes' allocations (slugs, iBeacon majors and minors) out until the end of
        this transaction (PostgreSQL: an advisory lock; SQLite's one writer already does)."""
        ...

    async def lock_site(self, site_id: int) -> None:
        """Keep other processes' changes to the site out until the end of this transaction
        (PostgreSQL: its row locked; SQLite's one writer already does)."""
        ...

    def savepoint(self) -> AbstractAsyncContextManager[Any]:
        """A block whose failed statement leaves the transaction going on."""
        ...

    def starts_with(self, column: str) -> str:
        """A condition that `column` starts with the text of the next placeholder."""
        ...


class Store(ABC):
    """The primitives a shared mixin runs its statements with, and the checks built on them."""

    @abstractmethod
    async def _fetch_row(self, sql: str, *args: Any) -> Any:
        """The first row of a read that may take long (admin lists, stats), or None."""

    @abstractmethod
    async def _fetch_rows(self, sql: str, *args: Any) -> list[Any]: ...

    @abstractmethod
    async def _fetch_value(self, sql: str, *args: Any) -> Any: ...

    @abstractmethod
    async def _lookup_value(self, sql: str, *args: Any) -> Any:
        """The first column of a short indexed read made on most requests (SQLite: on the event
        loop's own thread), or None."""

    @abstractmethod
    def _change(self) -> AbstractAsyncContextManager[Change]:
        """One transaction: all of it is stored, or none if the block raises."""

    async def _require_site(self, org_id: int, site_id: int) -> None:
        """NotFound unless the organisation has this site: every admin call under a site checks."""
        sql = "SELECT 1 FROM sites WHERE id = ? AND org_id = ?"
        if await self._fetch_value(sql, site_id, org_id) is None:
            raise NotFound(f"site {site_id} not found")

    async def _row_at_site(
        self, columns: Columns, table: str, what: str, row_id: int, site_id: int, org_id: int
    ) -> Sequence[Any]:
        """The row `row_id` of `table` (aliased as `columns` are) if it is at this site of this
        organisation; NotFound naming `what` otherwise, so another organisation's ids answer 404."""
        alias = columns.columns[0].partition(".")[0]
        row = await self._fetch_row(
            f"SELECT {columns.sql} FROM {table} {alias} JOIN sites s ON s.id = {alias}.site_id"
            f" WHERE {alias}.id = ? AND {alias}.site_id = ? AND s.org_id = ?",
            row_id, site_id, org_id,
        )  # fmt: skip
        if row is None:
            raise NotFound(f"{what} {row_id} not found")
        found: Sequence[Any] = row
        return found
