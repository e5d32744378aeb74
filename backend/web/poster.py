"""The poster for a site's door or window: A4, black on white, with a QR code to the site's page.

Pure: the SVG from the words and the address it is given. Units are millimetres (the viewBox is the
page), text is DejaVu Sans (on every Debian machine that renders it, and cairo finds it for the
PDF), and the QR code is one path of black squares with its quiet zone, at 12 cm: a phone reads it
from two metres, and an office printer's black and white prints it sharply.
"""

from __future__ import annotations

import textwrap
from html import escape
from typing import Final

import segno

WIDTH_MM: Final = 210
HEIGHT_MM: Final = 297
MARGIN_MM: Final = 15
QR_MM: Final = 120
FONT: Final = "DejaVu Sans, sans-serif"
# DejaVu Sans is wide: ~0.6 em a character on average, so a line of size s holds ~180 / (0.6 s).
_EM_PER_CHAR: Final = 0.6


def _lines(text: str, size: float, max_lines: int) -> list[str]:
    per_line = max(8, int((WIDTH_MM - 2 * MARGIN_MM) / (size * _EM_PER_CHAR)))
    lines = textwrap.wrap(text, per_line, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = [
            *lines[: max_lines - 1],
            textwrap.shorten(" ".join(lines[max_lines - 1 :]), per_line, placeholder=" …"),
        ]
    return lines


def _text(lines: list[str], top: float, size: float, weight: str = "normal") -> tuple[str, float]:
    """Centred lines from `top` (the first line's baseline): the SVG and the next free baseline."""
    parts = []
    y = top
    for line in lines:
        parts.append(
            f'<text x="{WIDTH_MM / 2}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
            f'text-anchor="middle">{escape(line)}</text>'
        )
        y += size * 1.25
    return "\n".join(parts), y


def _fitted(text: str, size: float, max_lines: int, smallest: float) -> tuple[list[str], float]:
    """The text in at most `max_lines` lines at the largest size from `size` down that needs no shortening."""
    while size > smallest and len(_lines(text, size, 100)) > max_lines:
        size -= 1
    return _lines(text, size, max_lines), size


def qr_path(url: str, size_mm: float) -> tuple[str, float]:
    """The QR code of `url` as one SVG path `size_mm` wide (quiet zone included), and its module size."""
    code = segno.make(url, error="m", micro=False)
    border = 4  # the quiet zone the standard asks for
    modules = code.symbol_size(border=border)[0]
    unit = size_mm / modules
    runs = []
    for row, bits in enumerate(code.matrix):
        col = 0
        while col < len(bits):
            if bits[col]:
                start = col
                while col < len(bits) and bits[col]:
                    col += 1
                runs.append(f"M{start + border} {row + border}h{col - start}v1h-{col - start}z")
            else:
                col += 1
    return "".join(runs), unit


def poster_svg(*, name: str, invitation: str, url: str, privacy: str) -> str:
    """The A4 poster: `name` large at the top, `invitation` under it, the QR code of `url` with `url`
    written out below for those who type, and the `privacy` line at the foot."""
    name_lines, name_size = _fitted(name, 16, 3, 9)
    name_svg, y = _text(name_lines, 38, name_size, "bold")
    invitation_lines, invitation_size = _fitted(invitation, 9, 1, 6)
    invitation_svg, y = _text(invitation_lines, y + 6, invitation_size)
    qr_top = max(y, 95.0)
    path, unit = qr_path(url, QR_MM)
    qr_left = (WIDTH_MM - QR_MM) / 2
    address_svg, _ = _text(_lines(url, 6, 2), qr_top + QR_MM + 10, 6)
    privacy_svg, _ = _text(_lines(privacy, 4.2, 3), HEIGHT_MM - MARGIN_MM - 8, 4.2)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_MM}mm" height="{HEIGHT_MM}mm"
 viewBox="0 0 {WIDTH_MM} {HEIGHT_MM}" font-family="{FONT}" fill="#000">
<title>{escape(name)}</title>
<rect width="{WIDTH_MM}" height="{HEIGHT_MM}" fill="#fff"/>
{name_svg}
{invitation_svg}
<path transform="translate({qr_left:.3f} {qr_top:.3f}) scale({unit:.5f})" d="{path}"/>
{address_svg}
{privacy_svg}
</svg>
"""
