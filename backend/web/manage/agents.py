"""`/manage/sites/{site_id}/agents`: a site's agents (online or not, their outbox, their version), and new ones.

A new agent's token is shown once, on the answer to the form that created it, together with a
ready `agent.toml` (the backend's `base_url` and the token filled in) as a `data:` link: the file
lives only in that answer, so there is no address from which it could be fetched again, and
nothing of it is logged. Because that answer is not a redirect, reloading it would post the form
again: the page refuses a name an active agent of the site already has, so a reload makes no
second agent (the API keeps names free, as labels). The install commands are the README's.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any, Final

from aiohttp import web
from pydantic import ValidationError

from backend import health
from backend import staff_actions as act
from backend.agent_file import FILE_NAME, INSTALL_COMMANDS, agent_toml
from backend.errors import NotFound
from backend.http.state import STATE
from backend.models import Agent, AgentCreated, AgentHealth, AgentIn, AgentPatch, Site
from backend.web.manage.paging import one_page, page_number
from backend.web.manage.session import Staff, staff_for, staff_form
from backend.web.manage.signin import see_other
from backend.web.manage.site import SITE_PATH, site_of, site_page
from backend.web.manage.site_state import when
from backend.web.render import page, page_language
from backend.web.words import word

AGENTS: Final = SITE_PATH + "/agents"
PAGE_SIZE: Final = 20
# Alerts told in their own column (online/offline) are not repeated among the others.
_OWN_COLUMN: Final = frozenset({health.AGENT_SILENT})


def agent_state(
    agent: AgentHealth, revoked: bool, now: datetime, timezone: str, lang: str
) -> tuple[bool, str]:
    """(online, in words): "online, last heard 14:02", "offline since Tuesday", "never heard from"."""
    if revoked:
        return False, word("agents.revoked", lang)
    since = when(agent.last_heartbeat, now, timezone, lang)
    if agent.last_heartbeat is None:
        return False, word("agents.never", lang)
    if health.AGENT_SILENT in agent.alerts:
        return False, word("agents.offline", lang).format(since=since)
    return True, word("agents.online", lang).format(since=since)


def outbox_state(heartbeat: dict[str, Any] | None, lang: str) -> str:
    """What the agent's outbox holds, from its last heartbeat, in words."""
    if not heartbeat:
        return "\N{EN DASH}"
    if heartbeat.get("outbox_error"):
        return word("agents.outbox.failing", lang).format(error=heartbeat["outbox_error"])
    depth = int(heartbeat.get("outbox_depth", 0))
    text = (
        word("agents.outbox.empty", lang)
        if depth == 0
        else word("agents.outbox.waiting", lang).format(n=depth)
    )
    if heartbeat.get("dropped"):
        text += " " + word("agents.outbox.dropped", lang).format(n=heartbeat["dropped"])
    return text


async def _show(
    request: web.Request, staff: Staff, site: Site, *, status: int = 200, **extra: Any
) -> web.Response:
    state, lang = request.app[STATE], page_language(request)
    report = await act.site_health(state, staff.org_id, site.id)
    agents = await state.storage.list_agents(staff.org_id, site.id)
    beacons = {b.id: b for b in await state.storage.list_beacons(staff.org_id, site.id)}
    by_id = {a.agent_id: a for a in report.agents}
    shown, number, pages = one_page(agents, page_number(request), PAGE_SIZE)
    rows = []
    for agent in shown:
        found = by_id[agent.id]
        online, said = agent_state(found, agent.revoked, report.checked_at, site.timezone, lang)
        beacon = beacons.get(agent.advertise_beacon_id or 0)
        since = when(found.last_heartbeat, report.checked_at, site.timezone, lang)
        rows.append(
            {
                "agent": agent,
                "online": online,
                "state": said,
                "outbox": outbox_state(agent.heartbeat, lang),
                "version": (agent.heartbeat or {}).get("version") or "\N{EN DASH}",
                "advertises": (beacon.label or f"#{beacon.id}") if beacon else None,
                "alerts": [
                    (word(f"state.{a}", lang).format(name=agent.name, since=since), word(f"advice.{a}", lang))
                    for a in found.alerts
                    if a not in _OWN_COLUMN
                ],
            }
        )
    done = request.query.get("done")
    context = {
        "rows": rows,
        "page": number,
        "pages": pages,
        "total": len(agents),
        "made": None,
        "file": "",
        "file_link": "",
        "file_name": FILE_NAME,
        "commands": INSTALL_COMMANDS,
        "typed": "",
        "field_error": "",
        "done": done if done == "revoked" else None,
        **extra,
    }
    return site_page(request, "manage_site_agents.html", staff, site, context, status=status)


def _name_taken(name: str, agents: list[Agent]) -> bool:
    wanted = name.strip().casefold()
    return any(not agent.revoked and agent.name.strip().casefold() == wanted for agent in agents)


async def agents_page(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request)
    return await _show(request, staff, await site_of(request, staff))


async def create(request: web.Request) -> web.StreamResponse:
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    state, lang = request.app[STATE], page_language(request)
    typed = form.get("name", "")[:300]
    try:
        wanted = AgentIn(name=typed)
    except ValidationError:
        return await _show(
            request, staff, site, status=400, typed=typed, field_error=word("agents.name_bad", lang)
        )
    if _name_taken(wanted.name, await state.storage.list_agents(staff.org_id, site.id)):
        taken = word("agents.name_taken", lang).format(name=wanted.name)
        return await _show(request, staff, site, status=400, typed=typed, field_error=taken)
    made: AgentCreated = await act.create_agent(state, staff.org_id, site.id, wanted)
    text = agent_toml(state.settings.base_url, made.token, site.name, made.name, state.now().astimezone(UTC))
    link = "data:application/toml;charset=utf-8;base64," + base64.b64encode(text.encode()).decode()
    return await _show(request, staff, site, made=made, file=text, file_link=link)


async def revoke(request: web.Request) -> web.StreamResponse:
    staff, _ = await staff_form(request, "editor")
    site = await site_of(request, staff)
    try:
        patch = AgentPatch(revoked=True)
        await act.update_agent(
            request.app[STATE], staff.org_id, site.id, int(request.match_info["agent_id"]), patch
        )
    except NotFound:
        raise web.HTTPNotFound() from None
    return see_other(f"/manage/sites/{site.id}/agents?done=revoked")


def add_routes(app: web.Application) -> None:
    app.router.add_get(AGENTS, page("manage_site_agents", agents_page), name="manage_site_agents")
    app.router.add_post(AGENTS, page("manage_site_agents", create))
    app.router.add_post(AGENTS + "/{agent_id:[0-9]{1,18}}/revoke", page("manage_site_agents", revoke))
