"""A streaming replica of the primary, answering the public reads (`backend.storage.replica` routes
them here).

It migrates nothing (a standby is read-only and gets the primary's schema by replaying its log),
listens to nothing (the change feed is the primary's), and connects only when first used, so a
replica that is away when the backend starts slows the reads instead of stopping the start.
"""

from __future__ import annotations

from backend.storage.postgres.reads import PublicReads


class Standby(PublicReads):
    """The public reads of `PublicReads`, on a hot standby."""

    async def open(self) -> None:
        self._pool = await self._connect(0)

    async def in_recovery(self) -> bool:
        """Whether this database is a standby replaying a primary's log (not a primary itself)."""
        return bool(await self._value("SELECT pg_is_in_recovery()"))

    async def replayed(self, position: str) -> bool:
        """Whether this standby has replayed the primary's log up to `position` (`wal_position`)."""
        return bool(await self._value("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", position))
