"""The beacons' side of the radio world: when each beacon advertises and which bytes it sends.

A beacon advertises every ``interval_ms`` plus the random 0-10 ms ``advDelay`` the Bluetooth Core
specification (Vol 6, Part B, 4.4.2.2) adds to every advertising event, so consecutive advertisements
are between ``interval`` and ``interval + 10 ms`` apart and beacons never stay in lock-step. Each beacon
draws its delays from its own seeded generator and keeps a cursor into that sequence, so advancing
through time in windows of any size gives the same advertisements; asking about an earlier time
replays the sequence from the start.

Frames are encoded once and shared by every emission; only an EID rotation or a TLM frame (which counts
advertisements and uptime) encodes anew.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from beacon_agent.contract.distance import EDDYSTONE_0M_TO_1M_DB
from beacon_agent.contract.eid import compute_eid
from beacon_agent.contract.frame_types import EDDYSTONE_UUID, EddystoneEid, EddystoneTlm, Frame
from beacon_agent.contract.frames import AltBeacon, EddystoneUid, IBeacon, advertisement
from simulator.world.radio import derive_seed
from simulator.world.scenario_parts import (
    AltBeaconSpec,
    Battery,
    BeaconSpec,
    EddystoneEidSpec,
    EddystoneUidSpec,
    IBeaconSpec,
)

__all__ = ["ADV_DELAY_MAX_S", "BeaconInfo", "Emission", "Packet", "Transmitter", "id_frame"]

# Bluetooth Core 5.x, Vol 6, Part B, 4.4.2.2: advDelay is a pseudo-random 0..10 ms per advertising event.
ADV_DELAY_MAX_S: Final = 0.010
_CLOCK_MODULUS: Final = 2**32
_EDDYSTONE_UUIDS: Final = (EDDYSTONE_UUID,)


@dataclass(frozen=True, slots=True)
class Packet:
    """What one advertisement carries, in bleak's shapes. Shared between emissions: do not mutate."""

    kind: str
    manufacturer_data: Mapping[int, bytes]
    service_data: Mapping[str, bytes]
    service_uuids: tuple[str, ...]

    @classmethod
    def of(cls, frame: Frame) -> Packet:
        manufacturer_data, service_data = advertisement(frame)
        # Eddystone beacons also list 0xFEAA as a complete 16-bit service UUID, as the specification asks.
        return cls(frame.kind, manufacturer_data, service_data, _EDDYSTONE_UUIDS if service_data else ())


@dataclass(frozen=True, slots=True)
class Emission:
    """One advertisement sent into the air: when, by which beacon, from where, with which bytes."""

    time: float
    beacon: str
    address: str
    kind: str
    manufacturer_data: Mapping[int, bytes]
    service_data: Mapping[str, bytes]
    service_uuids: tuple[str, ...]
    tx_power_1m: int
    seq: int  # this beacon's advertisement number, from 0
    position: tuple[float, float]


@dataclass(frozen=True, slots=True)
class BeaconInfo:
    """A transmitter in the world: a site's beacon (``"<site>/<index>"``) or a spoof (``"spoof:<n>"``)."""

    id: str
    site: str | None  # None for a spoof
    kind: str
    position: tuple[float, float]
    address: str
    interval_s: float
    tx_power_1m: int
    start_s: float  # first advertisement no earlier than this
    death_s: float  # no advertisement from this time on (math.inf: never)
    spoof_of: str | None = None


def id_frame(spec: BeaconSpec, eid: bytes | None = None) -> Frame | None:
    """The identity frame ``spec`` sends; None for an iBeacon whose ids the backend has yet to allocate."""
    eddystone_tx = spec.tx_power_1m + EDDYSTONE_0M_TO_1M_DB
    match spec:
        case IBeaconSpec(uuid=str(uuid), major=int(major), minor=int(minor)):
            return IBeacon(uuid, major, minor, spec.tx_power_1m)
        case IBeaconSpec():
            return None
        case AltBeaconSpec(id1=str(id1), id2=int(id2), id3=int(id3)):
            return AltBeacon(spec.manufacturer, id1, id2, id3, spec.tx_power_1m, 0)
        case EddystoneUidSpec(namespace=str(namespace), instance=str(instance)):
            return EddystoneUid(namespace, instance, eddystone_tx)
        case EddystoneEidSpec() if eid is not None:
            return EddystoneEid(eid.hex(), eddystone_tx)
    raise ValueError(f"{spec.kind} beacon without its ids: load it through Scenario, which fills them in")


