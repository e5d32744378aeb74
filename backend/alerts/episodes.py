"""Episodes of a site's conditions: when one opens, when it closes. Pure: a health report and the
open episodes in, the next open episodes and what changed out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from backend import health
from backend.models import SiteHealth

WATCHED: Final = (health.SILENT, health.LOW_BATTERY, health.MOVED, health.AGENT_SILENT, health.OUTBOX_FAILING)
# Good for this long before an episode closes: longer than a flapping battery's or link's swing, and
# short enough that the all-clear still comes the same morning.
CLOSE_AFTER_GOOD_S: Final = 900.0


@dataclass(frozen=True, slots=True)
class Episode:
    """An open episode of `condition` (``SILENT:beacon:3``): `name` is the beacon's or agent's name
    when it opened (kept so that the all-clear can name it even if it has gone since)."""

    condition: str
    name: str
    opened_at: float
    good_since: float | None = None

    @property
    def alert(self) -> str:
        return self.condition.split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class Step:
    episodes: dict[str, Episode]  # open after this check
    opened: list[Episode]
    closed: list[Episode]


def bad_conditions(report: SiteHealth) -> dict[str, str]:
    """Each watched condition that is bad now, with the name of its beacon or agent."""
    bad = {}
    for b in report.beacons:
        for alert in b.alerts:
            if alert in WATCHED:
                bad[f"{alert}:beacon:{b.beacon_id}"] = b.label or f"#{b.beacon_id}"
    for a in report.agents:
        for alert in a.alerts:
            # an agent that never reported is being set up, not offline (as a beacon never heard)
            if alert in WATCHED and not (alert == health.AGENT_SILENT and a.last_heartbeat is None):
                bad[f"{alert}:agent:{a.agent_id}"] = a.name
    return bad


def step(open_episodes: Mapping[str, Episode], bad: Mapping[str, str], now: float) -> Step:
    """The episodes after a check at `now` that found `bad` (condition -> name)."""
    episodes: dict[str, Episode] = {}
    opened, closed = [], []
    for condition, name in sorted(bad.items()):
        known = open_episodes.get(condition)
        if known is None:
            episodes[condition] = Episode(condition, name, now)
            opened.append(episodes[condition])
        else:
            episodes[condition] = replace(known, good_since=None)
    for condition, known in sorted(open_episodes.items()):
        if condition in bad:
            continue
        good_since = known.good_since if known.good_since is not None else now
        if now - good_since >= CLOSE_AFTER_GOOD_S:
            closed.append(known)
        else:
            episodes[condition] = replace(known, good_since=good_since)
    return Step(episodes, opened, closed)
