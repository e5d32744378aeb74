"""Site staff's endpoints: sites, beacons, prompts and agents of their own organisation only.

Every lookup is scoped by the organisation of the admin key, so another organisation's ids answer
404, exactly like ids that do not exist. Every change clears the read cache.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ValidationError

from backend import auth
from backend.http import distance
from backend.http.operations import Call
from backend.http.problems import problem_response, validation_problem
from backend.link_domains import link_allowed
from backend.models import (
    AgentCreated,
    AgentList,
    BeaconList,
    HourlyEvents,
    HourlySightings,
    PromptList,
    SiteHealth,
    SiteList,
    SiteStats,
    StatsQuery,
)
from backend.site_health import site_health as site_health_of
from beacon_agent.contract.wire import FieldError, PromptEventType


def _changed(call: Call, result: BaseModel | None) -> BaseModel | None:
    call.state.catalog.invalidate()
    return result


# --- the organisation ---


async def get_org(call: Call) -> BaseModel:
    return await call.state.storage.org(call.org)


async def _check_link(call: Call, url: str | None) -> None:
    """Refuse an action link outside the domains the instance's operator allows this organisation."""
    if url is None:
        return
    domains = (await call.state.storage.org(call.org)).link_domains
    if not link_allowed(url, domains):
        allowed = ", ".join(domains)
        msg = f"this organisation's links may only go to {allowed} (or their subdomains)"
        raise problem_response(
            422,
            "Invalid request",
            f"action_url: {msg}",
            errors=[FieldError(loc=["action_url"], msg=msg, type="link_domain")],
        )


# --- sites ---


async def create_site(call: Call) -> BaseModel | None:
    return _changed(call, await call.state.storage.create_site(call.org, call.body, call.state.clock()))


async def list_sites(call: Call) -> SiteList:
    return SiteList(sites=await call.state.storage.list_sites(call.org))


async def get_site(call: Call) -> BaseModel:
    return await call.state.storage.get_site(call.org, call.ids["site_id"])


async def update_site(call: Call) -> BaseModel | None:
    return _changed(call, await call.state.storage.update_site(call.org, call.ids["site_id"], call.body))


async def delete_site(call: Call) -> None:
    await call.state.storage.delete_site(call.org, call.ids["site_id"])
    _changed(call, None)


# --- beacons ---


async def create_beacon(call: Call) -> BaseModel | None:
    storage = call.state.storage
    return _changed(
        call, await storage.create_beacon(call.org, call.ids["site_id"], call.body, call.state.clock())
    )


async def list_beacons(call: Call) -> BeaconList:
    return BeaconList(beacons=await call.state.storage.list_beacons(call.org, call.ids["site_id"]))


async def get_beacon(call: Call) -> BaseModel:
    return await call.state.storage.get_beacon(call.org, call.ids["site_id"], call.ids["beacon_id"])


async def update_beacon(call: Call) -> BaseModel | None:
    ids = call.ids
    return _changed(
        call, await call.state.storage.update_beacon(call.org, ids["site_id"], ids["beacon_id"], call.body)
    )


async def delete_beacon(call: Call) -> None:
    await call.state.storage.decommission_beacon(call.org, call.ids["site_id"], call.ids["beacon_id"])
    _changed(call, None)


# --- prompts ---


async def create_prompt(call: Call) -> BaseModel | None:
    storage = call.state.storage
    await _check_link(call, call.body.action_url)
    return _changed(
        call, await storage.create_prompt(call.org, call.ids["site_id"], call.body, call.state.clock())
    )


async def list_prompts(call: Call) -> PromptList:
    return PromptList(prompts=await call.state.storage.list_prompts(call.org, call.ids["site_id"]))


async def get_prompt(call: Call) -> BaseModel:
    return await call.state.storage.get_prompt(call.org, call.ids["site_id"], call.ids["prompt_id"])


async def update_prompt(call: Call) -> BaseModel | None:
    ids, now = call.ids, call.state.clock()
    await _check_link(call, call.body.action_url)
    try:
        prompt = await call.state.storage.update_prompt(
            call.org, ids["site_id"], ids["prompt_id"], call.body, now
        )
    except ValidationError as exc:
        # A patch that is valid alone but not with the prompt it changes, e.g. a valid_until
        # before the stored valid_from: the merged prompt is checked again and refused here.
        raise validation_problem(exc) from None
    return _changed(call, prompt)


async def delete_prompt(call: Call) -> None:
    await call.state.storage.delete_prompt(call.org, call.ids["site_id"], call.ids["prompt_id"])
    _changed(call, None)


# --- agents ---


async def create_agent(call: Call) -> BaseModel | None:
    token = auth.new_secret(auth.AGENT_PREFIX)
    agent = await call.state.storage.create_agent(
        call.org, call.ids["site_id"], call.body, auth.secret_hash(token)
    )
    return _changed(call, AgentCreated(**agent.model_dump(), token=token))


async def list_agents(call: Call) -> AgentList:
    return AgentList(agents=await call.state.storage.list_agents(call.org, call.ids["site_id"]))


async def get_agent(call: Call) -> BaseModel:
    return await call.state.storage.get_agent(call.org, call.ids["site_id"], call.ids["agent_id"])


async def update_agent(call: Call) -> BaseModel | None:
    ids = call.ids
    return _changed(
        call, await call.state.storage.update_agent(call.org, ids["site_id"], ids["agent_id"], call.body)
    )


# --- health and stats ---


async def site_health(call: Call) -> SiteHealth:
    state, site_id = call.state, call.ids["site_id"]
    model = await distance.current(state, call.org, site_id)
    return await site_health_of(state.storage, state.settings, call.org, site_id, state.clock(), model)


async def site_stats(call: Call) -> SiteStats:
    q: StatsQuery = call.query
    until = q.until or call.state.now()
    since = q.since or _week_before(until)
    storage, site_id = call.state.storage, call.ids["site_id"]
    span = (call.org, site_id, since.timestamp(), until.timestamp())
    sightings = [
        HourlySightings(hour=_hour(c.hour), beacon_key=c.key, sightings=c.a, advertisements=c.b)
        for c in await storage.sighting_counts(*span)
    ]
    events = [
        HourlyEvents(hour=_hour(c.hour), type=PromptEventType(c.key), prompt_id=c.a, count=c.b)
        for c in await storage.event_counts(*span)
    ]
    return SiteStats(site_id=site_id, since=since, until=until, sightings=sightings, prompt_events=events)


def _hour(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _week_before(moment: datetime) -> datetime:
    try:
        return moment - timedelta(days=7)
    except OverflowError:  # `until` in the first week of year 1
        return datetime.min.replace(tzinfo=UTC)
