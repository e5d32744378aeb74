"""The run report: each figure from a hand-made record, the files it writes, and a picture that parses."""

from __future__ import annotations

import io
import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from simulator.report.figures import figures, findings, noise_margin, percentile, summary_lines, write_report
from simulator.report.nearness import distance_error, nearness, pairs, prompt_sentences
from simulator.report.record import Alert, ResolvedDistance, RssiSample, RunRecord, ShownPrompt, WalkerTrack
from simulator.world.scenario import Scenario, load_scenario
from simulator.world.world import World

HOSPIZ = "Hospiz Sonnenhof"
SVG = "{http://www.w3.org/2000/svg}"
# What DESIGN.md promises report.json holds, at least.
DESIGN_KEYS = (
    "sightings_produced",
    "sightings_received",
    "prompts_shown",
    "repeats_within_cooldown",
    "shown_too_far",
    "time_to_first_prompt_s",
    "alerts",
    "scanner",
)


@pytest.fixture(scope="module")
def quiet() -> World:
    return World(load_scenario("quiet_street"), seed=1)


def prompt(**changes: Any) -> ShownPrompt:
    """A prompt of the quiet street's hospice, shown 8 m from its beacons; ``changes`` override."""
    base = ShownPrompt(
        walker="passant-0",
        site=HOSPIZ,
        prompt_id=1,
        prompt_kind="volunteer",
        title="Zeit schenken",
        lang="de",
        at_s=10.0,
        x=0.0,
        y=0.0,
        true_distance_m=8.0,
        estimated_distance_m=7.0,
        max_distance_m=25.0,
        cooldown_s=3600,
        spoofed=False,
    )
    return replace(base, **changes)


def record(*shown: ShownPrompt, **fields: Any) -> RunRecord:
    run = RunRecord("quiet_street", 1, 600.0, 10.0, "inline", "bleak/bluez-dbus", **fields)
    run.shown.extend(shown)
    return run


def track(name: str, entered: dict[str, float] | None = None, phone: bool = True) -> WalkerTrack:
    return WalkerTrack(name, "passer_by", phone, entered_range=entered or {})


def test_a_run_without_prompts_has_no_times_and_no_faults(quiet: World) -> None:
    figs = figures(record(walkers=[track("passant-0", {HOSPIZ: 12.0})]), quiet)
    assert figs["prompts_shown"] == 0
    assert figs["prompts_shown_per_site"] == {HOSPIZ: 0}
    assert figs["time_to_first_prompt_s"] == {
        "median": None,
        "p95": None,
        "count": 0,
        "shown_without_entry": 0,
        "in_range_never_shown": 1,
    }
    assert figs["repeats_within_cooldown"] == figs["shown_too_far"] == 0
    assert figs["nearest_site"] is None  # one site: nothing to rank
    assert figs["spoofed"] == {"total": 0, "by_kind": {}, "copies_in_world": 0}
    assert figs["sightings_equal"] is True
    ran = ("scenario", "seed", "agents", "speed")
    assert [figs[key] for key in ran] == ["quiet_street", 1, "inline", 10.0]


def test_sightings_are_compared(quiet: World) -> None:
    figs = figures(record(sightings_produced=120, sightings_received=118), quiet)
    keys = ("sightings_produced", "sightings_received", "sightings_equal")
    assert [figs[key] for key in keys] == [120, 118, False]
    assert "sightings: 120 produced, 118 received  <--" in summary_lines(figs)


def test_a_repeat_is_the_same_prompt_to_the_same_walker_inside_its_cooldown(quiet: World) -> None:
    shown = [
        prompt(at_s=3700.0),  # 3600 s after the one at 100 s: the cooldown is over
        prompt(at_s=0.0),
        prompt(at_s=100.0),  # repeat
        prompt(at_s=50.0, walker="passant-1"),  # another walker
        prompt(at_s=60.0, prompt_id=2),  # another prompt
        prompt(at_s=70.0, prompt_id=3, cooldown_s=0),
        prompt(at_s=71.0, prompt_id=3, cooldown_s=0),  # no cooldown, no repeat
    ]
    figs = figures(record(*shown), quiet)
    assert figs["repeats_within_cooldown"] == 1
    assert "repeats within cooldown: 1  <--" in summary_lines(figs)


