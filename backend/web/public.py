"""A site's public pages: `/s/{slug}` (who it is and its prompts now), the button's redirect, the
poster and the privacy notice.

Read through the catalog (`backend.catalog`), as `resolve` is, so a page costs no database query
while its site's card is cached; the prompts are those `GET /v1/sites/{id}` answers, chosen in the
same language by the same rules (`backend.answers.chosen_prompts`). No page sets a cookie or records
anything about the visitor. A page view is not a person's attention and is not counted; following a
prompt's button is: `/s/{slug}/go/{prompt_id}` counts `acted` (as the app does when a person follows
the action) within the per-client event cap, and redirects to the prompt's link.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import cairosvg
from aiohttp import web
from pydantic_core import from_json

from backend.answers import SiteCard, chosen_prompts
from backend.http.public import count_event
from backend.http.state import STATE
from backend.models import Site
from backend.prompts import language_preferences
from backend.web import privacy
from backend.web.card import public_card
from backend.web.poster import poster_svg
from backend.web.render import page, page_language, render, render_text, respond
from backend.web.words import LANGUAGES, word
from beacon_agent.contract.wire import PromptEventType

CACHED: Final = "public, max-age=60"
POSTER_CACHED: Final = "public, max-age=300"


async def _site(request: web.Request) -> Site:
    site = await request.app[STATE].catalog.site_by_slug(request.match_info["slug"])
    if site is None:
        raise web.HTTPNotFound()
    return site


async def _prompts(request: web.Request, site: Site) -> list[dict[str, Any]]:
    """The site's current prompts, best first, each as `PromptView` in the visitor's language."""
    state = request.app[STATE]
    card = (await state.catalog.cards([site.id], state.clock())).get(site.id)
    if card is None:
        return []
    preferences = language_preferences(request.query.get("lang"), request.headers.get("Accept-Language"))
    return [from_json(text) for _, text in chosen_prompts(card, None, preferences, check_distance=False)]


def _cached(response: web.Response) -> web.Response:
    response.headers["Vary"] = "Accept-Language"
    return response


async def site_page(request: web.Request) -> web.Response:
    """Kept rendered by the catalog, per reader's languages, for as long as the site's card holds."""
    state = request.app[STATE]
    preferences = language_preferences(request.query.get("lang"), request.headers.get("Accept-Language"))
    lang = page_language(request)

    def draw(card: SiteCard) -> bytes:
        site = from_json(card[2])
        base = f"/s/{site['slug']}"
        cards = [
            public_card(from_json(text), base, lang)
            for _, text in chosen_prompts(card, None, preferences, check_distance=False)
        ]
        return render_text(request, "site.html", {"site": site, "cards": cards, "base": base}, lang).encode()

    body = await state.catalog.site_page(request.match_info["slug"], preferences, state.clock(), draw)
    if body is None:
        raise web.HTTPNotFound()
    return _cached(respond(body, lang, cache=CACHED))


async def follow(request: web.Request) -> web.StreamResponse:
    """The action button: count `acted`, then send the visitor on to the prompt's link (303)."""
    state = request.app[STATE]
    site = await _site(request)
    prompt_id = int(request.match_info["prompt_id"])
    prompt = next((p for p in await _prompts(request, site) if p["id"] == prompt_id), None)
    if prompt is None or prompt["action"] is None:
        raise web.HTTPNotFound()  # not (or no longer) shown on the site's page
    await count_event(state, request, prompt_id, PromptEventType.ACTED)
    raise web.HTTPSeeOther(prompt["action"]["url"], headers={"Cache-Control": "no-store"})


def _poster_language(request: web.Request, site: Site) -> str:
    """`?lang=`, else the site's language (a poster is for the street, not the browser that printed it)."""
    asked = request.query.get("lang")
    if asked in LANGUAGES:
        return asked
    return site.default_lang if site.default_lang in LANGUAGES else page_language(request)


def site_url(request: web.Request, site: Site) -> str:
    return f"{request.app[STATE].settings.base_url.rstrip('/')}/s/{site.slug}"


async def _poster(request: web.Request) -> str:
    site = await _site(request)
    lang = _poster_language(request, site)
    url = site_url(request, site)
    return poster_svg(
        name=site.name,
        invitation=word("poster.invitation", lang),
        url=url,
        privacy=word("poster.privacy", lang).format(url=f"{url}/privacy"),
    )


async def poster_svg_page(request: web.Request) -> web.Response:
    return web.Response(
        text=await _poster(request),
        content_type="image/svg+xml",
        headers={"Cache-Control": POSTER_CACHED, "X-Content-Type-Options": "nosniff"},
    )


async def poster_pdf_page(request: web.Request) -> web.Response:
    svg = await _poster(request)
    # cairo takes ~50 ms for a poster: off the event loop.
    pdf = await asyncio.to_thread(cairosvg.svg2pdf, bytestring=svg.encode())
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Cache-Control": POSTER_CACHED,
            "Content-Disposition": f'inline; filename="nahbei-{request.match_info["slug"]}.pdf"',
            "X-Content-Type-Options": "nosniff",
        },
    )


async def privacy_page(request: web.Request) -> web.Response:
    site = await _site(request)
    context = {
        "site": site,
        "controller": privacy.controller_of(site),
        "processed": privacy.PROCESSED,
        "base": f"/s/{site.slug}",
    }
    return _cached(render(request, "privacy.html", context, cache=CACHED))


def add_routes(app: web.Application) -> None:
    slug = "/s/{slug:[a-z0-9-]{3,40}}"
    app.router.add_get(slug, page("site_page", site_page), name="site_page")
    app.router.add_get(slug + "/go/{prompt_id:[0-9]{1,18}}", page("site_follow", follow), name="site_follow")
    app.router.add_get(slug + "/poster.svg", page("site_poster_svg", poster_svg_page), name="site_poster_svg")
    app.router.add_get(slug + "/poster.pdf", page("site_poster_pdf", poster_pdf_page), name="site_poster_pdf")
    app.router.add_get(slug + "/privacy", page("site_privacy", privacy_page), name="site_privacy")
