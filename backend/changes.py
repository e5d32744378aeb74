"""Keeping each worker's read caches true to the store when another process changes it.

Each process polls `Storage.change_count()` every `changes_poll_s` (0.2 s) and empties its caches
when the number moved: a prompt published or withdrawn, a beacon added or a site changed through any
worker is served, or gone, everywhere within about that time. Changes made through this process
empty its caches at once (`Catalog.invalidate` in `backend.staff_actions`); the poll only catches
the others'. Sightings and heartbeats do not move the number, so ingest leaves the caches alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


class Seen:
    """The change count last seen; pure."""

    def __init__(self, count: int) -> None:
        self.count = count

    def moved(self, count: int) -> bool:
        """Whether `count` differs from the one seen before (and remember it)."""
        moved, self.count = count != self.count, count
        return moved


async def follow_changes(
    count: Callable[[], Awaitable[int]], emptied: Callable[[], None], every_s: float
) -> None:
    """Call `emptied` whenever `count` moves; runs until cancelled. A failed poll (the database busy
    or away) is logged and tried again at the next tick: the caches still expire by their TTL."""
    seen = Seen(await count())
    while True:
        await asyncio.sleep(every_s)
        try:
            if seen.moved(await count()):
                emptied()
        except Exception as exc:
            log.warning("change count unreadable", error=str(exc))
