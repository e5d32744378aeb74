"""A site's distance model: what its staff typed (exponent, agent-to-beacon distances), the windows
its agents heard at those distances, and the fit that resolve uses."""

from __future__ import annotations

import sqlite3

from backend.calibration import Window
from backend.errors import NotFound
from backend.models import AgentDistance, DistanceModelIn
from backend.storage.sqlite.connection import SqliteBase, fetch_all, fetch_value

# Enough for a day of 30 s windows of a few pairs; older windows add nothing a median needs.
MAX_WINDOWS = 20_000
# Plain SQL: the PostgreSQL store runs it too.
WINDOWS = (
    "SELECT s.agent_id, s.beacon_id, d.distance_m, s.rssi_mean, COALESCE(s.tx_power, b.tx_power), s.last_seen"
    " FROM agent_distances d JOIN beacons b ON b.id = d.beacon_id"
    " JOIN sightings s ON s.beacon_id = d.beacon_id AND s.agent_id = d.agent_id AND s.last_seen >= ?"
    " WHERE b.site_id = ? ORDER BY s.last_seen DESC LIMIT ?"
)


class DistanceModels(SqliteBase):
    async def distance_settings(self, org_id: int, site_id: int) -> DistanceModelIn:
        await self._require_site(org_id, site_id)
        exponent = await fetch_value(
            self._r, "SELECT path_loss_exponent FROM distance_models WHERE site_id = ?", (site_id,)
        )
        rows = await fetch_all(
            self._r,
            "SELECT d.agent_id, d.beacon_id, d.distance_m FROM agent_distances d"
            " JOIN beacons b ON b.id = d.beacon_id WHERE b.site_id = ? ORDER BY d.agent_id, d.beacon_id",
            (site_id,),
        )
        distances = [AgentDistance(agent_id=a, beacon_id=b, distance_m=d) for a, b, d in rows]
        return DistanceModelIn(path_loss_exponent=exponent, agent_distances=distances)

    async def set_distance_settings(self, org_id: int, site_id: int, model: DistanceModelIn) -> None:
        await self._require_site(org_id, site_id)

        def store(db: sqlite3.Connection) -> None:
            agents = {r[0] for r in db.execute("SELECT id FROM agents WHERE site_id = ?", (site_id,))}
            beacons = {r[0] for r in db.execute("SELECT id FROM beacons WHERE site_id = ?", (site_id,))}
            for i, d in enumerate(model.agent_distances):
                if d.agent_id not in agents:
                    raise NotFound(f"agent {d.agent_id} not found at this site", field=("agent_distances", i))
                if d.beacon_id not in beacons:
                    raise NotFound(
                        f"beacon {d.beacon_id} not found at this site", field=("agent_distances", i)
                    )
            db.execute(
                "INSERT INTO distance_models (site_id, path_loss_exponent) VALUES (?, ?)"
                " ON CONFLICT DO UPDATE SET path_loss_exponent = excluded.path_loss_exponent",
                (site_id, model.path_loss_exponent),
            )
            db.execute(
                "DELETE FROM agent_distances WHERE agent_id IN (SELECT id FROM agents WHERE site_id = ?)",
                (site_id,),
            )
            db.executemany(
                "INSERT OR REPLACE INTO agent_distances (agent_id, beacon_id, distance_m) VALUES (?, ?, ?)",
                [(d.agent_id, d.beacon_id, d.distance_m) for d in model.agent_distances],
            ).close()

        await self._write_whole(store)

    async def calibration_windows(self, site_id: int, since: float) -> list[Window]:
        rows = await fetch_all(self._r, WINDOWS, (since, site_id, MAX_WINDOWS))
        return [Window(*row) for row in rows]

    async def store_fit(self, site_id: int, exponent: float | None, powers: dict[int, float]) -> None:
        def store(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO distance_models (site_id, fitted_exponent) VALUES (?, ?)"
                " ON CONFLICT DO UPDATE SET fitted_exponent = excluded.fitted_exponent",
                (site_id, exponent),
            )
            db.execute(
                "DELETE FROM beacon_fits WHERE beacon_id IN (SELECT id FROM beacons WHERE site_id = ?)",
                (site_id,),
            )
            db.executemany(
                "INSERT INTO beacon_fits (beacon_id, tx_power) VALUES (?, ?)", list(powers.items())
            ).close()

        await self._write_whole(store)
