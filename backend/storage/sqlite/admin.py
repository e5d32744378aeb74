"""What site staff change on SQLite (the rules: `backend.storage.admin`), and the R*Tree of where
sites are, which nearby searches (`reads.py`) read."""

from __future__ import annotations

import sqlite3

from backend.storage import admin
from backend.storage.sqlite.connection import SqliteBase
from backend.storage.statements import Change


class AdminWrites(admin.AdminWrites, SqliteBase):
    TAKEN = sqlite3.IntegrityError

    async def _index_site(self, db: Change, site_id: int, position: tuple[float, float] | None) -> None:
        if position is None:
            await db.execute("DELETE FROM site_index WHERE id = ?", site_id)
            return
        lat, lon = position
        await db.execute(
            "INSERT OR REPLACE INTO site_index (id, min_lat, max_lat, min_lon, max_lon) VALUES (?, ?, ?, ?, ?)",
            site_id, lat, lat, lon, lon,
        )  # fmt: skip
