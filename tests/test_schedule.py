"""When a prompt is current, and until when that answer holds (backend/schedule.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from backend.schedule import (
    MAX_WINDOWS,
    SCHEDULE_ADAPTER,
    ScheduleWindow,
    Weekday,
    check_timezone,
    is_current,
    next_change,
)

BERLIN = "Europe/Berlin"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def window(days: str, start: str, end: str) -> ScheduleWindow:
    return ScheduleWindow(days=[Weekday(day) for day in days.split(",")], start=start, end=end)


def current(
    schedule: Sequence[ScheduleWindow] | None,
    now: datetime,
    *,
    timezone: str = BERLIN,
    status: str = "published",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> bool:
    return is_current(
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
        schedule=schedule,
        timezone=timezone,
        now=now,
    )


def change(
    schedule: Sequence[ScheduleWindow] | None,
    now: datetime,
    *,
    timezone: str = BERLIN,
    status: str = "published",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> datetime | None:
    return next_change(
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
        schedule=schedule,
        timezone=timezone,
        now=now,
    )


def open_utc(schedule: Sequence[ScheduleWindow], start: datetime, *, timezone: str = BERLIN) -> list[str]:
    """The UTC intervals during which the schedule is open, following next_change from start."""
    spans: list[str] = []
    moment: datetime | None = start
    opened = start if current(schedule, start, timezone=timezone) else None
    while moment is not None and moment < start + timedelta(days=2):
        moment = change(schedule, moment, timezone=timezone)
        if moment is None:
            break
        if opened is None:
            opened = moment
        else:
            spans.append(f"{opened:%m-%d %H:%M}-{moment:%m-%d %H:%M}")
            opened = None
    return spans


# --- wall-clock windows in Berlin ----------------------------------------------------------------

OFFICE = [window("mon,tue,wed,thu,fri", "09:00", "17:00")]


def test_office_hours_in_winter_and_summer() -> None:
    assert not current(OFFICE, utc(2026, 1, 5, 7, 59))  # Monday 08:59 CET
    assert current(OFFICE, utc(2026, 1, 5, 8, 0))
    assert current(OFFICE, utc(2026, 1, 5, 15, 59, 59))
    assert not current(OFFICE, utc(2026, 1, 5, 16, 0))
    assert current(OFFICE, utc(2026, 7, 6, 7, 0))  # Monday 09:00 CEST
    assert not current(OFFICE, utc(2026, 7, 6, 15, 0))
    assert not current(OFFICE, utc(2026, 1, 10, 12, 0))  # Saturday
    assert change(OFFICE, utc(2026, 1, 9, 16, 0)) == utc(2026, 1, 12, 8, 0)  # Friday evening to Monday


def test_window_on_the_spring_forward_day_keeps_wall_time() -> None:
    sunday = [window("sun", "09:00", "17:00")]
    assert open_utc(sunday, utc(2026, 3, 28)) == ["03-29 07:00-03-29 15:00"]  # CEST from 03:00 local


def test_window_on_the_fall_back_day_keeps_wall_time() -> None:
    sunday = [window("sun", "09:00", "17:00")]
    assert open_utc(sunday, utc(2026, 10, 24)) == ["10-25 08:00-10-25 16:00"]  # CET from 03:00 CEST


def test_window_starting_in_the_skipped_hour_opens_when_the_clock_jumps() -> None:
    assert open_utc([window("sun", "02:30", "04:00")], utc(2026, 3, 28)) == ["03-29 01:00-03-29 02:00"]
    assert open_utc([window("sun", "01:30", "02:30")], utc(2026, 3, 28)) == ["03-29 00:30-03-29 01:00"]


def test_window_inside_the_skipped_hour_does_not_run_that_night() -> None:
    skipped = [window("sun", "02:00", "02:30")]
    assert change(skipped, utc(2026, 3, 28)) == utc(2026, 4, 5, 0, 0)  # a week later, 02:00 CEST
    assert not current(skipped, utc(2026, 3, 29, 1, 0))


def test_window_over_the_repeated_hour_runs_once_and_unbroken() -> None:
    assert open_utc([window("sun", "02:30", "05:00")], utc(2026, 10, 24)) == ["10-25 00:30-10-25 04:00"]
    assert current([window("sun", "02:30", "05:00")], utc(2026, 10, 25, 1, 0))  # 02:00 CET, the second time
    short = [window("sun", "02:15", "02:45")]
    assert open_utc(short, utc(2026, 10, 24)) == ["10-25 00:15-10-25 00:45"]
    assert change(short, utc(2026, 10, 25, 0, 45)) == utc(2026, 11, 1, 1, 15)


def test_window_ending_in_the_repeated_hour_ends_the_first_time() -> None:
    assert open_utc([window("sun", "01:00", "02:30")], utc(2026, 10, 24)) == ["10-24 23:00-10-25 00:30"]


# --- over midnight -------------------------------------------------------------------------------


def test_overnight_window_belongs_to_the_day_it_starts() -> None:
    friday_night = [window("fri", "22:00", "02:00")]
    assert not current(friday_night, utc(2026, 1, 9, 20, 59))  # Friday 21:59
    assert current(friday_night, utc(2026, 1, 9, 21, 0))
    assert current(friday_night, utc(2026, 1, 10, 0, 59))  # Saturday 01:59
    assert not current(friday_night, utc(2026, 1, 10, 1, 0))
    assert not current(friday_night, utc(2026, 1, 10, 21, 30))  # Saturday 22:30
    assert not current(friday_night, utc(2026, 1, 8, 23, 30))  # Thursday night


def test_sunday_night_runs_into_monday() -> None:
    assert current([window("sun", "22:00", "06:00")], utc(2026, 1, 12, 4, 0))  # Monday 05:00


def test_overnight_window_over_the_spring_change_is_an_hour_shorter() -> None:
    night = [window("sat", "22:00", "06:00")]
    assert open_utc(night, utc(2026, 3, 28)) == ["03-28 21:00-03-29 04:00"]


def test_equal_times_mean_a_whole_day_and_24_00_ends_at_midnight() -> None:
    assert open_utc([window("wed", "12:00", "12:00")], utc(2026, 1, 6)) == ["01-07 11:00-01-08 11:00"]
    assert open_utc([window("wed", "18:00", "24:00")], utc(2026, 1, 6)) == ["01-07 17:00-01-07 23:00"]


def test_schedule_open_all_week_never_changes() -> None:
    always = [window("mon,tue,wed,thu,fri,sat,sun", "00:00", "24:00")]
    assert current(always, utc(2026, 3, 29, 1, 30))
    assert change(always, utc(2026, 3, 28)) is None
    overlapping = [window("mon,tue,wed,thu,fri,sat,sun", "06:00", "06:00"), window("sun", "05:00", "07:00")]
    assert change(overlapping, utc(2026, 10, 24)) is None


def test_no_schedule_means_always() -> None:
    nothing: list[list[ScheduleWindow] | None] = [None, []]
    for schedule in nothing:
        assert current(schedule, utc(2026, 3, 29, 1, 0))
        assert change(schedule, utc(2026, 3, 29, 1, 0)) is None


# --- status and validity -------------------------------------------------------------------------


def test_only_published_prompts_are_current() -> None:
    for status in ("draft", "archived", "Published"):
        assert not current(None, utc(2026, 1, 5), status=status)
        assert change(None, utc(2026, 1, 5), status=status) is None


def test_valid_from_is_inclusive_and_valid_until_exclusive() -> None:
    start, end = utc(2026, 5, 1, 10), utc(2026, 5, 3, 10)
    assert not current(None, start - timedelta(microseconds=1), valid_from=start, valid_until=end)
    assert current(None, start, valid_from=start, valid_until=end)
    assert current(None, end - timedelta(microseconds=1), valid_from=start, valid_until=end)
    assert not current(None, end, valid_from=start, valid_until=end)
    assert change(None, utc(2026, 4, 1), valid_from=start, valid_until=end) == start
    assert change(None, start, valid_from=start, valid_until=end) == end
    assert change(None, end, valid_from=start, valid_until=end) is None


def test_validity_dates_in_another_zone_mean_the_same_instant() -> None:
    start = datetime(2026, 5, 1, 12, tzinfo=ZoneInfo(BERLIN))  # 10:00 UTC
    assert not current(None, utc(2026, 5, 1, 9, 59), valid_from=start)
    assert current(None, utc(2026, 5, 1, 10, 0), valid_from=start)
    assert change(None, utc(2026, 5, 1), valid_from=start) == utc(2026, 5, 1, 10)


def test_validity_and_schedule_together() -> None:
    start = utc(2026, 1, 10, 12)  # a Saturday: the office is closed
    assert change(OFFICE, utc(2026, 1, 1), valid_from=start) == utc(2026, 1, 12, 8)
    inside_office_hours = utc(2026, 1, 12, 10)  # Monday 11:00
    assert change(OFFICE, utc(2026, 1, 1), valid_from=inside_office_hours) == inside_office_hours
    ends_at_noon = utc(2026, 1, 12, 11)
    assert change(OFFICE, utc(2026, 1, 12, 9), valid_until=ends_at_noon) == ends_at_noon
    # Expires over the weekend: never opens again.
    assert change(OFFICE, utc(2026, 1, 9, 17), valid_until=utc(2026, 1, 11)) is None
    assert change(OFFICE, utc(2026, 1, 1), valid_from=start, valid_until=utc(2026, 1, 11)) is None


def test_empty_or_reversed_validity_is_never_current() -> None:
    moment = utc(2026, 5, 1)
    assert not current(None, moment, valid_from=moment, valid_until=moment)
    assert change(None, moment - timedelta(days=1), valid_from=moment, valid_until=moment) is None
    assert change(None, moment, valid_from=moment + timedelta(days=1), valid_until=moment) is None


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 5, 1, 12)
    with pytest.raises(ValueError, match="now must be a timezone-aware"):
        current(None, naive)
    with pytest.raises(ValueError, match="valid_from must be a timezone-aware"):
        change(None, utc(2026, 5, 1), valid_from=naive)


# --- time zones ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "Asia/Kolkata"])
def test_known_time_zones_pass(name: str) -> None:
    assert check_timezone(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Mars/Olympus",
        "europe/berlin",
        "Europe",
        "../etc/passwd",
        "/etc/localtime",
        "localtime",
        "Factory",
    ],
)
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="time zone"):
        check_timezone(name)
    with pytest.raises(ValueError, match="time zone"):
        current(None, utc(2026, 1, 1), timezone=name)


def test_the_clock_going_back_over_midnight() -> None:
    # Santiago, 2026-04-05 03:00 UTC: 00:00 -03 becomes 23:00 -04 on the 4th again.
    late = [window("sat", "23:30", "23:45")]
    assert open_utc(late, utc(2026, 4, 4, 12), timezone="America/Santiago") == ["04-05 02:30-04-05 02:45"]
    assert current(late, utc(2026, 4, 5, 2, 40), timezone="America/Santiago")
    assert not current(
        late, utc(2026, 4, 5, 3, 40), timezone="America/Santiago"
    )  # 23:40 again, once is enough


# --- the models ----------------------------------------------------------------------------------


def test_window_from_json() -> None:
    parsed = SCHEDULE_ADAPTER.validate_json('[{"days": ["mon", "sun"], "start": "18:30", "end": "24:00"}]')
    assert parsed == [window("mon,sun", "18:30", "24:00")]
    assert SCHEDULE_ADAPTER.dump_python(parsed, mode="json") == [
        {"days": ["mon", "sun"], "start": "18:30", "end": "24:00"}
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"days": ["mon"], "start": "9:00", "end": "17:00"},
        {"days": ["mon"], "start": "24:00", "end": "17:00"},
        {"days": ["mon"], "start": "09:00", "end": "24:01"},
        {"days": ["mon"], "start": "12:60", "end": "17:00"},
        {"days": ["mon"], "start": "09:00:00", "end": "17:00"},
        {"days": ["mon"], "start": "\u0660\u0669:\u0660\u0660", "end": "17:00"},
        {"days": ["mon"], "start": 900, "end": "17:00"},
        {"days": ["Mon"], "start": "09:00", "end": "17:00"},
        {"days": ["mon", "mon"], "start": "09:00", "end": "17:00"},
        {"days": [], "start": "09:00", "end": "17:00"},
        {"days": ["mon"], "start": "09:00"},
        {"days": ["mon"], "start": "09:00", "end": "17:00", "tz": "UTC"},
    ],
)
def test_bad_windows_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ScheduleWindow.model_validate(body)


def test_time_error_says_what_is_expected() -> None:
    with pytest.raises(ValidationError, match=r'24-hour time "HH:MM"'):
        ScheduleWindow.model_validate({"days": ["mon"], "start": "9am", "end": "17:00"})


def test_at_most_28_windows() -> None:
    body = [{"days": ["mon"], "start": "09:00", "end": "10:00"}]
    assert len(SCHEDULE_ADAPTER.validate_python(body * MAX_WINDOWS)) == MAX_WINDOWS
    with pytest.raises(ValidationError):
        SCHEDULE_ADAPTER.validate_python(body * (MAX_WINDOWS + 1))


def test_json_schema_states_the_time_pattern() -> None:
    schema = ScheduleWindow.model_json_schema()
    assert schema["properties"]["start"]["pattern"] == r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
    assert schema["additionalProperties"] is False


# --- properties ----------------------------------------------------------------------------------

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
]
# Clock changes in 2026 of the zones above, so that examples land on them often.
CHANGES = [
    utc(2026, 3, 29, 1),
    utc(2026, 10, 25, 1),
    utc(2026, 3, 8, 7),
    utc(2026, 11, 1, 6),
    utc(2026, 4, 5, 3),
    utc(2026, 9, 6, 4),
    utc(2026, 4, 4, 15),
    utc(2026, 10, 3, 16),
]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# Quarter hours make windows touch and overlap often; both must still give exact answers.
windows = st.builds(
    ScheduleWindow,
    days=st.lists(st.sampled_from(Weekday), min_size=1, max_size=7, unique=True),
    start=st.integers(0, 95).map(lambda q: _hhmm(q * 15)),
    end=st.integers(1, 96).map(lambda q: _hhmm(q * 15)),
)
schedules = st.lists(windows, max_size=4)
moments = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda at, minutes: at + timedelta(minutes=minutes),
        st.sampled_from(CHANGES),
        st.integers(-4 * 1440, 4 * 1440),
    ),
)
bounds = st.one_of(st.none(), st.integers(-10 * 86_400, 10 * 86_400))


@given(
    schedules,
    st.sampled_from(ZONES),
    moments,
    st.sampled_from(["published", "published", "draft"]),
    bounds,
    bounds,
)
def test_answer_holds_until_next_change_and_changes_there(
    schedule: list[ScheduleWindow],
    timezone: str,
    now: datetime,
    status: str,
    from_offset: int | None,
    until_offset: int | None,
) -> None:
    valid_from = None if from_offset is None else now + timedelta(seconds=from_offset)
    valid_until = None if until_offset is None else now + timedelta(seconds=until_offset)

    def answer(at: datetime) -> bool:
        return current(
            schedule, at, timezone=timezone, status=status, valid_from=valid_from, valid_until=valid_until
        )

    before = answer(now)
    then = change(
        schedule, now, timezone=timezone, status=status, valid_from=valid_from, valid_until=valid_until
    )
    if then is None:
        samples = [now + timedelta(hours=hours) for hours in (1, 7.5, 25, 50, 99, 170, 200, 400)]
        assert all(answer(at) == before for at in samples)
        return
    assert then > now
    assert then.tzinfo is UTC
    span = then - now
    samples = [now + span * fraction for fraction in (0.1, 0.3, 0.5, 0.7, 0.9)]
    assert all(answer(at) == before for at in [*samples, then - timedelta(microseconds=1)])
    assert answer(then) != before


def _open_in_wall_time(schedule: Sequence[ScheduleWindow], wall: datetime) -> bool:
    """An oracle in minutes of the week, for zones whose clock never changes."""
    minute = wall.weekday() * 1440 + wall.hour * 60 + wall.minute
    for item in schedule:
        start = int(item.start[:2]) * 60 + int(item.start[3:])
        end = int(item.end[:2]) * 60 + int(item.end[3:])
        length = end - start if end > start else end + 1440 - start
        for day in item.days:
            if (minute - (list(Weekday).index(day) * 1440 + start)) % (7 * 1440) < length:
                return True
    return False


@given(schedules, st.sampled_from(["Asia/Kolkata", "UTC", "Asia/Kathmandu"]), moments)
def test_schedule_matches_wall_time_where_the_clock_never_changes(
    schedule: list[ScheduleWindow], timezone: str, now: datetime
) -> None:
    wall = now.astimezone(ZoneInfo(timezone))
    assert current(schedule, now, timezone=timezone) == (not schedule or _open_in_wall_time(schedule, wall))
