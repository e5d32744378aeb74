"""How a process learns that another one changed what its read caches hold: a counter in the file.

Every insert, update or delete of a site, prompt, beacon, agent or typed distance model bumps
`changes.count` by a trigger (migration 9, `schema.CACHED`), in the changing transaction itself: a
change is never committed without its bump, whichever process, page, API call or command line made
it. Each process polls the counter (`backend.changes`) and empties its caches when it moved.

Why a counter and not ``PRAGMA data_version``: data_version moves on every commit by any other
connection, and most commits are agents' sighting batches and heartbeats. With several workers each
batch would empty every other worker's cache, so `resolve` would go to the file again after every
batch. The triggers leave out exactly the columns those writes touch (a beacon's last_seen and
battery, an agent's heartbeat) and the distance fit, so ingest moves nothing.
"""

from __future__ import annotations

from backend.storage.sqlite.connection import SqliteBase


class Changes(SqliteBase):
    def change_count(self) -> int:
        # One row on the event loop's connection: a few microseconds, five times a second.
        return int(self._value("SELECT count FROM changes WHERE id = 1") or 0)
