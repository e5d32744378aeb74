"""Eddystone-EID against published vectors and against a second implementation of the spec's text."""

from __future__ import annotations

import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from beacon_agent.contract.eid import compute_eid, eids_around, temporary_key
from beacon_agent.contract.frames import decode, encode_eddystone_eid
from beacon_agent.contract.keys import eddystone_eid_key

# RadiusNetworks/ephemeral_calc spec/encryptor_spec.rb: identity key 0102030405060708090A111213141516,
# rotation exponent 10, beacon time 0 (initial time "now") and 2000 (initial time "now - 2000").
RADIUS_KEY = bytes.fromhex("0102030405060708090A111213141516")
# sandeepmistry/node-eddystone-beacon-scanner lib/eid.spec.js, with the identity key its scanner is built
# with in lib/eddystone-beacon-scanner.js (00112233445566778899AABBCCDDEEFF).
NODE_KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF")


@pytest.mark.parametrize(
    ("identity_key", "exponent", "beacon_time", "eid"),
    [
        (RADIUS_KEY, 10, 0, "a9b76a71c5f89290"),
        (RADIUS_KEY, 10, 2000, "4144413e45fefa58"),
        (NODE_KEY, 12, 1518080946, "7dd8169dae94258c"),
    ],
)
def test_published_eids(identity_key: bytes, exponent: int, beacon_time: int, eid: str) -> None:
    assert compute_eid(identity_key, exponent, beacon_time).hex() == eid


def test_published_temporary_key() -> None:
    # sandeepmistry/node-eddystone-beacon-scanner lib/eid.spec.js, "should compute the temporary key".
    assert temporary_key(NODE_KEY, 1518080946).hex() == "b7c2d909d27d22df8343271162480210"


def spec_eid(identity_key: bytes, k: int, t: int) -> bytes:
    """google/eddystone eddystone-eid/eid-computation.md, read table by table, in another style."""

    def aes(key: bytes, data: bytes) -> bytes:
        encryptor = Cipher(algorithms.AES128(key), modes.ECB()).encryptor()
        return encryptor.update(data) + encryptor.finalize()

    tk_data = struct.pack(">11xB2xH", 0xFF, (t // 2**16) % 2**16)
    tk = aes(identity_key, tk_data)
    eid_data = struct.pack(">11xBI", k, t - t % 2**k)
    return aes(tk, eid_data)[:8]


KEYS = st.binary(min_size=16, max_size=16)
TIMES = st.integers(0, 2**32 - 1) | st.sampled_from([0, 65535, 65536, 2**32 - 1, 2**31])


@settings(max_examples=300, deadline=None)
@given(identity_key=KEYS, exponent=st.integers(0, 15), beacon_time=TIMES)
def test_agrees_with_spec_text(identity_key: bytes, exponent: int, beacon_time: int) -> None:
    assert compute_eid(identity_key, exponent, beacon_time) == spec_eid(identity_key, exponent, beacon_time)


@settings(max_examples=200, deadline=None)
@given(identity_key=KEYS, exponent=st.integers(0, 15), beacon_time=TIMES, periods=st.integers(0, 3))
def test_eids_around(identity_key: bytes, exponent: int, beacon_time: int, periods: int) -> None:
    around = eids_around(identity_key, exponent, beacon_time, periods)
    step = 2**exponent
    current = beacon_time - beacon_time % step
    expected_starts = [
        current + i * step for i in range(-periods, periods + 1) if 0 <= current + i * step < 2**32
    ]
    assert [start for start, _ in around] == expected_starts
    assert all(eid == spec_eid(identity_key, exponent, start) for start, eid in around)
    assert (current, compute_eid(identity_key, exponent, beacon_time)) in around


def test_eid_holds_for_a_period_and_then_changes() -> None:
    key = bytes(range(16))
    first = compute_eid(key, 4, 32)
    assert all(compute_eid(key, 4, t) == first for t in range(32, 48))
    assert compute_eid(key, 4, 48) != first


def test_temporary_key_rolls_over_every_65536_seconds() -> None:
    key = bytes(range(16))
    assert temporary_key(key, 65535) == temporary_key(key, 0)
    assert temporary_key(key, 65536) != temporary_key(key, 65535)
    # A 2**10-second period that straddles the roll-over uses the new epoch's key on its far side.
    around = dict(eids_around(key, 10, 65536, periods=1))
    assert around[65536 - 1024] == spec_eid(key, 10, 65536 - 1024)
    assert around[65536] == spec_eid(key, 10, 65536)


def test_eids_around_stays_inside_the_counter() -> None:
    key = bytes(16)
    assert [start for start, _ in eids_around(key, 0, 0, periods=2)] == [0, 1, 2]
    assert [start for start, _ in eids_around(key, 15, 2**32 - 1, periods=1)] == [
        2**32 - 2 * 2**15,
        2**32 - 2**15,
    ]


def test_an_eid_frame_carries_the_computed_eid() -> None:
    eid = compute_eid(RADIUS_KEY, 10, 2000)
    [frame] = decode({}, {"0000feaa-0000-1000-8000-00805f9b34fb": encode_eddystone_eid(eid, -20)})
    assert frame.as_dict()["key"] == eddystone_eid_key(eid) == "eddystone-eid:4144413e45fefa58"


@pytest.mark.parametrize(
    ("identity_key", "exponent", "beacon_time"),
    [(bytes(15), 10, 0), (bytes(17), 10, 0), (bytes(16), -1, 0), (bytes(16), 16, 0), (bytes(16), 10, -1)],
)
def test_compute_eid_refuses_bad_input(identity_key: bytes, exponent: int, beacon_time: int) -> None:
    with pytest.raises(ValueError):
        compute_eid(identity_key, exponent, beacon_time)


def test_other_functions_refuse_bad_input() -> None:
    with pytest.raises(ValueError):
        compute_eid(bytes(16), 10, 2**32)
    with pytest.raises(ValueError):
        temporary_key(bytes(16), 2**32)
    with pytest.raises(ValueError):
        eids_around(bytes(16), 10, 0, periods=-1)
    with pytest.raises(ValueError):
        eids_around(bytes(16), 16, 0)
