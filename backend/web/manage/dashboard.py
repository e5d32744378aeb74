"""`/manage/`: the organisation's sites, each with its state in plain words, a page at a time.

Only the shown page's sites are checked, so the page costs the same for 3 sites as for 1,000.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from backend.http.state import STATE
from backend.site_health import site_health
from backend.web.manage.paging import page_count, page_number
from backend.web.manage.session import staff_for
from backend.web.manage.site_map import map_setup
from backend.web.manage.site_state import findings
from backend.web.render import page, page_language, render

PAGE_SIZE: Final = 20


async def dashboard(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request)
    state, lang = request.app[STATE], page_language(request)
    number = page_number(request)
    sites, total = await state.storage.sites_page(staff.org_id, (number - 1) * PAGE_SIZE, PAGE_SIZE)
    pages = page_count(total, PAGE_SIZE)
    if number > pages:  # past the end (an old link): the last page, read again
        number = pages
        sites, total = await state.storage.sites_page(staff.org_id, (number - 1) * PAGE_SIZE, PAGE_SIZE)
    shown = []
    for site in sites:
        report = await site_health(state.storage, state.settings, staff.org_id, site.id, state.clock())
        shown.append((site, findings(report, site.timezone, lang)))
    setup = map_setup(state.settings)
    context = {
        "staff": staff,
        "sites": shown,
        "page": number,
        "pages": pages,
        "total": total,
        "map": setup,
    }
    return render(request, "manage_dashboard.html", context, lang=lang, img_src=setup.img_src)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/manage/", page("manage_dashboard", dashboard))
    app.router.add_get("/manage", page("manage_dashboard", _to_dashboard))


async def _to_dashboard(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/manage/")
