"""Nearness: whether the people who came near a site were asked while they were still near.

Pure: the record of a run and its scenario in, JSON-ready figures out. Judged from the radio's ground
truth, per (walker with the app, prompt with a ``max_distance_m``) pair:

- the pair *came near* when the walker came within ``NEAR`` x ``max_distance_m`` of the site's
  nearest sending beacon. Pairs that only grazed the edge (never nearer than that) are not counted
  either way, and neither are prompts with a schedule (whether one was current depends on the day);
- it was *shown* when the prompt came on the walker's screen while they were within ``SHOWN_WITHIN``
  x ``max_distance_m``;
- ``entry_to_prompt_s`` runs from first coming within ``max_distance_m`` to that prompt (0 when it came
  a little before);
- it was *late* when the prompt first came only after the walker's closest point, and they were
  beyond ``max_distance_m`` again by then.

``distance_error`` compares every distance a resolve answer gave with the true one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median
from typing import Any, Final

from simulator.report.record import ResolvedDistance, RunRecord, ShownPrompt
from simulator.world.scenario import Scenario

__all__ = [
    "NEAR",
    "SHOWN_WITHIN",
    "Pair",
    "distance_error",
    "nearness",
    "nearness_findings",
    "pairs",
    "percentile",
    "prompt_sentences",
    "summarise",
]

NEAR: Final = 0.8  # clearly inside the prompt's reach, not grazing its edge
SHOWN_WITHIN: Final = 1.5  # shown while still this near counts as in time
# When the nearness summary asks for a look: the goals the issue set for the companion app.
RECALL_FINE: Final = 0.95
LATE_FINE: Final = 0.02
# Estimates off by more than half the distance, typically: the site's distance model wants calibrating.
DISTANCE_FINE: Final = 0.5


@dataclass(frozen=True, slots=True)
class Pair:
    """One walker and one prompt they came near."""

    walker: str
    site: str
    title: str
    max_distance_m: float
    entered_s: float  # first within max_distance_m
    shown_s: float | None  # first on screen within SHOWN_WITHIN x max_distance_m; None: missed
    late: bool


@dataclass(frozen=True, slots=True)
class _Prompt:
    site: str
    titles: frozenset[str]
    title: str  # in the app's language when the prompt has it
    max_distance_m: float


def _prompts(scenario: Scenario) -> list[_Prompt]:
    lang = scenario.app.lang
    out = []
    for site in scenario.sites:
        for prompt in site.prompts:
            if prompt.max_distance_m is None or prompt.schedule:
                continue
            titles = {text.title for text in prompt.texts.values()}
            text = (
                prompt.texts.get(lang)
                or prompt.texts.get(site.default_lang)
                or next(iter(prompt.texts.values()))
            )
            out.append(_Prompt(site.name, frozenset(titles), text.title, prompt.max_distance_m))
    return out


def pairs(record: RunRecord, scenario: Scenario) -> list[Pair]:
    """Every (walker with the app, prompt) pair that came near, in walker then prompt order."""
    shown: dict[tuple[str, str], list[ShownPrompt]] = {}
    for show in sorted(record.shown, key=lambda p: p.at_s):
        shown.setdefault((show.walker, show.site), []).append(show)
    out = []
    for track in record.walkers:
        if not track.has_phone:
            continue
        for prompt in _prompts(scenario):
            samples = track.near.get(prompt.site, [])
            reach = prompt.max_distance_m
            if not samples or min(d for _, d in samples) > NEAR * reach:
                continue
            entered = next(t for t, d in samples if d <= reach)
            closest = min(samples, key=lambda s: (s[1], s[0]))[0]
            mine = [p for p in shown.get((track.name, prompt.site), []) if p.title in prompt.titles]
            near = [p for p in mine if p.true_distance_m <= SHOWN_WITHIN * reach]
            first = mine[0] if mine else None
            late = first is not None and first.at_s > closest and first.true_distance_m > reach
            out.append(
                Pair(
                    track.name,
                    prompt.site,
                    prompt.title,
                    reach,
                    entered,
                    near[0].at_s if near else None,
                    late,
                )
            )
    return out


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def percentile(values: list[float], share: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(group: Iterable[Pair]) -> dict[str, Any]:
    """recall, entry_to_prompt_s, late for a group of pairs."""
    group = list(group)
    delays = [max(0.0, p.shown_s - p.entered_s) for p in group if p.shown_s is not None]
    late = sum(p.late for p in group)
    return {
        "came_near": len(group),
        "shown": len(delays),
        "recall": _rounded(len(delays) / len(group), 4) if group else None,
        "entry_to_prompt_s": {
            "median": _rounded(percentile(delays, 0.5)),
            "p95": _rounded(percentile(delays, 0.95)),
        },
        "late": _rounded(late / len(group), 4) if group else None,
        "late_count": late,
    }


def distance_error(resolved: Iterable[ResolvedDistance]) -> dict[str, Any]:
    """How far the answers' distances were off: the median relative error, and the median estimated/true."""
    ratios = [r.estimated_m / r.true_m for r in resolved if r.true_m > 0]
    return {
        "median_abs_rel": _rounded(median(abs(q - 1) for q in ratios), 4) if ratios else None,
        "bias": _rounded(median(ratios), 4) if ratios else None,
        "count": len(ratios),
    }


