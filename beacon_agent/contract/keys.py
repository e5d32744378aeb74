"""Canonical beacon keys: the one spelling of a beacon's identity that agent, backend and app share.

| kind          | key                                             |
| ------------- | ----------------------------------------------- |
| iBeacon       | ``ibeacon:<uuid 8-4-4-4-12>:<major>:<minor>``   |
| AltBeacon     | ``altbeacon:<id1 as uuid>:<id2>:<id3>``         |
| Eddystone-UID | ``eddystone-uid:<namespace 20 hex>:<instance 12 hex>`` |
| Eddystone-EID | ``eddystone-eid:<eid 16 hex>``                  |

Pure functions: no I/O, no pydantic, so the frame codecs can use them on a Pi without extra weight.
"""

from __future__ import annotations

import re
import uuid as _uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class KeyKind(StrEnum):
    IBEACON = "ibeacon"
    ALTBEACON = "altbeacon"
    EDDYSTONE_UID = "eddystone-uid"
    EDDYSTONE_EID = "eddystone-eid"


# An EID key names a beacon only together with the time it was heard (the EID rotates): whoever
# reads keys must tell it from the fixed kinds by this prefix.
EID_PREFIX: Final = f"{KeyKind.EDDYSTONE_EID}:"

_UUID: Final = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# 0..65535 without leading zeros, so that a key that matches is a key that parses.
_U16: Final = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0)"
KEY_PATTERN: Final = (
    rf"^(?:ibeacon:{_UUID}:{_U16}:{_U16}"
    rf"|altbeacon:{_UUID}:{_U16}:{_U16}"
    r"|eddystone-uid:[0-9a-f]{20}:[0-9a-f]{12}"
    r"|eddystone-eid:[0-9a-f]{16})$"
)
_KEY_RE: Final = re.compile(KEY_PATTERN)


@dataclass(frozen=True, slots=True)
class ParsedKey:
    kind: KeyKind
    # The identity fields in key order: (uuid, major, minor), (id1, id2, id3), (namespace, instance), (eid,).
    parts: tuple[str | int, ...]


def canonical_uuid(value: str | bytes) -> str:
    """Lower-case 8-4-4-4-12 form of a UUID given as text (any common spelling) or 16 bytes."""
    if isinstance(value, bytes):
        return str(_uuid.UUID(bytes=value))
    return str(_uuid.UUID(value.strip()))


def ibeacon_key(uuid: str | bytes, major: int, minor: int) -> str:
    return f"ibeacon:{canonical_uuid(uuid)}:{_u16(major)}:{_u16(minor)}"


def altbeacon_key(id1: str | bytes, id2: int, id3: int) -> str:
    return f"altbeacon:{canonical_uuid(id1)}:{_u16(id2)}:{_u16(id3)}"


def eddystone_uid_key(namespace: str | bytes, instance: str | bytes) -> str:
    return f"eddystone-uid:{_hex(namespace, 10)}:{_hex(instance, 6)}"


def eddystone_eid_key(eid: str | bytes) -> str:
    return EID_PREFIX + _hex(eid, 8)


def is_key(text: str) -> bool:
    return _KEY_RE.match(text) is not None


def parse_key(text: str) -> ParsedKey:
    """Split a canonical key into its kind and parts; ``ValueError`` if it is not canonical."""
    if not is_key(text):
        raise ValueError(f"not a canonical beacon key: {text[:80]!r}")
    kind_text, *rest = text.split(":")
    kind = KeyKind(kind_text)
    parts: tuple[str | int, ...]
    if kind in (KeyKind.IBEACON, KeyKind.ALTBEACON):
        parts = (rest[0], int(rest[1]), int(rest[2]))
        if int(rest[1]) > 0xFFFF or int(rest[2]) > 0xFFFF:
            raise ValueError(f"major/minor out of range in {text!r}")
    else:
        parts = tuple(rest)
    return ParsedKey(kind, parts)


def _u16(value: int) -> int:
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"{value} is not a 16-bit unsigned value")
    return value


def _hex(value: str | bytes, size: int) -> str:
    raw = value if isinstance(value, bytes) else bytes.fromhex(value)
    if len(raw) != size:
        raise ValueError(f"expected {size} bytes, got {len(raw)}")
    return raw.hex()
