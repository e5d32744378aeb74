"""How a page is answered: its language, its template, and the headers every page carries.

Every page handler is wrapped by `page`, which answers errors as a page a person can read (not
problem+json, which is for programs), counts the request in the metrics as the API's handlers are
counted, and sets the security headers: a Content-Security-Policy without inline script or style,
no referrer, no framing. Public pages set no cookie; nothing here does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Final

import aiohttp_jinja2
import jinja2
import structlog
from aiohttp import web

from backend.errors import Unavailable
from backend.http.state import STATE
from backend.prompts import language_preferences
from backend.web.words import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, word

log = structlog.get_logger(__name__)

STATIC: Final = Path(__file__).parent / "static"
PageHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# 'self' only: every script and style is a file under /static/, so an injected <script> cannot run.
_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{img}; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def setup(app: web.Application) -> None:
    """Templates from backend/web/templates (HTML escaped by default), static files under /static/."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("backend.web", "templates"),
        autoescape=jinja2.select_autoescape(["html", "svg", "xml"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the code: no stat() of every file on every render (~25 µs a page).
        auto_reload=False,
    )
    env.globals["languages"] = LANGUAGE_NAMES
    static = app.router.add_static("/static/", STATIC, name="static", append_version=True)
    # The versioned address hashes the file: once here, not on every page (it cost ~180 µs a render).
    env.globals["stylesheet"] = str(static.url_for(filename="nahbei.css"))


def page_language(request: web.Request) -> str:
    """`?lang=` (the page's language switch), else the browser's Accept-Language, else German."""
    for tag in language_preferences(request.query.get("lang"), request.headers.get("Accept-Language")):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    lang: str | None = None,
    img_src: str = "",
    cache: str = "no-store",
) -> web.Response:
    """`template` rendered in the request's language, with the page headers.

    `img_src` adds image sources to the policy (the staff pages' map tiles); `cache` is the
    Cache-Control a page may carry (public pages can be cached, staff pages never).
    """
    lang = lang or page_language(request)
    body = render_text(request, template, context, lang)
    return respond(body.encode(), lang, status=status, img_src=img_src, cache=cache)


def render_text(request: web.Request, template: str, context: Mapping[str, Any] | None, lang: str) -> str:
    """`template` rendered in `lang`: the page alone, for a page kept rendered (see `respond`)."""
    values = {"lang": lang, "t": lambda key: word(key, lang), "path": request.path, **(context or {})}
    return aiohttp_jinja2.render_string(template, request, values)


def respond(
    body: bytes, lang: str, *, status: int = 200, img_src: str = "", cache: str = "no-store"
) -> web.Response:
    """A rendered page with the headers every page carries."""
    response = web.Response(body=body, status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Language"] = lang
    response.headers["Content-Security-Policy"] = _CSP.format(img=f" {img_src}" if img_src else "")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = cache
    return response


def page(name: str, handler: PageHandler) -> PageHandler:
    """`handler` with its errors answered as a readable page, counted in the metrics as `name`."""

    async def answered(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            response = await handler(request)
        except asyncio.CancelledError:
            raise
        except web.HTTPException as exc:
            if exc.status < 400:
                raise  # redirects
            response = render(request, "error.html", {"status": exc.status}, status=exc.status)
        except Unavailable as exc:  # the database is down: a page that says so, and when to come back
            response = render(request, "error.html", {"status": 503}, status=503)
            response.headers["Retry-After"] = str(exc.retry_after_s)
        except Exception:
            log.exception("page failed", page=name)
            response = render(request, "error.html", {"status": 500}, status=500)
        request.app[STATE].metrics.answered(name, response.status, time.perf_counter() - started)
        return response

    answered.__name__ = name
    return answered
