"""A site's numbers as staff read them: sightings per hour and prompt events per day. Pure.

From the admin API's hourly stats (`staff_actions.site_stats`, UTC hours). Days are the site's time
zone's days: "the last 7 days" are today and the six days before it, from local midnight on. An
hour belongs to the local day in which it starts (in a zone offset by half an hour, an hour
straddling midnight counts for the day it starts in). Every hour and day of the span has a row,
zeros included, so a chart and a CSV file have no gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from backend.models import SiteStats
from beacon_agent.contract.wire import PromptEventType

SPANS: Final = (7, 30)
EVENT_TYPES: Final = tuple(PromptEventType)
HOUR: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class HourRow:
    start: datetime  # in the site's time zone
    sightings: int
    advertisements: int


@dataclass(frozen=True, slots=True)
class DayRow:
    day: date
    sightings: int
    events: dict[PromptEventType, int]


@dataclass(frozen=True, slots=True)
class SiteNumbers:
    since: datetime
    until: datetime
    hours: list[HourRow]
    days: list[DayRow]

    @property
    def sightings(self) -> int:
        return sum(h.sightings for h in self.hours)

    def events(self, kind: PromptEventType) -> int:
        return sum(d.events[kind] for d in self.days)


def span(now: datetime, timezone: str, days: int) -> tuple[datetime, datetime]:
    """From local midnight `days - 1` days before today (in the site's zone) to `now`, both in UTC."""
    zone = ZoneInfo(timezone)
    first = now.astimezone(zone).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(), zone).astimezone(UTC), now.astimezone(UTC)


def site_numbers(stats: SiteStats, timezone: str) -> SiteNumbers:
    """`stats` (over a `span`) as one row per hour and one per local day of the span."""
    zone = ZoneInfo(timezone)
    per_hour: dict[datetime, list[int]] = {}
    for s in stats.sightings:
        counts = per_hour.setdefault(s.hour.astimezone(UTC), [0, 0])
        counts[0] += s.sightings
        counts[1] += s.advertisements
    hours = []
    hour = stats.since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    while hour < stats.until:
        sightings, advertisements = per_hour.get(hour, (0, 0))
        hours.append(HourRow(hour.astimezone(zone), sightings, advertisements))
        hour += HOUR
    first, last = stats.since.astimezone(zone).date(), stats.until.astimezone(zone).date()
    days = {
        first + timedelta(days=n): DayRow(first + timedelta(days=n), 0, dict.fromkeys(EVENT_TYPES, 0))
        for n in range((last - first).days + 1)
    }
    for h in hours:
        row = days.get(h.start.date())
        if row is not None:
            days[row.day] = DayRow(row.day, row.sightings + h.sightings, row.events)
    for e in stats.prompt_events:
        row = days.get(e.hour.astimezone(zone).date())
        if row is not None:
            row.events[e.type] += e.count
    return SiteNumbers(stats.since, stats.until, hours, list(days.values()))


def hours_csv(numbers: SiteNumbers) -> list[list[str]]:
    """Header `hour_start,sightings,advertisements`: the hour's start in the site's time zone
    (ISO 8601 with its offset), the sightings the agents reported and the advertisements they
    heard in it."""
    rows = [["hour_start", "sightings", "advertisements"]]
    rows += [[h.start.isoformat(), str(h.sightings), str(h.advertisements)] for h in numbers.hours]
    return rows


def days_csv(numbers: SiteNumbers) -> list[list[str]]:
    """Header `date,sightings,shown,opened,dismissed,acted`: the site's local day, its sightings
    and how often phones showed, opened, dismissed and acted on the site's prompts that day."""
    rows = [["date", "sightings", *EVENT_TYPES]]
    rows += [
        [d.day.isoformat(), str(d.sightings), *(str(d.events[t]) for t in EVENT_TYPES)] for d in numbers.days
    ]
    return rows
