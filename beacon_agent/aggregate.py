"""Per-beacon aggregation over a flush window: decoded advertisements in, wire sightings out.

Sans-I/O: no clock, no radio, no disk. The scanner calls ``add`` for every advertisement with the
time it was heard; the reporter calls ``flush`` once per window and puts the sightings in the outbox.

State, all in memory and all bounded:

- one track per beacon key (at most ``max_beacons``): the current window's count, RSSI sum and max,
  first/last heard, tx power at 1 m, telemetry not yet reported, and the smoothed RSSI. ``flush``
  turns every track heard in the window into one ``wire.Sighting`` and resets its window; the
  smoothing state carries over, and is forgotten after ``SMOOTHING_MEMORY_HALF_LIVES`` half-lives
  unheard. Tracks are kept in the order they were last heard, so those not in the window come first
  and are the ones evicted when the map is full; if all are in the window, a new beacon is dropped
  and counted in ``overflowed``.
- radio address -> Eddystone UID/EID key, for linking TLM frames (which carry no identity) to the
  beacon that sent them, renewed by each identity frame, expiring after ``link_expiry_s``; and
  radio address -> a TLM heard before any identity frame, waiting up to ``tlm_wait_s``. At most
  ``max_addresses`` of each, oldest dropped first. Addresses never leave this object: sightings
  carry beacon keys only, and only addresses that sent Eddystone identity or TLM frames are held.

RSSI smoothing: an exponentially weighted average whose weight depends on the time since the
previous sample, w = 1 - 2^(-dt / half_life). Advertisements arrive at irregular times and many
are lost, and beacons advertise anywhere from 10 times a second to once every few seconds. With
this weight the average forgets at a fixed rate per second, not per sample: after a step in the
input the estimate is old·2^(-T/h) + new·(1 - 2^(-T/h)) however many samples arrived in T, so a
100 ms beacon and a 1 s beacon are smoothed alike and a gap simply lets the old value fade. It has
one knob an operator can read (the half-life in seconds), costs one ``exp`` per advertisement and
every output lies between the previous estimate and the new sample. A 1-D Kalman filter was the
alternative: it needs process and measurement noise that nobody at a site can set, its gain per
sample depends on the sampling rate (a fast beacon would be tracked faster than a slow one), and
its optimality assumes Gaussian noise, while RSSI fades are one-sided deep dips. Averaging is done
in dBm, the scale on which the log-distance model's shadowing is Gaussian.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from beacon_agent import constants as c
from beacon_agent.contract.distance import (
    DBM_MAX,
    DBM_MIN,
    PATH_LOSS_EXPONENT,
    estimate_distance_m,
    tx_power_at_1m,
)
from beacon_agent.contract.frame_types import (
    AltBeacon,
    EddystoneEid,
    EddystoneEtlm,
    EddystoneTlm,
    EddystoneUid,
    Frame,
    IBeacon,
)
from beacon_agent.contract.keys import KeyKind, canonical_uuid
from beacon_agent.contract.wire import Sighting, Telemetry

if TYPE_CHECKING:
    from beacon_agent.config import ScanSection

__all__ = ["Aggregator", "smooth", "smoothing_weight"]

TlmFrame = EddystoneTlm | EddystoneEtlm
SIGHTING_KINDS: Final = frozenset(kind.value for kind in KeyKind)
_LN2: Final = math.log(2.0)
# A frame the filters keep: its beacon key and its tx power at 1 m (None if unusable).
_Verdict = tuple[str, int | None] | None
_UNDECIDED: Final[_Verdict] = ("", None)


def smoothing_weight(dt_s: float, half_life_s: float) -> float:
    """Weight of a sample that comes ``dt_s`` after the previous one: 1 - 2^(-dt/half-life).

    Spacings below BLE's shortest advertising interval (and negative ones, from a clock stepped
    back) count as that interval, so no sample is ever given zero weight.
    """
    return 1.0 - math.exp(-max(dt_s, c.MIN_SAMPLE_SPACING_S) * _LN2 / half_life_s)


def smooth(estimate: float, sample: float, dt_s: float, half_life_s: float) -> float:
    """The smoothed RSSI after ``sample`` arrives ``dt_s`` seconds after the previous one."""
    return estimate + smoothing_weight(dt_s, half_life_s) * (sample - estimate)


@dataclass(slots=True)
class _Track:
    """One beacon: smoothing state that outlives windows, and the current window's figures."""

    key: str
    smoothed: float = 0.0
    last_sample: float = -math.inf  # never sampled: the first sample is taken as it is
    tx_power: int | None = None
    telemetry: TlmFrame | None = None
    count: int = 0
    rssi_sum: int = 0
    rssi_max: int = 0
    first_seen: float = 0.0
    last_seen: float = 0.0