def test_too_far_allows_two_sigmas_of_shadowing(quiet: World) -> None:
    margin = noise_margin(4.0, 2.2)  # the quiet street's radio
    assert margin == pytest.approx(10 ** (8 / 22)) == pytest.approx(2.3101, abs=1e-4)
    limit = 25.0 * margin  # 57.75 m for a 25 m prompt
    shown = [
        prompt(true_distance_m=limit - 0.1),
        prompt(true_distance_m=limit + 0.1, walker="passant-1"),
        prompt(true_distance_m=500.0, max_distance_m=None, walker="passant-2"),  # no limit: never too far
    ]
    figs = figures(record(*shown), quiet)
    assert figs["shown_too_far"] == 1
    assert figs["shown_too_far_per_site"] == {HOSPIZ: 1}
    assert figs["too_far_margin"] == {
        "factor": margin,
        "sigmas": 2.0,
        "shadowing_sigma_db": 4.0,
        "path_loss_exponent": 2.2,
    }


def test_time_to_first_prompt_runs_from_first_reception_to_first_prompt(quiet: World) -> None:
    walkers = [track(f"w{n}", {HOSPIZ: 100.0 * n}) for n in (1, 2, 3, 4)]
    walkers.append(track("w5"))  # shown something without a recorded first reception
    shown = [
        prompt(walker="w1", at_s=104.0),
        prompt(walker="w1", at_s=150.0, prompt_id=2),  # not the first: ignored
        prompt(walker="w2", at_s=210.0),
        prompt(walker="w3", at_s=330.0),
        prompt(walker="w5", at_s=20.0),
    ]  # w4 heard the hospice and was never shown anything
    ttfp = figures(record(*shown, walkers=walkers), quiet)["time_to_first_prompt_s"]
    # Delays 4, 10 and 30 s; p95 between the two highest: 10 + 0.9 * (30 - 10).
    assert ttfp == {
        "median": 10.0,
        "p95": 28.0,
        "count": 3,
        "shown_without_entry": 1,
        "in_range_never_shown": 1,
    }


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([1.0, 2.0], 0.95) == pytest.approx(1.95)


def test_nearest_site_counts_only_clear_cases_and_no_spoofs() -> None:
    busy = World(load_scenario("busy_street"), seed=1)  # Hospiz at x = -45, Tafel at 0, the club at 40
    shown = [
        prompt(site="Hospiz am Markt", x=-45.0, y=0.0),  # right
        prompt(site="Tafel Mitte", x=-44.0, y=0.0),  # clearly nearer the hospice: wrong
        prompt(site="Tafel Mitte", x=-22.0, y=7.0),  # half-way: not counted
        prompt(site="Tafel Mitte", x=-45.0, y=0.0, spoofed=True),  # counted under "spoofed"
    ]
    figs = figures(record(*shown), busy)
    assert figs["nearest_site"] == {"share": 0.5, "correct": 1, "counted": 2, "factor": 1.5}
    assert figs["prompts_shown_per_site"] == {
        "Hospiz am Markt": 1,
        "Tafel Mitte": 3,
        "SV Blau-Weiß Vereinsladen": 0,
    }
    assert ("nearest site right", "50% of 2 clear cases", True) in findings(figs)


def two_copies() -> World:
    """One site with two beacons, each copied 1 km away in opposite directions."""
    data = {
        "name": "copies",
        "duration_s": 300,
        "sites": [
            {
                "name": "Tafel & Co <Süd>",
                "position": (0, 5),
                "beacons": [{"kind": "ibeacon"}, {"kind": "eddystone-uid"}],
            }
        ],
        "spoofs": [
            {"copy_of": "Tafel & Co <Süd>/0", "position": (1000, 0), "start_s": 30.0},
            {"copy_of": "Tafel & Co <Süd>/1", "position": (-1000, 0)},
        ],
    }
    return World(Scenario.model_validate(data), seed=1)


