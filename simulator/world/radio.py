"""The radio between a beacon and a receiver, and the flat map the world's metres live on.

Received power follows the log-distance path-loss model with log-normal shadowing:

    rssi = tx_power_1m - reference_loss - 10·n·log10(max(d, 0.1 m)) - walls crossed + N(0, sigma)

rounded to whole dBm; a reception is lost with probability ``packet_loss`` and below the receiver's
sensitivity it is not heard at all. Noise is counter-based rather than drawn from a shared generator:
each reception's randomness is a hash of (seed, transmitter, receiver, advertisement number), so an
answer never depends on which other receptions were computed before it, or in which order.

Coordinates are metres east (x) and north (y) of the scenario origin. ``MapProjection`` converts them
with the equirectangular projection, which within 5 km of the origin is off by less than a metre:
much less than the few metres a beacon's RSSI can tell.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass
from typing import Final

from backend.geo import EARTH_RADIUS_M
from simulator.world.scenario_parts import Radio as RadioSpec

__all__ = [
    "MAX_DBM",
    "MIN_DISTANCE_M",
    "Channel",
    "MapProjection",
    "derive_seed",
    "distance",
]

Point = tuple[float, float]

# The log-distance model has no meaning at zero distance; closer than 10 cm a phone touches the beacon.
MIN_DISTANCE_M: Final = 0.1
# Radios and BlueZ report RSSI as int16 within -127..+20 dBm.
MAX_DBM: Final = 20
_TWO_PI: Final = 2.0 * math.pi
_U53: Final = 2.0**-53
_U32: Final = 2.0**-32
_MASK64: Final = (1 << 64) - 1
_PAIR: Final = struct.Struct("<QQ")


def derive_seed(seed: int, *parts: str) -> int:
    """A 64-bit seed for one purpose (``"walkers"``, a beacon id...), independent of every other."""
    text = "\x1f".join((str(seed), *parts)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def distance(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


@dataclass(frozen=True, slots=True)
class MapProjection:
    """Equirectangular projection around ``(lat, lon)``: metres east/north to degrees and back."""

    lat: float
    lon: float

    def to_lat_lon(self, xy: Point) -> tuple[float, float]:
        lat = self.lat + math.degrees(xy[1] / EARTH_RADIUS_M)
        lon = self.lon + math.degrees(xy[0] / (EARTH_RADIUS_M * math.cos(math.radians(self.lat))))
        return lat, lon

    def to_xy(self, lat: float, lon: float) -> Point:
        x = math.radians(lon - self.lon) * EARTH_RADIUS_M * math.cos(math.radians(self.lat))
        y = math.radians(lat - self.lat) * EARTH_RADIUS_M
        return x, y


class Channel:
    """Path loss, walls, shadowing and packet loss for one scenario and seed."""

    def __init__(self, spec: RadioSpec, seed: int) -> None:
        self.spec = spec
        self._seed = seed
        self._n10 = 10.0 * spec.path_loss_exponent
        self._sigma = spec.shadowing_sigma_db
        self._loss = spec.packet_loss
        self._floor = spec.sensitivity_dbm
        self._reference = spec.reference_loss_db
        self._walls = [(*w.from_, *w.to, w.attenuation_db) for w in spec.walls]
        self._streams: dict[tuple[str, str], int] = {}

    def wall_loss(self, a: Point, b: Point) -> float:
        """The attenuation of every wall the straight line from ``a`` to ``b`` crosses."""
        total = 0.0
        ax, ay = a
        bx, by = b
        dx, dy = bx - ax, by - ay
        for wx, wy, vx, vy, attenuation in self._walls:
            ex, ey = vx - wx, vy - wy
            # Proper crossing: the wall's ends lie on opposite sides of a-b and a, b on opposite sides
            # of the wall. A line that only grazes a wall's end does not count.
            side_w = dx * (wy - ay) - dy * (wx - ax)
            side_v = dx * (vy - ay) - dy * (vx - ax)
            side_a = ex * (ay - wy) - ey * (ax - wx)
            side_b = ex * (by - wy) - ey * (bx - wx)
            if side_w * side_v < 0.0 and side_a * side_b < 0.0:
                total += attenuation
        return total

    def mean_rssi(self, tx_power_1m: float, a: Point, b: Point) -> float:
        """The model's expected RSSI, without shadowing, loss or rounding: ground truth for reports."""
        d = math.hypot(b[0] - a[0], b[1] - a[1])
        loss = self._n10 * math.log10(d if d > MIN_DISTANCE_M else MIN_DISTANCE_M) + self._reference
        if self._walls:
            loss += self.wall_loss(a, b)
        return tx_power_1m - loss

    def stream(self, transmitter: str, receiver: str) -> int:
        """The noise stream of one (transmitter, receiver) pair; cached, it is asked for per packet."""
        key = (transmitter, receiver)
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = derive_seed(self._seed, "radio", transmitter, receiver)
        return stream

    def receive(self, tx_power_1m: int, a: Point, b: Point, stream: int, counter: int) -> int | None:
        """RSSI of advertisement ``counter`` sent at ``a`` and heard at ``b``; None when not heard."""
        digest = hashlib.blake2b(_PAIR.pack(stream, counter & _MASK64), digest_size=16).digest()
        loss_bits, noise_bits = _PAIR.unpack(digest)
        if (loss_bits >> 11) * _U53 < self._loss:
            return None
        value = self.mean_rssi(tx_power_1m, a, b)
        if self._sigma:
            # Box-Muller on two 32-bit uniforms; u1 in (0, 1] so the logarithm is finite.
            u1 = ((noise_bits >> 32) + 1) * _U32
            u2 = (noise_bits & 0xFFFF_FFFF) * _U32
            value += self._sigma * math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI * u2)
        rssi = round(value)
        if rssi < self._floor:
            return None
        return rssi if rssi < MAX_DBM else MAX_DBM

    def in_range(self, tx_power_1m: float, a: Point, b: Point, margin_db: float = 0.0) -> bool:
        """Whether the mean RSSI is at least ``margin_db`` above the receiver's sensitivity."""
        return self.mean_rssi(tx_power_1m, a, b) >= self._floor + margin_db