class Aggregator:
    """One sighting per beacon heard per flush window; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        kinds: Iterable[str] = SIGHTING_KINDS,
        uuids: Iterable[str] = (),
        namespaces: Iterable[str] = (),
        telemetry: bool = True,
        half_life_s: float = c.RSSI_HALF_LIFE_S,
        path_loss_exponent: float = PATH_LOSS_EXPONENT,
        max_beacons: int = c.MAX_TRACKED_BEACONS,
        max_addresses: int = c.MAX_TRACKED_ADDRESSES,
        link_expiry_s: float = c.TLM_LINK_EXPIRY_S,
        tlm_wait_s: float = c.TLM_WAIT_S,
    ) -> None:
        self._kinds = frozenset(kinds)
        if not self._kinds <= SIGHTING_KINDS:
            raise ValueError(f"kinds must be among {sorted(SIGHTING_KINDS)}, got {sorted(self._kinds)}")
        for name, value in (("half_life_s", half_life_s), ("path_loss_exponent", path_loss_exponent)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
        if max_beacons < 1 or max_addresses < 1:
            raise ValueError("max_beacons and max_addresses must be at least 1")
        self._uuids = frozenset(canonical_uuid(uuid) for uuid in uuids)
        self._namespaces = frozenset(namespace.strip().lower() for namespace in namespaces)
        self._telemetry = telemetry
        self._decay = _LN2 / half_life_s
        self._memory_s = c.SMOOTHING_MEMORY_HALF_LIVES * half_life_s
        self._path_loss_exponent = path_loss_exponent
        self._max_beacons = max_beacons
        self._max_addresses = max_addresses
        self._link_expiry_s = link_expiry_s
        self._tlm_wait_s = tlm_wait_s
        self._tracks: OrderedDict[str, _Track] = OrderedDict()
        self._links: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._waiting: OrderedDict[str, tuple[TlmFrame, float]] = OrderedDict()
        self._verdicts: dict[Frame, _Verdict] = {}
        self._pending = 0
        self._ignored = 0
        self._overflowed = 0

    @classmethod
    def from_config(cls, scan: ScanSection) -> Aggregator:
        """An aggregator with the filters and smoothing of the ``[scan]`` section."""
        return cls(
            kinds=scan.kinds,
            uuids=scan.uuids,
            namespaces=scan.namespaces,
            telemetry=scan.telemetry,
            half_life_s=scan.rssi_half_life_s,
            path_loss_exponent=scan.path_loss_exponent,
        )

    @property
    def pending(self) -> int:
        """Beacons heard in the current window (the sightings the next ``flush`` returns)."""
        return self._pending

    @property
    def ignored(self) -> int:
        """Frames not reported since start: filtered out, URL, bad RSSI, TLM never linked to a beacon."""
        return self._ignored

    @property
    def overflowed(self) -> int:
        """Advertisements dropped since start because ``max_beacons`` beacons were already in the window."""
        return self._overflowed

    def diagnostics(self) -> dict[str, int]:
        """A snapshot of the counters and map sizes, for logs and ``nahbei-agent check``."""
        return {
            "pending": self._pending,
            "tracked_beacons": len(self._tracks),
            "linked_addresses": len(self._links),
            "waiting_telemetry": len(self._waiting),
            "ignored": self._ignored,
            "overflowed": self._overflowed,
        }

    def add(self, address: str, rssi: int, frames: Sequence[Frame], now: float) -> None:
        """Count one advertisement heard from radio ``address`` at ``now`` (Unix seconds)."""
        if not frames:
            return
        if not DBM_MIN <= rssi <= DBM_MAX:  # 127 is HCI's "RSSI not available"
            self._ignored += len(frames)
            return
        eddystone_key: str | None = None
        tlm: TlmFrame | None = None
        for frame in frames:
            if isinstance(frame, (EddystoneTlm, EddystoneEtlm)):
                tlm = frame
                continue
            verdict = self._verdicts.get(frame, _UNDECIDED)
            if verdict is _UNDECIDED:
                verdict = self._decide(frame)
            if verdict is None:
                self._ignored += 1
                continue
            key, tx_power = verdict
            track = self._track(key)
            if track is None:
                continue
            if track.count:
                track.first_seen = min(track.first_seen, now)
                track.last_seen = max(track.last_seen, now)
                track.rssi_max = max(track.rssi_max, rssi)
            else:
                self._pending += 1
                track.first_seen = track.last_seen = now
                track.rssi_max = rssi
                track.rssi_sum = 0
            # smooth() inlined; a first sample (last_sample = -inf) gets weight exp(-inf) -> 1 exactly.
            dt = max(now - track.last_sample, c.MIN_SAMPLE_SPACING_S)
            track.smoothed += (1.0 - math.exp(-dt * self._decay)) * (rssi - track.smoothed)
            track.count += 1
            track.rssi_sum += rssi
            track.last_sample = now
            if tx_power is not None:
                track.tx_power = tx_power
            if isinstance(frame, (EddystoneUid, EddystoneEid)):
                eddystone_key = key
        if not self._telemetry:
            if tlm is not None:
                self._ignored += 1
            return
        if eddystone_key is not None:
            self._link(address, eddystone_key, now)
        if tlm is not None:
            self._attach(address, tlm, now)

    def flush(self, now: float) -> list[Sighting]:
        """One sighting per beacon heard since the last flush (by first heard, then key); starts a new
        window and forgets what has expired by ``now``."""
        sightings: list[Sighting] = []
        # Tracks heard in this window sit at the end, in the order they were last heard.
        for track in reversed(self._tracks.values()):
            if not track.count:
                break
            sightings.append(self._sighting(track))
            track.count = 0
            track.telemetry = None
        self._pending = 0
        self._expire(now)
        sightings.sort(key=lambda sighting: (sighting.first_seen, sighting.beacon))
        return sightings

    # --- internals -------------------------------------------------------------------------------

    def _decide(self, frame: Frame) -> _Verdict:
        """Key and 1 m power of a frame the filters keep, None otherwise; remembered per frame."""
        verdict: _Verdict = None
        try:
            keep = frame.kind in self._kinds
            if keep and self._uuids and isinstance(frame, (IBeacon, AltBeacon)):
                keep = canonical_uuid(frame.uuid if isinstance(frame, IBeacon) else frame.id1) in self._uuids
            if keep and self._namespaces and isinstance(frame, EddystoneUid):
                keep = frame.namespace.lower() in self._namespaces
            if keep and isinstance(frame, (IBeacon, AltBeacon, EddystoneUid, EddystoneEid)):
                verdict = (frame.key, tx_power_at_1m(frame))
        except ValueError:  # a frame built by hand with impossible fields; decode never makes one
            verdict = None
        if len(self._verdicts) >= c.FRAME_CACHE_SIZE:
            self._verdicts.clear()
        self._verdicts[frame] = verdict
        return verdict

    def _track(self, key: str) -> _Track | None:
        track = self._tracks.get(key)
        if track is not None:
            self._tracks.move_to_end(key)
            return track
        if len(self._tracks) >= self._max_beacons:
            oldest = next(iter(self._tracks.values()))
            if oldest.count:  # every track is in the window: keep what we have
                self._overflowed += 1
                return None
            del self._tracks[oldest.key]
        track = self._tracks[key] = _Track(key)
        return track

    def _link(self, address: str, key: str, now: float) -> None:
        links = self._links
        if address in links:
            links.move_to_end(address)
        elif len(links) >= self._max_addresses:
            links.popitem(last=False)
        links[address] = (key, now)
        waiting = self._waiting.pop(address, None)
        if waiting is not None:
            tlm, heard = waiting
            if now - heard <= self._tlm_wait_s:
                self._give(key, tlm)
            else:
                self._ignored += 1

    def _attach(self, address: str, tlm: TlmFrame, now: float) -> None:
        link = self._links.get(address)
        if link is not None and now - link[1] <= self._link_expiry_s:
            self._give(link[0], tlm)
            return
        waiting = self._waiting
        if address in waiting:
            self._ignored += 1  # the newer TLM replaces the one still waiting
            waiting.move_to_end(address)
        elif len(waiting) >= self._max_addresses:
            waiting.popitem(last=False)
            self._ignored += 1
        waiting[address] = (tlm, now)

    def _give(self, key: str, tlm: TlmFrame) -> None:
        track = self._tracks.get(key)
        if track is None:
            self._ignored += 1
        else:
            track.telemetry = tlm

    def _expire(self, now: float) -> None:
        tracks = self._tracks
        while tracks:
            track = next(iter(tracks.values()))
            if track.count or now - track.last_sample < self._memory_s:
                break
            del tracks[track.key]
        links = self._links
        while links and now - next(iter(links.values()))[1] > self._link_expiry_s:
            links.popitem(last=False)
        waiting = self._waiting
        while waiting and now - next(iter(waiting.values()))[1] > self._tlm_wait_s:
            waiting.popitem(last=False)
            self._ignored += 1

    def _sighting(self, track: _Track) -> Sighting:
        return Sighting(
            beacon=track.key,
            first_seen=datetime.fromtimestamp(track.first_seen, UTC),
            last_seen=datetime.fromtimestamp(track.last_seen, UTC),
            count=min(track.count, c.MAX_COUNT_PER_SIGHTING),
            rssi_max=track.rssi_max,
            rssi_mean=round(track.rssi_sum / track.count, 2),
            rssi_smoothed=round(track.smoothed, 2),
            distance_m=_rounded(
                estimate_distance_m(track.smoothed, track.tx_power, self._path_loss_exponent)
            ),
            tx_power=track.tx_power,
            telemetry=_telemetry(track.telemetry),
        )


def _rounded(distance: float | None) -> float | None:
    return None if distance is None else round(distance, 2)


def _telemetry(frame: TlmFrame | None) -> Telemetry | None:
    """The wire form of a TLM frame; a battery of 0 mV means "not measured" (Eddystone-TLM spec)."""
    if frame is None:
        return None
    if isinstance(frame, EddystoneEtlm):
        return Telemetry(version=frame.version, etlm=frame.etlm, salt=frame.salt, mic=frame.mic)
    return Telemetry(
        version=frame.version,
        battery_mv=frame.battery_mv or None,
        temperature_c=frame.temperature_c,
        adv_count=frame.adv_count,
        uptime_s=frame.uptime_s,
    )
