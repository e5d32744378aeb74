"""Eddystone-EID: the ephemeral identifier a beacon derives from its identity key and its clock.

As specified in google/eddystone, eddystone-eid/eid-computation.md:

1. temporary key = AES-128-ECB(identity key, 11 x 00, FF, 00 00, top 16 bits of the beacon time);
2. EID = first 8 bytes of AES-128-ECB(temporary key, 11 x 00, K, beacon time with its K lowest bits
   cleared, 32-bit big-endian).

The beacon time is the beacon's own 32-bit seconds counter, not wall-clock time; K (0..15) makes the
EID change every 2**K seconds. The agent advertises with these functions and the backend's resolver
matches sightings with ``eids_around``, which allows for clock skew of a few periods.
"""

from __future__ import annotations

from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "EID_SIZE",
    "IDENTITY_KEY_SIZE",
    "MAX_ROTATION_EXPONENT",
    "compute_eid",
    "eids_around",
    "temporary_key",
]

IDENTITY_KEY_SIZE: Final = 16
EID_SIZE: Final = 8
MAX_ROTATION_EXPONENT: Final = 15
_MAX_TIME: Final = 0xFFFF_FFFF
_TEMPORARY_KEY_SALT: Final = bytes(11) + b"\xff" + bytes(2)


def temporary_key(identity_key: bytes, beacon_time: int) -> bytes:
    """The 16-byte key for the 65 536-second epoch that contains ``beacon_time``."""
    _check_key(identity_key)
    _check_time(beacon_time)
    return _aes_block(identity_key, _TEMPORARY_KEY_SALT + (beacon_time >> 16).to_bytes(2, "big"))


def compute_eid(identity_key: bytes, rotation_exponent: int, beacon_time: int) -> bytes:
    """The 8-byte EID a beacon sends at ``beacon_time`` (seconds on its own clock)."""
    _check_exponent(rotation_exponent)
    return _eid(temporary_key(identity_key, beacon_time), rotation_exponent, beacon_time)


def eids_around(
    identity_key: bytes, rotation_exponent: int, beacon_time: int, periods: int = 1
) -> list[tuple[int, bytes]]:
    """(period start, EID) for the period holding ``beacon_time`` and ``periods`` periods either side.

    Oldest first. Periods that would fall outside the 32-bit counter are left out rather than wrapped:
    a beacon's clock only reaches them after 136 years.
    """
    _check_key(identity_key)
    _check_exponent(rotation_exponent)
    _check_time(beacon_time)
    if periods < 0:
        raise ValueError(f"periods must be >= 0, not {periods}")
    step = 1 << rotation_exponent
    current = beacon_time & ~(step - 1)
    keys: dict[int, bytes] = {}
    result: list[tuple[int, bytes]] = []
    for offset in range(-periods, periods + 1):
        start = current + offset * step
        if not 0 <= start <= _MAX_TIME:
            continue
        epoch = start >> 16
        if epoch not in keys:
            keys[epoch] = _aes_block(identity_key, _TEMPORARY_KEY_SALT + epoch.to_bytes(2, "big"))
        result.append((start, _eid(keys[epoch], rotation_exponent, start)))
    return result


def _eid(temporary: bytes, rotation_exponent: int, beacon_time: int) -> bytes:
    quantised = (beacon_time >> rotation_exponent) << rotation_exponent
    block = bytes(11) + bytes((rotation_exponent,)) + quantised.to_bytes(4, "big")
    return _aes_block(temporary, block)[:EID_SIZE]


def _aes_block(key: bytes, block: bytes) -> bytes:
    # ECB on exactly one block is what the specification asks for; no chaining is involved.
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def _check_key(identity_key: bytes) -> None:
    if not isinstance(identity_key, bytes | bytearray) or len(identity_key) != IDENTITY_KEY_SIZE:
        raise ValueError("the identity key must be 16 bytes")


def _check_exponent(rotation_exponent: int) -> None:
    if not 0 <= rotation_exponent <= MAX_ROTATION_EXPONENT:
        raise ValueError(f"the rotation exponent must be 0..{MAX_ROTATION_EXPONENT}, not {rotation_exponent}")


def _check_time(beacon_time: int) -> None:
    if not 0 <= beacon_time <= _MAX_TIME:
        raise ValueError(f"the beacon time must be a 32-bit unsigned counter, not {beacon_time}")
