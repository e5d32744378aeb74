"""``python -m beacon_agent decode``, run as the real program with JSON lines on stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

EDDYSTONE = "0000feaa-0000-1000-8000-00805f9b34fb"
# theengs/decoder tests/BLE/test_ble.cpp, test_mfgdata "iBeacon", "BlueCharm_135727" (company id 76 = 0x004C).
IBEACON_LINE = {
    "manufacturer_data": {"76": "0215426c7565436861726d426561636f6e730efe1355c5"},
    "service_data": {},
}
IBEACON_FRAME = {
    "kind": "ibeacon",
    "key": "ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949",
    "uuid": "426c7565-4368-6172-6d42-6561636f6e73",
    "major": 3838,
    "minor": 4949,
    "tx_power": -59,
}


def run(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "beacon_agent", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def decode_lines(*lines: bytes | str | dict[str, Any]) -> list[dict[str, Any]]:
    raw = b"".join(
        (line if isinstance(line, bytes) else (line if isinstance(line, str) else json.dumps(line)).encode())
        + b"\n"
        for line in lines
    )
    result = run(raw, "decode")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def test_one_line_per_advertisement_in_order() -> None:
    answers = decode_lines(
        IBEACON_LINE,
        # citruz/beacontools tests/test_parser.py, test_eddystone_url and test_eddystone_tlm.
        {"service_data": {EDDYSTONE: "10f803676974687562006369747275" + "7a"}},
        {"manufacturer_data": {}, "service_data": {EDDYSTONE.upper(): "20000b1813000000146700002ac4"}},
        {"manufacturer_data": {"6": "0109200255"}, "service_data": {}},
    )
    assert answers == [
        {"frames": [IBEACON_FRAME]},
        {"frames": [{"kind": "eddystone-url", "url": "https://github.com/citruz", "tx_power": -8}]},
        {
            "frames": [
                {
                    "kind": "eddystone-tlm",
                    "version": 0,
                    "battery_mv": 2840,
                    "temperature_c": 19.0,
                    "adv_count": 5223,
                    "uptime_s": 1094.8,
                }
            ]
        },
        {"frames": []},
    ]


def test_bad_lines_are_answered_and_decoding_carries_on() -> None:
    answers = decode_lines(
        "not json",
        "[1, 2]",
        {"manufacturer_data": {"0x4c": "00"}},
        {"manufacturer_data": {"76": "zz"}},
        {"manufacturer_data": {"76": 5}},
        {"manufacturer_data": [], "service_data": {}},
        {"service_data": "feaa"},
        b"\xff\xfe{\x00",
        '{"manufacturer_data": {"76": "02' + "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        IBEACON_LINE,
    )
    assert [answer["frames"] for answer in answers] == [[]] * 10 + [[IBEACON_FRAME]]
    assert all(isinstance(answer["error"], str) and answer["error"] for answer in answers[:10])
    assert "error" not in answers[10]


def test_blank_lines_are_skipped_and_missing_fields_are_empty() -> None:
    answers = decode_lines("", "   ", "{}", "", json.dumps(IBEACON_LINE), "\t")
    assert answers == [{"frames": []}, {"frames": [IBEACON_FRAME]}]


def test_many_lines() -> None:
    # AltBeacon/android-beacon-library AltBeaconParserTest.java testRecognizeBeacon (company 0x0118 = 280).
    altbeacon = {"manufacturer_data": {"280": "beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509"}}
    answers = decode_lines(*([altbeacon, IBEACON_LINE] * 500))
    assert len(answers) == 1000
    assert answers[0]["frames"][0]["key"] == "altbeacon:2f234454-cf6d-4a0f-adf2-f4911ba9ffa6:1:2"
    assert answers[0]["frames"][0]["mfg_reserved"] == 9
    assert answers[-1] == {"frames": [IBEACON_FRAME]}


def test_altbeacon_without_its_reserved_byte_reports_it_null() -> None:
    # AltBeacon/android-beacon-library BeaconParserTest.java testParsesBeaconMissingDataField: 23 bytes.
    short = {"manufacturer_data": {"280": "beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c5"}}
    [answer] = decode_lines(short)
    [frame] = answer["frames"]
    assert frame["key"] == "altbeacon:2f234454-cf6d-4a0f-adf2-f4911ba9ffa6:1:2"
    assert frame["ref_rssi"] == -59 and frame["mfg_reserved"] is None


def test_empty_input() -> None:
    assert decode_lines() == []


def test_help_explains_with_an_example() -> None:
    result = run(b"", "decode", "--help")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "manufacturer_data" in text and "service_data" in text and '"frames"' in text
    assert "Example" in text


def test_a_command_is_required() -> None:
    result = run(b"")
    assert result.returncode == 2
    assert b"decode" in run(b"", "--help").stdout
