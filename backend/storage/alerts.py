"""Alerts to people: who gets a site's alerts, its open episodes, and the messages still to deliver.

A check's episodes and the messages it made are written in one transaction that first locks the
site (`Change.lock_site`): after a restart the next check starts from the episodes stored, so
nothing is sent twice, and undelivered messages are still waiting; two processes checking the same
site at once take turns, and the second finds the first one's episodes and leaves its step standing.
Shared by both stores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from backend.alerts.deliveries import Delivery
from backend.alerts.episodes import Episode
from backend.alerts.messages import AlertSite, Outgoing
from backend.errors import NotFound
from backend.storage.statements import Store

SITE = (
    "SELECT s.org_id, s.id, s.name, s.default_lang, s.timezone, COALESCE(a.contacts, ''),"
    " COALESCE(a.webhook_url, '') FROM sites s LEFT JOIN alert_settings a ON a.site_id = s.id"
)
EPISODES = "SELECT condition, name, opened_at, good_since FROM alert_episodes WHERE site_id = ?"
DUE = (
    "SELECT d.id, d.site_id, d.channel, d.target, d.subject, d.body, d.attempts,"
    # a webhook's secret only while the site still sends to that URL: a message queued for a
    # URL since changed or removed is given up, not signed with the new URL's secret
    " CASE WHEN d.channel = 'webhook' AND a.webhook_url = d.target THEN a.webhook_secret ELSE ''"
    " END FROM alert_deliveries d"
    " LEFT JOIN alert_settings a ON a.site_id = d.site_id"
    " WHERE d.done_at IS NULL AND d.given_up_at IS NULL AND d.next_try_at <= ?"
    " ORDER BY d.next_try_at, d.id LIMIT ?"
)


def alert_site(row: Sequence[Any]) -> AlertSite:
    contacts = tuple(c for c in str(row[5]).split("\n") if c)
    return AlertSite(int(row[0]), int(row[1]), str(row[2]), str(row[3]), str(row[4]), contacts, str(row[6]))


class Alerts(Store):
    async def alert_settings(self, org_id: int, site_id: int) -> AlertSite:
        row = await self._fetch_row(SITE + " WHERE s.id = ? AND s.org_id = ?", site_id, org_id)
        if row is None:
            raise NotFound(f"site {site_id} not found")
        return alert_site(row)

    async def set_alert_contacts(self, org_id: int, site_id: int, contacts: Sequence[str]) -> None:
        await self._require_site(org_id, site_id)
        async with self._change() as db:
            await db.execute(
                "INSERT INTO alert_settings (site_id, contacts) VALUES (?, ?)"
                " ON CONFLICT (site_id) DO UPDATE SET contacts = excluded.contacts",
                site_id, "\n".join(contacts),
            )  # fmt: skip

    async def set_alert_webhook(self, org_id: int, site_id: int, url: str, secret: str) -> None:
        await self._require_site(org_id, site_id)
        async with self._change() as db:
            await db.execute(
                "INSERT INTO alert_settings (site_id, webhook_url, webhook_secret) VALUES (?, ?, ?)"
                " ON CONFLICT (site_id) DO UPDATE SET webhook_url = excluded.webhook_url,"
                " webhook_secret = excluded.webhook_secret",
                site_id, url, secret,
            )  # fmt: skip

    async def alert_sites(self) -> list[AlertSite]:
        rows = await self._fetch_rows(SITE + " WHERE a.contacts != '' OR a.webhook_url != '' ORDER BY s.id")
        return [alert_site(r) for r in rows]

    async def alert_episodes(self, site_id: int) -> dict[str, Episode]:
        rows = await self._fetch_rows(EPISODES, site_id)
        return {r[0]: Episode(*r) for r in rows}

    async def save_alert_check(
        self,
        site_id: int,
        before: Mapping[str, Episode],
        episodes: Mapping[str, Episode],
        messages: Sequence[Outgoing],
        now: float,
    ) -> bool:
        async with self._change() as db:
            await db.lock_site(site_id)
            if {r[0]: Episode(*r) for r in await db.rows(EPISODES, site_id)} != before:
                return False  # another process checked the site meanwhile: its step stands
            await db.execute("DELETE FROM alert_episodes WHERE site_id = ?", site_id)
            await db.execute_many(
                "INSERT INTO alert_episodes (site_id, condition, name, opened_at, good_since)"
                " VALUES (?, ?, ?, ?, ?)",
                [(site_id, e.condition, e.name, e.opened_at, e.good_since) for e in episodes.values()],
            )
            await db.execute_many(
                "INSERT INTO alert_deliveries (site_id, channel, target, subject, body, created_at,"
                " next_try_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(site_id, m.channel, m.target, m.subject, m.body, now, now) for m in messages],
            )
        return True

    async def purge_deliveries(self, before: float) -> int:
        async with self._change() as db:
            return await db.count(
                "DELETE FROM alert_deliveries WHERE COALESCE(done_at, given_up_at) < ?", before
            )

    async def due_deliveries(self, now: float, limit: int) -> list[Delivery]:
        rows = await self._fetch_rows(DUE, now, limit)
        return [Delivery(*r) for r in rows]

    async def claim_delivery(self, delivery_id: int, now: float, until: float) -> bool:
        async with self._change() as db:
            claimed = await db.count(
                "UPDATE alert_deliveries SET next_try_at = ? WHERE id = ? AND next_try_at <= ?"
                " AND done_at IS NULL AND given_up_at IS NULL",
                until, delivery_id, now,
            )  # fmt: skip
        return claimed == 1

    async def delivery_tried(
        self, delivery_id: int, now: float, error: str | None, next_try_at: float | None
    ) -> None:
        async with self._change() as db:
            if error is None:
                await db.execute(
                    "UPDATE alert_deliveries SET attempts = attempts + 1, done_at = ?, last_error = ''"
                    " WHERE id = ?",
                    now, delivery_id,
                )  # fmt: skip
            else:
                # Typed, so PostgreSQL knows what a None is; SQLite reads the type as REAL.
                await db.execute(
                    "UPDATE alert_deliveries SET attempts = attempts + 1, last_error = ?,"
                    " next_try_at = COALESCE(?, next_try_at),"
                    " given_up_at = CASE WHEN CAST(?2 AS double precision) IS NULL"
                    " THEN CAST(? AS double precision) ELSE NULL END"
                    " WHERE id = ?",
                    error, next_try_at, now, delivery_id,
                )  # fmt: skip
