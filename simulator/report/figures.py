"""The report of a simulation run: what the run proves, as figures, and the files a volunteer opens.

``figures`` is pure (a ``RunRecord`` and its ``World`` in, a JSON-ready dict out), so tests and other
tools can judge a run without writing anything. ``write_report`` writes ``report.json`` (the figures
at the top level, as DESIGN.md lists them, and the raw record under ``"record"``), ``report.svg`` (the
picture, drawn by ``simulator.report.svg``) and ``report.html`` (both in one file). ``summary_lines`` is what
the command line prints.
"""

from __future__ import annotations

import html
import json
import math
from collections import Counter
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, Final

from simulator.report.misses import render_misses
from simulator.report.nearness import nearness, nearness_findings, percentile, prompt_sentences
from simulator.report.record import RunRecord, ShownPrompt
from simulator.report.svg import render_svg
from simulator.world.world import World

__all__ = [
    "CLEARLY_NEAREST",
    "NOISE_SIGMAS",
    "figures",
    "findings",
    "is_too_far",
    "nearest_site_score",
    "noise_margin",
    "percentile",
    "repeats_within_cooldown",
    "spoof_counts",
    "summary_lines",
    "time_to_first_prompt",
    "what_ran",
    "write_report",
]

# Shadowing alone puts a phone's distance estimate off by a factor 10^(sigma/(10 n)) one time in three;
# two sigmas (one time in forty) is where "too far" stops being noise and becomes a fault.
NOISE_SIGMAS: Final = 2.0
# A site counts as "truly nearest" only when the next one is at least this much farther away:
# closer calls than that are coin tosses for any RSSI-based ranking, not mistakes.
CLEARLY_NEAREST: Final = 1.5
# Below this share of right "nearest site" calls, the summary asks for a look.
NEAREST_SITE_FINE: Final = 0.9
# The summary names this many alerts; report.json has them all.
MAX_ALERTS: Final = 5
# Float time stamps: a repeat exactly one cooldown later must not count because of rounding.
_EPSILON_S: Final = 1e-6

Figures = dict[str, Any]


def noise_margin(shadowing_sigma_db: float, path_loss_exponent: float, sigmas: float = NOISE_SIGMAS) -> float:
    """The factor by which shadowing of ``sigmas`` standard deviations stretches a distance estimate."""
    return float(10 ** (sigmas * shadowing_sigma_db / (10 * path_loss_exponent)))


def is_too_far(prompt: ShownPrompt, margin: float) -> bool:
    """Shown while the walker was truly farther than the prompt's reach, noise allowance included."""
    return prompt.max_distance_m is not None and prompt.true_distance_m > prompt.max_distance_m * margin


def figures(record: RunRecord, world: World) -> Figures:
    """Every figure of the report, from what the run recorded and the world's ground truth."""
    radio = world.scenario.radio
    margin = noise_margin(radio.shadowing_sigma_db, radio.path_loss_exponent)
    site_names = [site.name for site in world.scenario.sites]
    too_far = [p for p in record.shown if is_too_far(p, margin)]
    return {
        "scenario": record.scenario,
        "seed": record.seed,
        "duration_s": record.duration_s,
        "speed": record.speed,
        "agents": record.agents,
        "scanner": record.scanner,
        "sightings_produced": record.sightings_produced,
        "sightings_received": record.sightings_received,
        "sightings_equal": record.sightings_produced == record.sightings_received,
        "prompts_shown": len(record.shown),
        "prompts_shown_per_site": _per_site(record.shown, site_names),
        "repeats_within_cooldown": repeats_within_cooldown(record.shown),
        "shown_too_far": len(too_far),
        "shown_too_far_per_site": _per_site(too_far, site_names),
        "too_far_margin": {
            "factor": margin,
            "sigmas": NOISE_SIGMAS,
            "shadowing_sigma_db": radio.shadowing_sigma_db,
            "path_loss_exponent": radio.path_loss_exponent,
        },
        "time_to_first_prompt_s": time_to_first_prompt(record),
        "nearness": nearness(record, world.scenario),
        "nearest_site": nearest_site_score(record, world),
        "spoofed": spoof_counts(record, world),
        "resolves": record.resolves,
        "resolve_errors": record.resolve_errors,
        "rate_limited": record.rate_limited,
        "alerts": [
            {"site": a.site, "alert": a.alert, "first_seen_s": a.first_seen_s}
            for a in sorted(record.alerts, key=lambda a: a.first_seen_s)
        ],
        "walkers": len(record.walkers),
        "walkers_with_phone": sum(track.has_phone for track in record.walkers),
        "links": dict(record.links),
        "notes": list(record.notes),
    }


