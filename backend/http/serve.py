"""`serve(settings, app)`: run the application until SIGINT or SIGTERM, as `nahbei-backend serve` does
(and the benchmarks' floor server)."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from aiohttp import web

from backend.config import Settings

log = structlog.get_logger(__name__)


def serve(settings: Settings, app: web.Application) -> None:
    """Serve `app` on `settings.host`:`settings.port` until SIGINT/SIGTERM."""
    web.run_app(app, host=settings.host, port=settings.port, access_log=None, print=_announce(settings))


def _announce(settings: Settings) -> Callable[[str], None]:
    """aiohttp's "running on" line, said as one log line of ours."""

    def say(_: str) -> None:
        log.info("serving", url=f"http://{settings.host}:{settings.port}", db=str(settings.db))

    return say
