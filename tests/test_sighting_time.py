"""The rule that files sightings on the server's clock (backend/sighting_time.py): pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.sighting_time import EARLIEST, MAX_AGENT_SKEW_S, MAX_FUTURE_S, agent_offset, on_server_clock

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC).timestamp()


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.mark.parametrize(
    ("sent_at", "offset"),
    [
        (None, 0.0),
        (at(NOW), 0.0),
        (at(NOW + MAX_AGENT_SKEW_S), 0.0),  # network delay and drift: believed
        (at(NOW - MAX_AGENT_SKEW_S), 0.0),
        (at(NOW + 3600), 3600.0),
        (at(NOW - 5 * 3600), -5 * 3600.0),
        (at(300), 300 - NOW),  # a Pi at 1970
    ],
)
def test_the_offset_is_measured_only_beyond_the_threshold(sent_at: datetime | None, offset: float) -> None:
    assert agent_offset(sent_at, NOW) == pytest.approx(offset)


def test_a_skewed_batch_moves_by_the_offset_and_keeps_each_sightings_age() -> None:
    behind = -5 * 3600.0
    last = NOW + behind - 86400
    assert on_server_clock(last - 10, last, NOW, behind) == (NOW - 86400 - 10, NOW - 86400)


def test_within_the_threshold_nothing_changes() -> None:
    old = NOW - 2 * 86400
    assert on_server_clock(old - 10, old, NOW, 0.0) == (old - 10, old)


@pytest.mark.parametrize("last", [NOW + MAX_FUTURE_S + 1, NOW + 3 * 86400, 300.0, EARLIEST.timestamp() - 1])
def test_implausible_ends_are_filed_as_just_ended(last: float) -> None:
    assert on_server_clock(last - 10, last, NOW, 0.0) == (NOW - 10, NOW)


@given(
    last=st.floats(min_value=-62_000_000_000, max_value=250_000_000_000),
    span=st.floats(min_value=0, max_value=1e10),
    sent_at=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
)
def test_whatever_the_agent_says_the_result_is_plausible(
    last: float, span: float, sent_at: datetime | None
) -> None:
    """Never in the future beyond the allowance, never before 2020, never a crash."""
    first, filed = on_server_clock(last - span, last, NOW, agent_offset(sent_at, NOW))
    assert EARLIEST.timestamp() <= filed <= NOW + MAX_FUTURE_S
    assert first <= filed
