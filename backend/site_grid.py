"""Where the sites are, in memory: a grid that answers `nearby` without asking the store.

At 1,000,000 sites an R*Tree or GiST query cost more than everything else a `nearby` did. Here
every site's id, latitude, longitude and kind sit in packed arrays (~25 bytes a site), sorted by
grid cell, so a row of cells is one contiguous slice found by two bisections of the sorted cell
numbers; no Python object per site is kept, so the cycle collector never walks it.

The search is the stores' own: `geo.bounding_boxes` (the antimeridian and the poles), the cells
those boxes touch, then `geo.within_radius` with the stores' haversine and edge tolerance, growing
by `geo.search_radii` until `limit` sites are found. A point's cell and a box edge's cell come from
the same monotone function, so a point inside a box is never in a cell outside its cell range.
Pure: built from the rows given, no I/O.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from typing import Final

from backend import geo

# ~1.1 km of latitude: a 500 m search touches two or three cells in each direction.
CELL_DEG: Final = 0.01
ROWS: Final = round(180 / CELL_DEG)
COLUMNS: Final = round(360 / CELL_DEG)

# A site as the store lists it: (id, lat, lon, kind).
Position = tuple[int, float, float, str]


def _row(lat: float) -> int:
    return min(int((lat + 90.0) / CELL_DEG), ROWS - 1)


def _column(lon: float) -> int:
    return min(int((lon + 180.0) / CELL_DEG), COLUMNS - 1)


def _cell(lat: float, lon: float) -> int:
    return _row(lat) * COLUMNS + _column(lon)


class SiteGrid:
    """Every site's position, searchable by distance; immutable once built (a change builds a new one)."""

    def __init__(self, positions: Sequence[Position]) -> None:
        # Column by column and sorted by an index (at 1,000,000 sites, ~3 s; tuples per site cost
        # more time and ~150 MB more while building).
        ids, lats, lons, kinds = zip(*positions, strict=True) if positions else ((), (), (), ())
        cell_of = list(map(_cell, lats, lons))
        order = sorted(range(len(cell_of)), key=cell_of.__getitem__)
        self.kinds: tuple[str, ...] = tuple(sorted(set(kinds)))
        code = {kind: i for i, kind in enumerate(self.kinds)}
        self._ids = array("q", [ids[i] for i in order])
        self._lats = array("d", [lats[i] for i in order])
        self._lons = array("d", [lons[i] for i in order])
        self._kinds = bytes([code[kinds[i]] for i in order])
        # The occupied cells, ascending, and where each one's sites start (one more: the end).
        self._cells = array("q")
        self._starts = array("q")
        previous = -1
        for at, i in enumerate(order):
            if cell_of[i] != previous:
                previous = cell_of[i]
                self._cells.append(previous)
                self._starts.append(at)
        self._starts.append(len(order))

    def __len__(self) -> int:
        return len(self._ids)

    def near(
        self, lat: float, lon: float, radius_m: float, kind: str | None, limit: int
    ) -> list[tuple[int, float]]:
        """(site id, distance in metres) within the radius, nearest first, at most `limit`; ties by id.
        The same answer as the stores' `sites_near`."""
        found: list[tuple[int, float]] = []
        if kind is not None and kind not in self.kinds:
            return found
        code = None if kind is None else self.kinds.index(kind)
        for reach in geo.search_radii(radius_m, limit):
            found = geo.within_radius(lat, lon, reach, self._candidates(lat, lon, reach, code))
            if len(found) >= limit:
                break
        return found[:limit]

    def _candidates(
        self, lat: float, lon: float, reach: float, code: int | None
    ) -> list[tuple[int, float, float]]:
        """The sites in the cells the search boxes touch, by id (the stores' order for equal distances)."""
        seen: dict[int, tuple[int, float, float]] = {}
        ids, lats, lons, kinds = self._ids, self._lats, self._lons, self._kinds
        for box in geo.bounding_boxes(lat, lon, reach):
            south, north, west, east = box.min_lat, box.max_lat, box.min_lon, box.max_lon
            for i in self._indices(box):
                # The box first: most of the cells' sites are outside it, and it costs less than a distance.
                if (
                    south <= lats[i] <= north
                    and west <= lons[i] <= east
                    and (code is None or kinds[i] == code)
                ):
                    seen[ids[i]] = (ids[i], lats[i], lons[i])
        return [seen[site_id] for site_id in sorted(seen)]

    def _indices(self, box: geo.Box) -> Iterator[int]:
        cells, starts = self._cells, self._starts
        first, last = _column(box.min_lon), _column(box.max_lon)
        for row in range(_row(box.min_lat), _row(box.max_lat) + 1):
            lo = bisect_left(cells, row * COLUMNS + first)
            hi = bisect_right(cells, row * COLUMNS + last, lo)
            yield from range(starts[lo], starts[hi])
