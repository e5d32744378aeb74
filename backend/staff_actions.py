"""What staff do to their organisation: one set of rules for the admin API and the staff pages.

`backend.http.admin` (programs with an admin key) and `backend.web.manage` (people signed in)
both change sites, beacons, prompts and agents through these functions, so a rule — a link
outside the allowed domains, a merged prompt that no longer holds, the read cache cleared after
every change — is written once. Every lookup is scoped by the organisation: another
organisation's ids raise `NotFound`, exactly like ids that do not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from backend import auth
from backend.accounts.people import BadEmail, normal_email
from backend.alerts.deliveries import is_address, may_reach
from backend.alerts.messages import contact_list
from backend.clients import networks
from backend.errors import DomainError, LinkRefused
from backend.http import distance
from backend.http.state import AppState
from backend.link_domains import link_allowed
from backend.models import (
    Agent,
    AgentCreated,
    AgentIn,
    AgentPatch,
    Beacon,
    BeaconIn,
    BeaconPatch,
    DistanceModel,
    DistanceModelIn,
    HourlyEvents,
    HourlySightings,
    Prompt,
    PromptIn,
    PromptPatch,
    Site,
    SiteHealth,
    SiteIn,
    SitePatch,
    SiteStats,
)
from backend.site_health import site_health as site_health_of
from beacon_agent.contract.wire import PromptEventType

WEBHOOK_SECRET_PREFIX: Final = "nbw_"

# --- sites ---


async def create_site(state: AppState, org: int, site: SiteIn) -> Site:
    made = await state.storage.create_site(org, site, state.clock())
    state.catalog.invalidate()
    return made


async def update_site(state: AppState, org: int, site_id: int, patch: SitePatch) -> Site:
    site = await state.storage.update_site(org, site_id, patch)
    state.catalog.invalidate()
    return site


async def delete_site(state: AppState, org: int, site_id: int) -> None:
    await state.storage.delete_site(org, site_id)
    state.catalog.invalidate()


# --- beacons ---


async def create_beacon(state: AppState, org: int, site_id: int, beacon: BeaconIn) -> Beacon:
    made = await state.storage.create_beacon(org, site_id, beacon, state.clock())
    state.catalog.invalidate()
    return made


async def import_beacons(
    state: AppState, org: int, site_id: int, beacons: Sequence[BeaconIn]
) -> list[Beacon]:
    """Many beacons at once (a vendor's list), all or none: `AlreadyRegistered` names each one taken."""
    made = await state.storage.create_beacons(org, site_id, beacons, state.clock())
    state.catalog.invalidate()
    return made


async def update_beacon(
    state: AppState, org: int, site_id: int, beacon_id: int, patch: BeaconPatch
) -> Beacon:
    beacon = await state.storage.update_beacon(org, site_id, beacon_id, patch)
    state.catalog.invalidate()
    return beacon


async def decommission_beacon(state: AppState, org: int, site_id: int, beacon_id: int) -> None:
    await state.storage.decommission_beacon(org, site_id, beacon_id)
    state.catalog.invalidate()


# --- prompts ---


async def check_link(state: AppState, org: int, url: str | None) -> None:
    """Refuse an action link outside the domains the instance's operator allows this organisation."""
    if url is None:
        return
    domains = (await state.storage.org(org)).link_domains
    if not link_allowed(url, domains):
        allowed = ", ".join(domains)
        raise LinkRefused(
            f"this organisation's links may only go to {allowed} (or their subdomains)", field=("action_url",)
        )


async def create_prompt(state: AppState, org: int, site_id: int, prompt: PromptIn) -> Prompt:
    await check_link(state, org, prompt.action_url)
    made = await state.storage.create_prompt(org, site_id, prompt, state.clock())
    state.catalog.invalidate()
    return made


async def update_prompt(
    state: AppState, org: int, site_id: int, prompt_id: int, patch: PromptPatch
) -> Prompt:
    """Raises pydantic's `ValidationError` when the patch is valid alone but not with the prompt it
    changes (a `valid_until` before the stored `valid_from`): the merged prompt is checked again."""
    await check_link(state, org, patch.action_url)
    prompt = await state.storage.update_prompt(org, site_id, prompt_id, patch, state.clock())
    state.catalog.invalidate()
    return prompt


async def delete_prompt(state: AppState, org: int, site_id: int, prompt_id: int) -> None:
    await state.storage.delete_prompt(org, site_id, prompt_id)
    state.catalog.invalidate()


# --- agents ---


async def create_agent(state: AppState, org: int, site_id: int, agent: AgentIn) -> AgentCreated:
    """The agent with its token: the only time the token is seen, since only its hash is kept."""
    token = auth.new_secret(auth.AGENT_PREFIX)
    made = await state.storage.create_agent(org, site_id, agent, auth.secret_hash(token))
    state.catalog.invalidate()
    return AgentCreated(**made.model_dump(), token=token)


async def update_agent(state: AppState, org: int, site_id: int, agent_id: int, patch: AgentPatch) -> Agent:
    agent = await state.storage.update_agent(org, site_id, agent_id, patch)
    state.catalog.invalidate()
    return agent


# --- alerts to people ---

MAX_ALERT_CONTACTS: Final = 20
MAX_WEBHOOK_URL: Final = 2000


async def set_alert_contacts(state: AppState, org: int, site_id: int, text: str) -> tuple[str, ...]:
    """The addresses in `text` (one per line or comma-separated) become the site's alert contacts.

    Raises `DomainError` with the field ("contacts", i) for the i-th address typed that is not one,
    and with ("contacts",) for too many."""
    found = []
    for i, typed in enumerate(contact_list(text)):
        try:
            found.append(normal_email(typed))
        except BadEmail as exc:
            raise DomainError(str(exc), field=("contacts", i)) from None
    contacts = tuple(dict.fromkeys(found))
    if len(contacts) > MAX_ALERT_CONTACTS:
        raise DomainError(f"at most {MAX_ALERT_CONTACTS} addresses", field=("contacts",))
    await state.storage.set_alert_contacts(org, site_id, contacts)
    return contacts


async def set_alert_webhook(state: AppState, org: int, site_id: int, url: str) -> str | None:
    """Send the site's alerts to `url` with a new secret, answered once (only the store keeps it, to
    sign with); an empty `url` stops the webhook and answers None."""
    url = url.strip()
    if not url:
        await state.storage.set_alert_webhook(org, site_id, "", "")
        return None
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or len(url) > MAX_WEBHOOK_URL
    ):
        raise DomainError(
            "must be an http:// or https:// address without a login in it", field=("webhook_url",)
        )
    if is_address(parts.hostname) and not may_reach(parts.hostname, networks(state.settings.webhook_allow)):
        raise DomainError(
            "must be a public address: this server does not send webhooks into its own network "
            "(the setting webhook_allow can name networks it may reach)",
            field=("webhook_url",),
        )
    secret = auth.new_secret(WEBHOOK_SECRET_PREFIX)
    await state.storage.set_alert_webhook(org, site_id, url, secret)
    return secret


