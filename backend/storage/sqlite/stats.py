"""What site staff read about a site's health and use: beacon activity and the hourly counts.

On the reader's thread: these scan a site's sightings and roll-ups, which may take a while.
"""

from __future__ import annotations

from typing import Any

from backend.storage import BeaconActivity, HourCount, records
from backend.storage.columns import Columns
from backend.storage.records import BEACON
from backend.storage.rows import hour_of
from backend.storage.sqlite.connection import SqliteBase, fetch_all

ACTIVITY = BEACON + Columns(
    "b.last_seen",
    "b.battery_mv",
    "(SELECT COUNT(*) FROM sightings x WHERE x.beacon_id = b.id AND x.last_seen >= ?) AS last_hour",
)
SIGHTINGS_HOURLY = Columns(
    "h.hour",
    "COALESCE(b.key, b.retired_key, 'beacon:' || b.id) AS key",
    "h.sightings AS a",
    "h.advertisements AS b",
)
EVENTS_HOURLY = Columns("e.hour", "e.type AS key", "e.prompt_id AS a", "e.count AS b")


class Stats(SqliteBase):
    async def beacon_activity(self, org_id: int, site_id: int, now: float) -> list[BeaconActivity]:
        await self._require_site(org_id, site_id)
        rows = await fetch_all(
            self._r,
            f"SELECT {ACTIVITY.sql} FROM beacons b WHERE b.site_id = ? ORDER BY b.id",
            (now - 3600, site_id),
        )
        return [beacon_activity(ACTIVITY.record(row)) for row in rows]

    async def sighting_counts(self, org_id: int, site_id: int, since: float, until: float) -> list[HourCount]:
        await self._require_site(org_id, site_id)
        rows = await fetch_all(
            self._r,
            f"SELECT {SIGHTINGS_HOURLY.sql} FROM sightings_hourly h JOIN beacons b ON b.id = h.beacon_id"
            " WHERE h.site_id = ? AND h.hour >= ? AND h.hour < ? ORDER BY h.hour, b.id",
            (site_id, hour_of(since), until),
        )
        return [_hour_count(SIGHTINGS_HOURLY.record(row)) for row in rows]

    async def event_counts(self, org_id: int, site_id: int, since: float, until: float) -> list[HourCount]:
        await self._require_site(org_id, site_id)
        rows = await fetch_all(
            self._r,
            f"SELECT {EVENTS_HOURLY.sql} FROM prompt_events_hourly e JOIN prompts p ON p.id = e.prompt_id"
            " WHERE p.site_id = ? AND e.hour >= ? AND e.hour < ? ORDER BY e.hour, e.prompt_id, e.type",
            (site_id, hour_of(since), until),
        )
        return [_hour_count(EVENTS_HOURLY.record(row)) for row in rows]


def beacon_activity(fields: dict[str, Any]) -> BeaconActivity:
    """A beacon's activity from a row read with `ACTIVITY`'s columns (either store's)."""
    return BeaconActivity(
        records.beacon(fields), fields["last_seen"], fields["battery_mv"], int(fields["last_hour"])
    )


def _hour_count(fields: dict[str, Any]) -> HourCount:
    """Columns aliased as `HourCount`'s fields."""
    return HourCount(float(fields["hour"]), str(fields["key"]), int(fields["a"]), int(fields["b"]))
