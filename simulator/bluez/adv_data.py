"""One received advertisement as the fake radio hands it to BlueZ, and the pure rules about its bytes.

`Advertisement` is what `FakeBluez.advertise()` takes, normalised the way BlueZ presents it on D-Bus
(upper-case address, 128-bit lower-case UUID strings). `ad_structures()` rebuilds the AD structures a
controller would have received, because advertisement monitors (`or_patterns`) match raw AD bytes, and
legacy advertising is limited to 31 of them. No I/O here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

BASE_UUID_SUFFIX: Final = "-0000-1000-8000-00805f9b34fb"
AD_FLAGS: Final = 0x01
AD_UUID16_COMPLETE: Final = 0x03
AD_UUID32_COMPLETE: Final = 0x05
AD_UUID128_COMPLETE: Final = 0x07
AD_LOCAL_NAME_COMPLETE: Final = 0x09
AD_TX_POWER: Final = 0x0A
AD_SERVICE_DATA16: Final = 0x16
AD_SERVICE_DATA32: Final = 0x20
AD_SERVICE_DATA128: Final = 0x21
AD_MANUFACTURER: Final = 0xFF
# LE General Discoverable, BR/EDR not supported: what beacons and the agent's advertiser send.
DEFAULT_FLAGS: Final = b"\x06"
# RSSI and TX power travel as int16 on D-Bus; radios report -127..+20 dBm.
MIN_DBM: Final = -127
MAX_DBM: Final = 20
# An or_pattern must fit inside one legacy advertising PDU (BlueZ rejects larger ones).
MAX_PATTERN_END: Final = 31

_ADDRESS = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")

OrPattern = tuple[int, int, bytes]
AddressType = Literal["public", "random"]


def normalize_address(address: str) -> str:
    """`AA:BB:CC:DD:EE:FF`, as BlueZ writes addresses; raises ValueError for anything else."""
    upper = address.strip().upper().replace("-", ":")
    if not _ADDRESS.match(upper):
        raise ValueError(f"not a Bluetooth address: {address!r}")
    return upper


def normalize_uuid(value: str | int) -> str:
    """The 128-bit lower-case form of a 16-, 32- or 128-bit UUID (BlueZ's ServiceData keys and UUIDs)."""
    if isinstance(value, int):
        if not 0 <= value <= 0xFFFFFFFF:
            raise ValueError(f"not a 16- or 32-bit UUID: {value!r}")
        return f"{value:08x}{BASE_UUID_SUFFIX}"
    text = value.strip().lower()
    if text.startswith("0x"):
        text = text[2:]
    if len(text) in (4, 8) and all(c in "0123456789abcdef" for c in text):
        return f"{int(text, 16):08x}{BASE_UUID_SUFFIX}"
    return str(uuid.UUID(text))


def uuid_wire_bytes(full: str) -> bytes:
    """The shortest little-endian form of a UUID, as it travels inside AD structures."""
    if full.endswith(BASE_UUID_SUFFIX):
        value = int(full[:8], 16)
        return value.to_bytes(2 if value <= 0xFFFF else 4, "little")
    return uuid.UUID(full).bytes[::-1]


def _check_dbm(name: str, value: int) -> int:
    if not MIN_DBM <= value <= MAX_DBM:
        raise ValueError(f"{name} {value} dBm is outside {MIN_DBM}..{MAX_DBM}")
    return value


@dataclass(frozen=True, slots=True)
class Advertisement:
    """One advertising report from one remote device, as heard by the adapter."""

    address: str
    rssi: int
    manufacturer_data: Mapping[int, bytes] = field(default_factory=dict)
    service_data: Mapping[str, bytes] = field(default_factory=dict)
    service_uuids: tuple[str, ...] = ()
    local_name: str | None = None
    tx_power: int | None = None
    address_type: AddressType = "random"

    @classmethod
    def build(
        cls,
        address: str,
        *,
        rssi: int,
        manufacturer_data: Mapping[int, bytes] | None = None,
        service_data: Mapping[str, bytes] | Mapping[int, bytes] | None = None,
        service_uuids: Iterable[str | int] | None = None,
        local_name: str | None = None,
        tx_power: int | None = None,
        address_type: AddressType = "random",
    ) -> Advertisement:
        """Validate and normalise; raises ValueError so a bad scenario fails where it is written."""
        manufacturer = {}
        for company, data in (manufacturer_data or {}).items():
            if not 0 <= company <= 0xFFFF:
                raise ValueError(f"company id {company!r} is not 16-bit")
            manufacturer[company] = bytes(data)
        return cls(
            address=normalize_address(address),
            rssi=_check_dbm("rssi", rssi),
            manufacturer_data=manufacturer,
            service_data={normalize_uuid(key): bytes(data) for key, data in (service_data or {}).items()},
            service_uuids=tuple(dict.fromkeys(normalize_uuid(u) for u in service_uuids or ())),
            local_name=local_name,
            tx_power=None if tx_power is None else _check_dbm("tx_power", tx_power),
            address_type=address_type,
        )


def ad_structures(
    *,
    manufacturer_data: Mapping[int, bytes],
    service_data: Mapping[str, bytes],
    service_uuids: Sequence[str] = (),
    local_name: str | None = None,
    tx_power: int | None = None,
    flags: bytes | None = DEFAULT_FLAGS,
) -> list[tuple[int, bytes]]:
    """The AD structures (type, data) that carry these fields, in the order beacons usually send them."""
    structures: list[tuple[int, bytes]] = []
    if flags is not None:
        structures.append((AD_FLAGS, flags))
    by_size: dict[int, bytes] = {}
    for full in service_uuids:
        wire = uuid_wire_bytes(full)
        by_size[len(wire)] = by_size.get(len(wire), b"") + wire
    for size, ad_type in ((2, AD_UUID16_COMPLETE), (4, AD_UUID32_COMPLETE), (16, AD_UUID128_COMPLETE)):
        if size in by_size:
            structures.append((ad_type, by_size[size]))
    for full, data in service_data.items():
        wire = uuid_wire_bytes(full)
        ad_type = {2: AD_SERVICE_DATA16, 4: AD_SERVICE_DATA32}.get(len(wire), AD_SERVICE_DATA128)
        structures.append((ad_type, wire + data))
    for company, data in manufacturer_data.items():
        structures.append((AD_MANUFACTURER, company.to_bytes(2, "little") + data))
    if local_name:
        structures.append((AD_LOCAL_NAME_COMPLETE, local_name.encode()))
    if tx_power is not None:
        structures.append((AD_TX_POWER, (tx_power & 0xFF).to_bytes(1, "little")))
    return structures


def advertisement_structures(adv: Advertisement) -> list[tuple[int, bytes]]:
    return ad_structures(
        manufacturer_data=adv.manufacturer_data,
        service_data=adv.service_data,
        service_uuids=adv.service_uuids,
        local_name=adv.local_name,
        tx_power=adv.tx_power,
    )


def ad_length(structures: Iterable[tuple[int, bytes]]) -> int:
    """Bytes on air: each structure is a length byte, a type byte and its data."""
    return sum(2 + len(data) for _, data in structures)


def validate_or_patterns(patterns: Iterable[Sequence[object]]) -> list[OrPattern]:
    """Check monitor patterns as BlueZ does (`a(yyay)`, each inside one PDU); raises ValueError."""
    checked: list[OrPattern] = []
    for pattern in patterns:
        if len(pattern) != 3:
            raise ValueError(f"or_pattern needs (start, ad_type, content): {pattern!r}")
        start, ad_type, content = pattern
        if not isinstance(start, int) or not isinstance(ad_type, int):
            raise ValueError(f"or_pattern start and type must be integers: {pattern!r}")
        if not isinstance(content, bytes | bytearray | list):
            raise ValueError(f"or_pattern content must be bytes: {pattern!r}")
        data = bytes(content)
        if not data or start < 0 or start + len(data) > MAX_PATTERN_END or not 0 < ad_type <= 0xFF:
            raise ValueError(f"or_pattern out of range: {pattern!r}")
        checked.append((start, ad_type, data))
    if not checked:
        raise ValueError("an or_patterns monitor needs at least one pattern")
    return checked


def matches_or_patterns(patterns: Iterable[OrPattern], structures: Iterable[tuple[int, bytes]]) -> bool:
    """True when any pattern's content sits at its offset inside an AD structure of its type."""
    materialised = list(structures)
    for start, ad_type, content in patterns:
        for structure_type, data in materialised:
            if structure_type == ad_type and data[start : start + len(content)] == content:
                return True
    return False
