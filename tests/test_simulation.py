"""What the bundled scenarios must show, run end to end: the real backend on 127.0.0.1, the agent's
code, and the reference app on every phone.

Most runs use ``agents="inline"`` at ``speed=0`` (the agent's core on the world's clock, as fast as the
CPU allows) because the agent is not what they are about; one short run uses the real agent process
scanning with bleak through the fake BlueZ. Every claim is computed from the ``RunRecord`` and the
world's ground truth, with its definition stated where it is made.
"""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from backend import slugs
from simulator import cli
from simulator.engine.agents import NO_DBUS_DAEMON
from simulator.engine.run import AGENT_EXIT_NOTE, AgentMode, SimulationError, run_scenario
from simulator.phone import AppConfig
from simulator.report.figures import write_report
from simulator.report.nearness import nearness
from simulator.report.record import RunRecord, ShownPrompt
from simulator.world.beacons import BeaconInfo
from simulator.world.scenario import EddystoneEidSpec, Scenario, WalkerGroup, load_scenario
from simulator.world.walkers import Walker
from simulator.world.world import World
from tests import stored
from tests.test_report import DESIGN_KEYS

SEED = 1
# "Too far" allows for the radio's noise: a reading 2 sigma of shadowing too strong makes a walker look
# nearer by the factor 10^(2 sigma / (10 n)) (2.31 on the quiet street: sigma = 4 dB, n = 2.2).
NOISE_SIGMAS = 2.0
# A site is "clearly nearest" when the next site's nearest beacon is at least 1.5 times farther away;
# closer calls are coin tosses for any ranking by signal strength, not ground truth.
CLEARLY_NEAREST = 1.5


async def simulate(
    scenario: Scenario | str,
    folder: Path,
    *,
    agents: AgentMode = "inline",
    speed: float = 0.0,
    duration_s: float | None = None,
) -> tuple[RunRecord, World]:
    """A run (inline, as fast as possible, unless told otherwise) and a fresh world of the same seed
    for the ground truth."""
    if isinstance(scenario, str):
        scenario = load_scenario(scenario)
    record = await run_scenario(
        scenario, seed=SEED, duration_s=duration_s, speed=speed, agents=agents, folder=folder, progress=None
    )
    return record, World(scenario, SEED)


def noise_margin(world: World) -> float:
    radio = world.scenario.radio
    return float(10 ** (NOISE_SIGMAS * radio.shadowing_sigma_db / (10 * radio.path_loss_exponent)))


def repeats_within_cooldown(shown: list[ShownPrompt]) -> int:
    """Shows of one prompt to one walker less than its cooldown after the previous show."""
    times: dict[tuple[str, int], list[ShownPrompt]] = defaultdict(list)
    for prompt in sorted(shown, key=lambda p: p.at_s):
        times[(prompt.walker, prompt.prompt_id)].append(prompt)
    return sum(
        later.at_s - earlier.at_s < earlier.cooldown_s
        for shows in times.values()
        for earlier, later in itertools.pairwise(shows)
    )


def closest_approach(walker: Walker, beacons: list[BeaconInfo]) -> float:
    """The walker's nearest pass to any of ``beacons``, sampled every half second of their walk."""
    steps = math.ceil((walker.leave_s - walker.arrival_s) / 0.5)
    return min(
        math.hypot(xy[0] - b.position[0], xy[1] - b.position[1])
        for i in range(steps + 1)
        if (xy := walker.position(min(walker.arrival_s + i * 0.5, walker.leave_s))) is not None
        for b in beacons
    )


