"""A site's health in a coordinator's words: what is wrong, and what to do about it. Pure.

From `backend.site_health` (whose alerts are `backend.health`'s rules); times are told in the site's
time zone as a person would say them: "14:02" today, "Tuesday" this week, a date before that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from backend import health
from backend.models import SiteHealth
from backend.web.words import word

AGENT_NEVER_HEARD = "AGENT_NEVER_HEARD"
_BEACON_ALERTS = (health.NEVER_SEEN, health.SILENT, health.LOW_BATTERY)
_AGENT_ALERTS = (
    health.AGENT_SILENT,
    health.SCANNER_DOWN,
    health.OUTBOX_FAILING,
    health.OUTBOX_DROPPING,
    health.BATCHES_SET_ASIDE,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One sentence about the site, and the advice that goes with it (empty when all is well)."""

    ok: bool
    text: str
    advice: str


def when(moment: datetime | None, now: datetime, timezone: str, lang: str) -> str:
    if moment is None:
        return word("when.never", lang)
    zone = ZoneInfo(timezone)
    local, today = moment.astimezone(zone), now.astimezone(zone)
    days = (today.date() - local.date()).days
    if days == 0:
        return local.strftime("%H:%M")
    if 0 < days < 7:
        return word(f"weekday.{local.weekday()}", lang)
    return local.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")


def findings(report: SiteHealth, timezone: str, lang: str) -> list[Finding]:
    """What a coordinator should know of the site, the most urgent first; one sentence when all is well."""
    now = report.checked_at
    found: list[Finding] = []
    for agent in report.agents:
        for alert in _AGENT_ALERTS:
            if alert in agent.alerts:
                if alert == health.AGENT_SILENT and agent.last_heartbeat is None:
                    alert = AGENT_NEVER_HEARD  # the same alert, told otherwise
                text = word(f"state.{alert}", lang).format(
                    name=agent.name, since=when(agent.last_heartbeat, now, timezone, lang)
                )
                found.append(Finding(False, text, word(f"advice.{alert}", lang)))
    for beacon in report.beacons:
        for alert in _BEACON_ALERTS:
            if alert in beacon.alerts:
                label = beacon.label or f"#{beacon.beacon_id}"
                text = word(f"state.{alert}", lang).format(
                    name=label, since=when(beacon.last_seen, now, timezone, lang)
                )
                found.append(Finding(False, text, word(f"advice.{alert}", lang)))
    if found:
        return found
    active = [b for b in report.beacons if b.status == "active"]
    if not active:
        return [Finding(False, word("state.NO_BEACONS", lang), word("advice.NO_BEACONS", lang))]
    return [Finding(True, word("state.OK", lang), "")]