# --- the distance model ---


async def set_distance_model(
    state: AppState, org: int, site_id: int, typed: DistanceModelIn
) -> DistanceModel:
    """Store what staff typed (the exponent, where each agent stands), refit, and answer the model."""
    await state.storage.set_distance_settings(org, site_id, typed)
    if await distance.refit(state, site_id) is None:
        await state.storage.store_fit(site_id, None, {})  # no calibrated agent left: nothing fitted
    state.catalog.invalidate()
    return await distance.current(state, org, site_id)


# --- health and numbers ---


async def site_health(state: AppState, org: int, site_id: int) -> SiteHealth:
    model = await distance.current(state, org, site_id)
    return await site_health_of(state.storage, state.settings, org, site_id, state.clock(), model)


async def site_stats(
    state: AppState, org: int, site_id: int, since: datetime | None, until: datetime | None
) -> SiteStats:
    """Hourly sightings and prompt events; without bounds, the week up to now."""
    until = until or state.now()
    since = since or _week_before(until)
    span = (org, site_id, since.timestamp(), until.timestamp())
    sightings = [
        HourlySightings(hour=_hour(c.hour), beacon_key=c.key, sightings=c.a, advertisements=c.b)
        for c in await state.storage.sighting_counts(*span)
    ]
    events = [
        HourlyEvents(hour=_hour(c.hour), type=PromptEventType(c.key), prompt_id=c.a, count=c.b)
        for c in await state.storage.event_counts(*span)
    ]
    return SiteStats(site_id=site_id, since=since, until=until, sightings=sightings, prompt_events=events)


def _hour(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _week_before(moment: datetime) -> datetime:
    try:
        return moment - timedelta(days=7)
    except OverflowError:  # `until` in the first week of year 1
        return datetime.min.replace(tzinfo=UTC)
