"""Site staff's endpoints: sites, beacons, prompts and agents of their own organisation only.

The rules live in `backend.staff_actions`, shared with the staff pages; these handlers only
unpack a validated call. Another organisation's ids answer 404, exactly like ids that do not exist.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from backend import staff_actions as act
from backend.http.operations import Call
from backend.http.problems import validation_problem
from backend.models import (
    AgentList,
    BeaconList,
    DistanceModel,
    PromptList,
    SiteHealth,
    SiteList,
    SiteStats,
    StatsQuery,
)

# --- the organisation ---


async def get_org(call: Call) -> BaseModel:
    return await call.state.storage.org(call.org)


# --- sites ---


async def create_site(call: Call) -> BaseModel | None:
    return await act.create_site(call.state, call.org, call.body)


async def list_sites(call: Call) -> SiteList:
    return SiteList(sites=await call.state.storage.list_sites(call.org))


async def get_site(call: Call) -> BaseModel:
    return await call.state.storage.get_site(call.org, call.ids["site_id"])


async def update_site(call: Call) -> BaseModel | None:
    return await act.update_site(call.state, call.org, call.ids["site_id"], call.body)


async def delete_site(call: Call) -> None:
    await act.delete_site(call.state, call.org, call.ids["site_id"])


# --- beacons ---


async def create_beacon(call: Call) -> BaseModel | None:
    return await act.create_beacon(call.state, call.org, call.ids["site_id"], call.body)


async def import_beacons(call: Call) -> BeaconList:
    return BeaconList(
        beacons=await act.import_beacons(call.state, call.org, call.ids["site_id"], call.body.beacons)
    )


async def list_beacons(call: Call) -> BeaconList:
    return BeaconList(beacons=await call.state.storage.list_beacons(call.org, call.ids["site_id"]))


async def get_beacon(call: Call) -> BaseModel:
    return await call.state.storage.get_beacon(call.org, call.ids["site_id"], call.ids["beacon_id"])


async def update_beacon(call: Call) -> BaseModel | None:
    ids = call.ids
    return await act.update_beacon(call.state, call.org, ids["site_id"], ids["beacon_id"], call.body)


async def delete_beacon(call: Call) -> None:
    await act.decommission_beacon(call.state, call.org, call.ids["site_id"], call.ids["beacon_id"])


# --- prompts ---


async def create_prompt(call: Call) -> BaseModel | None:
    return await act.create_prompt(call.state, call.org, call.ids["site_id"], call.body)


async def list_prompts(call: Call) -> PromptList:
    return PromptList(prompts=await call.state.storage.list_prompts(call.org, call.ids["site_id"]))


async def get_prompt(call: Call) -> BaseModel:
    return await call.state.storage.get_prompt(call.org, call.ids["site_id"], call.ids["prompt_id"])


async def update_prompt(call: Call) -> BaseModel | None:
    ids = call.ids
    try:
        return await act.update_prompt(call.state, call.org, ids["site_id"], ids["prompt_id"], call.body)
    except ValidationError as exc:
        raise validation_problem(exc) from None


async def delete_prompt(call: Call) -> None:
    await act.delete_prompt(call.state, call.org, call.ids["site_id"], call.ids["prompt_id"])


# --- agents ---


async def create_agent(call: Call) -> BaseModel | None:
    return await act.create_agent(call.state, call.org, call.ids["site_id"], call.body)


async def list_agents(call: Call) -> AgentList:
    return AgentList(agents=await call.state.storage.list_agents(call.org, call.ids["site_id"]))


async def get_agent(call: Call) -> BaseModel:
    return await call.state.storage.get_agent(call.org, call.ids["site_id"], call.ids["agent_id"])


async def update_agent(call: Call) -> BaseModel | None:
    ids = call.ids
    return await act.update_agent(call.state, call.org, ids["site_id"], ids["agent_id"], call.body)


# --- health and stats ---


async def site_health(call: Call) -> SiteHealth:
    return await act.site_health(call.state, call.org, call.ids["site_id"])


async def site_stats(call: Call) -> SiteStats:
    q: StatsQuery = call.query
    return await act.site_stats(call.state, call.org, call.ids["site_id"], q.since, q.until)


async def set_distance_model(call: Call) -> DistanceModel:
    return await act.set_distance_model(call.state, call.org, call.ids["site_id"], call.body)