async def test_quiet_street_every_passer_by_with_the_app_gets_the_prompt_once_and_never_from_afar(
    tmp_path: Path,
) -> None:
    record, world = await simulate("quiet_street", tmp_path)
    site = world.scenario.sites[0]
    beacons = [b for b in world.beacons if b.site == site.name]
    margin = noise_margin(world)
    reach = min(p.max_distance_m for p in site.prompts if p.max_distance_m is not None)
    # "Within the beacon's range": passing so close that even a reading 2 sigma too weak keeps the
    # walker inside the shortest prompt's reach.
    within = {w.name for w in world.walkers if w.has_phone and closest_approach(w, beacons) <= reach / margin}
    shown_to = {p.walker for p in record.shown if p.site == site.name}
    assert within, "the scenario should send walkers with the app past the door"
    assert within <= shown_to, f"never shown the hospice's prompt: {sorted(within - shown_to)}"
    assert repeats_within_cooldown(record.shown) == 0
    too_far = [
        p
        for p in record.shown
        if p.max_distance_m is not None and p.true_distance_m > p.max_distance_m * margin
    ]
    assert too_far == []
    assert record.sightings_produced == record.sightings_received > 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert all(key in report for key in DESIGN_KEYS), [k for k in DESIGN_KEYS if k not in report]
    assert {"median", "p95"} <= set(report["time_to_first_prompt_s"])
    assert report["scanner"] == "inline (no radio stack)"
    assert report["repeats_within_cooldown"] == 0 and report["shown_too_far"] == 0
    nearness = report["nearness"]
    assert nearness["came_near"] > 0 and nearness["distance_error"]["count"] > 0
    assert set(nearness["per_site"]) == {site.name}
    # The report links to what a person opens while the backend is up: the app, the site's page, the staff pages.
    url, page = record.backend_url, (tmp_path / "report.html").read_text()
    assert url is not None and url.startswith("http://127.0.0.1:")
    assert next(iter(report["links"].values())) == f"{url}/app/" and f'<a href="{url}/app/">' in page
    assert f'<a href="{url}/s/{slugs.slug_of(site.name)}">{site.name}' in page.replace("&#x27;", "'")
    assert f'<a href="{url}/manage/login">the staff pages</a>' in page
    # The record alone is enough to report on a run again.
    again = write_report(record, world, tmp_path / "again")
    assert again["sightings_received"] == record.sightings_received
    assert (tmp_path / "again" / "report.json").exists()


async def test_busy_street_walkers_are_shown_the_site_they_are_nearest_to(tmp_path: Path) -> None:
    record, world = await simulate("busy_street", tmp_path)
    beacons = {s.name: [b.position for b in world.beacons if b.site == s.name] for s in world.scenario.sites}
    counted = correct = 0
    for prompt in record.shown:
        ranked = sorted(
            (min(math.hypot(prompt.x - x, prompt.y - y) for x, y in points), site)
            for site, points in beacons.items()
        )
        # Ground truth only where one site was clearly nearest (distances to each site's nearest beacon).
        if ranked[0][0] * CLEARLY_NEAREST <= ranked[1][0]:
            counted += 1
            correct += ranked[0][1] == prompt.site
    assert counted >= 20, f"only {counted} prompts were shown where one site was clearly nearest"
    assert correct >= 0.9 * counted, f"{correct} of {counted} prompts were the nearest site's"
    # The backend answered every resolve: no 5xx, no network error, no 429.
    assert record.resolves > 0
    assert (record.resolve_errors, record.rate_limited) == (0, 0)
    assert not [note for note in record.notes if "could not be posted" in note]
    assert record.sightings_produced == record.sightings_received
    # Asked while near: seeds 1-3 give 91-95% (85-90% before fast attack and asking again when
    # nearer); the rest are mostly the club's shop, whose beacon behind glass reads twice as far.
    near = nearness(record, world.scenario)
    assert near["recall"] >= 0.9 and near["late"] <= 0.02, near


async def test_dying_battery_raises_low_battery_then_silent(tmp_path: Path) -> None:
    record, world = await simulate("dying_battery", tmp_path)
    first: dict[str, dict[str, float]] = defaultdict(dict)  # "beacon:N" -> alert -> first seen
    for alert in record.alerts:
        kind, _, subject = alert.alert.partition(":")
        first[subject].setdefault(kind, alert.first_seen_s)
    dying = [subject for subject, kinds in first.items() if "LOW_BATTERY" in kinds]
    assert len(dying) == 1, dict(first)
    kinds = first[dying[0]]
    assert "SILENT" in kinds, dict(first)
    assert kinds["LOW_BATTERY"] < kinds["SILENT"]
    battery_beacon = next(b for b in world.beacons if b.death_s < math.inf)
    assert kinds["SILENT"] > battery_beacon.death_s  # silent only once it really stopped advertising
    # The beacon on mains power raises nothing.
    assert all(not kinds for subject, kinds in first.items() if subject != dying[0] and "beacon" in subject)


