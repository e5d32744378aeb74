"""Alerts for site staff, from what beacons and agents last reported: pure, time is passed in."""

from __future__ import annotations

from typing import Any

from backend.config import Settings

SILENT = "SILENT"
NEVER_SEEN = "NEVER_SEEN"
LOW_BATTERY = "LOW_BATTERY"
AGENT_SILENT = "AGENT_SILENT"
OUTBOX_DROPPING = "OUTBOX_DROPPING"
OUTBOX_FAILING = "OUTBOX_FAILING"
SCANNER_DOWN = "SCANNER_DOWN"
BATCHES_SET_ASIDE = "BATCHES_SET_ASIDE"
# Heard by its own agent far off its calibrated level for an hour: moved, covered or turned down
# (Google's beacon diagnostics called it WRONG_LOCATION). `backend.calibration` decides; it clears
# when the level returns.
MOVED = "MOVED"
SCANNER_START_GRACE_S = 60.0


def beacon_alerts(
    status: str,
    last_seen: float | None,
    battery_mv: int | None,
    now: float,
    settings: Settings,
    moved: bool = False,
) -> list[str]:
    if status != "active":
        return []
    alerts = []
    if last_seen is None:
        alerts.append(NEVER_SEEN)
    elif now - last_seen > settings.silent_after_s:
        alerts.append(SILENT)
    if battery_mv is not None and battery_mv < settings.low_battery_mv:
        alerts.append(LOW_BATTERY)
    if moved:
        alerts.append(MOVED)
    return alerts


def agent_alerts(
    revoked: bool,
    last_heartbeat: float | None,
    heartbeat: dict[str, Any] | None,
    now: float,
    settings: Settings,
) -> list[str]:
    if revoked:
        return []
    if last_heartbeat is None or now - last_heartbeat > settings.agent_silent_after_s:
        return [AGENT_SILENT]
    alerts = []
    heartbeat = heartbeat or {}
    if heartbeat.get("dropped", 0) > 0:
        alerts.append(OUTBOX_DROPPING)
    if heartbeat.get("outbox_error"):
        alerts.append(OUTBOX_FAILING)
    if heartbeat.get("set_aside", 0) > 0:
        alerts.append(BATCHES_SET_ASIDE)
    # A scanner is still starting in an agent's first minute; only after that is "not scanning" news.
    starting = heartbeat.get("uptime_s", 0) < SCANNER_START_GRACE_S
    if heartbeat.get("scanner") in ("stopped", "no_adapter", "restarting") and not starting:
        alerts.append(SCANNER_DOWN)
    return alerts