def test_spoofed_prompts_are_put_to_the_kind_of_the_nearest_copy(quiet: World) -> None:
    site = "Tafel & Co <Süd>"
    shown = [
        prompt(site=site, x=1004.0, at_s=40.0, spoofed=True),
        prompt(site=site, x=-1003.0, spoofed=True),
        prompt(site=site, x=1004.0, at_s=10.0, spoofed=True),  # before the copy there started
        prompt(site=site, x=1.0),
    ]
    spoofed = figures(record(*shown), two_copies())["spoofed"]
    assert spoofed == {
        "total": 3,
        "by_kind": {"eddystone-uid": 1, "ibeacon": 1, "unknown": 1},
        "copies_in_world": 2,
    }
    # The bundled scenario's copies stand 1 m apart: a prompt there cannot be put to one kind.
    bundled = World(load_scenario("spoofed_ibeacon"), seed=1)
    there = prompt(site="Sportverein Eintracht", x=2000.0, at_s=60.0, spoofed=True)
    assert figures(record(there), bundled)["spoofed"]["by_kind"] == {"eddystone-eid|ibeacon": 1}
    assert figures(record(prompt(spoofed=True)), quiet)["spoofed"]["by_kind"] == {"unknown": 1}


def test_alerts_come_in_time_order_and_the_summary_names_the_first_few(quiet: World) -> None:
    alerts = [Alert(HOSPIZ, "SILENT:beacon:1", 90.0), Alert(HOSPIZ, "LOW_BATTERY:beacon:0", 30.0)]
    figs = figures(record(alerts=alerts, notes=["a note"]), quiet)
    assert figs["alerts"] == [
        {"site": HOSPIZ, "alert": "LOW_BATTERY:beacon:0", "first_seen_s": 30.0},
        {"site": HOSPIZ, "alert": "SILENT:beacon:1", "first_seen_s": 90.0},
    ]
    lines = summary_lines(figs)
    said = f"LOW_BATTERY:beacon:0 at {HOSPIZ} (30 s); SILENT:beacon:1 at {HOSPIZ} (90 s)"
    assert lines[-2:] == [f"alerts: {said}  <--", "note: a note"]
    many = [Alert(HOSPIZ, f"SILENT:beacon:{n}", float(n)) for n in range(8)]
    assert summary_lines(figures(record(alerts=many), quiet))[-1].endswith("(4 s); and 3 more  <--")


def test_the_summary_says_what_ran(quiet: World) -> None:
    lines = summary_lines(figures(replace(record(), speed=0.0), quiet))
    ran = "seed 1, 600 s as fast as possible, agents inline, scanner bleak/bluez-dbus"
    assert lines[0] == f"quiet_street: {ran}"
    assert lines[1:6] == [
        f'  {HOSPIZ}, "Zeit schenken": nobody with the app came within 25 m',
        f'  {HOSPIZ}, "Ein Garten für unsere Gäste": nobody with the app came within 40 m',
        "prompts shown: 0",
        "repeats within cooldown: 0",
        "shown too far: 0 (beyond 2.31x a prompt's reach, shadowing allowed for)",
    ]


def walked(name: str, phone: bool, x0: float, t0: float, site: str = HOSPIZ) -> WalkerTrack:
    """A walker going east along y = 0 from ``x0`` for a minute, hearing ``site`` all along."""
    points = [(t0 + t, x0 + 1.3 * t, 0.0) for t in range(0, 61, 3)]
    rssi = [RssiSample(t0 + t / 2, site, -90 + int(20 * math.sin(t / 40))) for t in range(120)]
    if not phone:
        rssi = []
    return WalkerTrack(name, "passer_by", phone, points, rssi, {site: t0} if phone else {})


def parse_svg(folder: Path) -> ET.Element:
    return ET.parse(folder / "report.svg").getroot()


def texts(root: ET.Element) -> list[str]:
    """Every text of the picture, after checking that it lies on the canvas (by the picture's estimate).

    The white halo drawn under a label (``aria-hidden``) is the label again, so it is left out.
    """
    found = []
    for element in root.iter(f"{SVG}text"):
        if element.get("aria-hidden") == "true":
            continue
        text, size = "".join(element.itertext()), float(element.attrib["font-size"])
        wide = len(text) * 0.6 * size
        shift = {"start": 0.0, "middle": wide / 2, "end": wide}[element.get("text-anchor", "start")]
        left = float(element.attrib["x"]) - shift
        assert left >= 0 and left + wide <= float(root.attrib["width"]), text
        found.append(text)
    return found