def _spoofed(kind: str, late_standers: bool = False) -> Scenario:
    """The spoofed scenario with only the copy of the ``kind`` beacon (and, if asked, shoppers who
    arrive in front of the supermarket late in the run)."""
    base = load_scenario("spoofed_ibeacon")
    spoofs = [s for s in base.spoofs if base.beacon(s.copy_of)[1].kind == kind]
    walkers = list(base.walkers)
    if late_standers:
        late = {"name": "spaet", "kind": "stander", "count": 8, "phone_share": 1.0, "path": [[2002, 3]]}
        walkers.append(WalkerGroup.model_validate(late | {"arrival_s": [215, 270], "dwell_s": 20}))
    return base.model_copy(update={"spoofs": spoofs, "walkers": walkers})


async def test_a_copied_static_ibeacon_triggers_the_prompt_two_kilometres_away(tmp_path: Path) -> None:
    record, _ = await simulate(_spoofed("ibeacon"), tmp_path)
    far = [p for p in record.shown if p.spoofed and p.true_distance_m > 1500]
    assert far, "the copy of a static iBeacon resolves to the club anywhere: it must show its prompt"
    assert {p.site for p in far} == {"Sportverein Eintracht"}


async def test_a_copied_eid_stops_resolving_after_its_period_and_the_skew_tolerance(tmp_path: Path) -> None:
    scenario = _spoofed("eddystone-eid", late_standers=True)
    record, world = await simulate(scenario, tmp_path)
    spoof = scenario.spoofs[0]
    _, spec = scenario.beacon(spoof.copy_of)
    assert isinstance(spec, EddystoneEidSpec)
    period = 2**spec.rotation_exponent  # 64 s
    captured = world.beacon_clock(spoof.copy_of, spoof.start_s) // period  # the copy replays period 0
    # Plainly: the backend accepts the current period and eid_skew_periods = 1 period either side, so
    # the captured EID resolves until the backend's clock leaves period captured + 1: 128 s.
    expires = (captured + 1 + 1) * period
    # The backend builds its EID table once a minute (backend.eids.table_window_s; the inline clock
    # starts on a whole hour), so the table made before 128 s serves until 180 s; and a phone uses an
    # answer for cache_ttl_s (30 s). Nothing may be shown after that.
    last = math.ceil(expires / 60) * 60 + AppConfig().cache_ttl_s
    shown = [p for p in record.shown if p.spoofed]
    assert shown and min(p.at_s for p in shown) < expires, "the replayed EID resolves while it is current"
    assert max(p.at_s for p in shown) < last, [(p.walker, p.at_s) for p in shown]
    late = [t for t in record.walkers if t.name.startswith("spaet") and t.entered_range]
    assert late, "the late shoppers must hear the copy"
    assert not [p for p in record.shown if p.walker.startswith("spaet")]


async def test_a_seed_replays_exactly(tmp_path: Path) -> None:
    first, _ = await simulate("dying_battery", tmp_path / "a", duration_s=90)
    second, _ = await simulate("dying_battery", tmp_path / "b", duration_s=90)
    assert first.shown == second.shown
    assert first.sightings_produced == second.sightings_produced


async def test_the_real_agent_through_the_fake_bluez_delivers_every_sighting_and_exits_cleanly(
    tmp_path: Path,
) -> None:
    from simulator.bluez.bus import find_dbus_daemon

    if find_dbus_daemon() is None:
        pytest.skip(NO_DBUS_DAEMON)
    record, world = await simulate("quiet_street", tmp_path, agents="bleak", speed=1.0, duration_s=20)
    assert record.scanner == "bleak/bluez-dbus"
    assert record.sightings_produced == record.sightings_received > 0
    exits = [note for note in record.notes if note.startswith("agent ")]
    assert exits == [AGENT_EXIT_NOTE.format(agent=agent.id, code=0) for agent in world.agents]
    assert (tmp_path / "agent-1.log").read_text().count('"agent stopped"') == 1


