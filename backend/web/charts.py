"""Bar charts as SVG, drawn on the server: numbers in, markup out. Pure.

Text stays text (a screen reader, a search and a zoom read it); the chart is `role="img"` named by
its `<title>` and described by its `<desc>`, and every page that shows one also shows its numbers
as a table. Series differ by fill pattern as well as by shade (solid, hatched, outlined), so a
chart printed in black and white still tells them apart. No style attributes: the pages' policy
allows no inline style, so only presentation attributes are used. An empty chart is an honest
frame with a sentence in it, not a broken picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

from markupsafe import Markup

# A phone's width in user units, so that on a phone the text is drawn at about its own size.
WIDTH: Final = 360
HEIGHT: Final = 220
LEFT: Final = 36  # room for the value axis' labels
RIGHT: Final = 8
TOP: Final = 12
BOTTOM: Final = 40  # room for the time axis' labels and the legend
FONT: Final = 12
THINNEST: Final = 1.0  # a bar among 720 hours is still drawn
INK: Final = "#1b1b1b"
# (fill, pattern): solid ink, ink hatching, white with an ink outline
_FILLS: Final = ("solid", "hatched", "outlined")


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[int]


@dataclass(frozen=True, slots=True)
class BarChart:
    """`labels[i]` names the i-th group of bars (e.g. an hour, a day); `ticks` are the indexes whose
    label is written under the axis (all of them for a week of days, midnights for hours)."""

    id: str
    title: str
    desc: str
    labels: Sequence[str]
    series: Sequence[Series]
    ticks: Sequence[int]
    empty: str


def nice_top(largest: int) -> int:
    """The value axis' top: the largest value rounded up to 1, 2 or 5 times a power of ten."""
    if largest <= 0:
        return 1
    power = int(10 ** math.floor(math.log10(largest)))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= largest)


def bar_chart(chart: BarChart) -> Markup:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    largest = max((v for s in chart.series for v in s.values), default=0)
    top = nice_top(largest)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-labelledby="{chart.id}-title {chart.id}-desc" font-size="{FONT}" font-family="sans-serif">',
        f'<title id="{chart.id}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.id}-desc">{escape(chart.desc)}</desc>',
        "<defs>",
        f'<pattern id="{chart.id}-hatched" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)">',
        f'<rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="{INK}"/></pattern>',
        "</defs>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#767676"/>',
    ]
    for fraction in (0, 0.5, 1):
        value = top * fraction
        y = TOP + plot_h * (1 - fraction)
        label = f"{value:g}" if value != int(value) else str(int(value))
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c8ccca"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{label}</text>')
    groups = len(chart.labels)
    if largest == 0 or groups == 0:
        out.append(
            f'<text class="empty" x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}"'
            f' text-anchor="middle" fill="{INK}">{escape(chart.empty)}</text>'
        )
    else:
        out += _bars(chart, top, plot_w, plot_h)
    slot = plot_w / max(groups, 1)
    for index in chart.ticks:
        x = LEFT + slot * (index + 0.5)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP + plot_h}" y2="{TOP + plot_h + 4}" stroke="{INK}"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 15}" text-anchor="middle" fill="{INK}">'
            f"{escape(chart.labels[index])}</text>"
        )
    if len(chart.series) > 1:
        out += _legend(chart)
    out.append("</svg>")
    return Markup("".join(out))


def _fill(chart_id: str, index: int) -> str:
    kind = _FILLS[index % len(_FILLS)]
    if kind == "solid":
        return f'fill="{INK}"'
    if kind == "hatched":
        return f'fill="url(#{chart_id}-hatched)" stroke="{INK}"'
    return f'fill="#ffffff" stroke="{INK}" stroke-width="1.5"'


def _bars(chart: BarChart, top: int, plot_w: float, plot_h: float) -> list[str]:
    """One rect per value above zero, each with a `<title>` naming its group, series and value."""
    slot = plot_w / len(chart.labels)
    gap = slot * 0.15 if slot > 4 else 0.0
    width = max((slot - gap) / len(chart.series), THINNEST)
    out = []
    for s_index, series in enumerate(chart.series):
        fill = _fill(chart.id, s_index)
        for index, value in enumerate(series.values):
            if value <= 0:
                continue
            height = plot_h * value / top
            x = LEFT + slot * index + gap / 2 + width * s_index
            out.append(
                f'<rect class="bar" x="{x:.2f}" y="{TOP + plot_h - height:.2f}" width="{width:.2f}"'
                f' height="{height:.2f}" {fill}><title>{escape(chart.labels[index])}: {value}'
                f"{' ' + escape(series.name) if len(chart.series) > 1 else ''}</title></rect>"
            )
    return out


def _legend(chart: BarChart) -> list[str]:
    out = []
    x = float(LEFT)
    y = HEIGHT - 10
    for index, series in enumerate(chart.series):
        out.append(f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="12" {_fill(chart.id, index)}/>')
        out.append(f'<text x="{x + 16:.1f}" y="{y}" fill="{INK}">{escape(series.name)}</text>')
        x += 16 + FONT * 0.62 * len(series.name) + 12
    return out
