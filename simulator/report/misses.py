"""Why people who came near were not asked: RSSI against true distance for the missed pairs.

Pure: the record and its scenario in, SVG text out (None when nobody was missed). Every resolve of a
missed walker for that site is drawn twice at the RSSI the phone heard: a filled dot where the walker
truly was, and a hollow one where the backend put them. A prompt appears when the hollow dot is left
of its reach; when the filled dots are left of it and the hollow ones right, the site's distance model
reads the street's signal as too far (an exponent or a power it could not learn), not the app.
"""

from __future__ import annotations

import math
from typing import Final
from xml.sax.saxutils import quoteattr

from simulator.report.nearness import pairs
from simulator.report.record import ResolvedDistance, RunRecord
from simulator.report.svg import FONT, GREY, INK, MARGIN, SITE_COLOURS, WIDTH, _el, _line, _mark, _num, _text
from simulator.world.scenario import Scenario

__all__ = ["render_misses"]

PANEL_H: Final = 220.0
LEFT: Final = 70.0  # room for the dBm axis
D_MIN, D_MAX = 1.0, 300.0  # metres on the log axis: from a beacon's calibration distance to past every reach
TICKS_M: Final = (1, 2, 5, 10, 20, 50, 100, 200)


def _x(metres: float) -> float:
    span = math.log10(D_MAX / D_MIN)
    share = math.log10(min(max(metres, D_MIN), D_MAX) / D_MIN) / span
    return LEFT + share * (WIDTH - LEFT - MARGIN)


def _panel(
    site: str, colour: str, reach: list[float], dots: list[ResolvedDistance], shows: list[float], top: float
) -> list[str]:
    rssi = [d.rssi for d in dots if d.rssi is not None]
    lo, hi = math.floor(min(rssi) / 10) * 10, math.ceil(max(rssi) / 10) * 10
    hi = max(hi, lo + 10)
    y0, y1 = top + 24, top + PANEL_H - 26

    def y(dbm: float) -> float:
        return y1 - (dbm - lo) / (hi - lo) * (y1 - y0)

    missed = len({d.walker for d in dots})
    title = f"{site}: {missed} came near and missed a prompt of it; {len(rssi)} resolves of theirs"
    out = [_text(MARGIN, top + 14, title, 12, font_weight="bold")]
    out.append(_line([(LEFT, y0), (LEFT, y1), (WIDTH - MARGIN, y1)], INK))
    for metres in TICKS_M:
        out.append(_line([(_x(metres), y1), (_x(metres), y1 + 4)], INK))
        out.append(_text(_x(metres), y1 + 15, f"{metres} m", 9, "middle"))
    for dbm in range(lo, hi + 1, 10):
        out.append(_line([(LEFT - 4, y(dbm)), (LEFT, y(dbm))], INK))
        out.append(_text(LEFT - 6, y(dbm) + 3, f"{dbm} dBm", 9, "end"))
    for limit in sorted(set(reach)):
        out.append(_line([(_x(limit), y0), (_x(limit), y1)], GREY, 1.0, stroke_dasharray="4 3"))
        out.append(_text(_x(limit) + 3, y0 + 9, f"reach {limit:g} m", 9))
    for dot in dots:
        if dot.rssi is None:
            continue
        out.append(_el("circle", cx=_x(dot.estimated_m), cy=y(dot.rssi), r=2.6, fill="none", stroke=colour))
        out.append(_el("circle", cx=_x(dot.true_m), cy=y(dot.rssi), r=2.2, fill=colour))
    out += [_mark("triangle", (_x(metres), y0 + 4), 4.0, colour, INK) for metres in shows]
    return out


def render_misses(record: RunRecord, scenario: Scenario) -> str | None:
    """The plot, one panel per site with missed pairs; None when every pair was shown its prompt."""
    missed: dict[str, set[str]] = {}
    for pair in pairs(record, scenario):
        if pair.shown_s is None:
            missed.setdefault(pair.site, set()).add(pair.walker)
    colours = {s.name: SITE_COLOURS[i % len(SITE_COLOURS)] for i, s in enumerate(scenario.sites)}
    heading = "Who came near and was missed: the RSSI their phone heard against true distance (log scale)"
    keys = (
        "filled dot: where the walker truly was; hollow dot: where the backend's estimate put them"
        f" (beyond {D_MAX:g} m: at the edge)",
        "triangle: a prompt of the site was shown to them that far off (beyond 1.5x its reach it does not count)",
    )
    out = [_text(MARGIN, MARGIN + 14, heading, 14, font_weight="bold")]
    out += [_text(MARGIN, MARGIN + 32 + 14 * n, line, 11) for n, line in enumerate(keys)]
    top = first = MARGIN + 58.0
    for site in scenario.sites:
        walkers = missed.get(site.name)
        dots = [r for r in record.resolved if r.site == site.name and r.walker in (walkers or ())]
        if not walkers or not any(d.rssi is not None for d in dots):
            continue
        reach = [p.max_distance_m for p in site.prompts if p.max_distance_m is not None]
        shows = [p.true_distance_m for p in record.shown if p.site == site.name and p.walker in walkers]
        out += _panel(site.name, colours[site.name], reach, dots, shows, top)
        top += PANEL_H
    if top == first:
        return None
    height = _num(top + MARGIN)
    size = f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family={quoteattr(FONT)}'
    head = f'<svg xmlns="http://www.w3.org/2000/svg" {size}>'
    parts = [head, _el("title", heading), _el("rect", width="100%", height="100%", fill="#fff"), *out]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join([*parts, "</svg>"]) + "\n"
