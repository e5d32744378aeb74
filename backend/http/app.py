"""`create_app(settings)`: the aiohttp application, its resources and its middlewares."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from backend.alerts.check import alerts_ctx
from backend.catalog import Catalog
from backend.changes import follow_changes
from backend.config import Settings
from backend.errors import Unavailable
from backend.events import EventCaps
from backend.http import edge
from backend.http.openapi import document
from backend.http.operations import Operation
from backend.http.routes import OPERATIONS
from backend.http.state import STATE, AppState
from backend.ratelimit import RateLimiter, share
from backend.storage import Storage, storage_for
from backend.storage.replica import ReplicaStorage
from backend.web import app as companion
from backend.web import home, manage, public, render
from beacon_agent.contract import version

log = structlog.get_logger(__name__)

PURGE_EVERY_S = 3600.0
PURGE_RETRY_S = 60.0
SERVED: web.AppKey[tuple[Operation, ...]] = web.AppKey("operations")


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    storage: Storage | None = None,
    operations: Sequence[Operation] = OPERATIONS,
) -> web.Application:
    """The service; `operations` are the API it serves (the benchmarks' floor serves stand-ins).

    The store `settings.db` names (else `storage`) is opened as the app starts and closed as it stops;
    `backend.storage.UnsupportedDatabase` here, before anything runs, if it names none we have.
    """
    storage = storage or storage_for(settings)
    state = AppState(
        settings=settings,
        storage=storage,
        catalog=Catalog(
            storage,
            clock,
            ttl_s=settings.cache_ttl_s,
            skew_periods=settings.eid_skew_periods,
            max_entries=settings.cache_entries,
        ),
        clock=clock,
        # With several workers each enforces its share, so that together they allow the limit.
        limiter=RateLimiter(*share(settings.rate_limit_per_s, settings.rate_limit_burst, settings.workers)),
        event_caps=EventCaps(
            settings.max_event_rate_per_hour, settings.max_events_per_hour_all_prompts, settings.workers
        ),
    )
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[STATE] = state
    app[SERVED] = tuple(operations)
    for op in operations:
        if op.method == "GET":  # HTTP servers must answer HEAD wherever they answer GET (RFC 9110)
            app.router.add_get(op.route_path, op.bind(state), name=op.name)
        else:
            app.router.add_route(op.method, op.route_path, op.bind(state), name=op.name)
    for name, handler in (("healthz", healthz), ("metrics", metrics), ("openapi", openapi)):
        path = "/openapi.json" if name == "openapi" else f"/{name}"
        app.router.add_get(path, edge.guard(state, name, False, handler), name=name)
    render.setup(app)
    home.add_routes(app)
    public.add_routes(app)
    companion.add_routes(app)
    manage.add_routes(app)
    edge.add_fallbacks(app, state)
    app.cleanup_ctx.append(_storage_ctx)
    app.cleanup_ctx.append(_background(_purge_forever))
    app.cleanup_ctx.append(_background(_follow_changes))
    if settings.site_grid:
        app.cleanup_ctx.append(_background(_keep_site_grid))
    app.cleanup_ctx.append(alerts_ctx)
    app.on_startup.append(_freeze_startup_objects)
    if settings.show_worker:
        app.on_response_prepare.append(_name_worker)
    return app


async def _name_worker(_: web.Request, response: web.StreamResponse) -> None:
    response.headers["X-Nahbei-Worker"] = str(os.getpid())


async def _freeze_startup_objects(app: web.Application) -> None:
    """Modules, classes and schemas live as long as the process: keep them out of every collection.

    A full collection otherwise walks all of them and paused the server for ~80 ms under load.
    """
    gc.collect()
    gc.freeze()


async def _storage_ctx(app: web.Application) -> AsyncIterator[None]:
    state = app[STATE]
    await state.storage.open()
    yield
    await state.storage.close()


def _background(
    work: Callable[[AppState], Coroutine[Any, Any, None]],
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context running `work(state)` while the app runs, cancelled as it stops."""

    async def running(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(work(app[STATE]))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return running


async def _purge_forever(state: AppState) -> None:
    """Raw sightings older than the retention time go; the hourly roll-ups stay. A pass that fails
    (the database restarting) is tried again a minute later: retention must not end with one outage."""
    while True:
        before = state.clock() - state.settings.retention_days * 86400
        try:
            deleted = await state.storage.purge_sightings(before)
        except Unavailable as exc:
            log.warning("purge postponed", reason=str(exc), retry_in_s=PURGE_RETRY_S)
            await asyncio.sleep(PURGE_RETRY_S)
            continue
        except Exception:
            log.exception("purge failed", retry_in_s=PURGE_RETRY_S)
            await asyncio.sleep(PURGE_RETRY_S)
            continue
        if deleted:
            log.info("purged old sightings", deleted=deleted, retention_days=state.settings.retention_days)
        await asyncio.sleep(PURGE_EVERY_S)


async def _follow_changes(state: AppState) -> None:
    """Empty the read caches when another process changed the store (`backend.changes`)."""
    await follow_changes(
        state.catalog.follow, state.metrics.caches_emptied.inc, state.settings.changes_poll_s
    )


async def _keep_site_grid(state: AppState) -> None:
    await state.catalog.keep_site_grid()


async def healthz(request: web.Request) -> web.Response:
    """200 while the database answers; with a read replica, its state too (its being down is no outage)."""
    state = request.app[STATE]
    await state.storage.ping()
    answer: dict[str, object] = {"status": "ok", "version": version()}
    if isinstance(state.storage, ReplicaStorage):
        answer["read_db"] = state.storage.health()
    return web.json_response(answer, headers={"Cache-Control": "no-store"})


async def metrics(request: web.Request) -> web.Response:
    if not request.app[STATE].may_scrape(request):
        raise web.HTTPNotFound()  # as if there were none: no hint to others that it exists
    body = generate_latest(request.app[STATE].metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def openapi(request: web.Request) -> web.Response:
    served = request.app[SERVED]
    doc = document(served, request.app[STATE].settings, version())
    return web.Response(text=json.dumps(doc), content_type="application/json")
