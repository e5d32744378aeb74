"""Alerts to people on PostgreSQL: the same rules as the SQLite store's `alerts.py`.

A check's episodes and the messages it made are written in one transaction that first locks the
site's row, so two processes checking the same site at once take turns, and the second finds the
first one's episodes and leaves its step standing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from backend.alerts.deliveries import Delivery
from backend.alerts.episodes import Episode
from backend.alerts.messages import AlertSite, Outgoing
from backend.errors import NotFound
from backend.storage.postgres.connection import PostgresBase, numbered
from backend.storage.sqlite.alerts import DUE, EPISODES, SITE, alert_site


class Alerts(PostgresBase):
    async def alert_settings(self, org_id: int, site_id: int) -> AlertSite:
        row = await self._one(numbered(SITE + " WHERE s.id = ? AND s.org_id = ?"), site_id, org_id)
        if row is None:
            raise NotFound(f"site {site_id} not found")
        return alert_site(row)

    async def set_alert_contacts(self, org_id: int, site_id: int, contacts: Sequence[str]) -> None:
        await self._require_site(org_id, site_id)
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO alert_settings (site_id, contacts) VALUES ($1, $2)"
                " ON CONFLICT (site_id) DO UPDATE SET contacts = excluded.contacts",
                site_id, "\n".join(contacts),
            )  # fmt: skip

    async def set_alert_webhook(self, org_id: int, site_id: int, url: str, secret: str) -> None:
        await self._require_site(org_id, site_id)
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO alert_settings (site_id, webhook_url, webhook_secret) VALUES ($1, $2, $3)"
                " ON CONFLICT (site_id) DO UPDATE SET webhook_url = excluded.webhook_url,"
                " webhook_secret = excluded.webhook_secret",
                site_id, url, secret,
            )  # fmt: skip

    async def alert_sites(self) -> list[AlertSite]:
        rows = await self._all(SITE + " WHERE a.contacts != '' OR a.webhook_url != '' ORDER BY s.id")
        return [alert_site(r) for r in rows]

    async def alert_episodes(self, site_id: int) -> dict[str, Episode]:
        rows = await self._all(numbered(EPISODES), site_id)
        return {r[0]: Episode(*r) for r in rows}

    async def save_alert_check(
        self,
        site_id: int,
        before: Mapping[str, Episode],
        episodes: Mapping[str, Episode],
        messages: Sequence[Outgoing],
        now: float,
    ) -> bool:
        async with self._tx() as db:
            await db.execute("SELECT 1 FROM sites WHERE id = $1 FOR UPDATE", site_id)
            if {r[0]: Episode(*r) for r in await db.fetch(numbered(EPISODES), site_id)} != before:
                return False  # another process checked the site meanwhile: its step stands
            await db.execute("DELETE FROM alert_episodes WHERE site_id = $1", site_id)
            await db.executemany(
                "INSERT INTO alert_episodes (site_id, condition, name, opened_at, good_since)"
                " VALUES ($1, $2, $3, $4, $5)",
                [(site_id, e.condition, e.name, e.opened_at, e.good_since) for e in episodes.values()],
            )
            await db.executemany(
                "INSERT INTO alert_deliveries (site_id, channel, target, subject, body, created_at,"
                " next_try_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                [(site_id, m.channel, m.target, m.subject, m.body, now, now) for m in messages],
            )
            return True

    async def purge_deliveries(self, before: float) -> int:
        async with self._tx() as db:
            status = await db.execute(
                "DELETE FROM alert_deliveries WHERE COALESCE(done_at, given_up_at) < $1", before
            )
        return int(status.rsplit(" ", 1)[1])

    async def due_deliveries(self, now: float, limit: int) -> list[Delivery]:
        rows = await self._all(numbered(DUE), now, limit)
        return [Delivery(*r) for r in rows]

    async def claim_delivery(self, delivery_id: int, now: float, until: float) -> bool:
        async with self._tx() as db:
            status = await db.execute(
                "UPDATE alert_deliveries SET next_try_at = $1 WHERE id = $2 AND next_try_at <= $3"
                " AND done_at IS NULL AND given_up_at IS NULL",
                until, delivery_id, now,
            )  # fmt: skip
        return bool(status == "UPDATE 1")

    async def delivery_tried(
        self, delivery_id: int, now: float, error: str | None, next_try_at: float | None
    ) -> None:
        async with self._tx() as db:
            if error is None:
                await db.execute(
                    "UPDATE alert_deliveries SET attempts = attempts + 1, done_at = $1, last_error = ''"
                    " WHERE id = $2",
                    now, delivery_id,
                )  # fmt: skip
            else:
                await db.execute(
                    "UPDATE alert_deliveries SET attempts = attempts + 1, last_error = $1,"
                    " next_try_at = COALESCE($2, next_try_at),"
                    " given_up_at = CASE WHEN $2::double precision IS NULL THEN $3::double precision ELSE NULL END"
                    " WHERE id = $4",
                    error, next_try_at, now, delivery_id,
                )  # fmt: skip