def _per_site(shown: list[ShownPrompt], site_names: list[str]) -> dict[str, int]:
    counts = Counter(p.site for p in shown)
    # Every site of the scenario, in file order, so a site that was never shown stands out as a 0.
    return {name: counts.pop(name, 0) for name in site_names} | dict(sorted(counts.items()))


def repeats_within_cooldown(shown: list[ShownPrompt]) -> int:
    """Shows of a prompt to a walker inside the cooldown that started when it was last shown to them."""
    last: dict[tuple[str, str, int], ShownPrompt] = {}
    repeats = 0
    for prompt in sorted(shown, key=lambda p: p.at_s):
        key = (prompt.walker, prompt.site, prompt.prompt_id)
        before = last.get(key)
        if before is not None and prompt.at_s - before.at_s < before.cooldown_s - _EPSILON_S:
            repeats += 1
        last[key] = prompt
    return repeats


def time_to_first_prompt(record: RunRecord) -> dict[str, Any]:
    """Seconds from a walker first hearing a site's beacon to that site's first prompt on their screen.

    One value per (walker, site) pair that was shown something; ``in_range_never_shown`` counts the
    pairs that heard a site and were never shown its prompts (often right: too far, or the cooldown).
    """
    first: dict[tuple[str, str], float] = {}
    for prompt in record.shown:
        key = (prompt.walker, prompt.site)
        first[key] = min(first.get(key, math.inf), prompt.at_s)
    entered = {(t.name, site): at for t in record.walkers for site, at in t.entered_range.items()}
    delays = [at - entered[key] for key, at in first.items() if key in entered]
    median, p95 = percentile(delays, 0.5), percentile(delays, 0.95)
    return {
        "median": None if median is None else round(median, 3),
        "p95": None if p95 is None else round(p95, 3),
        "count": len(delays),
        "shown_without_entry": sum(key not in entered for key in first),
        "in_range_never_shown": sum(key not in first for key in entered),
    }


def _site_points(world: World) -> dict[str, list[tuple[float, float]]]:
    """Where each site can be heard from: its own beacons (never the spoofs), else its door."""
    points: dict[str, list[tuple[float, float]]] = {site.name: [] for site in world.scenario.sites}
    for beacon in world.beacons:
        if beacon.site is not None and beacon.site in points:
            points[beacon.site].append(beacon.position)
    for site in world.scenario.sites:
        points[site.name] = points[site.name] or [site.position]
    return points


def nearest_site_score(record: RunRecord, world: World) -> dict[str, Any] | None:
    """Of the prompts shown where one site was clearly nearest, the share that were that site's.

    Distances are to each site's nearest beacon. Prompts shown because of a spoof are left out (they
    are counted under ``spoofed``). None for a scenario with one site: there is nothing to rank.
    """
    if len(world.scenario.sites) < 2:
        return None
    points = _site_points(world)
    counted = correct = 0
    for prompt in record.shown:
        if prompt.spoofed:
            continue
        ranked = sorted(
            (min(math.hypot(prompt.x - x, prompt.y - y) for x, y in where), name)
            for name, where in points.items()
        )
        (nearest, name), (second, _) = ranked[0], ranked[1]
        if nearest * CLEARLY_NEAREST <= second:
            counted += 1
            correct += name == prompt.site
    return {
        "share": round(correct / counted, 4) if counted else None,
        "correct": correct,
        "counted": counted,
        "factor": CLEARLY_NEAREST,
    }


