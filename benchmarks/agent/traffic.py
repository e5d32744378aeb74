"""The radio traffic the agent benchmarks feed: what an agent at a busy site hears, built once.

Fifty beacons and forty phones, one advertisement each per step, shuffled, for `STEPS` steps with
fresh RSSI values (then the cycle repeats):

- 20 iBeacons: the keys the seeded benchmark database registers (`benchmarks.http.seed.ibeacon_key`);
- 15 Eddystone beacons sending UID frames, with every fourth step a TLM frame (battery, temperature,
  a growing advertisement count and uptime) from the same radio address, as real beacons interleave;
- 15 AltBeacons (Radius Networks' company id, as the AltBeacon specification's examples use);
- 40 phones: Apple Nearby Info and Find My, Microsoft's Connected Devices Platform, Samsung,
  Google Fast Pair and Exposure Notification service data, some with a local name. None of it is a
  beacon: the agent must drop it, and the bare scanner and the peer receive it all the same.

About 44 % of the advertisements are phone chatter. `counted` marks those the agent reports as one
count each in its sightings (identity frames of registered beacons): TLM frames and chatter are not.
The UIDs and AltBeacons are registered at the start of the benchmark (`registrations()`); a
`MARKER` iBeacon, sent once at the end of each round, tells how far the receiver lags behind.

Pure: no I/O. Used by the feeder process (the fake BlueZ), and, as JSON lines in bleak's shapes, by
the decoder comparison.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from beacon_agent.contract.frame_types import APPLE_COMPANY_ID, EDDYSTONE_UUID
from beacon_agent.contract.frames import (
    encode_altbeacon,
    encode_eddystone_tlm,
    encode_eddystone_uid,
    encode_ibeacon,
)

# The UUID the seeded benchmark database gives its iBeacons (benchmarks.http.seed.UUID; checked there).
IBEACON_UUID: Final = "6e616862-6569-4265-8e63-686d61726b21"
IBEACONS: Final = 20
EDDYSTONES: Final = 15
ALTBEACONS: Final = 15
PHONES: Final = 40
# Steps before the cycle repeats: each step gives every radio a new RSSI, as walking people do.
STEPS: Final = 40
TLM_EVERY: Final = 4
UID_NAMESPACE: Final = "6e61686265692d62656e"
ALTBEACON_ID1: Final = "0e7d5b3c-8f4a-4d2e-9b61-6e6168626569"
ALTBEACON_COMPANY: Final = 0x0118
# The seeded database has 1,000 iBeacons; the marker is its last one, far from the fed twenty.
MARKER_INDEX: Final = 999
MARKER_ADDRESS: Final = "C0:FF:EE:00:FF:FF"
FAST_PAIR_UUID: Final = "0000fe2c-0000-1000-8000-00805f9b34fb"
EXPOSURE_UUID: Final = "0000fd6f-0000-1000-8000-00805f9b34fb"


@dataclass(frozen=True, slots=True)
class Ad:
    """One advertisement as the adapter hears it, in bleak's shapes."""

    address: str
    rssi: int
    manufacturer_data: dict[int, bytes] = field(default_factory=dict)
    service_data: dict[str, bytes] = field(default_factory=dict)
    local_name: str | None = None
    counted: bool = False

    def as_json(self) -> dict[str, Any]:
        """The `nahbei-agent decode` input shape, plus address and RSSI (for the peer's decoder)."""
        return {
            "address": self.address,
            "rssi": self.rssi,
            "manufacturer_data": {str(k): v.hex() for k, v in self.manufacturer_data.items()},
            "service_data": {k: v.hex() for k, v in self.service_data.items()},
            "local_name": self.local_name,
        }


def ibeacon_minor(index: int) -> int:
    """The minor of the seeded database's iBeacon number `index` (major 1), as `seed.ibeacon_key`."""
    return index + 1


def _address(kind: int, index: int) -> str:
    # Random static addresses (the two top bits set), as beacons and privacy-minded phones use.
    return f"C0:{kind:02X}:00:00:{index // 256:02X}:{index % 256:02X}"


