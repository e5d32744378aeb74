"""BLE beacon frame codec: bleak's advertisement data in, recognised frames out, and back.

Sans-I/O and clock-free. ``decode`` runs once per advertisement on a Raspberry Pi, so it checks the
length and the leading bytes first and unpacks fixed layouts with precompiled ``struct`` formats.

Rules, from the specifications (Apple iBeacon, github.com/AltBeacon/spec, github.com/google/eddystone):

- iBeacon: company 0x004C only, exactly 23 bytes: ``02 15``, UUID, major, minor (big-endian), tx power.
- AltBeacon: any company, 24 bytes: ``BE AC``, 20-byte id, reference RSSI, one reserved byte; or 23,
  without the reserved byte, which some beacons leave out and the Android Beacon Library accepts
  (its ``mfg_reserved`` is then None).
- Eddystone (service 0xFEAA): UID is 18 bytes, or 20 with the two RFU bytes (whatever their value);
  URL is 3 to 20 bytes; plain TLM 14, encrypted TLM 18; EID 10.

Anything else, malformed, truncated, over-long or of an unexpected type is "not a beacon": left out of
the result, never an exception.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from typing import Final, assert_never

from beacon_agent.contract.frame_types import (
    APPLE_COMPANY_ID,
    EDDYSTONE_UUID,
    MAX_ENCODED_URL,
    URL_EXPANSIONS,
    URL_SCHEMES,
    AltBeacon,
    EddystoneEid,
    EddystoneEtlm,
    EddystoneTlm,
    EddystoneUid,
    EddystoneUrl,
    Frame,
    IBeacon,
    uuid_text,
)
from beacon_agent.contract.keys import canonical_uuid

__all__ = [
    "AltBeacon",
    "EddystoneEid",
    "EddystoneEtlm",
    "EddystoneTlm",
    "EddystoneUid",
    "EddystoneUrl",
    "Frame",
    "IBeacon",
    "advertisement",
    "decode",
    "encode_altbeacon",
    "encode_eddystone_eid",
    "encode_eddystone_etlm",
    "encode_eddystone_tlm",
    "encode_eddystone_uid",
    "encode_eddystone_url",
    "encode_ibeacon",
    "encode_url",
]

_IBEACON: Final = struct.Struct(">BB16sHHb")
_ALTBEACON: Final = struct.Struct(">BB16sHHb")  # then the reserved byte, which may be missing
_UID: Final = struct.Struct(">Bb10s6s")
_URL_HEAD: Final = struct.Struct(">Bb")
_TLM: Final = struct.Struct(">BBHhII")
_ETLM: Final = struct.Struct(">BB12s2s2s")
_EID: Final = struct.Struct(">Bb8s")

_FRAME_UID: Final = 0x00
_FRAME_URL: Final = 0x10
_FRAME_TLM: Final = 0x20
_FRAME_EID: Final = 0x30
_TEMPERATURE_UNSUPPORTED: Final = -0x8000

# bleak spells 16-bit UUIDs in their 128-bit form; the short spellings cost nothing to accept.
_EDDYSTONE_KEYS: Final = frozenset({EDDYSTONE_UUID, "feaa", "0000feaa"})

# What each byte of an encoded URL stands for: an expansion, a printable ASCII character, or None
# where the specification reserves the code (0x0E-0x20, 0x7F-0xFF).
_URL_PIECES: Final[tuple[str | None, ...]] = tuple(
    URL_EXPANSIONS[b] if b < len(URL_EXPANSIONS) else (chr(b) if 0x21 <= b <= 0x7E else None)
    for b in range(256)
)
# Every expansion starts with "." and has no other ".", so two candidates can only start at the same
# place; taking the longest there is therefore the shortest encoding overall.
_EXPANSIONS_LONGEST_FIRST: Final = sorted(
    ((text, code) for code, text in enumerate(URL_EXPANSIONS)), key=lambda item: -len(item[0])
)


def decode(manufacturer_data: Mapping[int, bytes], service_data: Mapping[str, bytes]) -> list[Frame]:
    """Every beacon frame in one advertisement, in bleak's shapes; ``[]`` when there is none."""
    frames: list[Frame] = []
    if isinstance(manufacturer_data, Mapping):
        for company_id, payload in manufacturer_data.items():
            frame = _decode_manufacturer(company_id, payload)
            if frame is not None:
                frames.append(frame)
    if isinstance(service_data, Mapping):
        for uuid, payload in service_data.items():
            if isinstance(uuid, str) and (uuid == EDDYSTONE_UUID or uuid.lower() in _EDDYSTONE_KEYS):
                eddystone = _decode_eddystone(payload)
                if eddystone is not None:
                    frames.append(eddystone)
    return frames


