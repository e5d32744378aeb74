"""Retry delays: exponential backoff with full jitter, as a pure function.

"Full jitter" (Marc Brooker, AWS Architecture Blog, "Exponential Backoff And Jitter", 2015) draws the
delay uniformly from [0, min(cap, base * 2^attempt)). Compared with plain exponential backoff it
spreads clients that failed together (every agent of an organisation after a backend restart) so
they do not retry in lockstep, and it does the least total work of the variants that post compares.

The caller owns the attempt counter and the random generator, so the reporter is tested without
sleeping and a seeded ``random.Random`` replays a scenario exactly.
"""

from __future__ import annotations

import math
import random
from typing import Final

from beacon_agent.constants import BACKOFF_BASE_S, BACKOFF_CAP_S

__all__ = ["backoff_ceiling", "backoff_delay"]

# 2^64 times any sane base is far beyond any cap; stopping there keeps 2.0 ** attempt finite for
# counters that ran for months.
_MAX_DOUBLINGS: Final = 64


def backoff_ceiling(attempt: int, *, base_s: float = BACKOFF_BASE_S, cap_s: float = BACKOFF_CAP_S) -> float:
    """The upper bound of the delay before retry number ``attempt`` (0 for the first retry)."""
    _check(attempt, base_s, cap_s)
    return min(cap_s, base_s * 2.0 ** min(attempt, _MAX_DOUBLINGS))


def backoff_delay(
    attempt: int, rng: random.Random, *, base_s: float = BACKOFF_BASE_S, cap_s: float = BACKOFF_CAP_S
) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first): uniform in [0, ceiling).

    ``ValueError`` for a negative attempt, a base that is not positive or a cap below the base.
    """
    return rng.random() * backoff_ceiling(attempt, base_s=base_s, cap_s=cap_s)


def _check(attempt: int, base_s: float, cap_s: float) -> None:
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, got {attempt}")
    if not (math.isfinite(base_s) and base_s > 0):
        raise ValueError(f"base_s must be a finite number > 0, got {base_s!r}")
    if not (math.isfinite(cap_s) and cap_s >= base_s):
        raise ValueError(f"cap_s must be a finite number >= base_s, got {cap_s!r}")