def spoof_counts(record: RunRecord, world: World) -> dict[str, Any]:
    """Prompts shown because of a spoofed copy, by the kind of beacon that was copied.

    The record does not say which copy a phone heard, so a prompt is put to the kind of the nearest
    copy of that site that was sending and within reach (shadowing of two sigmas allowed); when copies
    of different kinds were about as near (within ``CLEARLY_NEAREST``), to all of them joined by ``|``;
    and to ``unknown`` when no copy could have been heard.
    """
    copies = [b for b in world.beacons if b.spoof_of is not None]
    reach_db = -NOISE_SIGMAS * world.scenario.radio.shadowing_sigma_db
    by_kind: Counter[str] = Counter()
    spoofed = [p for p in record.shown if p.spoofed]
    for prompt in spoofed:
        xy = (prompt.x, prompt.y)
        heard = [
            (world.distance(b, xy), b.kind)
            for b in copies
            if str(b.spoof_of).rpartition("/")[0] == prompt.site
            if b.start_s <= prompt.at_s and world.in_range(b, xy, reach_db)
        ]
        nearest = min((d for d, _ in heard), default=0.0)
        kinds = sorted({kind for d, kind in heard if d <= max(nearest, 1.0) * CLEARLY_NEAREST})
        by_kind["|".join(kinds) or "unknown"] += 1
    return {"total": len(spoofed), "by_kind": dict(sorted(by_kind.items())), "copies_in_world": len(copies)}


# --- words and files -------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def findings(figs: Figures) -> list[tuple[str, str, bool]]:
    """(what, the figure in words, whether it needs a look): the terminal summary and the picture's header."""
    ttfp, spoofed, alerts = figs["time_to_first_prompt_s"], figs["spoofed"], figs["alerts"]
    per_site = figs["prompts_shown_per_site"]
    sites = ", ".join(f"{site} {n}" for site, n in per_site.items()) if 1 < len(per_site) <= 4 else ""
    repeats, too_far, errors = figs["repeats_within_cooldown"], figs["shown_too_far"], figs["resolve_errors"]
    limit = f"beyond {figs['too_far_margin']['factor']:.2f}x a prompt's reach, shadowing allowed for"
    sightings = f"{figs['sightings_produced']} produced, {figs['sightings_received']} received"
    resolves = f"{figs['resolves']} ({errors} errors, {figs['rate_limited']} rate-limited)"
    shown = f"{figs['prompts_shown']} ({sites})" if sites else str(figs["prompts_shown"])
    out = [
        ("prompts shown", shown, False),
        ("repeats within cooldown", str(repeats), repeats > 0),
        ("shown too far", f"{too_far} ({limit})", too_far > 0),
        ("time to first prompt", f"median {_seconds(ttfp['median'])}, p95 {_seconds(ttfp['p95'])}", False),
        *nearness_findings(figs["nearness"]),
        ("sightings", sightings, not figs["sightings_equal"]),
        ("resolves", resolves, errors > 0),
    ]
    if (nearest := figs["nearest_site"]) is not None:
        share = "n/a" if nearest["share"] is None else f"{nearest['share']:.0%}"
        fine = nearest["share"] is None or nearest["share"] >= NEAREST_SITE_FINE
        out.append(("nearest site right", f"{share} of {nearest['counted']} clear cases", not fine))
    if spoofed["total"] or spoofed["copies_in_world"]:
        kinds = ", ".join(f"{kind} {n}" for kind, n in spoofed["by_kind"].items())
        words = f"{spoofed['total']} ({kinds})" if kinds else "0"
        out.append(("shown via a spoofed copy", words, spoofed["total"] > 0))
    said = "; ".join(f"{a['alert']} at {a['site']} ({a['first_seen_s']:.0f} s)" for a in alerts[:MAX_ALERTS])
    said += f"; and {len(alerts) - MAX_ALERTS} more" if len(alerts) > MAX_ALERTS else ""
    return [*out, ("alerts", said or "none", bool(alerts))]


def what_ran(figs: Figures) -> str:
    """Seed, length, pace and stacks: what a reader needs to repeat the run."""
    pace = "as fast as possible" if figs["speed"] == 0 else f"at {figs['speed']:g}x"
    stacks = f"agents {figs['agents']}, scanner {figs['scanner']}"
    return f"seed {figs['seed']}, {figs['duration_s']:g} s {pace}, {stacks}"


def summary_lines(figs: Figures) -> list[str]:
    """A few lines for the terminal: what ran, who was asked while near (per prompt, in words), then the
    figures that say whether the run went well."""
    lines = [f"{figs['scenario']}: {what_ran(figs)}"]
    lines += [f"  {sentence}" for sentence in prompt_sentences(figs["nearness"])]
    lines += [f"{what}: {words}" + ("  <--" if look else "") for what, words, look in findings(figs)]
    return lines + [f"note: {note}" for note in figs["notes"]]


