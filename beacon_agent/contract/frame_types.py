"""What a recognised beacon frame is: frozen value types, their canonical keys and their JSON shape.

The codec that turns bleak's advertisement data into these values (and back) is
``beacon_agent.contract.frames``; this module holds only the values, so that the aggregator, the simulator and
the CLI can share them without caring about bytes.

``as_dict()`` gives exactly the fields of the ``decode`` output in DESIGN.md ("Beacon keys"): the
kind, the key or TLM version where the kind has one, then the dataclass fields in their order; hex
fields are lower-case, UUIDs are 8-4-4-4-12 lower-case.

Power fields are what the beacon sends: iBeacon ``tx_power`` and AltBeacon ``ref_rssi`` are measured
at 1 m, Eddystone ``tx_power`` at 0 m (about 41 dB more, by the Eddystone specification's rule).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Final, get_args

from beacon_agent.contract.keys import altbeacon_key, eddystone_eid_key, eddystone_uid_key, ibeacon_key

FrameDict = dict[str, str | int | float | None]

APPLE_COMPANY_ID: Final = 0x004C
EDDYSTONE_UUID: Final = "0000feaa-0000-1000-8000-00805f9b34fb"

# Eddystone-URL scheme prefixes and text expansions, indexed by their code
# (google/eddystone eddystone-url/README.md).
URL_SCHEMES: Final[tuple[str, ...]] = ("http://www.", "https://www.", "http://", "https://")
URL_EXPANSIONS: Final[tuple[str, ...]] = (
    ".com/",
    ".org/",
    ".edu/",
    ".net/",
    ".info/",
    ".biz/",
    ".gov/",
    ".com",
    ".org",
    ".edu",
    ".net",
    ".info",
    ".biz",
    ".gov",
)
MAX_ENCODED_URL: Final = 17


def uuid_text(raw: bytes) -> str:
    """8-4-4-4-12 lower-case text of 16 bytes; cheaper than ``uuid.UUID`` on the per-packet path."""
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


@dataclass(frozen=True, slots=True)
class FrameFields:
    """What every frame type shares: its dict form, derived from its fields so the two cannot differ."""

    kind: ClassVar[str]

    def as_dict(self) -> FrameDict:
        return {name: getattr(self, name) for name in _DICT_NAMES[type(self)]}


@dataclass(frozen=True, slots=True)
class IBeacon(FrameFields):
    """Apple iBeacon: proximity UUID, major, minor and the measured power at 1 m."""

    kind: ClassVar[str] = "ibeacon"
    uuid: str
    major: int
    minor: int
    tx_power: int

    @property
    def key(self) -> str:
        return ibeacon_key(self.uuid, self.major, self.minor)


@dataclass(frozen=True, slots=True)
class AltBeacon(FrameFields):
    """AltBeacon: any manufacturer's 20-byte id, read as a UUID and two 16-bit numbers like iBeacon."""

    kind: ClassVar[str] = "altbeacon"
    manufacturer: int
    id1: str
    id2: int
    id3: int
    ref_rssi: int
    mfg_reserved: int | None  # None: a 23-byte frame, sent without the reserved byte

    @property
    def key(self) -> str:
        return altbeacon_key(self.id1, self.id2, self.id3)


@dataclass(frozen=True, slots=True)
class EddystoneUid(FrameFields):
    """Eddystone-UID; ``tx_power`` is the calibrated power at 0 m, as the beacon sends it."""

    kind: ClassVar[str] = "eddystone-uid"
    namespace: str
    instance: str
    tx_power: int

    @property
    def key(self) -> str:
        return eddystone_uid_key(self.namespace, self.instance)


@dataclass(frozen=True, slots=True)
class EddystoneUrl(FrameFields):
    """Eddystone-URL: content, not identity, so it has no key."""

    kind: ClassVar[str] = "eddystone-url"
    url: str
    tx_power: int


@dataclass(frozen=True, slots=True)
class EddystoneTlm(FrameFields):
    """Plain Eddystone-TLM (version 0); ``temperature_c`` is None where the beacon has no sensor."""

    kind: ClassVar[str] = "eddystone-tlm"
    version: ClassVar[int] = 0
    battery_mv: int
    temperature_c: float | None
    adv_count: int
    uptime_s: float


@dataclass(frozen=True, slots=True)
class EddystoneEtlm(FrameFields):
    """Encrypted Eddystone-TLM (version 1): passed on as-is; only the EID's resolver holds the key."""

    kind: ClassVar[str] = "eddystone-tlm"
    version: ClassVar[int] = 1
    etlm: str
    salt: str
    mic: str


@dataclass(frozen=True, slots=True)
class EddystoneEid(FrameFields):
    """Eddystone-EID: an 8-byte ephemeral id that only the backend's resolver maps to a beacon."""

    kind: ClassVar[str] = "eddystone-eid"
    eid: str
    tx_power: int

    @property
    def key(self) -> str:
        return eddystone_eid_key(self.eid)


Frame = IBeacon | AltBeacon | EddystoneUid | EddystoneUrl | EddystoneTlm | EddystoneEtlm | EddystoneEid


def _dict_names(cls: type[Any]) -> tuple[str, ...]:
    heading = [name for name in ("kind", "key", "version") if hasattr(cls, name)]
    return (*heading, *(f.name for f in fields(cls)))


# Worked out once per type, not per frame: the kind, the key or version where it has one, then its fields.
_DICT_NAMES: Final[dict[type[FrameFields], tuple[str, ...]]] = {
    cls: _dict_names(cls) for cls in get_args(Frame)
}
