"""The radio world: deterministic, statistically faithful to its model, and right about EIDs, TLM and walkers."""

from __future__ import annotations

import itertools
import json
import math
import statistics
from typing import Any

import pytest

from backend.geo import haversine_m
from beacon_agent.contract.eid import compute_eid
from beacon_agent.contract.frames import EddystoneEid, EddystoneTlm, decode
from simulator.world.beacons import ADV_DELAY_MAX_S
from simulator.world.scenario import EddystoneEidSpec, Scenario, load_scenario
from simulator.world.world import Emission, World, main

QUIET: dict[str, Any] = {"packet_loss": 0.0, "shadowing_sigma_db": 4.0, "sensitivity_dbm": -127.0}


def site(*beacons: dict[str, Any], name: str = "A", position: tuple[float, float] = (0, 0)) -> dict[str, Any]:
    return {"name": name, "position": position, "beacons": list(beacons)}


def world(
    *sites: dict[str, Any],
    seed: int = 1,
    radio: dict[str, Any] | None = None,
    walkers: list[dict[str, Any]] | None = None,
    spoofs: list[dict[str, Any]] | None = None,
) -> World:
    data: dict[str, Any] = {
        "name": "test",
        "duration_s": 600,
        "sites": list(sites) or [site({"kind": "ibeacon", "interval_ms": 100})],
        "radio": radio or QUIET,
        "walkers": walkers or [],
        "spoofs": spoofs or [],
    }
    return World(Scenario.model_validate(data), seed)


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_gives_the_same_events() -> None:
    scenario = load_scenario("busy_street")
    first, second = World(scenario, 5), World(scenario, 5)
    emissions = first.emissions(0, 60)
    assert emissions == second.emissions(0, 60)
    assert [first.rssi(e, (3, 1), "p") for e in emissions] == [second.rssi(e, (3, 1), "p") for e in emissions]
    assert first.walkers == second.walkers
    assert first.beacons == second.beacons


def test_another_seed_gives_other_events() -> None:
    scenario = load_scenario("busy_street")
    first, second = World(scenario, 5), World(scenario, 6)
    one, other = first.emissions(0, 60), second.emissions(0, 60)
    assert [e.time for e in one] != [e.time for e in other]
    assert [first.rssi(e, (3, 1), "p") for e in one] != [second.rssi(e, (3, 1), "p") for e in one]
    assert first.walkers != second.walkers
    # Identities come from the scenario, not the seed: the backend registers the same beacons.
    assert [first.key_at(b.id, 0) for b in first.beacons] == [second.key_at(b.id, 0) for b in second.beacons]


def test_windows_of_any_size_and_order_give_the_same_emissions() -> None:
    whole = World(load_scenario("busy_street"), 3).emissions(0, 60)
    windowed = World(load_scenario("busy_street"), 3)
    pieces: list[Emission] = []
    t = 0.0
    while t < 60:
        pieces += windowed.emissions(t, min(t + 0.7, 60))
        t += 0.7
    assert pieces == whole
    # Going back in time replays the same advertisements.
    assert windowed.emissions(10, 20) == [e for e in whole if 10 <= e.time < 20]


def test_rssi_does_not_depend_on_the_order_of_queries() -> None:
    w = world(radio={"packet_loss": 0.2, "shadowing_sigma_db": 6.0})
    emissions = w.emissions(0, 30)
    receivers = [("a", (1.0, 2.0)), ("b", (8.0, -3.0)), ("c", (20.0, 0.0))]
    forward = {(e.seq, r): w.rssi(e, xy, r) for e in emissions for r, xy in receivers}
    backward = {(e.seq, r): w.rssi(e, xy, r) for e in reversed(emissions) for r, xy in reversed(receivers)}
    assert forward == backward
    # Two receivers do not share their noise.
    assert [forward[(e.seq, "a")] for e in emissions] != [forward[(e.seq, "b")] for e in emissions]


# --- advertising ---------------------------------------------------------------------------------


