"""When a prompt is current: published, inside its validity dates and inside its weekly schedule.

Pure: the time is passed in. A weekly window is read on the site's wall clock, and each of its
occurrences becomes one interval of real time. On the two nights a year the clock changes:

- a time the clock shows twice (autumn) means the first time, so a window runs once, unbroken;
- a time the clock skips (spring) means the moment the clock jumps past it, so 02:30-04:00 runs
  03:00-04:00 that night and 02:00-02:30 does not run at all.

`is_current` and `next_change` read the same intervals, so an answer cached until `next_change`
is never stale.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    WithJsonSchema,
    field_validator,
)

PUBLISHED: Final = "published"
MAX_WINDOWS: Final = 28  # four windows a day, every day of the week
# A weekly pattern that does not change within 8 days (a week plus the day a clock change may
# have hidden a window) never changes.
HORIZON: Final = timedelta(days=8)

# [0-9], not \d, which would also take other scripts' digits.
_START = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
_END = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00")
# Keys zoneinfo accepts that name no place: the server's own zone and "no zone set". Keys under
# right/ count leap seconds, which datetime does not.
_NOT_SITE_ZONES: Final = frozenset({"localtime", "posixrules", "Factory"})


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


_BY_INDEX: Final = tuple(Weekday)  # in the order of date.weekday()


def _start_time(value: str) -> str:
    if not _START.fullmatch(value):
        raise ValueError('expected a 24-hour time "HH:MM" from "00:00" to "23:59"')
    return value


def _end_time(value: str) -> str:
    if not _END.fullmatch(value):
        raise ValueError('expected a 24-hour time "HH:MM" from "00:00" to "24:00"')
    return value


StartTime = Annotated[
    str,
    AfterValidator(_start_time),
    WithJsonSchema({"type": "string", "pattern": f"^{_START.pattern}$", "examples": ["09:00"]}),
]
EndTime = Annotated[
    str,
    AfterValidator(_end_time),
    WithJsonSchema({"type": "string", "pattern": f"^(?:{_END.pattern})$", "examples": ["17:00", "24:00"]}),
]


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class ScheduleWindow(BaseModel):
    """On each of `days`, from `start` to `end` on the site's wall clock.

    An `end` at or before `start` runs over midnight into the next day, so equal times mean 24
    hours; the window belongs to the day it starts on.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: list[Weekday] = Field(min_length=1, max_length=7)
    start: StartTime
    end: EndTime

    @field_validator("days")
    @classmethod
    def _days_distinct(cls, days: list[Weekday]) -> list[Weekday]:
        if len(set(days)) != len(days):
            raise ValueError("each day may appear once")
        return days

    def occurrence(self, day: date) -> tuple[datetime, datetime]:
        """The wall-clock start and end of the occurrence starting on `day` (naive datetimes)."""
        begin, finish = _minutes(self.start), _minutes(self.end)
        midnight = datetime.combine(day, time())
        if finish <= begin:
            finish += 24 * 60
        return midnight + timedelta(minutes=begin), midnight + timedelta(minutes=finish)


Schedule = Annotated[list[ScheduleWindow], Field(max_length=MAX_WINDOWS)]
SCHEDULE_ADAPTER: Final[TypeAdapter[list[ScheduleWindow]]] = TypeAdapter(Schedule)


def check_timezone(name: str) -> str:
    """Return name if it is an IANA time zone a site can be in; raise ValueError otherwise."""
    _zone(name)
    return name


def _zone(name: str) -> ZoneInfo:
    if name in _NOT_SITE_ZONES or name.startswith("right/"):
        raise ValueError(f"{name!r} is not a site's time zone; use an IANA name such as 'Europe/Berlin'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'") from None