def registrations() -> list[dict[str, Any]]:
    """Admin API bodies for the fed beacons the seeded database does not already hold."""
    uids = [
        {"kind": "eddystone-uid", "namespace": UID_NAMESPACE, "instance": f"{i:012x}", "tx_power": -59}
        for i in range(EDDYSTONES)
    ]
    alts = [
        {"kind": "altbeacon", "id1": ALTBEACON_ID1, "id2": 1, "id3": i + 1, "tx_power": -59}
        for i in range(ALTBEACONS)
    ]
    return uids + alts


def marker(rssi: int = -50) -> Ad:
    company, payload = encode_ibeacon(IBEACON_UUID, 1, ibeacon_minor(MARKER_INDEX), -59)
    return Ad(MARKER_ADDRESS, rssi, {company: payload})


def _beacon_ads(step: int, rng: random.Random) -> Iterator[Ad]:
    for i in range(IBEACONS):
        company, payload = encode_ibeacon(IBEACON_UUID, 1, ibeacon_minor(i), -59)
        yield Ad(_address(1, i), rng.randint(-95, -45), {company: payload}, counted=True)
    for i in range(EDDYSTONES):
        if step % TLM_EVERY == TLM_EVERY - 1:
            # Telemetry changes with every frame: battery sinking, counters growing.
            tlm = encode_eddystone_tlm(3000 - step, 21.5 + i / 10, 1000 * i + step * 7, 3600.0 + step)
            yield Ad(_address(2, i), rng.randint(-95, -45), service_data={EDDYSTONE_UUID: tlm})
        else:
            uid = encode_eddystone_uid(UID_NAMESPACE, f"{i:012x}", -18)
            yield Ad(_address(2, i), rng.randint(-95, -45), service_data={EDDYSTONE_UUID: uid}, counted=True)
    for i in range(ALTBEACONS):
        company, payload = encode_altbeacon(ALTBEACON_COMPANY, ALTBEACON_ID1, 1, i + 1, -59)
        yield Ad(_address(3, i), rng.randint(-95, -45), {company: payload}, counted=True)


def _phone_ads(step: int, rng: random.Random) -> Iterator[Ad]:
    for i in range(PHONES):
        address, rssi = _address(4, i), rng.randint(-100, -40)
        flavour = i % 6
        if flavour == 0:  # Apple Nearby Info: status flags change as the phone is used
            yield Ad(
                address,
                rssi,
                {APPLE_COMPANY_ID: bytes([0x10, 0x05, 0x01 + step % 3, 0x1C, 0x0F, 0x2A, 0x3B])},
            )
        elif flavour == 1:  # Apple Find My (an AirTag or an offline device)
            yield Ad(address, rssi, {APPLE_COMPANY_ID: bytes([0x12, 0x19, 0x10]) + rng.randbytes(24)})
        elif flavour == 2:  # Microsoft Connected Devices Platform (a laptop in a bag)
            yield Ad(address, rssi, {0x0006: bytes([0x01, 0x09, 0x20, 0x02]) + rng.randbytes(23)})
        elif flavour == 3:  # Samsung, with the earbuds' name
            yield Ad(
                address, rssi, {0x0075: bytes([0x42, 0x04, 0x01, 0x80]) + bytes(6)}, local_name="Galaxy Buds"
            )
        elif flavour == 4:  # Google Fast Pair, not discoverable
            yield Ad(address, rssi, service_data={FAST_PAIR_UUID: bytes([0x00]) + rng.randbytes(8)})
        else:  # Exposure Notification: a rolling identifier and metadata
            yield Ad(address, rssi, service_data={EXPOSURE_UUID: rng.randbytes(20)})


def schedule(seed: int = 1) -> list[Ad]:
    """One whole cycle: `STEPS` steps of every radio once, shuffled within each step."""
    rng = random.Random(seed)
    ads: list[Ad] = []
    for step in range(STEPS):
        batch = [*_beacon_ads(step, rng), *_phone_ads(step, rng)]
        rng.shuffle(batch)
        ads.extend(batch)
    return ads