def test_advertising_interval_includes_the_ble_adv_delay() -> None:
    w = world(site({"kind": "ibeacon", "interval_ms": 200}))
    times = [e.time for e in w.emissions(0, 600)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert 0 <= times[0] < 0.2 + ADV_DELAY_MAX_S
    assert min(gaps) >= 0.2 and max(gaps) <= 0.2 + ADV_DELAY_MAX_S
    assert statistics.fmean(gaps) == pytest.approx(0.205, abs=0.0005)
    # advDelay is uniform on 0..10 ms: its standard deviation is 10 ms / sqrt(12).
    assert statistics.stdev(gaps) == pytest.approx(0.010 / math.sqrt(12), rel=0.1)


def test_every_emission_decodes_to_its_own_kind() -> None:
    w = World(load_scenario("busy_street"), 2)
    w.assign_ibeacon("Tafel Mitte/0", "f7826da6-4fa2-4e98-8024-bc5b71e0893e", 9, 9)
    emissions = w.emissions(0, 30)
    assert {e.beacon for e in emissions} == {b.id for b in w.beacons}
    for e in emissions:
        frames = decode(e.manufacturer_data, e.service_data)
        assert [f.kind for f in frames] == [e.kind]
        assert e.service_uuids == (("0000feaa-0000-1000-8000-00805f9b34fb",) if e.service_data else ())
        assert e.address == w.beacon(e.beacon).address and int(e.address[:2], 16) >= 0xC0


# --- radio ---------------------------------------------------------------------------------------


def samples(w: World, xy: tuple[float, float], seconds: float = 400) -> list[int | None]:
    return [w.rssi(e, xy, "phone") for e in w.emissions(0, seconds)]


def test_rssi_falls_with_distance_and_matches_the_model_mean() -> None:
    w = world()
    means = []
    for d in (1.0, 4.0, 16.0):
        heard = [r for r in samples(w, (d, 0.0)) if r is not None]
        expected = -59 - 22 * math.log10(d)
        assert w.mean_rssi("A/0", (d, 0.0)) == pytest.approx(expected)
        assert statistics.fmean(heard) == pytest.approx(expected, abs=0.3)
        assert statistics.stdev(heard) == pytest.approx(4.0, abs=0.3)
        means.append(statistics.fmean(heard))
    assert means == sorted(means, reverse=True)


def test_walls_attenuate_only_the_links_they_cross() -> None:
    wall = {"from": [5, -5], "to": [5, 5], "attenuation_db": 10.0}
    open_air, walled = world(), world(radio={**QUIET, "walls": [wall]})
    assert walled.mean_rssi("A/0", (10, 0)) == pytest.approx(open_air.mean_rssi("A/0", (10, 0)) - 10)
    assert walled.mean_rssi("A/0", (-10, 0)) == open_air.mean_rssi("A/0", (-10, 0))
    assert walled.mean_rssi("A/0", (10, 20)) == open_air.mean_rssi("A/0", (10, 20))  # passes the wall's end
    behind = [r for r in samples(walled, (10, 0), 200) if r is not None]
    clear = [r for r in samples(open_air, (10, 0), 200) if r is not None]
    assert statistics.fmean(clear) - statistics.fmean(behind) == pytest.approx(10, abs=0.6)


def test_packet_loss_is_a_coin_per_reception() -> None:
    w = world(radio={**QUIET, "packet_loss": 0.3, "shadowing_sigma_db": 0.0})
    heard = samples(w, (2.0, 0.0))
    assert sum(r is None for r in heard) / len(heard) == pytest.approx(0.3, abs=0.025)
    assert {r for r in heard if r is not None} == {round(-59 - 22 * math.log10(2))}


def test_nothing_is_heard_below_the_sensitivity_floor() -> None:
    w = world(radio={"packet_loss": 0.0, "sensitivity_dbm": -100.0})
    assert all(r is None for r in samples(w, (5000.0, 0.0), 30))
    assert not w.in_range("A/0", (5000.0, 0.0)) and w.in_range("A/0", (5.0, 0.0))
    assert all(r is not None and r >= -100 for r in samples(w, (0.0, 0.0), 30))


# --- EID, TLM, spoofs, allocation ----------------------------------------------------------------


def test_eid_rotates_on_the_beacon_clock() -> None:
    w = world(
        site({"kind": "eddystone-eid", "rotation_exponent": 4, "initial_time": 1000, "interval_ms": 250})
    )
    spec = w.scenario.sites[0].beacons[0]
    assert isinstance(spec, EddystoneEidSpec) and spec.identity_key is not None
    key = bytes.fromhex(spec.identity_key)
    emissions = w.emissions(0, 100)
    for e in emissions:
        (frame,) = decode(e.manufacturer_data, e.service_data)
        assert isinstance(frame, EddystoneEid) and frame.tx_power == -59 + 41
        assert frame.eid == compute_eid(key, 4, 1000 + math.floor(e.time)).hex()
        assert w.key_at("A/0", e.time) == frame.key
    eids = [e.service_data for e in emissions]
    changes = [emissions[i].time for i in range(1, len(eids)) if eids[i] != eids[i - 1]]
    # Clock 1000 at t = 0: new periods start at clock 1008, 1024, ... = t 8, 24, 40, 56, 72, 88.
    assert [math.floor(t) for t in changes] == [8, 24, 40, 56, 72, 88]
    assert w.beacon_clock("A/0", 8.5) == 1008


def test_battery_beacon_sends_tlm_drains_and_dies() -> None:
    battery = {"start_mv": 3000, "drain_mv_per_hour": 36_000.0, "dies_below_mv": 2000, "tlm_every": 4}
    w = world(site({"kind": "eddystone-uid", "interval_ms": 500, "battery": battery}))
    emissions = w.emissions(0, 200)
    assert w.beacon("A/0").death_s == pytest.approx(100.0)
    assert max(e.time for e in emissions) < 100 and len({e.address for e in emissions}) == 1
    tlm = [e for e in emissions if e.kind == "eddystone-tlm"]
    assert [e.seq % 4 for e in tlm] == [3] * len(tlm) and len(tlm) == len(emissions) // 4
    for e in tlm:
        (frame,) = decode(e.manufacturer_data, e.service_data)
        assert isinstance(frame, EddystoneTlm)
        assert frame.battery_mv == round(3000 - 10 * e.time) >= 2000
        assert frame.adv_count == e.seq + 1 and frame.uptime_s == pytest.approx(e.time, abs=0.06)
        assert frame.temperature_c == 20.0
    assert w.battery_mv("A/0", 50) == 2500


def test_spoofs_copy_the_frame_and_an_eid_copy_replays_one_eid() -> None:
    w = world(
        site({"kind": "ibeacon"}, {"kind": "eddystone-eid", "rotation_exponent": 3, "initial_time": 0}),
        spoofs=[
            {"copy_of": "A/0", "position": [2000, 0], "start_s": 30},
            {"copy_of": "A/1", "position": [2000, 1], "start_s": 30},
        ],
        radio={"sensitivity_dbm": -100.0},
    )
    emissions = w.emissions(0, 120)
    by = {b.id: [e for e in emissions if e.beacon == b.id] for b in w.beacons}
    assert min(e.time for e in by["spoof:0"] + by["spoof:1"]) >= 30
    assert {e.manufacturer_data[0x004C] for e in by["spoof:0"]} == {by["A/0"][0].manufacturer_data[0x004C]}
    assert w.beacon("spoof:0").address != w.beacon("A/0").address and w.beacon("spoof:0").spoof_of == "A/0"
    spec = w.scenario.sites[0].beacons[1]
    assert isinstance(spec, EddystoneEidSpec) and spec.identity_key is not None
    captured = compute_eid(bytes.fromhex(spec.identity_key), 3, 30).hex()
    assert {decode({}, e.service_data)[0].as_dict()["eid"] for e in by["spoof:1"]} == {captured}
    assert len({bytes(next(iter(e.service_data.values()))) for e in by["A/1"]}) > 10
    # Near the supermarket only the copy is heard.
    shopper = (1995.0, 0.0)
    assert any(w.rssi(e, shopper, "shopper") is not None for e in by["spoof:0"])
    assert all(w.rssi(e, shopper, "shopper") is None for e in by["A/0"])


def test_an_allocated_ibeacon_is_silent_until_it_has_ids() -> None:
    w = world(
        site({"kind": "ibeacon", "allocate": True}, {"kind": "ibeacon"}),
        spoofs=[{"copy_of": "A/0", "position": [50, 0]}],
    )
    assert w.unassigned() == ["A/0"]
    assert {e.beacon for e in w.emissions(0, 10)} == {"A/1"}
    w.assign_ibeacon("A/0", "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", 4, 2)
    assert w.unassigned() == []
    assert {e.beacon for e in w.emissions(10, 20)} == {"A/0", "A/1", "spoof:0"}
    assert (
        w.key_at("A/0", 15) == w.key_at("spoof:0", 15) == "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:4:2"
    )
    with pytest.raises(ValueError, match="allocate"):
        w.assign_ibeacon("A/1", "f7826da6-4fa2-4e98-8024-bc5b71e0893e", 1, 1)


# --- walkers, places, the map --------------------------------------------------------------------


def test_walker_kinematics() -> None:
    path = [[0, 0], [100, 0]]
    w = world(
        site({"kind": "ibeacon"}, position=(50, 10)),
        walkers=[
            {"name": "p", "path": path, "speed_mps": 2.0, "arrival_s": 10},
            {"name": "v", "kind": "visitor", "path": path, "speed_mps": 2.0, "arrival_s": 10, "dwell_s": 30},
            {"name": "s", "kind": "stander", "path": [[3, 4]], "arrival_s": 5, "dwell_s": 20},
        ],
    )
    passer, visitor, stander = (w.walker(n) for n in "pvs")
    assert w.walker_position("p", 9.9) is None and passer.position(10) == (0, 0)
    assert passer.position(35) == (50, 0) and passer.leave_s == 60 and passer.position(60.1) is None
    # 50 m to the point of the path nearest the door, 10 m to the door, 30 s there, and back.
    assert visitor.site == "A" and visitor.at_door == (40, 70)
    assert visitor.position(37.5) == (50, 5) and visitor.position(55) == (50, 10)
    assert visitor.position(80) == (60, 0) and visitor.leave_s == 100
    assert stander.position(4) is None and stander.position(5) == stander.position(25) == (3, 4)
    assert [x.name for x, _ in w.walkers_at(20)] == ["p", "v", "s"]
    assert [x.name for x, _ in w.walkers_at(30)] == ["p", "v"]
    site_spec, distance = w.nearest_site((50, 0))
    assert site_spec.name == "A" and distance == 10 == w.distance("A", (50, 0)) == w.distance("A/0", (50, 0))


def test_a_group_is_drawn_from_the_seed() -> None:
    group = {
        "name": "g",
        "count": 40,
        "phone_share": 0.25,
        "street": {"from": [-50, 0], "to": [50, 0]},
        "speed_mps": [1.0, 1.5],
        "arrival_s": [0, 100],
        "spread_m": 2.0,
    }
    walkers = world(walkers=[group]).walkers
    assert [w.name for w in walkers] == [f"g-{i}" for i in range(40)]
    assert sum(w.has_phone for w in walkers) == 10
    assert all(1.0 <= w.speed_mps <= 1.5 and 0 <= w.arrival_s <= 100 for w in walkers)
    assert all(abs(y) <= 2.0 for w in walkers for y in w.ys)
    assert {w.xs[0] for w in walkers} == {-50.0, 50.0}  # both ways along the street
    assert world(walkers=[group], seed=2).walkers != walkers


def test_lat_lon_round_trip_and_scale() -> None:
    w = World(load_scenario("spoofed_ibeacon"), 1)
    for xy in [(0.0, 0.0), (2000.0, 5.0), (-1234.5, 987.6)]:
        lat, lon = w.to_lat_lon(xy)
        back = w.to_xy(lat, lon)
        assert back == pytest.approx(xy, abs=1e-6)
    origin = w.scenario.origin
    assert haversine_m(origin.lat, origin.lon, *w.to_lat_lon((2000, 0))) == pytest.approx(2000, abs=0.5)
    assert haversine_m(origin.lat, origin.lon, *w.to_lat_lon((0, 2000))) == pytest.approx(2000, abs=0.5)


def test_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--bench", "--duration", "5", "--repeat", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["scenario"] == "busy_street" and result["walker_seconds_per_s"] > 0
