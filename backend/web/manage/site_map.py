"""The staff pages' map: Leaflet (vendored, see tools/vendor-leaflet.sh) over tiles from the
`map_tiles` setting.

The coordinate fields are the truth: without JavaScript or tiles every page still works, and the
map only fills the fields. A page with a map lets images come from the tile host and no other.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Final
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web

from backend.config import Settings

LEAFLET_VERSION: Final = "1.9.4"
_LEAFLET: Final = f"vendor/leaflet-{LEAFLET_VERSION}"


@dataclass(frozen=True, slots=True)
class MapSetup:
    """What a page with a map needs: the tiles' address, their credit as HTML, the CSP source."""

    tiles: str
    attribution: str
    img_src: str


def tile_source(template: str) -> str:
    """The Content-Security-Policy source admitting `template`'s tiles: scheme and host (a `{s}`
    subdomain becomes `*`); empty for no tiles."""
    if not template:
        return ""
    parts = urlsplit(template)
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def map_setup(settings: Settings) -> MapSetup:
    text = escape(settings.map_attribution)
    credit = (
        f'<a href="{escape(settings.map_attribution_url)}">{text}</a>'
        if settings.map_attribution_url
        else text
    )
    return MapSetup(settings.map_tiles, credit, tile_source(settings.map_tiles))


def add_assets(app: web.Application) -> None:
    """The map's files as versioned addresses, worked out once (hashing them costs per render)."""
    static = app.router["static"]
    files = {
        "leaflet_js": f"{_LEAFLET}/leaflet.js",
        "leaflet_css": f"{_LEAFLET}/leaflet.css",
        "map_js": "map.js",
        "site_css": "site.css",
    }
    aiohttp_jinja2.get_env(app).globals["map_files"] = {
        name: str(static.url_for(filename=path)) for name, path in files.items()
    }
