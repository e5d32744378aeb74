"""A site's health as the admin API and the staff pages show it: each beacon's and agent's last report
with its alerts (the rules are `backend.health`'s)."""

from __future__ import annotations

from datetime import UTC, datetime

from backend import health
from backend.config import Settings
from backend.models import AgentHealth, BeaconHealth, DistanceModel, SiteHealth
from backend.storage import Storage
from backend.storage.rows import utc


async def site_health(
    storage: Storage,
    settings: Settings,
    org_id: int,
    site_id: int,
    now: float,
    model: DistanceModel | None = None,
) -> SiteHealth:
    """`model` is the site's distance model and its calibration, when the caller has it: its pairs
    say which beacons have left their calibrated level (MOVED)."""
    moved = {p.beacon_id for p in model.calibration.pairs if p.moved} if model else set()
    beacons = []
    for activity in await storage.beacon_activity(org_id, site_id, now):
        b = activity.beacon
        beacons.append(
            BeaconHealth(
                beacon_id=b.id,
                label=b.label,
                key=b.key,
                status=b.status,
                last_seen=utc(activity.last_seen),
                sightings_last_hour=activity.sightings_last_hour,
                battery_mv=activity.battery_mv,
                alerts=health.beacon_alerts(
                    b.status, activity.last_seen, activity.battery_mv, now, settings, b.id in moved
                ),
            )
        )
    agents = []
    for agent in await storage.list_agents(org_id, site_id):
        beat = agent.last_heartbeat.timestamp() if agent.last_heartbeat else None
        agents.append(
            AgentHealth(
                agent_id=agent.id,
                name=agent.name,
                last_heartbeat=agent.last_heartbeat,
                heartbeat=agent.heartbeat,
                alerts=health.agent_alerts(agent.revoked, beat, agent.heartbeat, now, settings),
            )
        )
    alerts = [f"{a}:beacon:{b.beacon_id}" for b in beacons for a in b.alerts]
    alerts += [f"{a}:agent:{g.agent_id}" for g in agents for a in g.alerts]
    checked_at = datetime.fromtimestamp(now, UTC)
    return SiteHealth(
        site_id=site_id,
        checked_at=checked_at,
        beacons=beacons,
        agents=agents,
        alerts=alerts,
        distance_model=model,
    )