def _utc(moment: datetime, what: str) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return moment.astimezone(UTC)


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first moment the site's clock reads `wall` or later, in UTC."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)  # fold=0: the earlier of two readings
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # A skipped time: fold=1 reads it with the offset after the jump, which lands before the jump,
    # and fold=0 lands after it. Zone transitions fall on whole seconds.
    before = int(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    after = int(first.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) < wall:
            before = middle
        else:
            after = middle
    return datetime.fromtimestamp(after, UTC)


def _intervals(
    windows: Sequence[ScheduleWindow], zone: ZoneInfo, first: date, last: date
) -> list[tuple[datetime, datetime]]:
    """The occurrences starting on the site's dates first..last, as [start, end) in UTC."""
    out: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        weekday = _BY_INDEX[day.weekday()]
        for window in windows:
            if weekday in window.days:
                begin, finish = (_instant(wall, zone) for wall in window.occurrence(day))
                if begin < finish:
                    out.append((begin, finish))
        day += timedelta(days=1)
    return out


def _scheduled(windows: Sequence[ScheduleWindow], zone: ZoneInfo, now: datetime) -> bool:
    # An occurrence lasts at most 25 hours, so one containing `now` starts the site's day before,
    # the same day, or (if the clock went back over midnight) the day after.
    today = now.astimezone(zone).date()
    one = timedelta(days=1)
    return any(begin <= now < finish for begin, finish in _intervals(windows, zone, today - one, today + one))


def _schedule_change(windows: Sequence[ScheduleWindow], zone: ZoneInfo, now: datetime) -> datetime | None:
    """The first moment after `now` at which the schedule opens or closes; None if it never does."""
    today = now.astimezone(zone).date()
    horizon = now + HORIZON
    intervals = _intervals(windows, zone, today - timedelta(days=1), today + HORIZON + timedelta(days=1))
    open_count = sum(1 for begin, finish in intervals if begin <= now < finish)
    steps: defaultdict[datetime, int] = defaultdict(int)
    for begin, finish in intervals:
        if now < begin <= horizon:
            steps[begin] += 1
        if now < finish <= horizon:
            steps[finish] -= 1
    was_open = open_count > 0
    for moment in sorted(steps):
        open_count += steps[moment]
        if (open_count > 0) != was_open:
            return moment
    return None


def is_current(
    *,
    status: str,
    valid_from: datetime | None,
    valid_until: datetime | None,
    schedule: Sequence[ScheduleWindow] | None,
    timezone: str,
    now: datetime,
) -> bool:
    """Whether a prompt shows at `now`: published, valid_from <= now < valid_until, and scheduled.

    No schedule (None or empty) means always. All datetimes must be timezone-aware.
    """
    zone = _zone(timezone)
    now = _utc(now, "now")
    if status != PUBLISHED:
        return False
    if valid_from is not None and now < _utc(valid_from, "valid_from"):
        return False
    if valid_until is not None and now >= _utc(valid_until, "valid_until"):
        return False
    return not schedule or _scheduled(schedule, zone, now)


def next_change(
    *,
    status: str,
    valid_from: datetime | None,
    valid_until: datetime | None,
    schedule: Sequence[ScheduleWindow] | None,
    timezone: str,
    now: datetime,
) -> datetime | None:
    """The first moment after `now` (UTC) at which `is_current` gives another answer.

    None when the answer never changes again. Until then the answer for `now` holds, so a cache
    may keep it that long.
    """
    zone = _zone(timezone)
    now = _utc(now, "now")
    start = None if valid_from is None else _utc(valid_from, "valid_from")
    until = None if valid_until is None else _utc(valid_until, "valid_until")
    if status != PUBLISHED:
        return None
    if until is not None and (now >= until or (start is not None and start >= until)):
        return None
    current = is_current(
        status=status, valid_from=start, valid_until=until, schedule=schedule, timezone=timezone, now=now
    )
    if current:
        ends = [until, _schedule_change(schedule, zone, now) if schedule else None]
        return min((moment for moment in ends if moment is not None), default=None)
    if start is not None and now < start:
        if not schedule or _scheduled(schedule, zone, start):
            begins: datetime | None = start
        else:
            begins = _schedule_change(schedule, zone, start)
    else:
        # Published and valid but not current: the schedule is closed now.
        begins = _schedule_change(schedule, zone, now) if schedule else None
    if begins is None or (until is not None and begins >= until):
        return None
    return begins
