"""The poster: A4, the site's name, and a QR code that a phone reads as the site page's address."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from backend.web.poster import poster_svg
from tests.browser import SCREENSHOTS
from tests.conftest import SITE, BackendFactory


def _decoded(png: Path) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(Image.open(png))]


def _check_pdf(pdf: Path) -> None:
    """One A4 page in DejaVu Sans, rendered to var/screenshots/poster.png for a person to look at."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    assert "595.276 x 841.89 pts (A4)" in info or "595.28 x 841.89 pts (A4)" in info, info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", str(pdf), str(SCREENSHOTS / "poster")], check=True
    )


def test_a_long_name_stays_on_the_page() -> None:
    svg = poster_svg(name="Förderverein " * 12, invitation="x", url="https://nahbei.example/s/f", privacy="p")
    assert svg.count('font-weight="bold"') <= 3 and "…" in svg
    assert 'width="210mm" height="297mm"' in svg


async def test_the_poster_is_a4_and_its_code_reads_as_the_page_address(
    make_backend: BackendFactory, tmp_path: Path
) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is missing: make test-deps installs poppler-utils")
    backend = await make_backend(base_url="https://nahbei.example.org/")
    site = await backend.json("POST", "/v1/admin/sites", 201, json={**SITE, "name": "Hospiz <am> Park"})
    page = f"https://nahbei.example.org/s/{site['slug']}"

    async with backend.client.get(f"/s/{site['slug']}/poster.svg") as response:
        assert response.status == 200 and response.content_type == "image/svg+xml"
        svg = await response.text()
    assert "Hospiz &lt;am&gt; Park" in svg and "Wir brauchen Sie \N{EN DASH} scannen Sie den Code" in svg
    assert "Nahbei speichert nichts über Sie. Datenschutz:" in svg and f"{page}/privacy" in svg

    async with backend.client.get(f"/s/{site['slug']}/poster.pdf?lang=en") as response:
        assert response.status == 200 and response.content_type == "application/pdf"
        assert "Set-Cookie" not in response.headers
        pdf = tmp_path / "poster.pdf"
        pdf.write_bytes(await response.read())
    await asyncio.to_thread(_check_pdf, pdf)
    assert _decoded(SCREENSHOTS / "poster.png") == [page]