def test_write_report_writes_every_figure_the_raw_record_and_a_picture(quiet: World, tmp_path: Path) -> None:
    walkers = [walked("passant-0", True, -40, 0.0), walked("passant-1", False, -40, 5.0)]
    shown = [prompt(at_s=30.0, x=-1.0), prompt(at_s=40.0, x=12.0, true_distance_m=70.0, prompt_id=2)]
    alerts = [Alert(HOSPIZ, f"NEVER_SEEN:beacon:{n}", 5.0) for n in range(4)]  # a long header: wrapped
    run = record(*shown, walkers=walkers, alerts=alerts, sightings_produced=10, sightings_received=10)
    nan = prompt(at_s=45.0, prompt_id=3, estimated_distance_m=math.nan)  # must not spoil the JSON
    run.shown.append(nan)
    figs = write_report(run, quiet, tmp_path / "new" / "folder")
    folder = tmp_path / "new" / "folder"
    saved = json.loads((folder / "report.json").read_text(), parse_constant=lambda name: pytest.fail(name))
    for key in DESIGN_KEYS:
        assert key in saved, key
    assert {"median", "p95"} <= saved["time_to_first_prompt_s"].keys()
    assert {k: v for k, v in saved.items() if k != "record"} == figs
    assert saved["record"]["shown"][2]["estimated_distance_m"] is None
    assert saved["record"]["walkers"][0]["points"][0] == [0.0, -40.0, 0.0]
    assert figs["shown_too_far"] == 1
    root = parse_svg(folder)
    words = texts(root)
    assert HOSPIZ in words
    assert any(w.startswith("passant-0 (passer-by): 3 prompts shown") for w in words)  # its time line
    assert not any(w.startswith("passant-1 ") for w in words)  # no phone, no time line
    assert any("shown too far: 1 (beyond 2.31x a prompt's reach" in w for w in words)
    page = (folder / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<?xml" not in page
    assert "<th>repeats within cooldown</th><td>0</td>" in page
    assert "repeats_within_cooldown" not in page.split("<svg")[0] + page.split("</svg>")[1]  # words, not keys


def test_the_picture_escapes_names_and_breaks_the_map_for_far_copies(tmp_path: Path) -> None:
    world, site = two_copies(), "Tafel & Co <Süd>"
    walkers = [walked("near", True, -30, 0.0, site), walked("far", True, 970, 0.0, site)]
    run = record(prompt(site=site, x=1000.0, at_s=40.0, spoofed=True, walker="far"), walkers=walkers)
    write_report(run, world, tmp_path)
    root = parse_svg(tmp_path)
    words = texts(root)
    assert site in words
    assert "copy of Tafel & Co <Süd>/0 (ibeacon)" in words
    # Three places about 1 km apart: three panels, each clipped, with the distances in the breaks
    # (between the paths' ends, to ten metres).
    assert len(list(root.iter(f"{SVG}clipPath"))) == 3
    assert [w for w in words if w.endswith("0 m") and len(w) > 4] == ["970 m", "920 m"]
    assert words.count("apart") == 2
    assert float(root.attrib["width"]) == 1000 and float(root.attrib["height"]) > 500


def test_a_crowd_draws_a_sample_of_paths(quiet: World, tmp_path: Path) -> None:
    walkers = [walked(f"p{n}", n % 2 == 0, -100 + n % 7, n / 2) for n in range(700)]
    write_report(record(walkers=walkers), quiet, tmp_path)
    words = texts(parse_svg(tmp_path))
    assert "234 of 700 walkers' paths drawn" in words
    assert sum("(passer-by)" in w for w in words) == 4  # four time lines at most


# --- nearness --------------------------------------------------------------------------------------


def passing(name: str, closest_m: float, phone: bool = True, at_s: float = 100.0) -> WalkerTrack:
    """A walker passing the hospice at 1 m/s, closest (``closest_m``) at ``at_s``: distances every second."""
    near = [(at_s + t, round(math.hypot(closest_m, t), 2)) for t in range(-60, 61)]
    kept = [(t, d) for t, d in near if d <= 60]  # as the engine keeps them: within 1.5x the 40 m prompt
    return WalkerTrack(name, "passer_by", phone, near={HOSPIZ: kept})


def test_nearness_counts_who_came_clearly_near_and_when_they_were_shown(quiet: World) -> None:
    walkers = [
        passing("shown-early", 5.0),  # within 25 m from t = 75.5
        passing("shown-late", 5.0),  # shown after walking on: 30 m past, at 130 s
        passing("missed", 10.0),
        passing("grazing", 22.0),  # closer than 25 m, but not clearly (0.8 x 25 = 20): not counted
        passing("no-phone", 2.0, phone=False),
    ]
    shown = [
        prompt(walker="shown-early", at_s=80.0, true_distance_m=20.6),
        prompt(walker="shown-late", at_s=130.0, true_distance_m=30.4),
        prompt(walker="grazing", at_s=100.0, true_distance_m=22.0),
    ]
    run = record(*shown, walkers=walkers)
    found = {(p.walker, p.title): p for p in pairs(run, quiet.scenario)}
    # Both prompts of the hospice: the 25 m volunteer prompt and the 40 m donation prompt.
    assert set(found) == {
        (w, t)
        for w in ("shown-early", "shown-late", "missed")
        for t in ("Zeit schenken", "Ein Garten für unsere Gäste")
    } | {("grazing", "Ein Garten für unsere Gäste")}
    early, late = found["shown-early", "Zeit schenken"], found["shown-late", "Zeit schenken"]
    assert early.shown_s == 80.0 and not early.late
    assert late.shown_s == 130.0 and late.late  # 30.4 m is within 1.5 x 25 m: in time, and also late
    assert found["missed", "Zeit schenken"].shown_s is None
    figs = nearness(run, quiet.scenario)
    volunteer = figs["per_site"][HOSPIZ]["prompts"][0]
    assert volunteer["came_near"] == 3 and volunteer["shown"] == 2 and volunteer["late_count"] == 1
    assert volunteer["recall"] == 0.6667 and volunteer["late"] == 0.3333
    entered = 100.0 - math.sqrt(25**2 - 5**2)  # the first whole second within 25 m
    assert volunteer["entry_to_prompt_s"]["median"] == pytest.approx(
        ((80.0 - math.ceil(entered)) + (130.0 - math.ceil(entered))) / 2
    )
    assert figs["came_near"] == 7 and figs["shown"] == 2
    sentences = prompt_sentences(figs)
    assert sentences[0].startswith(f'{HOSPIZ}, "Zeit schenken": 2 of 3 who came within 25 m were shown it')
    assert "1 missed" in sentences[0] and "1 only after walking on" in sentences[0]
    assert sentences[1].startswith(f'{HOSPIZ}, "Ein Garten für unsere Gäste": 0 of 4 who came within 40 m')


def test_a_prompt_shown_too_far_off_is_not_in_time_and_one_shown_early_waited_zero_seconds(
    quiet: World,
) -> None:
    run = record(
        prompt(walker="a", at_s=10.0, true_distance_m=50.0),  # 2 x 25 m before coming near: not counted
        prompt(walker="b", at_s=50.0, true_distance_m=30.0),  # before coming within 25 m, but within 1.5x
        walkers=[passing("a", 3.0), passing("b", 3.0)],
    )
    volunteer = nearness(run, quiet.scenario)["per_site"][HOSPIZ]["prompts"][0]
    assert volunteer["came_near"] == 2 and volunteer["shown"] == 1
    assert volunteer["entry_to_prompt_s"] == {"median": 0.0, "p95": 0.0}


def test_distance_error_is_the_median_relative_error_and_bias(quiet: World) -> None:
    resolved = [ResolvedDistance("a", HOSPIZ, 1.0, est, 10.0) for est in (5.0, 20.0, 22.0)]
    assert distance_error(resolved) == {"median_abs_rel": 1.0, "bias": 2.0, "count": 3}
    assert distance_error([]) == {"median_abs_rel": None, "bias": None, "count": 0}
    figs = figures(record(resolved=resolved), quiet)
    assert figs["nearness"]["distance_error"]["bias"] == 2.0
    assert figs["nearness"]["per_site"][HOSPIZ]["distance_error"]["count"] == 3
    lines = summary_lines(figs)
    assert "distance estimates: typically 2.0x the true distance, off by 100%  <--" in lines
    assert f'  {HOSPIZ}, "Zeit schenken": nobody with the app came within 25 m' in lines


# --- the picture in cairosvg -----------------------------------------------------------------------


def dark_pixels(svg: str) -> int:
    """Pixels of the picture that cairosvg renders darker than mid-grey."""
    import cairocffi
    import cairosvg

    png = cairosvg.svg2png(bytestring=svg.encode())
    surface = cairocffi.ImageSurface.create_from_png(io.BytesIO(png))
    data, stride = bytes(surface.get_data()), surface.get_stride()
    # ARGB32, stored little-endian: B, G, R, A per pixel.
    return sum(
        1
        for row in range(surface.get_height())
        for px in range(row * stride, row * stride + 4 * surface.get_width(), 4)
        if max(data[px], data[px + 1], data[px + 2]) < 110 and data[px + 3] > 200
    )


def test_labels_render_in_cairosvg(quiet: World, tmp_path: Path) -> None:
    """cairosvg ignores ``paint-order``: a halo drawn that way covered every label in white."""
    pytest.importorskip("cairosvg")
    walkers = [walked("passant-0", True, -40, 0.0)]
    write_report(record(prompt(at_s=30.0, x=-1.0), walkers=walkers), quiet, tmp_path)
    svg = (tmp_path / "report.svg").read_text()
    assert "paint-order" not in svg
    haloed = r'<text [^>]*aria-hidden="true"[^>]*>[^<]*</text><text [^>]*>([^<]*)</text>'
    labels = re.findall(haloed, svg)
    assert HOSPIZ in labels and len(labels) > 10
    # Every label with a halo (the map's, the legend's, the time lines'), taken out: many dark pixels go.
    without = re.sub(haloed, "", svg)
    assert dark_pixels(svg) - dark_pixels(without) > 20 * len(labels)


# --- the plot of the misses ------------------------------------------------------------------------


def test_the_misses_are_plotted_rssi_against_true_and_estimated_distance(
    quiet: World, tmp_path: Path
) -> None:
    walkers = [passing("missed", 10.0), passing("shown", 5.0)]
    resolved = [
        ResolvedDistance("missed", HOSPIZ, 90.0, 60.0, 14.0, -84.0),
        ResolvedDistance("missed", HOSPIZ, 100.0, 45.0, 10.0, -80.0),
        ResolvedDistance("shown", HOSPIZ, 100.0, 6.0, 5.0, -70.0),
    ]
    garden = prompt(
        walker="shown", at_s=90.0, true_distance_m=10.0, prompt_id=2, title="Ein Garten für unsere Gäste"
    )
    run = record(
        prompt(walker="shown", at_s=100.0, true_distance_m=5.0), garden, walkers=walkers, resolved=resolved
    )
    write_report(run, quiet, tmp_path)
    svg = ET.parse(tmp_path / "misses.svg").getroot()
    texts = [t.text or "" for t in svg.iter(f"{SVG}text")]
    assert f"{HOSPIZ}: 1 came near and missed a prompt of it; 2 resolves of theirs" in texts
    assert {"reach 25 m", "reach 40 m", "-80 dBm"} <= set(texts)
    # Each resolve of the missed walker twice: filled where they were, hollow where the backend put them.
    dots = list(svg.iter(f"{SVG}circle"))
    assert len(dots) == 4 and sum(d.get("fill") == "none" for d in dots) == 2
    filled = sorted(float(d.get("cx", "nan")) for d in dots if d.get("fill") != "none")
    hollow = sorted(float(d.get("cx", "nan")) for d in dots if d.get("fill") == "none")
    assert all(f < h for f, h in zip(filled, hollow, strict=True))  # estimated farther than true
    page = (tmp_path / "report.html").read_text()
    assert "Who came near and was missed, and why" in page and page.count("<svg") == 2
    # Nobody missed: no plot.
    everyone = record(run.shown[0], garden, walkers=[passing("shown", 5.0)], resolved=resolved[2:])
    write_report(everyone, quiet, tmp_path / "none")
    assert not (tmp_path / "none" / "misses.svg").exists()
    assert "missed, and why" not in (tmp_path / "none" / "report.html").read_text()
    pytest.importorskip("cairosvg")
    assert dark_pixels((tmp_path / "misses.svg").read_text()) > 500  # labels and dots render in cairosvg
