"""The distance model every Nahbei program uses: how far a beacon is, from how strongly it is heard.

One function and one set of bounds, so that the agent's estimate in a sighting, the backend's in
`resolve` and the simulated phone's agree to the centimetre the wire carries.
"""

from __future__ import annotations

import math
from typing import Final

from beacon_agent.contract.frame_types import AltBeacon, EddystoneEid, EddystoneUid, Frame, IBeacon

# The Eddystone specification calibrates tx power at 0 m and says to subtract 41 dB for 1 m (the loss
# over the first metre at 2.4 GHz); iBeacon and AltBeacon already send the power at 1 m. The wire
# and the distance model mean "measured power at 1 m", so Eddystone values are converted.
EDDYSTONE_0M_TO_1M_DB: Final = 41

# The wire's range for RSSI and tx power (wire.Rssi / TxPower). A decoded tx power outside it (a
# misconfigured beacon, or vendor data in the power byte) is dropped, not clamped: a clamped value is
# a wrong value, while none lets the backend use the beacon's registered power.
DBM_MIN: Final = -127
DBM_MAX: Final = 20

# n in d = 10^((tx_power - rssi) / (10 n)): 2 is free space; the agent's and the backend's default.
PATH_LOSS_EXPONENT: Final = 2.0

# The model means nothing below a centimetre or beyond Bluetooth's reach; the wire caps a sighting's
# distance at the same 10 km.
MIN_DISTANCE_M: Final = 0.01
MAX_DISTANCE_M: Final = 10_000.0
_LOG_MIN: Final = math.log10(MIN_DISTANCE_M)
_LOG_MAX: Final = math.log10(MAX_DISTANCE_M)


def estimate_distance_m(
    rssi: float | None, tx_power: float | None, path_loss_exponent: float = PATH_LOSS_EXPONENT
) -> float | None:
    """Distance from signal strength by the log-distance model, d = 10^((tx_power - rssi) / (10·n)).

    tx_power is the measured power at 1 m. None when either reading is missing: the distance is
    then unknown, not zero. The answer is clamped to [MIN_DISTANCE_M, MAX_DISTANCE_M].
    """
    if not (math.isfinite(path_loss_exponent) and path_loss_exponent > 0.0):
        raise ValueError(f"path-loss exponent must be a finite number > 0, got {path_loss_exponent!r}")
    if rssi is None or tx_power is None:
        return None
    if not (math.isfinite(rssi) and math.isfinite(tx_power)):
        raise ValueError(f"rssi and tx_power must be finite, got {rssi!r} and {tx_power!r}")
    # Clamping the exponent, not the result, keeps 10 ** x from overflowing on absurd inputs.
    log_d = min(max((tx_power - rssi) / (10.0 * path_loss_exponent), _LOG_MIN), _LOG_MAX)
    return min(max(math.pow(10.0, log_d), MIN_DISTANCE_M), MAX_DISTANCE_M)


def tx_power_at_1m(frame: Frame) -> int | None:
    """The frame's measured power at 1 m in dBm, or None if it has none or it is outside the wire's range.

    Eddystone sends the power at 0 m (41 dB more, by its specification); iBeacon and AltBeacon at 1 m.
    """
    if isinstance(frame, (EddystoneUid, EddystoneEid)):
        power = frame.tx_power - EDDYSTONE_0M_TO_1M_DB
    elif isinstance(frame, IBeacon):
        power = frame.tx_power
    elif isinstance(frame, AltBeacon):
        power = frame.ref_rssi
    else:
        return None
    return power if DBM_MIN <= power <= DBM_MAX else None
