"""Keeping each worker's read caches true to the store when another process changes it.

Each process asks its catalog to `follow` the store's change count every `changes_poll_s` (0.2 s):
when another process changed a site, prompt, beacon or agent, the caches are emptied, so that change
is served, or gone, everywhere within about that time. Changes made through this process empty its
caches at once (`Catalog.invalidate` in `backend.staff_actions`). Sightings and heartbeats do not
move the count, so ingest leaves the caches alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)


async def follow_changes(follow: Callable[[], bool], emptied: Callable[[], None], every_s: float) -> None:
    """Call `follow` every `every_s`, and `emptied` when it emptied the caches; runs until cancelled.
    A failed poll (the database away) is logged and tried at the next tick: the caches still expire
    by their TTL meanwhile."""
    while True:
        try:
            if follow():
                emptied()
        except Exception as exc:
            log.warning("change count unreadable", error=str(exc))
        await asyncio.sleep(every_s)
