"""The edge of every request: problem details for every error, CORS preflight, metrics, `nosniff`.

Every answer comes from a handler wrapped by `guard`, including the answers for paths and methods
the API does not have (`add_fallbacks` routes those to `fallback`). So no aiohttp middleware runs:
a middleware costs several microseconds on every request, about a tenth of a cached `resolve`.
Logs carry no addresses and no queries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable

import structlog
from aiohttp import web

from backend.http import problems
from backend.http.state import AppState

log = structlog.get_logger(__name__)

RequestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PUBLIC_PREFIXES = ("/v1/resolve", "/v1/nearby", "/v1/sites", "/v1/regions", "/v1/prompts")
PREFLIGHT = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept-Language",
    "Access-Control-Max-Age": "86400",
}


def guard(state: AppState, name: str, public: bool | None, handler: RequestHandler) -> RequestHandler:
    """`handler` with its errors answered as problem details, counted as operation `name`.

    `public` says whether error answers carry the CORS header; None: decide by the path.
    """
    metrics = state.metrics
    perf_counter = time.perf_counter

    async def guarded(request: web.Request) -> web.StreamResponse:
        started = perf_counter()
        try:
            response = await handler(request)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            response = problems.answer(exc, request)
            if public or (public is None and request.path.startswith(PUBLIC_PREFIXES)):
                response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["X-Content-Type-Options"] = "nosniff"
        elapsed = perf_counter() - started
        metrics.answered(name, response.status, elapsed)
        if response.status >= 500:
            log.warning("request failed", operation=name, status=response.status, ms=round(elapsed * 1000, 2))
        return response

    guarded.__name__ = name
    return guarded


def fallback(allowed: Iterable[str] = ()) -> RequestHandler:
    """Answers a request no operation takes: a CORS preflight, else 405 naming `allowed`, else 404."""
    allow = ", ".join(sorted(set(allowed)))

    async def answer(request: web.Request) -> web.StreamResponse:
        if request.method == "OPTIONS" and request.path.startswith(PUBLIC_PREFIXES):
            return web.Response(status=204, headers=PREFLIGHT)
        if allow:
            raise web.HTTPMethodNotAllowed(request.method, allow.split(", "))
        raise web.HTTPNotFound()

    return answer


def add_fallbacks(app: web.Application, state: AppState) -> None:
    """After the operations: every other method of a known path, and every unknown path."""
    allowed: dict[str, set[str]] = {}
    last: dict[str, web.Resource] = {}
    for resource in app.router.resources():
        if isinstance(resource, web.Resource):
            allowed.setdefault(resource.canonical, set()).update(route.method for route in resource)
            last[resource.canonical] = resource
    for path, resource in last.items():
        resource.add_route("*", guard(state, "unmatched", None, fallback(allowed[path])))
    app.router.add_route("*", r"/{tail:[\s\S]*}", guard(state, "unmatched", None, fallback()))
