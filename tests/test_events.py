"""Which prompt events count (`backend.events`): the prompt could have been shown, within the caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.events import SHOWN_GRACE_S, EventCaps, could_have_been_shown
from backend.schedule import ScheduleWindow
from backend.storage.rows import StoredPrompt

# A Monday, 17:10 in Berlin (CET): the prompt's window closed 10 minutes ago.
MONDAY = datetime(2026, 1, 5, 16, 10, tzinfo=UTC)
TZ = "Europe/Berlin"


def _prompt(status: str = "published", **timing: object) -> StoredPrompt:
    fields: dict[str, object] = {"valid_from": None, "valid_until": None, "schedule": None} | timing
    return StoredPrompt(1, 1, "info", {}, None, status, None, 0, 0, **fields)  # type: ignore[arg-type]


def test_a_prompt_counts_until_the_grace_period_after_it_stopped_being_current() -> None:
    window = [ScheduleWindow(days=["mon"], start="09:00", end="17:00")]
    assert could_have_been_shown(_prompt(schedule=window), TZ, MONDAY)
    assert not could_have_been_shown(_prompt(schedule=window), TZ, MONDAY + timedelta(seconds=SHOWN_GRACE_S))
    ended = _prompt(valid_until=MONDAY - timedelta(minutes=1))
    assert could_have_been_shown(ended, TZ, MONDAY)
    assert not could_have_been_shown(ended, TZ, MONDAY + timedelta(seconds=SHOWN_GRACE_S))


def test_a_prompt_that_became_current_within_the_grace_period_counts_and_drafts_never() -> None:
    starts = _prompt(valid_from=MONDAY - timedelta(minutes=1))
    assert could_have_been_shown(starts, TZ, MONDAY)
    assert not could_have_been_shown(starts, TZ, MONDAY - timedelta(minutes=2))
    assert not could_have_been_shown(_prompt(status="draft"), TZ, MONDAY)
    assert not could_have_been_shown(_prompt(status="archived"), TZ, MONDAY)


def test_event_caps_hold_per_prompt_and_overall() -> None:
    caps = EventCaps(per_prompt_per_hour=2, all_prompts_per_hour=5)
    counted = [caps.count(b"c", prompt, "shown", 0.0) for prompt in range(4) for _ in range(3)]
    assert counted == [True, True, False] * 2 + [True, False, False] + [False] * 3
    assert caps.count(b"other", 1, "shown", 0.0)
    assert caps.count(b"c", 9, "shown", 3600.0 / 5 + 1)  # the overall budget refills
