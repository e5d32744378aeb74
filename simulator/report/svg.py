"""The report's picture as hand-written SVG: a header, a map of the run, a legend and RSSI time lines.

Hand-written because the simulator stays light (no plotting library) and deterministic: the same run
gives the same file. Pure: the record, the world and the header's words in, SVG text out.

The map keeps metres square, with one scale for every panel. Places far from each other (a spoofed
copy 2 km away) get panels of their own side by side, the distance written in the break between them,
rather than one map on which every site shrinks to a dot.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from operator import itemgetter
from statistics import fmean
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from simulator.report.record import RunRecord, ShownPrompt, WalkerTrack
from simulator.world.world import World

__all__ = ["Findings", "Heading", "TooFar", "render_svg"]

WIDTH: Final = 1000
MARGIN: Final = 24
FONT: Final = "DejaVu Sans, Verdana, Arial, sans-serif"
# Okabe-Ito colours stay apart for the common colour-vision deficiencies; vermillion is kept for faults.
SITE_COLOURS: Final = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#8C6D31", "#6A3D9A", "#222")
ALARM: Final = "#D55E00"
PHONE: Final = "#35608F"
NO_PHONE: Final = "#A0A0A0"
INK: Final = "#222"
GREY: Final = "#666"
EM: Final = 0.6  # a glyph's average width in ems: labels are placed without measuring text
MAX_MAP_H: Final = 460.0
BREAK_PX: Final = 70.0
MAX_PATHS: Final = 300  # more paths only darken the street; a note says how many were left out
MAX_TIMELINES: Final = 4
STRIP_H: Final = 64.0
SMOOTH_S: Final = 1.5  # half-width of the running mean drawn over the raw RSSI
GAP_S: Final = 6.0  # no reception for this long breaks the line: the walker was out of range
_CELL: Final = 8.0  # pixels: the grid on which labels look for marks they would cover

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1
TooFar = Callable[[ShownPrompt], bool]
Heading = tuple[str, str]  # the title, and what ran
Findings = list[tuple[str, bool]]  # phrases for the header, each with whether it needs a look
_How = tuple[dict[str, str], TooFar]  # the sites' colours, and which prompts to flag as shown too far


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _pts(points: Iterable[Point]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in points)


def _el(tag: str, text: str | None = None, /, **attrs: object) -> str:
    """One element; ``font_size`` is written ``font-size``, None attributes are left out."""
    pairs = ((k.replace("_", "-"), _num(v) if isinstance(v, float) else str(v)) for k, v in attrs.items())
    parts = "".join(f" {k}={quoteattr(v)}" for k, v in pairs if v != "None")
    return f"<{tag}{parts}/>" if text is None else f"<{tag}{parts}>{escape(text)}</{tag}>"


def _line(points: Iterable[Point], pen: str, width: float = 1.0, **attrs: object) -> str:
    """An open polyline: paths, walls, axes, ticks, the scale bar."""
    return _el("polyline", points=_pts(points), fill="none", stroke=pen, stroke_width=width, **attrs)


def _box(r: Rect, **attrs: object) -> str:
    return _el("rect", x=r[0], y=r[1], width=r[2] - r[0], height=r[3] - r[1], **attrs)


def _text(x: float, y: float, text: str, size: float = 11, anchor: str = "start", /, **attrs: object) -> str:
    """Text with a white halo, so it stays readable over paths and marks; small text is grey.

    The halo is a stroked copy drawn underneath rather than ``paint-order``: cairosvg ignores that, and
    then strokes every label white over its own letters.
    """
    where: dict[str, object] = {"x": x, "y": y, "font_size": size, "text_anchor": anchor}
    style: dict[str, object] = {"fill": INK if size > 9 else GREY} | attrs
    halo = {k: v for k, v in style.items() if k == "font_weight"}
    under = _el("text", text, **where, **halo, fill="#fff", stroke="#fff", stroke_width=3, aria_hidden="true")
    return under + _el("text", text, **where, **style)


_OUTLINES: Final = {
    "triangle": ((0, -1.3), (1.15, 0.75), (-1.15, 0.75)),
    "diamond": ((0, -1.35), (1.35, 0), (0, 1.35), (-1.35, 0)),
    "house": ((-1, 1), (1, 1), (1, -0.2), (0, -1.2), (-1, -0.2)),
}


def _mark(shape: str, xy: Point, r: float, fill: str, stroke: str = "#fff", width: float = 0.8) -> str:
    """A marker centred on ``xy``: circle, square, triangle, diamond or house (a site's door)."""
    (x, y), style = xy, {"fill": fill, "stroke": stroke, "stroke_width": width}
    if shape == "circle":
        return _el("circle", cx=x, cy=y, r=r, **style)
    if shape == "square":
        return _el("rect", x=x - r, y=y - r, width=2 * r, height=2 * r, **style)
    return _el("polygon", points=_pts((x + a * r, y + b * r) for a, b in _OUTLINES[shape]), **style)


def _prompt_mark(prompt: ShownPrompt, xy: Point, colour: dict[str, str], too_far: TooFar) -> str:
    """A shown prompt in its site's colour: a circle; a triangle if too far; a square if spoofed."""
    flagged = too_far(prompt)
    shape = "square" if prompt.spoofed else "triangle" if flagged else "circle"
    stroke, width = (ALARM, 1.4) if flagged or prompt.spoofed else ("#fff", 0.7)
    return _mark(shape, xy, 3.6, colour.get(prompt.site, GREY), stroke, width)


def _nice(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that is at most ``value``."""
    power = 10.0 ** math.floor(math.log10(max(value, 1e-9)))
    return max(step * power for step in (1.0, 2.0, 5.0) if step * power <= value)


def _words(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def _colours(world: World) -> dict[str, str]:
    return {s.name: SITE_COLOURS[i % len(SITE_COLOURS)] for i, s in enumerate(world.scenario.sites)}


class _Labels:
    """Puts each label on the spot around its anchor that covers the fewest marks and no other label."""

    def __init__(self) -> None:
        self.boxes: list[Rect] = []
        self.marks: set[tuple[int, int]] = set()

    def mark(self, xy: Point) -> None:
        self.marks.add((int(xy[0] // _CELL), int(xy[1] // _CELL)))

    def _cost(self, box: Rect, bounds: Rect) -> int:
        """Other labels cost most, then sticking out of the panel, then each mark covered."""
        x0, y0, x1, y1 = box
        clash = sum(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in self.boxes)
        i0, j0, i1, j1 = (int(v // _CELL) for v in box)
        covered = sum((i, j) in self.marks for i in range(i0, i1 + 1) for j in range(j0, j1 + 1))
        return 1000 * clash + 100 * (y0 < bounds[1] or y1 > bounds[3]) + covered

    def text(self, xy: Point, lines: list[str], size: float, bounds: Rect, **attrs: object) -> str:
        """Lines of text near ``xy``, kept inside ``bounds``."""
        (x, y), gap = xy, max(size * 0.8, 9.0)  # clear of the mark at the anchor
        w, h = max(len(line) for line in lines) * size * EM, len(lines) * size * 1.2
        # Above, below, right, left, then farther above.
        spots = [(-w / 2, -gap - h), (-w / 2, gap), (gap + 5, -h / 2), (-gap - 5 - w, -h / 2)]
        spots.append((-w / 2, -2 * h - gap))
        lo, hi = (bounds[0], bounds[2]) if w + 4 < bounds[2] - bounds[0] else (0.0, float(WIDTH))  # too wide
        fitted = [(min(max(x + dx, lo + 2), hi - w - 2), y + dy) for dx, dy in spots]
        sx, sy = min(fitted, key=lambda s: self._cost((s[0], s[1], s[0] + w, s[1] + h), bounds))
        self.boxes.append((sx, sy, sx + w, sy + h))
        return "".join(_text(sx, sy + size * (0.95 + 1.2 * n), t, size, **attrs) for n, t in enumerate(lines))


@dataclass(frozen=True, slots=True)
class _Panel:
    """A piece of the map: a rectangle of metres drawn at ``scale`` pixels per metre from (left, top)."""

    area: Rect
    core: Rect  # what the panel is for, before padding
    box: Rect  # where it is drawn, in pixels
    scale: float

    def at(self, xy: Point) -> Point:
        (x0, _, _, y1), s = self.area, self.scale
        return self.box[0] + (xy[0] - x0) * s, self.box[1] + (y1 - xy[1]) * s

    def holds(self, r: Rect | Point) -> bool:
        return _holds(self.area, r)


def _holds(area: Rect, r: Rect | Point) -> bool:
    """Whether ``r`` (a rectangle or a point) touches ``area``."""
    x0, y0, x1, y1 = r if len(r) == 4 else (*r, *r)
    return x0 <= area[2] and area[0] <= x1 and y0 <= area[3] and area[1] <= y1


def _bbox(points: Iterable[Point]) -> Rect:
    return _union((x, y, x, y) for x, y in points)


def _union(rects: Iterable[Rect]) -> Rect:
    x0, y0, x1, y1 = zip(*rects, strict=True)
    return min(x0), min(y0), max(x1), max(y1)


def _split(rects: list[Rect], axis: int, gap: float) -> list[list[Rect]]:
    """Groups of rectangles along one axis, cut wherever nothing covers a stretch longer than ``gap``."""
    groups: list[list[Rect]] = []
    end = -math.inf
    for r in sorted(rects, key=itemgetter(axis)):
        if r[axis] - end > gap:
            groups.append([])
        groups[-1].append(r)
        end = max(end, r[axis + 2])
    return groups


def _pad(r: Rect, least: float = 0.0) -> Rect:
    """Room around what a panel shows, at least ``least`` wide, and never so flat that labels cannot fit."""
    w, h = max(r[2] - r[0], 40.0), max(r[3] - r[1], 1.0)
    pad = max(10.0, 0.08 * max(w, h))
    w, h = w + 2 * pad, h + 2 * pad
    w = max(w, 0.6 * h, least)
    h = max(h, 0.22 * w)
    cx, cy = (r[0] + r[2]) / 2, (r[1] + r[3]) / 2
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _layout(record: RunRecord, world: World, top: float) -> list[_Panel]:
    """Panels side by side at one scale: one per cluster of things far (>= 150 m) from the rest."""
    points = [s.position for s in world.scenario.sites] + [b.position for b in world.beacons]
    points += [a.position for a in world.agents] + [(p.x, p.y) for p in record.shown]
    rects = {(x, y, x, y) for x, y in points} | {_bbox([w.from_, w.to]) for w in world.scenario.radio.walls}
    for track in record.walkers:
        if track.points:
            x0, y0, x1, y1 = _bbox((x, y) for _, x, y in track.points)
            rects.add((round(x0, -1), round(y0, -1), round(x1, -1), round(y1, -1)))  # few distinct boxes
    whole = _union(rects)
    gap = max(150.0, 0.25 * max(whole[2] - whole[0], whole[3] - whole[1]))
    cores = [_union(g) for column in _split(list(rects), 0, gap) for g in _split(column, 1, gap)]
    # Labels, roughly as wide as _map will write them: a panel must be at least that wide.
    names = [(s.position, len(s.name) * 12 * EM) for s in world.scenario.sites]
    copies = [b for b in world.beacons if b.spoof_of]
    names += [(b.position, len(f"copy of {b.spoof_of} ({b.kind})") * 10 * EM) for b in copies]
    need = [max((w + 30 for p, w in names if _holds(c, p)), default=0.0) for c in cores]
    areas, breaks = [_pad(c) for c in cores], BREAK_PX * (len(cores) - 1)
    for attempt in range(4):  # widen panels too narrow for their labels at the scale that results
        widths, heights = [a[2] - a[0] for a in areas], [a[3] - a[1] for a in areas]
        scale = min((WIDTH - 2 * MARGIN - breaks) / sum(widths), MAX_MAP_H / max(heights))
        if attempt == 3 or all(w * scale >= n for w, n in zip(widths, need, strict=True)):
            break
        areas = [_pad(c, n / scale) for c, n in zip(cores, need, strict=True)]
    left, panels = (WIDTH - sum(widths) * scale - breaks) / 2, []
    for core, area, w, h in zip(cores, areas, widths, heights, strict=True):
        y = top + (max(heights) - h) * scale / 2
        panels.append(_Panel(area, core, (left, y, left + w * scale, y + h * scale), scale))
        left += w * scale + BREAK_PX
    return panels


def _path(track: WalkerTrack, panel: _Panel) -> str:
    """A walker's path as a thin line (dashed without a phone); someone who stood still is a dot."""
    xy = [(x, y) for _, x, y in track.points]
    pen = PHONE if track.has_phone else NO_PHONE
    if not xy or not panel.holds(box := _bbox(xy)):
        return ""
    if math.hypot(box[2] - box[0], box[3] - box[1]) < 1.0:
        return _mark("circle", panel.at(xy[0]), 1.8, pen, "none")
    dash = None if track.has_phone else "3 2"
    line = map(panel.at, xy[:: max(1, len(xy) // 400)])
    return _line(line, pen, 0.8, stroke_opacity=0.5, stroke_dasharray=dash)


def _map(record: RunRecord, world: World, panels: list[_Panel], too_far: TooFar) -> list[str]:
    """Each panel: walls, paths, doors, agents, beacons and copies, prompts shown; then labels on top."""
    out: list[str] = []
    labels, colour, tracks, sites = _Labels(), _colours(world), record.walkers, world.scenario.sites
    drawn = sorted(tracks[:: max(1, math.ceil(len(tracks) / MAX_PATHS))], key=lambda t: t.has_phone)
    for before, after in pairwise(panels):  # keep labels off the breaks' words
        x, y = (before.box[2] + after.box[0]) / 2, (before.box[1] + before.box[3]) / 2
        labels.boxes.append((x - 30, y - 30, x + 30, y + 30))
    for n, panel in enumerate(panels):
        out.append(_box(panel.box, fill="#f7f7f4", stroke="#bbb"))
        out.append(f'<clipPath id="panel{n}">{_box(panel.box)}</clipPath><g clip-path="url(#panel{n})">')
        out += [_line(map(panel.at, (w.from_, w.to)), "#555", 3.5) for w in world.scenario.radio.walls]
        out += [_path(track, panel) for track in drawn]
        for site in (s for s in sites if panel.holds(s.position)):
            out.append(_mark("house", panel.at(site.position), 6.5, colour[site.name], INK, 1.0))
        for agent in (a for a in world.agents if panel.holds(a.position)):
            labels.mark(xy := panel.at(agent.position))
            out.append(_mark("square", xy, 2.6, INK))
        beacons = [b for b in world.beacons if panel.holds(b.position)]
        for b in beacons:
            labels.mark(xy := panel.at(b.position))
            if b.spoof_of is None:
                out.append(_mark("circle", xy, 2.8, "#fff", colour.get(b.site or "", GREY), 1.6))
            else:
                out.append(_mark("diamond", xy, 3.6, "#fff", ALARM, 1.6))
        for prompt in record.shown:
            if panel.holds((prompt.x, prompt.y)):
                labels.mark(xy := panel.at((prompt.x, prompt.y)))
                out.append(_prompt_mark(prompt, xy, colour, too_far))
        out.append("</g>")
        for site in (s for s in sites if panel.holds(s.position)):
            bold = {"font_weight": "bold", "fill": colour[site.name]}
            out.append(labels.text(panel.at(site.position), [site.name], 12, panel.box, **bold))
        for copy in (b for b in beacons if b.spoof_of is not None):
            words = f"copy of {copy.spoof_of} ({copy.kind})"
            out.append(labels.text(panel.at(copy.position), [words], 10, panel.box, fill=ALARM))
        out += _scale_bar(panel) + (_break(panels[n - 1], panel) if n else [])
    if len(drawn) < len(tracks):
        note = f"{len(drawn)} of {len(tracks)} walkers' paths drawn"
        out.append(_text(WIDTH - MARGIN, panels[0].box[1] - 6, note, 10, "end", fill=GREY))
    return out


def _scale_bar(panel: _Panel) -> list[str]:
    x0, _, x1, y1 = panel.box
    metres = _nice((x1 - x0) / panel.scale * 0.25)
    bx, by, length = x0 + 10, y1 - 10, metres * panel.scale
    bar = _line([(bx, by - 4), (bx, by), (bx + length, by), (bx + length, by - 4)], INK, 1.4)
    return [bar, _text(bx + length / 2, by - 6, _words(metres), 10, "middle")]


def _break(before: _Panel, after: _Panel) -> list[str]:
    """The cut between two panels: two slanted strokes and how far apart the two places are."""
    a, b = before.core, after.core
    dx, dy = max(0.0, b[0] - a[2], a[0] - b[2]), max(0.0, b[1] - a[3], a[1] - b[3])
    x = (before.box[2] + after.box[0]) / 2
    y = (before.box[1] + before.box[3]) / 2  # panels share one middle line
    out = [_line([(x + d - 5, y + 9), (x + d + 5, y - 9)], GREY, 1.5) for d in (-3, 3)]
    out.append(_text(x, y - 16, _words(math.hypot(dx, dy)), 10, "middle", fill=GREY))
    return [*out, _text(x, y + 24, "apart", 10, "middle", fill=GREY)]


def _legend(record: RunRecord, world: World, top: float) -> tuple[list[str], float]:
    """Symbols and their meaning, wrapped into rows; the elements and the height used."""
    colour, o, ends = _colours(world), (0.0, 0.0), [(-8.0, 0.0), (8.0, 0.0)]
    items = [(_mark("house", o, 6, c, INK, 1), name) for name, c in list(colour.items())[:12]]
    items += [("", f"and {len(colour) - 12} more sites")] if len(colour) > 12 else []
    items += [(_mark("circle", o, 2.8, "#fff", GREY, 1.6), "beacon"), (_mark("square", o, 2.6, INK), "agent")]
    if world.scenario.spoofs:
        items.append((_mark("diamond", o, 3.6, "#fff", ALARM, 1.6), "spoofed copy"))
    if world.scenario.radio.walls:
        items.append((_line(ends, "#555", 3.5), "wall"))
    items += [(_line(ends, PHONE, 1.2), "path, with phone")]
    items += [(_line(ends, NO_PHONE, 1.2, stroke_dasharray="3 2"), "path, no phone")]
    items += [(_mark("circle", o, 3.6, GREY), "prompt shown")]
    items += [(_mark("triangle", o, 3.6, GREY, ALARM, 1.4), "shown too far")]
    if world.scenario.spoofs or any(p.spoofed for p in record.shown):
        items.append((_mark("square", o, 3.6, GREY, ALARM, 1.4), "shown via spoof"))
    items.append((_mark("triangle", o, 3.2, "#fff", GREY, 1.2), "first heard (time lines)"))
    out, x, y = [], float(MARGIN), top + 8
    for symbol, words in items:
        width = 36 + len(words) * 11 * EM
        if x + width > WIDTH - MARGIN:
            x, y = MARGIN, y + 20
        out.append(f'<g transform="translate({_num(x + 9)},{_num(y)})">{symbol}</g>')
        out.append(_text(x + 22, y + 4, words))
        x += width
    return out, y + 14 - top


def _strip(track: WalkerTrack, shown: list[ShownPrompt], dbm: Point, top: float, how: _How) -> list[str]:
    """One walker's time line: RSSI per site (raw thin, running mean thick), first receptions, prompts."""
    left, right, bottom = MARGIN + 46.0, WIDTH - MARGIN - 4.0, top + STRIP_H
    (lo, hi), (colour, too_far) = dbm, how
    times = [s.at_s for s in track.rssi] + [t for t, _, _ in track.points] + [p.at_s for p in shown]
    t0, span = min(times), max(max(times) - min(times), 1.0)

    def at(t: float, rssi: float = lo) -> Point:
        return left + (t - t0) / span * (right - left), top + (hi - rssi) / (hi - lo) * STRIP_H

    count = f"{len(shown)} prompt{'' if len(shown) == 1 else 's'} shown"
    name = f"{track.name} ({track.kind.replace('_', '-')}): {count}"
    out = [_text(MARGIN, top - 6, name, font_weight="bold")]
    out.append(_box((left, top, right, bottom), fill="#fafafa", stroke="#ccc"))
    for rssi in range(int(lo), int(hi) + 1, 20 if hi - lo > 40 else 10):
        y = at(t0, rssi)[1]
        out += [_line([(left, y), (right, y)], "#e2e2e2"), _text(left - 7, y + 3.5, f"{rssi}", 9, "end")]
    tick = _nice(span / 6)
    for n in range(math.ceil(t0 / tick), math.floor((t0 + span) / tick) + 1):
        x = at(n * tick)[0]
        out.append(_line([(x, bottom), (x, bottom + 3)], GREY))
        out.append(_text(x, bottom + 13, f"{n * tick:g} s", 9, "middle"))
    for site in sorted({s.site for s in track.rssi}):
        pen = colour.get(site, GREY)
        for raw, mean in _runs(sorted((s.at_s, s.rssi) for s in track.rssi if s.site == site)):
            out.append(_line((at(t, r) for t, r in raw), pen, 0.6, stroke_opacity=0.4))
            out.append(_line((at(t, r) for t, r in mean), pen, 1.6))
    for site, first in track.entered_range.items():
        if t0 <= first <= t0 + span:
            xy = (at(first)[0], bottom - 4)
            out.append(_mark("triangle", xy, 3.2, "#fff", colour.get(site, GREY), 1.2))
    for prompt in shown:
        x = at(prompt.at_s)[0]
        out.append(_line([(x, top), (x, bottom)], colour.get(prompt.site, GREY), stroke_dasharray="4 2"))
        out.append(_prompt_mark(prompt, (x, top + 5), colour, too_far))
    return out


def _runs(samples: list[tuple[float, int]]) -> list[tuple[list[Point], list[Point]]]:
    """Stretches without a long silence, each raw and as a running mean over ``SMOOTH_S`` either side."""
    runs: list[list[Point]] = []
    for t, rssi in samples:
        if not runs or t - runs[-1][-1][0] > GAP_S:
            runs.append([])
        runs[-1].append((t, rssi))
    out = []
    for run in runs:
        times = [t for t, _ in run]
        near = [(bisect_left(times, t - SMOOTH_S), bisect_right(times, t + SMOOTH_S)) for t in times]
        out.append((run, [(t, fmean(r for _, r in run[a:b])) for t, (a, b) in zip(times, near, strict=True)]))
    return out


def _timelines(record: RunRecord, how: _How, top: float) -> tuple[list[str], float]:
    """Up to four walkers with phones: one shown a flagged prompt, then others shown something first."""
    shown: dict[str, list[ShownPrompt]] = {}
    for prompt in record.shown:
        shown.setdefault(prompt.walker, []).append(prompt)
    heard = sorted((t for t in record.walkers if t.has_phone and t.rssi), key=lambda t: -len(t.rssi))
    flagged = [t for t in heard if any(p.spoofed or how[1](p) for p in shown.get(t.name, []))][:1]
    ranked = flagged + sorted((t for t in heard if t not in flagged), key=lambda t: t.name not in shown)
    ranked = ranked[:MAX_TIMELINES]
    chosen = sorted(ranked, key=lambda t: min(s.at_s for s in t.rssi))
    title = "Signal strength at walkers' phones (dBm; running mean over raw) and the prompts they were shown"
    out = [_text(MARGIN, top + 12, title, 12, font_weight="bold")]
    if not chosen:
        return [*out, _text(MARGIN, top + 32, "No RSSI was recorded for any walker with a phone.")], 44.0
    values = [s.rssi for t in chosen for s in t.rssi]
    hi = math.ceil(max(values) / 10) * 10
    dbm = (min(math.floor(min(values) / 10) * 10, hi - 30), hi)
    for n, track in enumerate(chosen):
        out += _strip(track, shown.get(track.name, []), dbm, top + 44 + 110 * n, how)
    return out, 44 + 110 * len(chosen) - 16


def _header(heading: Heading, findings: Findings) -> tuple[list[str], float]:
    """Title, what ran, and the findings wrapped into rows; those that need a look in the alarm colour."""
    out = [_text(MARGIN, MARGIN + 14, heading[0], 18, font_weight="bold")]
    out.append(_text(MARGIN, MARGIN + 34, heading[1], 10))
    rows: list[list[tuple[str, bool]]] = [[]]
    for phrase in ((part, look) for text, look in findings for part in text.split("; ")):
        used = sum(len(text) + 3 for text, _ in rows[-1]) + len(phrase[0])
        if rows[-1] and used * 12 * EM > WIDTH - 2 * MARGIN:
            rows.append([])
        rows[-1].append(phrase)
    for n, row in enumerate(rows):
        words = [_el("tspan", t, fill=ALARM, font_weight="bold") if bad else escape(t) for t, bad in row]
        spans = " · ".join(words)
        out.append(f'<text x="{MARGIN}" y="{_num(MARGIN + 56 + 18 * n)}" font-size="12">{spans}</text>')
    return out, MARGIN + 56 + 18 * (len(rows) - 1) + 8


def render_svg(record: RunRecord, world: World, too_far: TooFar, heading: Heading, findings: Findings) -> str:
    """The whole picture. ``too_far`` picks the prompts to flag; a finding's phrase may list parts split
    by "; ", which the header wraps separately."""
    out, y = _header(heading, findings)
    caption = "Map in metres, north up: walkers' paths, prompts shown"
    out.append(_text(MARGIN, y + 18, caption, 12, font_weight="bold"))
    panels = _layout(record, world, y + 30)
    out += _map(record, world, panels, too_far)
    legend, used = _legend(record, world, max(p.box[3] for p in panels) + 8)
    y = max(p.box[3] for p in panels) + used + 22
    lines, used = _timelines(record, (_colours(world), too_far), y)
    height = _num(y + used + MARGIN)
    size = f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family={quoteattr(FONT)}'
    head = f'<svg xmlns="http://www.w3.org/2000/svg" {size}>'
    title = _el("title", heading[0])
    parts = [head, title, _el("rect", width="100%", height="100%", fill="#fff"), *out, *legend, *lines]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join([*parts, "</svg>"]) + "\n"