def nearness(record: RunRecord, scenario: Scenario) -> dict[str, Any]:
    """The ``nearness`` figures: overall, per site, and per prompt within each site."""
    found = pairs(record, scenario)
    per_site: dict[str, Any] = {}
    for site in scenario.sites:
        mine = [p for p in found if p.site == site.name]
        prompts = [
            {"title": q.title, "max_distance_m": q.max_distance_m}
            | summarise(p for p in mine if p.title == q.title)
            for q in _prompts(scenario)
            if q.site == site.name
        ]
        if not prompts:
            continue
        resolved = [r for r in record.resolved if r.site == site.name]
        per_site[site.name] = summarise(mine) | {
            "distance_error": distance_error(resolved),
            "prompts": prompts,
        }
    return summarise(found) | {
        "distance_error": distance_error(record.resolved),
        "per_site": per_site,
        "rules": {"near": NEAR, "shown_within": SHOWN_WITHIN},
    }


# --- in words --------------------------------------------------------------------------------------


def _metres(value: float) -> str:
    return f"{value:g} m"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def prompt_sentences(figures: dict[str, Any]) -> list[str]:
    """One sentence per prompt for a site coordinator: who came near, how many were shown it, how soon."""
    out = []
    for site, block in figures["per_site"].items():
        for prompt in block["prompts"]:
            near, reach = prompt["came_near"], _metres(prompt["max_distance_m"])
            head = f'{site}, "{prompt["title"]}": '
            if not near:
                out.append(head + f"nobody with the app came within {reach}")
                continue
            words = f"{prompt['shown']} of {near} who came within {reach} were shown it"
            if (delay := prompt["entry_to_prompt_s"]["median"]) is not None:
                words += f", typically {delay:.0f} s after coming that close"
            if missed := near - prompt["shown"]:
                words += f"; {missed} missed"
            if prompt["late_count"]:
                words += f"; {prompt['late_count']} only after walking on"
            out.append(head + words)
    return out


def nearness_findings(figures: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(what, the figure in words, whether it needs a look) for the terminal summary and the picture."""
    delay, error = figures["entry_to_prompt_s"], figures["distance_error"]
    recall, late = figures["recall"], figures["late"]
    times = "n/a" if delay["median"] is None else f"median {delay['median']:.1f} s, p95 {delay['p95']:.1f} s"
    words = f"{_share(recall)} ({figures['shown']} of {figures['came_near']} walker-prompt pairs)"
    estimates = "n/a"
    if error["bias"] is not None:
        estimates = f"typically {error['bias']:.1f}x the true distance, off by {error['median_abs_rel']:.0%}"
    return [
        ("came near and were shown it", words, recall is not None and recall < RECALL_FINE),
        ("from coming near to the prompt", times, False),
        ("shown only after walking on", _share(late), late is not None and late > LATE_FINE),
        ("distance estimates", estimates, (error["median_abs_rel"] or 0.0) > DISTANCE_FINE),
    ]
