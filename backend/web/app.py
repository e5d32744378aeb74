"""`/app/`: the companion as a progressive web app, its files served with the headers a PWA needs.

The shell (static/app/: page, style, script, manifest, service worker, icon) is read once, at start,
with the empty prompt cards written into the page (`backend.web.card`), and kept gzipped as well,
since aiohttp's static files are sent uncompressed. Each file carries an
ETag of its content and `Cache-Control: no-cache`: the browser asks again every time and gets a 304
while nothing changed, so a new version is picked up at once. The service worker's cache is named
after the hash of the whole shell (written into sw.js), so a new shell replaces the kept one.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aiohttp import web

from backend.web.card import card_templates
from backend.web.icons import SIZES, icon_png
from backend.web.render import STATIC, page

FOLDER: Final = STATIC / "app"
# What the service worker keeps offline, by path; sw.js itself is fetched by the browser, not kept.
SHELL: Final = {
    "": "index.html",
    "app.css": "app.css",
    "card.css": "card.css",
    "app.js": "app.js",
    "card.js": "card.js",
    "manifest.webmanifest": "manifest.webmanifest",
    "icon.svg": "icon.svg",
}
WORKER: Final = "sw.js"
# Where index.html takes the empty prompt cards that card.js fills (`backend.web.card`).
CARDS_MARK: Final = b"<!-- card templates -->"
_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# The app talks to its own origin only; the service worker and manifest come from it too.
_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'none'"
)
# Read at start; a test swaps them in place to play a new deployment.
APP_FILES: web.AppKey[dict[str, AppFile]] = web.AppKey("app_files")


@dataclass(frozen=True, slots=True)
class AppFile:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


def app_file(name: str, body: bytes) -> AppFile:
    """`body` as served under `name`: its type, its ETag, and gzipped if that makes it smaller."""
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    content_type = _TYPES[Path(name).suffix]
    return AppFile(
        body,
        packed if len(packed) < len(body) else None,
        content_type,
        f'"{hashlib.sha256(body).hexdigest()[:20]}"',
    )


def load_files(folder: Path = FOLDER) -> dict[str, AppFile]:
    """Every file of the app by its path under /app/, sw.js naming its cache after the shell."""
    shell = {path: (folder / name).read_bytes() for path, name in SHELL.items()}
    shell[""] = shell[""].replace(CARDS_MARK, card_templates().encode())
    version = hashlib.sha256(b"".join(shell.values())).hexdigest()[:16]
    worker = (folder / WORKER).read_bytes().replace(b"__VERSION__", version.encode())
    files = {path: app_file(name, shell[path]) for path, name in SHELL.items()}
    files[WORKER] = app_file(WORKER, worker)
    return files


async def serve(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    found = request.app[APP_FILES].get(name) or _icon(name)
    if found is None:
        raise web.HTTPNotFound()
    headers = {
        "Content-Type": found.content_type,
        "Cache-Control": "no-cache",
        "ETag": found.etag,
        "Vary": "Accept-Encoding",
        "Content-Security-Policy": _CSP,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("If-None-Match") == found.etag:
        return web.Response(status=304, headers=headers)
    if found.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        return web.Response(body=found.gzipped, headers={**headers, "Content-Encoding": "gzip"})
    return web.Response(body=found.body, headers=headers)


def _icon(name: str) -> AppFile | None:
    """`icon-192.png` and the like, drawn the first time they are asked for."""
    size = name.removeprefix("icon-").removesuffix(".png")
    if f"icon-{size}.png" != name or not size.isdigit() or int(size) not in SIZES:
        return None
    return _icon_file(int(size))


@functools.cache
def _icon_file(size: int) -> AppFile:
    return app_file(f"icon-{size}.png", icon_png(size))


async def to_app(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently("/app/")


def add_routes(app: web.Application) -> None:
    app[APP_FILES] = load_files()
    app.router.add_get("/app", to_app, name="app_bare")
    app.router.add_get("/app/{name:.*}", page("app", serve), name="app")