def _finite(value: Any) -> Any:
    """JSON has no inf or NaN: such a number becomes null rather than an unreadable file."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _json_text(figs: Figures, record: dict[str, Any]) -> str:
    """One figure per line, then the record with one shown prompt, walker or alert per line: greppable."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    fields = []
    for key, value in record.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"      {one(item)}" for item in value)
            fields.append(f"    {one(key)}: [\n{items}\n    ]")
        else:
            fields.append(f"    {one(key)}: {one(value)}")
    top = [f"  {one(key)}: {one(value)}" for key, value in figs.items()]
    top.append('  "record": {\n' + ",\n".join(fields) + "\n  }")
    return "{\n" + ",\n".join(top) + "\n}\n"


def _inline(svg: str) -> str:
    return svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg


def _html(figs: Figures, svg: str, misses: str | None = None) -> str:
    """The pictures and the figures in words, in one file that opens in any browser, offline."""
    rows = [
        f"<tr{' class=look' if look else ''}><th>{html.escape(what)}</th><td>{html.escape(words)}</td></tr>"
        for what, words, look in findings(figs)
        if what != "alerts"
    ]
    prompts = "".join(f"<li>{html.escape(sentence)}</li>" for sentence in prompt_sentences(figs["nearness"]))
    alerts = "".join(
        f"<li>{a['first_seen_s']:.0f} s: {html.escape(a['site'])}: {html.escape(a['alert'])}</li>"
        for a in figs["alerts"]
    )
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in figs["notes"])
    links = "".join(
        f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>'
        for label, url in figs["links"].items()
    )
    title = html.escape(f"Nahbei simulation: {figs['scenario']} (seed {figs['seed']})")
    why = (
        f"<h2>Who came near and was missed, and why</h2>\n<figure>{_inline(misses)}</figure>\n"
        if misses
        else ""
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        "<style>body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;margin:1.5rem auto;max-width:1040px;"
        "color:#222;padding:0 1rem}svg{max-width:100%;height:auto;border:1px solid #ddd}"
        "table{border-collapse:collapse;font-size:.9rem}th,td{text-align:left;padding:.2rem .8rem;"
        "border-bottom:1px solid #e4e4e4;vertical-align:top}th{font-weight:normal;color:#555}"
        ".look td{color:#D55E00;font-weight:bold}</style>\n"
        f"</head>\n<body>\n<h1>{title}</h1>\n<p>{html.escape(what_ran(figs))}</p>\n"
        f"<h2>Who was asked while near</h2>\n<ul>{prompts or '<li>no prompt has a distance to judge by</li>'}</ul>\n"
        f"<figure>{_inline(svg)}</figure>\n{why}"
        f"<h2>Figures</h2>\n<table>\n{chr(10).join(rows)}\n</table>\n"
        f"<h2>Alerts</h2>\n<ul>{alerts or '<li>none</li>'}</ul>\n"
        + (
            f"<h2>In a browser</h2>\n<p>These answer while the run's backend is up"
            f" (<code>nahbei-sim demo --serve</code>, as <code>make demo</code> runs it at a terminal):</p>\n"
            f"<ul>{links}</ul>\n"
            if links
            else ""
        )
        + (f"<h2>Notes</h2>\n<ul>{notes}</ul>\n" if notes else "")
        + "<p>Every number, and the raw record of the run, is in <code>report.json</code> beside it.</p>\n"
        "</body>\n</html>\n"
    )


def write_report(record: RunRecord, world: World, folder: str | Path) -> Figures:
    """Write report.json, report.svg and report.html into ``folder`` (created if missing); the figures."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    figs: Figures = _finite(figures(record, world))
    too_far = partial(is_too_far, margin=figs["too_far_margin"]["factor"])
    heading = (f"Nahbei simulation: {figs['scenario']}", what_ran(figs))
    header = [(f"{what}: {words}", look) for what, words, look in findings(figs)]
    svg = render_svg(record, world, too_far, heading, header)
    (out / "report.json").write_text(_json_text(figs, _finite(asdict(record))), encoding="utf-8")
    (out / "report.svg").write_text(svg, encoding="utf-8")
    misses = render_misses(record, world.scenario)
    (out / "report.html").write_text(_html(figs, svg, misses), encoding="utf-8")
    if misses is not None:
        (out / "misses.svg").write_text(misses, encoding="utf-8")
    return figs
