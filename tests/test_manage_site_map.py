"""The map's pieces: the vendored Leaflet is exactly what tools/vendor-leaflet.sh fetched, and the
tiles' host is the only image source a page with a map adds to its policy."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pydantic import ValidationError

from backend.config import settings_from
from backend.web.manage.site_map import LEAFLET_VERSION, map_setup, tile_source

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "backend" / "web" / "static" / "vendor"


def test_the_vendored_leaflet_files_are_the_ones_the_script_checked() -> None:
    listed = {}
    for line in (ROOT / "tools" / "leaflet.sha256").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    present = {
        str(p.relative_to(VENDOR)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in VENDOR.rglob("*")
        if p.is_file()
    }
    assert present == listed, "vendored files differ from tools/leaflet.sha256: run tools/vendor-leaflet.sh"
    assert f"leaflet-{LEAFLET_VERSION}/LICENSE" in present
    assert f"LEAFLET_VERSION={LEAFLET_VERSION}" in (ROOT / "tools" / "vendor-leaflet.sh").read_text()


def test_the_tile_host_is_the_only_image_source_added() -> None:
    assert tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert tile_source("https://{s}.tiles.example:8443/{z}/{x}/{y}@2x.png") == "https://*.tiles.example:8443"
    assert tile_source("") == ""
    setup = map_setup(
        settings_from(
            {}, map_attribution="<b>Karten</b> & Co", map_attribution_url="https://x.example/?a=1&b=2"
        )
    )
    assert (
        setup.attribution == '<a href="https://x.example/?a=1&amp;b=2">&lt;b&gt;Karten&lt;/b&gt; &amp; Co</a>'
    )


def test_a_tile_address_without_its_placeholders_is_refused_at_start() -> None:
    for bad in ("ftp://tiles.example/{z}/{x}/{y}.png", "https://tiles.example/tile.png"):
        with pytest.raises(ValidationError, match="map_tiles"):
            settings_from({}, map_tiles=bad)
    assert settings_from({}, map_tiles="").map_tiles == ""  # no map: coordinates are typed