async def test_without_dbus_daemon_real_agents_say_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("simulator.engine.run.find_dbus_daemon", lambda: None)
    with pytest.raises(SimulationError) as caught:
        await run_scenario(load_scenario("quiet_street"), seed=SEED, folder=tmp_path, progress=None)
    assert "`dbus` package" in str(caught.value) and "--agents inline" in str(caught.value)


def test_the_command_line_lists_scenarios_and_reports_a_bad_one_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli.main(["list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == [
        "busy_street",
        "dying_battery",
        "harsh_corner",
        "quiet_street",
        "spoofed_ibeacon",
    ]
    bad = tmp_path / "street.toml"
    bad.write_text('name = "street"\nduration_s = 60\nsites = []\n')
    assert cli.main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{bad}: sites")


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_quiet_street_calibrated_from_its_agent_estimates_within_35_percent(
    tmp_path: Path, seed: int
) -> None:
    # The agent 3 m from the door's beacon, typed once by seeding: the site fits its own exponent
    # (n = 2 before: estimates 0.84x the truth); the goal is a median error of at most 35%.
    scenario = load_scenario("quiet_street")
    record = await run_scenario(
        scenario, seed=seed, duration_s=None, speed=0.0, agents="inline", folder=tmp_path, progress=None
    )
    world = World(scenario, seed)
    near = nearness(record, world.scenario)
    assert near["distance_error"]["median_abs_rel"] <= 0.35
    # Resolves with a distance: 127-130 a seed, 41-44 of them above the faint floor (-92 dBm).
    assert near["distance_error"]["count"] > 30
    with sqlite3.connect(tmp_path / "backend.sqlite3") as db:
        (fitted,) = db.execute("SELECT fitted_exponent FROM distance_models").fetchone()
    assert fitted is not None and 1.8 < fitted < 2.6
    margin = noise_margin(world)
    assert not [p for p in record.shown if p.max_distance_m and p.true_distance_m > p.max_distance_m * margin]


# --- the nearness goals of issue 16, over seeds ------------------------------------------------------

GOAL_SEEDS = (1, 2, 3)
GOAL_SCENARIOS = ("quiet_street", "busy_street", "harsh_corner")
_measured: dict[tuple[str, int], tuple[dict[str, Any], int]] = {}


async def measured(name: str, seed: int, folder: Path) -> tuple[dict[str, Any], int]:
    """The nearness figures of one run and how many prompts were shown too far; each run once per session."""
    if (name, seed) not in _measured:
        scenario = load_scenario(name)
        record = await run_scenario(
            scenario, seed=seed, duration_s=None, speed=0.0, agents="inline", folder=folder, progress=None
        )
        margin = noise_margin(World(scenario, seed))
        too_far = [
            p for p in record.shown if p.max_distance_m and p.true_distance_m > p.max_distance_m * margin
        ]
        _measured[(name, seed)] = (nearness(record, scenario), len(too_far))
    return _measured[(name, seed)]


@pytest.mark.parametrize("seed", GOAL_SEEDS)
@pytest.mark.parametrize("name", GOAL_SCENARIOS)
async def test_nobody_is_shown_a_prompt_from_afar(tmp_path: Path, name: str, seed: int) -> None:
    # The precision goal holds on every seed of every bundled street: nobody is shown a prompt beyond
    # its reach plus two sigmas of shadowing.
    near, too_far = await measured(name, seed, tmp_path)
    assert too_far == 0
    assert near["came_near"] >= 10, near  # and people did come near


@pytest.mark.parametrize("seed", GOAL_SEEDS)
async def test_busy_street_at_most_2_percent_are_shown_a_prompt_only_after_walking_on(
    tmp_path: Path, seed: int
) -> None:
    # 0-1% measured over 120 pairs a seed. (On quiet_street one pair in twelve is 8%: too few pairs
    # for a 2% goal, and seed 3 has one; on harsh_corner almost nothing is shown at all.)
    near, _ = await measured("busy_street", seed, tmp_path)
    assert near["came_near"] >= 100 and near["shown"] >= 100, near
    assert near["late"] <= 0.02, near


@pytest.mark.parametrize("seed", GOAL_SEEDS)
async def test_harsh_corner_most_who_come_near_are_shown_the_prompt_once_the_street_n_is_learnt(
    tmp_path: Path, seed: int
) -> None:
    # 15-24% with n = 2 (every distance read 4.7x too far); 74-89% measured with the n learnt from
    # walkers between the two sites (backend/street_exponent.py).
    near, _ = await measured("harsh_corner", seed, tmp_path)
    assert near["came_near"] >= 40, near
    assert near["recall"] >= 0.70, near


@pytest.mark.parametrize("seed", GOAL_SEEDS)
async def test_quiet_street_everyone_who_comes_near_is_shown_the_prompt_and_nobody_late(
    tmp_path: Path, seed: int
) -> None:
    # 83-100% and up to 8% late while readings near the phone's floor could show the 40 m prompt from
    # beyond 1.5x its reach; the faint floor (`faint_rssi_dbm`) leaves those out.
    near, _ = await measured("quiet_street", seed, tmp_path)
    assert near["came_near"] >= 10 and near["recall"] == 1.0 and near["late"] == 0.0, near


@pytest.mark.parametrize("seed", GOAL_SEEDS)
async def test_busy_street_distances_within_35_percent_once_the_street_n_is_learnt(
    tmp_path: Path, seed: int
) -> None:
    # 43-46% with n = 2 (its agents sit on their beacons: nothing to fit); 25-28% measured with the
    # street's n learnt from walkers between its sites.
    near, _ = await measured("busy_street", seed, tmp_path)
    assert near["distance_error"]["count"] > 500
    assert near["distance_error"]["median_abs_rel"] <= 0.35, near


@pytest.mark.parametrize("seed", GOAL_SEEDS)
@pytest.mark.parametrize("name", GOAL_SCENARIOS)
@pytest.mark.xfail(
    strict=True,
    reason="not reached yet (README, Nearness): the entry-to-prompt median is 7-12 s on every street "
    "(the faint floor waits for readings above -92 dBm; busy_street's sports club behind glass); recall "
    "on busy_street 93-94% and on harsh_corner 74-89% (phones in pockets, 6 dB shadowing)",
)
async def test_nearness_goals_recall_95_percent_within_5_s_median_and_15_s_p95(
    tmp_path: Path, name: str, seed: int
) -> None:
    # Strict: the day a change reaches these on a street and seed, this fails and asks to become a goal test.
    near, _ = await measured(name, seed, tmp_path)
    delay = near["entry_to_prompt_s"]
    assert near["recall"] >= 0.95, near
    assert delay["median"] is not None and delay["median"] <= 5.0, near
    assert delay["p95"] <= 15.0, near


async def test_the_simulation_runs_on_postgresql_with_one_flag_and_wipes_only_its_own_database(
    tmp_path: Path, pg_store: str
) -> None:
    scenario = load_scenario("quiet_street")
    for run in ("first", "again"):  # a database an earlier run used is started anew
        record = await run_scenario(
            scenario, seed=SEED, folder=tmp_path / run, progress=None, db=pg_store, agents="inline", speed=0.0
        )
        assert record.sightings_produced == record.sightings_received > 0
        assert record.shown, "walkers with the app were shown the hospice's prompt"
    assert not (tmp_path / "first" / "backend.sqlite3").exists()
    stored.rows(pg_store, "DELETE FROM meta WHERE name = 'simulation'")  # now it is someone's instance
    with pytest.raises(SimulationError, match="organisations the simulator did not make"):
        await run_scenario(
            scenario,
            seed=SEED,
            folder=tmp_path / "refused",
            progress=None,
            db=pg_store,
            agents="inline",
            speed=0.0,
        )
    assert (
        stored.value(pg_store, "SELECT SUM(count) FROM sightings") == record.sightings_received
    )  # untouched
