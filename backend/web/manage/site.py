"""`/manage/sites/{site_id}`: one site's pages, a tab each (settings, beacons, prompts, agents, numbers);
here the settings tab (the site's fields, its position on the map, its distance model) and
`/manage/sites/new`.

Every site page starts with `site_of`, which reads the site through the signed-in person's
organisation (another organisation's site answers 404, as in the API), and renders with
`site_page`, which adds the tabs. A tab appears once its page's route is registered, so each
page module adds its own route and nothing else needs to know about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from backend import staff_actions
from backend.errors import Conflict, NotFound
from backend.http import distance
from backend.http.state import STATE
from backend.models import Agent, Beacon, BeaconPatch, Site
from backend.web.manage import site_distance, site_map
from backend.web.manage.session import Staff, staff_for, staff_form
from backend.web.manage.signin import see_other
from backend.web.manage.site_form import (
    FormProblems,
    blank,
    site_in,
    site_patch,
    time_zones,
    typed,
    values_of,
)
from backend.web.render import page, page_language, render
from beacon_agent.contract.wire import SiteKind

SITE_PATH: Final = "/manage/sites/{site_id:[0-9]{1,18}}"
NEW_SITE: Final = "/manage/sites/new"
_DONE: Final = frozenset({"created", "saved", "distances"})

# (route name, words key of the tab's label), in the order the tabs are shown.
SITE_TABS: Final = (
    ("manage_site", "tab.settings"),
    ("manage_site_beacons", "tab.beacons"),
    ("manage_site_prompts", "tab.prompts"),
    ("manage_site_agents", "tab.agents"),
    ("manage_site_numbers", "tab.numbers"),
)


async def site_of(request: web.Request, staff: Staff) -> Site:
    """The site named in the address, if it belongs to `staff`'s organisation; else a 404 page."""
    try:
        return await request.app[STATE].storage.get_site(staff.org_id, int(request.match_info["site_id"]))
    except NotFound:
        raise web.HTTPNotFound() from None


def site_page(
    request: web.Request,
    template: str,
    staff: Staff,
    site: Site,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    img_src: str = "",
) -> web.Response:
    """A page of one site: `template` extends `manage_site_base.html`, which shows the tabs."""
    routes = request.app.router.named_resources()
    tabs = [
        (str(routes[name].url_for(site_id=str(site.id))), label)
        for name, label in SITE_TABS
        if name in routes
    ]
    values = {"staff": staff, "site": site, "tabs": tabs, **(context or {})}
    return render(request, template, values, status=status, img_src=img_src)


def form_context(
    request: web.Request, values: dict[str, str], problems: list[str]
) -> tuple[dict[str, Any], str]:
    """What the site form needs (its values, the fields at fault, the choices, the map) and the
    page's image source for the map's tiles."""
    setup = site_map.map_setup(request.app[STATE].settings)
    context = {
        "values": values,
        "problems": problems,
        "kinds": [k.value for k in SiteKind],
        "zones": time_zones(),
        "map": setup,
    }
    return context, setup.img_src


async def settings_page(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request)
    site = await site_of(request, staff)
    return await _settings(request, staff, site, values_of(site), [])


async def save(request: web.Request) -> web.StreamResponse:
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    values = typed(form)
    try:
        await staff_actions.update_site(request.app[STATE], staff.org_id, site.id, site_patch(values))
    except FormProblems as exc:
        return await _settings(request, staff, site, values, exc.fields, status=400)
    except Conflict:
        return await _settings(request, staff, site, values, ["slug_taken"], status=409)
    except NotFound:  # deleted meanwhile
        raise web.HTTPNotFound() from None
    return see_other(f"/manage/sites/{site.id}?done=saved")


async def new_page(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request, "editor")
    return _new(request, staff, blank(), [])


async def create(request: web.Request) -> web.StreamResponse:
    staff, form = await staff_form(request, "editor")
    values = typed(form)
    try:
        made = await staff_actions.create_site(request.app[STATE], staff.org_id, site_in(values))
    except FormProblems as exc:
        return _new(request, staff, values, exc.fields, status=400)
    except Conflict:
        return _new(request, staff, values, ["slug_taken"], status=409)
    return see_other(f"/manage/sites/{made.id}?done=created")


async def _settings(
    request: web.Request,
    staff: Staff,
    site: Site,
    values: dict[str, str],
    problems: list[str],
    *,
    status: int = 200,
    distance_typed: dict[str, str] | None = None,
    distance_problems: list[str] | None = None,
) -> web.Response:
    state = request.app[STATE]
    context, img_src = form_context(request, values, problems)
    done = request.query.get("done", "")
    context["done"] = done if done in _DONE and not problems and not distance_problems else None
    agents, beacons = await _agents_and_beacons(request, staff, site)
    context["distance"] = site_distance.section(
        await distance.current(state, staff.org_id, site.id),
        agents,
        beacons,
        state.settings.path_loss_exponent,
        page_language(request),
        distance_typed,
        distance_problems or [],
    )
    return site_page(request, "manage_site.html", staff, site, context, status=status, img_src=img_src)


async def save_distances(request: web.Request) -> web.StreamResponse:
    """The distance model's section: the beacons' powers, then the typed model, which refits."""
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    state = request.app[STATE]
    agents, beacons = await _agents_and_beacons(request, staff, site)
    try:
        typed_model, powers = site_distance.parse(form, agents, beacons)
    except FormProblems as exc:
        return await _settings(
            request,
            staff,
            site,
            values_of(site),
            [],
            status=400,
            distance_typed=dict(form),
            distance_problems=exc.fields,
        )
    try:
        for beacon in beacons:
            if powers[beacon.id] != beacon.tx_power:
                patch = BeaconPatch(tx_power=powers[beacon.id])
                await staff_actions.update_beacon(state, staff.org_id, site.id, beacon.id, patch)
        await staff_actions.set_distance_model(state, staff.org_id, site.id, typed_model)
    except NotFound:  # an agent or beacon removed meanwhile: show the page as it is now
        return await _settings(request, staff, site, values_of(site), [], status=409)
    return see_other(f"/manage/sites/{site.id}?done=distances#distance")


async def _agents_and_beacons(
    request: web.Request, staff: Staff, site: Site
) -> tuple[list[Agent], list[Beacon]]:
    """The agents and beacons that can be measured: not revoked, not decommissioned."""
    storage = request.app[STATE].storage
    agents = [a for a in await storage.list_agents(staff.org_id, site.id) if not a.revoked]
    beacons = [b for b in await storage.list_beacons(staff.org_id, site.id) if b.status != "decommissioned"]
    return agents, beacons


def _new(
    request: web.Request, staff: Staff, values: dict[str, str], problems: list[str], *, status: int = 200
) -> web.Response:
    context, img_src = form_context(request, values, problems)
    return render(
        request, "manage_site_new.html", {"staff": staff, **context}, status=status, img_src=img_src
    )


def add_routes(app: web.Application) -> None:
    site_map.add_assets(app)
    app.router.add_get(SITE_PATH, page("manage_site", settings_page), name="manage_site")
    app.router.add_post(SITE_PATH, page("manage_site", save))
    app.router.add_get(NEW_SITE, page("manage_site_new", new_page), name="manage_site_new")
    app.router.add_post(NEW_SITE, page("manage_site_new", create))
    app.router.add_post(SITE_PATH + "/distance-model", page("manage_site", save_distances))
