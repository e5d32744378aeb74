"""The I/O shell of alerts: the periodic check of every site that wants alerts, and delivery.

Runs in the backend as a background task started and stopped with the app (`alerts_ctx`): every
`alert_check_every_s` it reads each such site's health, steps its episodes (`episodes.step`) and
stores them with the messages they make; every `DELIVER_EVERY_S` (or sooner) it sends the messages
that are due, by mail (`backend.accounts.mail`) or as a signed webhook (`deliveries`). Logs name a
message by its id and site, never its recipient, URL or secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
import structlog
from aiohttp import web

from backend import staff_actions
from backend.accounts.mail import MailFailed, mail_configured, send_mail
from backend.alerts.deliveries import Delivery, is_address, may_reach, next_try, webhook_headers
from backend.alerts.episodes import bad_conditions, step
from backend.alerts.messages import outgoing
from backend.clients import Networks, networks
from backend.errors import NotFound, Unavailable
from backend.http.state import STATE, AppState

log = structlog.get_logger(__name__)

DELIVER_EVERY_S: Final = 60.0
DELIVERIES_PER_PASS: Final = 100
WEBHOOK_TIMEOUT_S: Final = 10.0
# A message being sent is not due for others this long: longer than a mail's or a webhook's timeout.
CLAIM_S: Final = 120.0
# Messages sent or given up are kept this long, for whoever looks into the database to see what was sent.
KEEP_SENT_S: Final = 30 * 86400.0


async def check_sites(state: AppState) -> None:
    """One check of every site with an alert contact or webhook."""
    now, mail_on = state.clock(), mail_configured(state.settings)
    for site in await state.storage.alert_sites():
        try:
            report = await staff_actions.site_health(state, site.org_id, site.site_id)
        except NotFound:  # deleted since it was listed
            continue
        before = await state.storage.alert_episodes(site.site_id)
        change = step(before, bad_conditions(report), now)
        messages = outgoing(site, change, now, state.settings.base_url, mail_on=mail_on)
        if change.episodes == before and not messages:
            continue
        if not await state.storage.save_alert_check(site.site_id, before, change.episodes, messages, now):
            continue
        for e in change.opened + change.closed:
            opened = e in change.opened
            log.info("alert episode", site_id=site.site_id, condition=e.condition, opened=opened)


async def deliver_due(state: AppState, session: aiohttp.ClientSession) -> None:
    """Send every message that is due; a failure is tried again later or, after the last try, given up."""
    for delivery in await state.storage.due_deliveries(state.clock(), DELIVERIES_PER_PASS):
        now = state.clock()
        if not await state.storage.claim_delivery(delivery.id, now, now + CLAIM_S):
            continue  # another process is sending it
        error = await _send(state, session, delivery)
        now = state.clock()
        again = None if error is None else next_try(delivery.attempts + 1, now)
        if error == _GONE:
            again = None
        await state.storage.delivery_tried(delivery.id, now, error, again)
        if error is not None:
            event = "alert not delivered, will try again" if again else "alert not delivered, given up"
            log.warning(
                event, delivery_id=delivery.id, site_id=delivery.site_id, channel=delivery.channel,
                attempts=delivery.attempts + 1, error=error,
            )  # fmt: skip


_GONE: Final = "webhook changed or removed since"
_NOT_PUBLIC: Final = "address not public (setting webhook_allow)"


async def _send(state: AppState, session: aiohttp.ClientSession, delivery: Delivery) -> str | None:
    """None when delivered, else what went wrong in a few words (nothing secret)."""
    if delivery.channel == "mail":
        try:
            await send_mail(state.settings, delivery.target, delivery.subject, delivery.body)
        except MailFailed:
            return "mail server did not take it"
        return None
    if not delivery.secret:
        return _GONE
    host = urlsplit(delivery.target).hostname or ""
    if is_address(host) and not may_reach(host, networks(state.settings.webhook_allow)):
        return _NOT_PUBLIC  # an address is never given to the resolver
    body = delivery.body.encode()
    headers = webhook_headers(delivery.secret, delivery.id, state.clock(), body)
    timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S)
    try:
        async with session.post(
            delivery.target, data=body, headers=headers, timeout=timeout, allow_redirects=False
        ) as response:
            return None if 200 <= response.status < 300 else f"answered {response.status}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        refused = isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, NotPublic)
        return _NOT_PUBLIC if refused else type(exc).__name__


class NotPublic(OSError):
    """A webhook's host has no address a webhook may reach."""


class WebhookResolver(aiohttp.abc.AbstractResolver):
    """Resolves names as usual, then keeps only the addresses a webhook may reach (`may_reach`).

    Checked at every connection rather than once when the URL is set: a name can be pointed at
    the server's own network after it was accepted."""

    def __init__(self, allowed: Networks) -> None:
        self._resolver = aiohttp.DefaultResolver()
        self._allowed = allowed

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[Any]:
        found = await self._resolver.resolve(host, port, family)
        kept = [address for address in found if may_reach(address["host"], self._allowed)]
        if not kept:
            raise NotPublic(f"{host} has no public address")
        return kept

    async def close(self) -> None:
        await self._resolver.close()


def webhook_session(allowed: Networks) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=WebhookResolver(allowed)))


async def alerts_ctx(app: web.Application) -> AsyncIterator[None]:
    """The background task, as long as the app runs; `alert_check_every_s` 0 turns it off."""
    state = app[STATE]
    every = state.settings.alert_check_every_s
    if every <= 0:
        yield
        return

    async def run() -> None:
        async with webhook_session(networks(state.settings.webhook_allow)) as session:
            next_check = 0.0
            while True:
                try:
                    if state.clock() >= next_check:
                        next_check = state.clock() + every
                        await check_sites(state)
                        await state.storage.purge_deliveries(state.clock() - KEEP_SENT_S)
                    await deliver_due(state, session)
                except Unavailable as exc:  # the database is down or restarting: try again next pass
                    log.warning("alert check skipped", reason=str(exc))
                except Exception:  # one bad pass must not end alerts for good
                    log.exception("alert check failed")
                await asyncio.sleep(min(every, DELIVER_EVERY_S))

    task = asyncio.create_task(run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
