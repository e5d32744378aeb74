"""The aggregator driven by advertisements built with the real codec and a clock that is a float."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beacon_agent import constants as c
from beacon_agent.aggregate import Aggregator, smooth, smoothing_weight
from beacon_agent.config import ScanSection
from beacon_agent.contract.distance import MAX_DISTANCE_M, MIN_DISTANCE_M, estimate_distance_m, tx_power_at_1m
from beacon_agent.contract.frames import (
    AltBeacon,
    EddystoneEid,
    EddystoneEtlm,
    EddystoneTlm,
    EddystoneUid,
    EddystoneUrl,
    Frame,
    IBeacon,
    advertisement,
    decode,
)
from beacon_agent.contract.wire import Sighting, SightingBatch

UUID_A = "426c7565-4368-6172-6d42-6561636f6e73"
UUID_B = "fda50693-a4e2-4fb1-afcf-c6eb07647825"
NAMESPACE = "00112233445566778899"
OTHER_NAMESPACE = "ffeeddccbbaa99887766"
T0 = 1_700_000_000.0
PHONE = "5A:11:22:33:44:55"
BEACON_RADIO = "C3:AA:BB:CC:DD:EE"
PROPERTY = settings(max_examples=200, deadline=None)


def heard(frame: Frame) -> list[Frame]:
    """What decode gives for an advertisement carrying ``frame``, as bleak would report it."""
    frames = decode(*advertisement(frame))
    assert frames == [frame]
    return frames


def ibeacon(major: int = 1, minor: int = 2, tx_power: int = -59, uuid_: str = UUID_A) -> list[Frame]:
    return heard(IBeacon(uuid_, major, minor, tx_power))


def uid(instance: str = "aabbccddeeff", tx_power: int = -20, namespace: str = NAMESPACE) -> list[Frame]:
    return heard(EddystoneUid(namespace, instance, tx_power))


def eid(value: str = "0123456789abcdef", tx_power: int = -20) -> list[Frame]:
    return heard(EddystoneEid(value, tx_power))


def tlm(battery_mv: int = 3000, temperature_c: float | None = 21.5) -> list[Frame]:
    return heard(EddystoneTlm(battery_mv, temperature_c, 4711, 86400.0))


def only(sightings: list[Sighting]) -> Sighting:
    assert len(sightings) == 1, sightings
    return sightings[0]


def at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


# --- one window ------------------------------------------------------------------------------------


def test_a_window_gives_count_mean_max_and_first_last_seen() -> None:
    agg = Aggregator()
    for dt, rssi in [(0.0, -70), (1.0, -60), (2.5, -80)]:
        agg.add(BEACON_RADIO, rssi, ibeacon(), T0 + dt)
    assert agg.pending == 1
    sighting = only(agg.flush(T0 + 30))
    assert sighting.beacon == f"ibeacon:{UUID_A}:1:2"
    assert sighting.count == 3
    assert sighting.rssi_mean == -70.0
    assert sighting.rssi_max == -60
    assert sighting.first_seen == at(T0) and sighting.first_seen.tzinfo is not None
    assert sighting.last_seen == at(T0 + 2.5)
    assert sighting.tx_power == -59
    assert sighting.telemetry is None
    assert agg.pending == 0
    assert agg.flush(T0 + 60) == []


def test_one_sighting_per_beacon_sorted_by_first_heard_then_key() -> None:
    agg = Aggregator()
    agg.add("r1", -70, ibeacon(minor=2), T0 + 1)
    agg.add("r2", -70, ibeacon(minor=1), T0 + 1)
    agg.add("r3", -70, uid(), T0)
    agg.add("r1", -75, ibeacon(minor=2), T0 + 2)
    sightings = agg.flush(T0 + 30)
    assert [s.beacon for s in sightings] == [
        f"eddystone-uid:{NAMESPACE}:aabbccddeeff",
        f"ibeacon:{UUID_A}:1:1",
        f"ibeacon:{UUID_A}:1:2",
    ]
    assert [s.count for s in sightings] == [1, 1, 2]
    SightingBatch(batch_id=uuid.uuid4(), sightings=sightings)  # what the reporter will send validates


def test_a_clock_stepped_back_keeps_first_seen_before_last_seen() -> None:
    agg = Aggregator()
    agg.add(BEACON_RADIO, -70, ibeacon(), T0)
    agg.add(BEACON_RADIO, -70, ibeacon(), T0 - 5)  # NTP corrected the Pi's clock
    sighting = only(agg.flush(T0))
    assert sighting.first_seen == at(T0 - 5) and sighting.last_seen == at(T0)


def test_advertisements_without_beacons_or_with_bad_rssi_change_nothing() -> None:
    agg = Aggregator()
    agg.add(PHONE, -50, decode({0x0006: b"\x01\x09\x20\x02"}, {}), T0)  # a Microsoft swift-pair blob
    agg.add(BEACON_RADIO, 127, ibeacon(), T0)  # HCI's "RSSI not available"
    assert agg.flush(T0 + 30) == []
    assert agg.ignored == 1
    assert agg.diagnostics()["tracked_beacons"] == 0


# --- filters -------------------------------------------------------------------------------------


def test_only_configured_kinds_are_kept_and_the_rest_counted() -> None:
    agg = Aggregator(kinds=["ibeacon", "eddystone-eid"])
    agg.add("r1", -70, ibeacon(), T0)
    agg.add("r2", -70, heard(AltBeacon(0x0118, UUID_A, 1, 2, -59, 0)), T0)
    agg.add("r3", -70, uid(), T0)
    agg.add("r4", -70, eid(), T0)
    assert {s.beacon.split(":")[0] for s in agg.flush(T0 + 1)} == {"ibeacon", "eddystone-eid"}
    assert agg.ignored == 2


def test_url_frames_are_never_sightings() -> None:
    agg = Aggregator()
    agg.add(BEACON_RADIO, -60, heard(EddystoneUrl("https://example.org", -20)), T0)
    assert agg.flush(T0 + 1) == []
    assert agg.ignored == 1


def test_uuid_filter_applies_to_ibeacon_and_altbeacon_in_any_spelling() -> None:
    agg = Aggregator(uuids=[UUID_A.upper()])
    agg.add("r1", -70, ibeacon(uuid_=UUID_A), T0)
    agg.add("r2", -70, ibeacon(uuid_=UUID_B), T0)
    agg.add("r3", -70, heard(AltBeacon(0x0118, UUID_A, 3, 4, -59, 0)), T0)
    agg.add("r4", -70, heard(AltBeacon(0x0118, UUID_B, 3, 4, -59, 0)), T0)
    agg.add("r5", -70, uid(), T0)  # the UUID filter says nothing about Eddystone
    beacons = {s.beacon for s in agg.flush(T0 + 1)}
    assert beacons == {
        f"ibeacon:{UUID_A}:1:2",
        f"altbeacon:{UUID_A}:3:4",
        f"eddystone-uid:{NAMESPACE}:aabbccddeeff",
    }
    assert agg.ignored == 2


def test_namespace_filter_applies_to_uid_only() -> None:
    agg = Aggregator(namespaces=[NAMESPACE.upper()])
    agg.add("r1", -70, uid(namespace=NAMESPACE), T0)
    agg.add("r2", -70, uid(namespace=OTHER_NAMESPACE), T0)
    agg.add("r3", -70, eid(), T0)  # EIDs have no namespace
    agg.add("r4", -70, ibeacon(), T0)
    assert len(agg.flush(T0 + 1)) == 3
    assert agg.ignored == 1


def test_from_config_takes_the_scan_section() -> None:
    scan = ScanSection(kinds=["eddystone-uid"], namespaces=[NAMESPACE], telemetry=False)
    agg = Aggregator.from_config(scan)
    agg.add(BEACON_RADIO, -70, uid(), T0)
    agg.add(BEACON_RADIO, -70, tlm(), T0)
    agg.add("r2", -70, ibeacon(), T0)
    assert only(agg.flush(T0 + 1)).telemetry is None
    assert agg.ignored == 2
    assert agg.diagnostics()["linked_addresses"] == 0  # no telemetry wanted, no address kept


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        Aggregator(kinds=["eddystone-url"])
    with pytest.raises(ValueError):
        Aggregator(half_life_s=0)
    with pytest.raises(ValueError):
        Aggregator(uuids=["not-a-uuid"])


# --- tx power and distance -----------------------------------------------------------------------


def test_eddystone_power_is_converted_from_0m_to_1m() -> None:
    assert tx_power_at_1m(EddystoneUid(NAMESPACE, "aabbccddeeff", -20)) == -61
    assert tx_power_at_1m(EddystoneEid("0123456789abcdef", 0)) == -41
    assert tx_power_at_1m(IBeacon(UUID_A, 1, 2, -59)) == -59
    assert tx_power_at_1m(AltBeacon(0x0118, UUID_A, 1, 2, -65, 0)) == -65
    assert tx_power_at_1m(EddystoneUrl("https://example.org", -20)) is None


@pytest.mark.parametrize(
    "frame",
    [IBeacon(UUID_A, 1, 2, 26), IBeacon(UUID_A, 1, 2, -128), EddystoneUid(NAMESPACE, "aabbccddeeff", -100)],
)
def test_power_outside_the_wire_range_is_dropped_not_clamped(frame: Frame) -> None:
    assert tx_power_at_1m(frame) is None
    agg = Aggregator()
    agg.add(BEACON_RADIO, -70, heard(frame), T0)
    sighting = only(agg.flush(T0 + 1))
    assert sighting.tx_power is None and sighting.distance_m is None  # the backend uses the registered power


def test_distance_comes_from_the_smoothed_rssi_and_the_1m_power() -> None:
    agg = Aggregator(path_loss_exponent=2.0)
    agg.add(BEACON_RADIO, -81, uid(tx_power=-20), T0)  # -61 dBm at 1 m, 20 dB less: 10 m
    sighting = only(agg.flush(T0 + 1))
    assert sighting.tx_power == -61
    assert sighting.distance_m == pytest.approx(10.0)
    agg.add("r2", -59, ibeacon(tx_power=-59), T0)
    assert only(agg.flush(T0 + 2)).distance_m == pytest.approx(1.0)


def test_distance_follows_the_smoothed_value_not_the_mean() -> None:
    agg = Aggregator(half_life_s=1.0)
    agg.add(BEACON_RADIO, -90, ibeacon(tx_power=-60), T0)
    agg.add(BEACON_RADIO, -60, ibeacon(tx_power=-60), T0 + 20)  # 20 half-lives later
    sighting = only(agg.flush(T0 + 21))
    assert sighting.rssi_mean == -75.0
    assert sighting.rssi_smoothed == pytest.approx(-60.0, abs=0.01)
    assert sighting.distance_m == pytest.approx(1.0, abs=0.01)


def test_distance_is_clamped_to_the_wire_range() -> None:
    assert estimate_distance_m(20, -127, 1.0) == MIN_DISTANCE_M
    assert estimate_distance_m(-127, 20, 0.1) == MAX_DISTANCE_M
    assert estimate_distance_m(-70, None, 2.0) is None


# --- RSSI smoothing ------------------------------------------------------------------------------

rssi_values = st.floats(min_value=-127, max_value=20)
spacings = st.floats(min_value=0.0, max_value=120.0)
half_lives = st.floats(min_value=0.1, max_value=600.0)


@PROPERTY
@given(estimate=rssi_values, sample=rssi_values, dt=st.floats(min_value=-1e6, max_value=1e6), h=half_lives)
def test_each_step_lands_between_the_old_estimate_and_the_new_sample(
    estimate: float, sample: float, dt: float, h: float
) -> None:
    new = smooth(estimate, sample, dt, h)
    assert min(estimate, sample) - 1e-9 <= new <= max(estimate, sample) + 1e-9
    assert 0.0 < smoothing_weight(dt, h) <= 1.0  # no sample is ever ignored


@PROPERTY
@given(start=rssi_values, target=rssi_values, gaps=st.lists(spacings, min_size=1, max_size=50), h=half_lives)
def test_a_constant_input_is_approached_monotonically_and_reached(
    start: float, target: float, gaps: list[float], h: float
) -> None:
    estimate, distance = start, abs(start - target)
    for gap in [*gaps, 40 * h]:
        estimate = smooth(estimate, target, gap, h)
        assert abs(estimate - target) <= distance + 1e-9
        distance = abs(estimate - target)
    assert distance < 1e-6 * max(1.0, abs(start - target))


@PROPERTY
@given(
    old=rssi_values,
    new=rssi_values,
    fast=st.lists(st.floats(min_value=c.MIN_SAMPLE_SPACING_S, max_value=5.0), min_size=1, max_size=60),
    slow=st.integers(min_value=1, max_value=5),
    h=st.floats(min_value=0.5, max_value=60.0),
)
def test_the_step_response_depends_on_elapsed_time_not_on_how_many_samples_came(
    old: float, new: float, fast: list[float], slow: int, h: float
) -> None:
    elapsed = sum(fast)
    slow = max(1, min(slow, int(elapsed / c.MIN_SAMPLE_SPACING_S)))  # no spacing below BLE's minimum
    irregular = old
    for gap in fast:
        irregular = smooth(irregular, new, gap, h)
    regular = old
    for _ in range(slow):
        regular = smooth(regular, new, elapsed / slow, h)
    expected = new + (old - new) * 2 ** (-elapsed / h)
    assert irregular == pytest.approx(expected, abs=1e-6)
    assert regular == pytest.approx(expected, abs=1e-6)


def test_one_half_life_moves_halfway() -> None:
    assert smooth(-80.0, -60.0, 5.0, 5.0) == pytest.approx(-70.0)
    assert smoothing_weight(0.0, 5.0) == smoothing_weight(c.MIN_SAMPLE_SPACING_S, 5.0) > 0


@PROPERTY
@given(
    steps=st.lists(st.tuples(st.floats(min_value=0.0, max_value=30.0), rssi_values), min_size=1, max_size=40)
)
def test_the_aggregator_smooths_as_the_filter_does_across_windows(steps: list[tuple[float, float]]) -> None:
    agg = Aggregator(half_life_s=3.0)
    t, expected, last = T0, None, None
    for i, (gap, value) in enumerate(steps):
        rssi = round(value)
        t += gap
        agg.add(BEACON_RADIO, rssi, ibeacon(), t)
        expected = float(rssi) if expected is None or last is None else smooth(expected, rssi, t - last, 3.0)
        last = t
        if i % 7 == 6:  # windows end now and then; the smoothing must carry over (within its memory)
            assert only(agg.flush(t)).rssi_smoothed == pytest.approx(expected, abs=0.006)
    if agg.pending:
        assert only(agg.flush(t)).rssi_smoothed == pytest.approx(expected, abs=0.006)


def test_smoothing_state_is_forgotten_after_ten_half_lives() -> None:
    agg = Aggregator(half_life_s=2.0)
    agg.add(BEACON_RADIO, -90, ibeacon(), T0)
    agg.flush(T0 + 1)
    assert agg.diagnostics()["tracked_beacons"] == 1
    agg.flush(T0 + 20.5)  # 10 half-lives after the last sample
    assert agg.diagnostics()["tracked_beacons"] == 0
    agg.add(BEACON_RADIO, -60, ibeacon(), T0 + 21)
    assert only(agg.flush(T0 + 22)).rssi_smoothed == -60.0


# --- TLM linking ---------------------------------------------------------------------------------


def test_tlm_after_its_uid_from_the_same_address_is_attached() -> None:
    agg = Aggregator()
    agg.add(BEACON_RADIO, -70, uid(), T0)
    agg.add(BEACON_RADIO, -71, tlm(battery_mv=2900, temperature_c=-3.25), T0 + 1)
    agg.add("C3:00:00:00:00:01", -70, tlm(battery_mv=1), T0 + 1)  # another radio: not this beacon's
    sighting = only(agg.flush(T0 + 30))
    assert sighting.count == 1  # TLM frames are not counted as sightings of the beacon
    assert sighting.telemetry is not None
    assert sighting.telemetry.model_dump(exclude_none=True) == {
        "version": 0,
        "battery_mv": 2900,
        "temperature_c": -3.25,
        "adv_count": 4711,
        "uptime_s": 86400.0,
    }


def test_tlm_before_its_eid_waits_briefly() -> None:
    agg = Aggregator(tlm_wait_s=10.0)
    agg.add(BEACON_RADIO, -70, heard(EddystoneEtlm("00" * 12, "abcd", "1234")), T0)
    assert agg.diagnostics()["waiting_telemetry"] == 1
    agg.add(BEACON_RADIO, -70, eid(), T0 + 9)
    telemetry = only(agg.flush(T0 + 30)).telemetry
    assert telemetry is not None
    assert telemetry.model_dump(exclude_none=True) == {
        "version": 1,
        "etlm": "00" * 12,
        "salt": "abcd",
        "mic": "1234",
    }
    assert agg.diagnostics()["waiting_telemetry"] == 0


def test_a_tlm_that_waited_too_long_is_dropped_and_counted() -> None:
    agg = Aggregator(tlm_wait_s=10.0)
    agg.add(BEACON_RADIO, -70, tlm(), T0)
    agg.add(BEACON_RADIO, -70, uid(), T0 + 11)
    assert only(agg.flush(T0 + 30)).telemetry is None
    assert agg.ignored == 1
    agg.add(BEACON_RADIO, -70, tlm(), T0 + 45)  # link from T0 + 11 has expired (30 s)
    agg.add("C3:00:00:00:00:02", -70, tlm(), T0 + 45)  # never followed by an identity frame
    assert agg.diagnostics()["waiting_telemetry"] == 2
    agg.flush(T0 + 56)
    assert agg.diagnostics()["waiting_telemetry"] == 0
    assert agg.ignored == 3


def test_links_expire() -> None:
    agg = Aggregator(link_expiry_s=30.0)
    agg.add(BEACON_RADIO, -70, uid(), T0)
    agg.add(BEACON_RADIO, -70, tlm(), T0 + 31)
    sighting = only(agg.flush(T0 + 32))
    assert sighting.telemetry is None
    assert agg.diagnostics()["linked_addresses"] == 0


def test_telemetry_waits_for_the_next_sighting_of_its_beacon() -> None:
    agg = Aggregator()
    agg.add(BEACON_RADIO, -70, uid(), T0)
    assert only(agg.flush(T0 + 1)).telemetry is None
    agg.add(BEACON_RADIO, -70, tlm(battery_mv=0), T0 + 2)  # beacon not heard in this window
    assert agg.flush(T0 + 3) == []
    agg.add(BEACON_RADIO, -70, uid(), T0 + 4)
    telemetry = only(agg.flush(T0 + 5)).telemetry
    assert telemetry is not None
    assert telemetry.battery_mv is None  # 0 mV means "not measured" (USB powered), not an empty battery
    agg.add(BEACON_RADIO, -70, uid(), T0 + 6)
    assert only(agg.flush(T0 + 7)).telemetry is None  # reported once


def test_tlm_does_not_attach_to_ibeacons_or_filtered_beacons() -> None:
    agg = Aggregator(namespaces=[OTHER_NAMESPACE])
    agg.add(BEACON_RADIO, -70, ibeacon(), T0)
    agg.add(BEACON_RADIO, -70, uid(namespace=NAMESPACE), T0)
    agg.add(BEACON_RADIO, -70, tlm(), T0 + 1)
    assert only(agg.flush(T0 + 30)).telemetry is None
    assert agg.diagnostics()["linked_addresses"] == 0


# --- memory bounds -------------------------------------------------------------------------------


def test_the_address_map_is_bounded() -> None:
    agg = Aggregator(max_addresses=3)
    radios = [f"C3:00:00:00:00:{i:02X}" for i in range(10)]
    for i, radio in enumerate(radios):
        agg.add(radio, -70, uid(instance=f"{i:012x}"), T0 + i)
        agg.add(f"D0:00:00:00:00:{i:02X}", -70, tlm(), T0 + i)  # TLMs that never find their beacon
    assert agg.diagnostics()["linked_addresses"] == 3
    assert agg.diagnostics()["waiting_telemetry"] == 3
    agg.add(radios[0], -70, tlm(), T0 + 10)  # its link was evicted: waits instead of attaching
    agg.add(radios[9], -70, tlm(), T0 + 10)
    with_telemetry = [s.beacon for s in agg.flush(T0 + 11) if s.telemetry is not None]
    assert with_telemetry == [f"eddystone-uid:{NAMESPACE}:{9:012x}"]


def test_the_beacon_map_is_bounded_and_a_full_window_drops_new_beacons() -> None:
    agg = Aggregator(max_beacons=3)
    for minor in range(5):
        agg.add("r", -70, ibeacon(minor=minor), T0 + minor)
    assert [s.beacon for s in agg.flush(T0 + 10)] == [f"ibeacon:{UUID_A}:1:{minor}" for minor in range(3)]
    assert agg.overflowed == 2
    for minor in range(10, 15):  # the old tracks are out of the window: evicted, oldest first
        agg.add("r", -70, ibeacon(minor=minor), T0 + minor)
    assert len(agg.flush(T0 + 20)) == 3
    assert agg.diagnostics()["tracked_beacons"] == 3
    assert agg.overflowed == 4


def test_many_rotating_eids_stay_within_the_bounds() -> None:
    agg = Aggregator(max_beacons=50, max_addresses=20)
    for i in range(2000):
        agg.add(f"R{i}", -70, eid(f"{i:016x}"), T0 + i)
        agg.add(f"R{i}", -70, tlm(), T0 + i + 0.5)
        if i % 30 == 29:
            agg.flush(T0 + i + 1)
    diagnostics = agg.diagnostics()
    assert diagnostics["tracked_beacons"] <= 50
    assert diagnostics["linked_addresses"] <= 20
    assert diagnostics["waiting_telemetry"] <= 20


# --- privacy -------------------------------------------------------------------------------------


def test_no_radio_address_appears_anywhere_in_the_output() -> None:
    radios = [BEACON_RADIO, PHONE, "c3:aa:bb:cc:dd:01", "E4:5F:01:9A:7C:33"]
    agg = Aggregator()
    for i in range(60):
        t = T0 + i
        agg.add(radios[0], -60 - i % 5, uid(), t)
        agg.add(radios[0], -61, tlm(), t + 0.1)
        agg.add(radios[1], -50, decode({0x004C: bytes.fromhex("1005031c2f8e31")}, {}), t)  # a phone
        agg.add(radios[2], -70, eid(), t)
        agg.add(radios[2], -70, heard(EddystoneEtlm("11" * 12, "abcd", "1234")), t + 0.2)
        agg.add(radios[3], -80, ibeacon(), t)
    sightings = agg.flush(T0 + 60)
    assert len(sightings) == 3
    text = json.dumps([s.model_dump(mode="json") for s in sightings]) + json.dumps(agg.diagnostics())
    text += repr(agg) + repr(sightings)
    for radio in radios:
        for spelling in (
            radio,
            radio.lower(),
            radio.upper(),
            radio.replace(":", ""),
            radio.replace(":", "").lower(),
        ):
            assert spelling not in text
    assert "5a:11" not in text.lower()


def test_phone_advertisements_leave_no_trace() -> None:
    agg = Aggregator()
    for i in range(100):
        agg.add(f"5A:00:00:00:00:{i:02X}", -40, [], T0 + i)
    assert agg.diagnostics() == {
        "pending": 0,
        "tracked_beacons": 0,
        "linked_addresses": 0,
        "waiting_telemetry": 0,
        "ignored": 0,
        "overflowed": 0,
    }
