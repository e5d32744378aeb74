"""Mapping the EIDs heard now back to their beacons: pure, the time is passed in.

The backend keeps each EID beacon's clock by counting on from the `initial_time` it was registered
with. A beacon's clock drifts, so the table holds the EIDs of the current rotation period and of
`skew_periods` periods either side.
"""

from __future__ import annotations

from collections.abc import Iterable

from backend.storage import EidBeacon
from beacon_agent.contract.eid import eids_around

BEACON_CLOCK_MODULUS = 2**32
MAX_TABLE_WINDOW_S = 60.0


def beacon_clock(beacon: EidBeacon, server_time: float) -> int:
    """The beacon's clock (seconds) at `server_time`, counted on from registration."""
    elapsed = server_time - beacon.registered_at
    return max(0, int(beacon.initial_time + elapsed)) % BEACON_CLOCK_MODULUS


def eid_table(beacons: Iterable[EidBeacon], server_time: float, skew_periods: int) -> dict[bytes, EidBeacon]:
    table: dict[bytes, EidBeacon] = {}
    for beacon in beacons:
        clock = beacon_clock(beacon, server_time)
        for _, eid in eids_around(beacon.identity_key, beacon.rotation_exponent, clock, skew_periods):
            table[eid] = beacon
    return table


def table_window_s(beacons: Iterable[EidBeacon]) -> float:
    """How long one table stays good: a minute, or the shortest rotation period if that is shorter."""
    return min([MAX_TABLE_WINDOW_S, *(float(2**b.rotation_exponent) for b in beacons)])