def _decode_manufacturer(company_id: object, payload: object) -> IBeacon | AltBeacon | None:
    if type(company_id) is not int or not isinstance(payload, (bytes, bytearray)):
        return None
    size = len(payload)
    if size == _IBEACON.size and company_id == APPLE_COMPANY_ID and payload[:2] == b"\x02\x15":
        _, _, uuid, major, minor, tx_power = _IBEACON.unpack(payload)
        return IBeacon(uuid_text(uuid), major, minor, tx_power)
    if (
        _ALTBEACON.size <= size <= _ALTBEACON.size + 1
        and 0 <= company_id <= 0xFFFF
        and payload[:2] == b"\xbe\xac"
    ):
        _, _, id1, id2, id3, ref_rssi = _ALTBEACON.unpack_from(payload)
        reserved = payload[-1] if size > _ALTBEACON.size else None
        return AltBeacon(company_id, uuid_text(id1), id2, id3, ref_rssi, reserved)
    return None


def _decode_eddystone(payload: object) -> Frame | None:
    if not isinstance(payload, (bytes, bytearray)) or not payload:
        return None
    frame_type = payload[0]
    size = len(payload)
    if frame_type == _FRAME_UID:
        if size == _UID.size or size == _UID.size + 2:
            _, tx_power, namespace, instance = _UID.unpack_from(payload)
            return EddystoneUid(namespace.hex(), instance.hex(), tx_power)
    elif frame_type == _FRAME_URL:
        if 3 <= size <= 3 + MAX_ENCODED_URL:
            url = _decode_url(payload[2], payload[3:])
            if url is not None:
                return EddystoneUrl(url, _URL_HEAD.unpack_from(payload)[1])
    elif frame_type == _FRAME_TLM:
        if size == _TLM.size and payload[1] == 0:
            _, _, battery_mv, temperature, adv_count, uptime = _TLM.unpack(payload)
            temperature_c = None if temperature == _TEMPERATURE_UNSUPPORTED else temperature / 256
            return EddystoneTlm(battery_mv, temperature_c, adv_count, uptime / 10)
        if size == _ETLM.size and payload[1] == 1:
            _, _, etlm, salt, mic = _ETLM.unpack(payload)
            return EddystoneEtlm(etlm.hex(), salt.hex(), mic.hex())
    elif frame_type == _FRAME_EID and size == _EID.size:
        _, tx_power, eid = _EID.unpack(payload)
        return EddystoneEid(eid.hex(), tx_power)
    return None


def _decode_url(scheme: int, encoded: bytes | bytearray) -> str | None:
    if scheme >= len(URL_SCHEMES):
        return None
    pieces = [URL_SCHEMES[scheme]]
    for code in encoded:
        piece = _URL_PIECES[code]
        if piece is None:
            return None
        pieces.append(piece)
    return "".join(pieces)


# --- encoders: the exact inverse, for the agent's advertiser and the simulator ----------------------


def encode_ibeacon(uuid: str | bytes, major: int, minor: int, tx_power: int) -> tuple[int, bytes]:
    """(company id, manufacturer data payload) of an iBeacon; ``ValueError`` on out-of-range fields."""
    payload = _IBEACON.pack(
        0x02, 0x15, _uuid_bytes(uuid), _u16("major", major), _u16("minor", minor), _s8("tx_power", tx_power)
    )
    return APPLE_COMPANY_ID, payload


def encode_altbeacon(
    manufacturer: int, id1: str | bytes, id2: int, id3: int, ref_rssi: int, mfg_reserved: int | None = 0
) -> tuple[int, bytes]:
    """(company id, manufacturer data payload) of an AltBeacon; no `mfg_reserved`, no reserved byte."""
    payload = _ALTBEACON.pack(
        0xBE, 0xAC, _uuid_bytes(id1), _u16("id2", id2), _u16("id3", id3), _s8("ref_rssi", ref_rssi)
    )
    if mfg_reserved is not None:
        payload += bytes([_u8("mfg_reserved", mfg_reserved)])
    return _u16("manufacturer", manufacturer), payload


def encode_eddystone_uid(namespace: str | bytes, instance: str | bytes, tx_power: int) -> bytes:
    """Eddystone-UID service data, with the two RFU bytes the specification asks new beacons to send."""
    return _UID.pack(
        _FRAME_UID,
        _s8("tx_power", tx_power),
        _fixed("namespace", namespace, 10),
        _fixed("instance", instance, 6),
    ) + bytes(2)


def encode_eddystone_url(url: str, tx_power: int) -> bytes:
    """Eddystone-URL service data; ``ValueError`` for a URL that does not fit (see ``encode_url``)."""
    return _URL_HEAD.pack(_FRAME_URL, _s8("tx_power", tx_power)) + encode_url(url)


def encode_url(url: str) -> bytes:
    """Scheme byte plus the shortest expansion encoding of the rest of ``url``.

    The scheme is matched without regard to case (RFC 3986); everything else is sent as written, so
    decoding gives ``url`` back. ``ValueError`` for another scheme, a character outside printable
    ASCII, or more than 17 encoded bytes.
    """
    lowered = url[:12].lower()
    # "http://www.info/" is shorter as "http://" + "www" + ".info/" than as "http://www." + "info/",
    # so both readings of a "www." URL are tried.
    candidates = [
        _encode_url_rest(code, url[len(scheme) :])
        for code, scheme in enumerate(URL_SCHEMES)
        if lowered.startswith(scheme)
    ]
    if not candidates:
        raise ValueError(f"Eddystone-URL needs an http:// or https:// URL, not {url[:40]!r}")
    encoded = min(candidates, key=len)
    size = len(encoded) - 1
    if size > MAX_ENCODED_URL:
        raise ValueError(
            f"the address takes {size} bytes encoded, {size - MAX_ENCODED_URL} more than the "
            f"{MAX_ENCODED_URL} an Eddystone-URL frame holds"
        )
    return encoded


