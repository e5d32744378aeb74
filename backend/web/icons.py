"""The app's PNG icons, drawn here rather than committed: a ring around a dot ("something near
you"), the same picture as static/app/icon.svg, in the sizes an install needs.

Pure Python (zlib and struct): no image library, no binary file in the repository, and a size
costs a few milliseconds the first time it is asked for.
"""

from __future__ import annotations

import functools
import math
import struct
import zlib
from typing import Final

SIZES: Final = (192, 512)
_GREEN: Final = bytes((0x0B, 0x5D, 0x3B))
_WHITE: Final = bytes((0xFF, 0xFF, 0xFF))
# In units of a 64-wide canvas, as in icon.svg; everything lies within the maskable safe circle.
_RING_OUTER, _RING_INNER, _DOT = 22.0, 18.0, 8.0


@functools.cache
def icon_png(size: int) -> bytes:
    """The icon as a `size` x `size` RGB PNG."""
    scale = size / 64
    centre = size / 2
    rows = bytearray()
    for y in range(size):
        row = bytearray(_GREEN * size)
        dy = (y + 0.5 - centre) / scale
        for radius_out, radius_in in ((_RING_OUTER, _RING_INNER), (_DOT, 0.0)):
            outer = _half_width(radius_out, dy)
            if outer is None:
                continue
            inner = _half_width(radius_in, dy) if radius_in else None
            spans = [(-outer, outer)] if inner is None else [(-outer, -inner), (inner, outer)]
            for start, end in spans:
                left = max(0, round(centre + start * scale))
                right = min(size, round(centre + end * scale))
                row[left * 3 : right * 3] = _WHITE * (right - left)
        rows += b"\x00" + row  # filter type 0 for each scanline
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def _half_width(radius: float, dy: float) -> float | None:
    return math.sqrt(radius * radius - dy * dy) if abs(dy) < radius else None


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
