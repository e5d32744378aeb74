"""A site's distance model: what its staff typed, its agents' windows at those distances, and the fit."""

from __future__ import annotations

from backend.calibration import Window
from backend.errors import NotFound
from backend.models import AgentDistance, DistanceModelIn
from backend.storage.postgres.connection import PostgresBase
from backend.storage.sqlite.distance import MAX_WINDOWS, WINDOWS
from backend.storage.statements import numbered

_WINDOWS = numbered(WINDOWS)


class DistanceModels(PostgresBase):
    async def distance_settings(self, org_id: int, site_id: int) -> DistanceModelIn:
        await self._require_site(org_id, site_id)
        exponent = await self._value(
            "SELECT path_loss_exponent FROM distance_models WHERE site_id = $1", site_id
        )
        rows = await self._all(
            "SELECT d.agent_id, d.beacon_id, d.distance_m FROM agent_distances d"
            " JOIN beacons b ON b.id = d.beacon_id WHERE b.site_id = $1 ORDER BY d.agent_id, d.beacon_id",
            site_id,
        )
        distances = [AgentDistance(agent_id=a, beacon_id=b, distance_m=d) for a, b, d in rows]
        return DistanceModelIn(path_loss_exponent=exponent, agent_distances=distances)

    async def set_distance_settings(self, org_id: int, site_id: int, model: DistanceModelIn) -> None:
        await self._require_site(org_id, site_id)
        async with self._tx() as db:
            agents = {r[0] for r in await db.fetch("SELECT id FROM agents WHERE site_id = $1", site_id)}
            beacons = {r[0] for r in await db.fetch("SELECT id FROM beacons WHERE site_id = $1", site_id)}
            for i, d in enumerate(model.agent_distances):
                if d.agent_id not in agents:
                    raise NotFound(f"agent {d.agent_id} not found at this site", field=("agent_distances", i))
                if d.beacon_id not in beacons:
                    raise NotFound(
                        f"beacon {d.beacon_id} not found at this site", field=("agent_distances", i)
                    )
            await db.execute(
                "INSERT INTO distance_models (site_id, path_loss_exponent) VALUES ($1, $2)"
                " ON CONFLICT (site_id) DO UPDATE SET path_loss_exponent = excluded.path_loss_exponent",
                site_id, model.path_loss_exponent,
            )  # fmt: skip
            await db.execute(
                "DELETE FROM agent_distances WHERE agent_id IN (SELECT id FROM agents WHERE site_id = $1)",
                site_id,
            )
            await db.executemany(
                "INSERT INTO agent_distances (agent_id, beacon_id, distance_m) VALUES ($1, $2, $3)"
                " ON CONFLICT (agent_id, beacon_id) DO UPDATE SET distance_m = excluded.distance_m",
                [(d.agent_id, d.beacon_id, d.distance_m) for d in model.agent_distances],
            )

    async def calibration_windows(self, site_id: int, since: float) -> list[Window]:
        rows = await self._all(_WINDOWS, since, site_id, MAX_WINDOWS)
        return [Window(*row) for row in rows]

    async def store_fit(self, site_id: int, exponent: float | None, powers: dict[int, float]) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO distance_models (site_id, fitted_exponent) VALUES ($1, $2)"
                " ON CONFLICT (site_id) DO UPDATE SET fitted_exponent = excluded.fitted_exponent",
                site_id, exponent,
            )  # fmt: skip
            await db.execute(
                "DELETE FROM beacon_fits WHERE beacon_id IN (SELECT id FROM beacons WHERE site_id = $1)",
                site_id,
            )
            await db.executemany(
                "INSERT INTO beacon_fits (beacon_id, tx_power) VALUES ($1, $2)", list(powers.items())
            )