def battery_death_s(battery: Battery) -> float:
    """Scenario time at which the battery falls below ``dies_below_mv``."""
    if battery.drain_mv_per_hour <= 0:
        return math.inf
    return (battery.start_mv - battery.dies_below_mv) / battery.drain_mv_per_hour * 3600.0


class Transmitter:
    """One radio: its advertising schedule and the packet of each advertisement."""

    __slots__ = (
        "_battery",
        "_eid",
        "_eid_packet",
        "_eid_period",
        "_interval",
        "_k",
        "_prev",
        "_rng",
        "_seed",
        "_t",
        "info",
        "packet",
    )

    def __init__(
        self,
        info: BeaconInfo,
        seed: int,
        packet: Packet | None,
        *,
        eid: EddystoneEidSpec | None = None,
        battery: Battery | None = None,
    ) -> None:
        self.info = info
        self.packet = packet  # the identity packet; None while an allocated iBeacon waits for its ids
        self._eid = eid  # set for a rotating EID beacon, whose packet is computed per period
        self._eid_period = -1
        self._eid_packet: Packet | None = None
        self._battery = battery
        self._interval = info.interval_s
        self._seed = derive_seed(seed, "advertising", info.id)
        self._rng = random.Random(self._seed)
        self._k = 0
        self._t = 0.0
        self._prev = math.inf  # forces a reset on the first query

    def clock(self, t: float) -> int:
        """The beacon's own seconds counter at scenario time ``t`` (EID beacons count from initial_time)."""
        initial = (self._eid.initial_time or 0) if self._eid is not None else 0
        return (initial + math.floor(t)) % _CLOCK_MODULUS

    @property
    def rotates(self) -> bool:
        """Whether this is an EID beacon computing a new EID every rotation period."""
        return self._eid is not None

    def battery_mv(self, t: float) -> int | None:
        battery = self._battery
        if battery is None:
            return None
        return max(0, round(battery.start_mv - battery.drain_mv_per_hour * t / 3600.0))

    def _reset(self) -> None:
        self._rng.seed(self._seed)
        # Beacons were switched on before the scenario starts: the first advertisement falls anywhere
        # in the first interval.
        self._k = 0
        self._t = self.info.start_s + self._rng.random() * self._interval
        self._prev = -math.inf

    def emit(self, t0: float, t1: float, out: list[Emission]) -> None:
        """Append the advertisements sent in ``[t0, t1)`` to ``out``, in time order."""
        if t0 <= self._prev:
            self._reset()
        k, t, prev = self._k, self._t, self._prev
        step, jitter, draw = self._interval, ADV_DELAY_MAX_S, self._rng.random
        while t < t0:
            prev, k, t = t, k + 1, t + step + jitter * draw()
        stop = min(t1, self.info.death_s)
        info = self.info
        while t < stop:
            packet = self._packet_at(k, t)
            if packet is not None:
                out.append(
                    Emission(
                        t,
                        info.id,
                        info.address,
                        packet.kind,
                        packet.manufacturer_data,
                        packet.service_data,
                        packet.service_uuids,
                        info.tx_power_1m,
                        k,
                        info.position,
                    )
                )
            prev, k, t = t, k + 1, t + step + jitter * draw()
        self._k, self._t, self._prev = k, t, prev

    def _packet_at(self, k: int, t: float) -> Packet | None:
        battery = self._battery
        if battery is not None and k % battery.tlm_every == battery.tlm_every - 1:
            mv = self.battery_mv(t)
            assert mv is not None
            return Packet.of(EddystoneTlm(mv, battery.temperature_c, k + 1, t))
        if self._eid is None:
            return self.packet
        clock = self.clock(t)
        period = clock >> self._eid.rotation_exponent
        if period != self._eid_period:
            self._eid_period = period
            self._eid_packet = Packet.of(_checked(id_frame(self._eid, self.eid_at(clock))))
        return self._eid_packet

    def eid_at(self, clock: int) -> bytes:
        """The EID this beacon sends when its own clock reads ``clock``."""
        assert self._eid is not None and self._eid.identity_key is not None
        return compute_eid(bytes.fromhex(self._eid.identity_key), self._eid.rotation_exponent, clock)


def _checked(frame: Frame | None) -> Frame:
    if frame is None:
        raise ValueError("an EID beacon always has a frame")
    return frame
