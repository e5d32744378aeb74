"""What site staff read about a site's health and use: beacon activity and the hourly counts."""

from __future__ import annotations

from backend.storage import BeaconActivity, HourCount
from backend.storage.columns import Columns
from backend.storage.postgres.connection import PostgresBase
from backend.storage.records import BEACON
from backend.storage.rows import hour_of
from backend.storage.sqlite.stats import EVENTS_HOURLY, SIGHTINGS_HOURLY, _hour_count, beacon_activity

ACTIVITY = BEACON + Columns(
    "b.last_seen",
    "b.battery_mv",
    "(SELECT COUNT(*) FROM sightings x WHERE x.beacon_id = b.id AND x.last_seen >= $1) AS last_hour",
)


class Stats(PostgresBase):
    async def beacon_activity(self, org_id: int, site_id: int, now: float) -> list[BeaconActivity]:
        await self._require_site(org_id, site_id)
        rows = await self._all(
            f"SELECT {ACTIVITY.sql} FROM beacons b WHERE b.site_id = $2 ORDER BY b.id", now - 3600, site_id
        )
        return [beacon_activity(ACTIVITY.record(row)) for row in rows]

    async def sighting_counts(self, org_id: int, site_id: int, since: float, until: float) -> list[HourCount]:
        await self._require_site(org_id, site_id)
        rows = await self._all(
            f"SELECT {SIGHTINGS_HOURLY.sql} FROM sightings_hourly h JOIN beacons b ON b.id = h.beacon_id"
            " WHERE h.site_id = $1 AND h.hour >= $2 AND h.hour < $3 ORDER BY h.hour, b.id",
            site_id, hour_of(since), until,
        )  # fmt: skip
        return [_hour_count(SIGHTINGS_HOURLY.record(row)) for row in rows]

    async def event_counts(self, org_id: int, site_id: int, since: float, until: float) -> list[HourCount]:
        await self._require_site(org_id, site_id)
        rows = await self._all(
            f"SELECT {EVENTS_HOURLY.sql} FROM prompt_events_hourly e JOIN prompts p ON p.id = e.prompt_id"
            " WHERE p.site_id = $1 AND e.hour >= $2 AND e.hour < $3 ORDER BY e.hour, e.prompt_id, e.type",
            site_id, hour_of(since), until,
        )  # fmt: skip
        return [_hour_count(EVENTS_HOURLY.record(row)) for row in rows]