def _encode_url_rest(scheme: int, rest: str) -> bytes:
    encoded = bytearray((scheme,))
    i = 0
    while i < len(rest):
        for text, expansion in _EXPANSIONS_LONGEST_FIRST:
            if rest.startswith(text, i):
                encoded.append(expansion)
                i += len(text)
                break
        else:
            char = ord(rest[i])
            if not 0x21 <= char <= 0x7E:
                raise ValueError(f"Eddystone-URL cannot carry the character {rest[i]!r}")
            encoded.append(char)
            i += 1
    return bytes(encoded)


def encode_eddystone_tlm(
    battery_mv: int, temperature_c: float | None, adv_count: int, uptime_s: float
) -> bytes:
    """Plain (version 0) Eddystone-TLM service data; ``temperature_c=None`` sends "not supported"."""
    if temperature_c is None:
        temperature = _TEMPERATURE_UNSUPPORTED
    else:
        temperature = _rounded("temperature_c", temperature_c * 256)
        # -128.0 °C would be 0x8000, which the specification reserves for "not supported".
        if not -0x7FFF <= temperature <= 0x7FFF:
            raise ValueError(f"temperature_c {temperature_c} is outside (-128, 128) °C")
    uptime = _rounded("uptime_s", uptime_s * 10)
    return _TLM.pack(
        _FRAME_TLM,
        0,
        _u16("battery_mv", battery_mv),
        temperature,
        _u32("adv_count", adv_count),
        _u32("uptime", uptime),
    )


def encode_eddystone_etlm(etlm: str | bytes, salt: str | bytes, mic: str | bytes) -> bytes:
    """Encrypted (version 1) Eddystone-TLM service data from its three opaque parts."""
    return _ETLM.pack(_FRAME_TLM, 1, _fixed("etlm", etlm, 12), _fixed("salt", salt, 2), _fixed("mic", mic, 2))


def encode_eddystone_eid(eid: str | bytes, tx_power: int) -> bytes:
    """Eddystone-EID service data; compute the EID itself with ``beacon_agent.contract.eid``."""
    return _EID.pack(_FRAME_EID, _s8("tx_power", tx_power), _fixed("eid", eid, 8))


def advertisement(frame: Frame) -> tuple[dict[int, bytes], dict[str, bytes]]:
    """(manufacturer_data, service_data) as bleak would report an advertisement carrying ``frame``."""
    match frame:
        case IBeacon(uuid=uuid, major=major, minor=minor, tx_power=tx_power):
            company_id, payload = encode_ibeacon(uuid, major, minor, tx_power)
            return {company_id: payload}, {}
        case AltBeacon():
            company_id, payload = encode_altbeacon(
                frame.manufacturer, frame.id1, frame.id2, frame.id3, frame.ref_rssi, frame.mfg_reserved
            )
            return {company_id: payload}, {}
        case EddystoneUid(namespace=namespace, instance=instance, tx_power=tx_power):
            data = encode_eddystone_uid(namespace, instance, tx_power)
        case EddystoneUrl(url=url, tx_power=tx_power):
            data = encode_eddystone_url(url, tx_power)
        case EddystoneTlm():
            data = encode_eddystone_tlm(
                frame.battery_mv, frame.temperature_c, frame.adv_count, frame.uptime_s
            )
        case EddystoneEtlm(etlm=etlm, salt=salt, mic=mic):
            data = encode_eddystone_etlm(etlm, salt, mic)
        case EddystoneEid(eid=eid, tx_power=tx_power):
            data = encode_eddystone_eid(eid, tx_power)
        case _:
            assert_never(frame)
    return {}, {EDDYSTONE_UUID: data}


def _uuid_bytes(value: str | bytes) -> bytes:
    return bytes.fromhex(canonical_uuid(value).replace("-", ""))


def _fixed(name: str, value: str | bytes, size: int) -> bytes:
    raw = value if isinstance(value, bytes) else bytes.fromhex(value)
    if len(raw) != size:
        raise ValueError(f"{name} must be {size} bytes, got {len(raw)}")
    return raw


def _rounded(name: str, value: float) -> int:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number")
    return round(value)


def _ranged(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is outside {low}..{high}")
    return value


def _u8(name: str, value: int) -> int:
    return _ranged(name, value, 0, 0xFF)


def _s8(name: str, value: int) -> int:
    return _ranged(name, value, -128, 127)


def _u16(name: str, value: int) -> int:
    return _ranged(name, value, 0, 0xFFFF)


def _u32(name: str, value: int) -> int:
    return _ranged(name, value, 0, 0xFFFF_FFFF)
