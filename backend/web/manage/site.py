"""`/manage/sites/{site_id}`: one site's pages, a tab each (settings, beacons, prompts, agents, numbers).

Every site page starts with `site_of`, which reads the site through the signed-in person's
organisation (another organisation's site answers 404, as in the API), and renders with
`site_page`, which adds the tabs. A tab appears once its page's route is registered, so each
page module adds its own route and nothing else needs to know about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from backend.errors import NotFound
from backend.http.state import STATE
from backend.models import Site
from backend.web.manage.session import Staff, staff_for
from backend.web.render import page, render

SITE_PATH: Final = "/manage/sites/{site_id:[0-9]{1,18}}"

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


async def settings_page(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request)
    return site_page(request, "manage_site.html", staff, await site_of(request, staff))


def add_routes(app: web.Application) -> None:
    app.router.add_get(SITE_PATH, page("manage_site", settings_page), name="manage_site")
