"""When a sighting happened, on the server's clock: an agent's clock can be far off.

A Raspberry Pi has no real-time clock. Until NTP answers it runs at 1970, or at the time
fake-hwclock saved at the last shutdown (hours or weeks behind), and a wrong NTP source can put it
ahead. Sightings stamped by such a clock would be filed at the wrong hour, in the wrong roll-up, and
an Eddystone-EID would be looked up at the wrong moment of its rotation.

The rule, applied to each sighting of a batch (`on_server_clock`):

1. The agent says what its clock read when it sent the batch (`SightingBatch.sent_at`). Its
   offset from the server's clock at receipt is measured; beyond `MAX_AGENT_SKEW_S` either way,
   every time in the batch is moved by that offset. The distance between a sighting and the send
   is kept, so sightings replayed from the outbox after a long outage keep their real age, on any
   clock. Within the threshold (network delay, ordinary drift) times are left as the agent wrote
   them.
2. Whatever the batch says, a sighting cannot end more than `MAX_FUTURE_S` after the server's now
   nor before `EARLIEST` (long before Nahbei existed, e.g. 1970 after a boot without a clock): such
   a window is filed as just ended at the server's now, keeping its length. This is the only help
   agents that do not send `sent_at` get, and it catches a clock corrected between hearing and
   sending.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

# Above the reporter's 30 s request timeout (the most a send can take) and ordinary drift; a Pi
# without NTP is hours or decades outside it.
MAX_AGENT_SKEW_S: Final = 60.0
# A sighting ending further ahead of the server than this has an agent clock that is not believed.
MAX_FUTURE_S: Final = 300.0
# Before any Nahbei agent ran: a sighting ending earlier was stamped by a clock that was not set.
EARLIEST: Final = datetime(2020, 1, 1, tzinfo=UTC)
_EARLIEST_S: Final = EARLIEST.timestamp()


def agent_offset(sent_at: datetime | None, now: float) -> float:
    """Seconds the agent's clock is ahead of the server's (negative: behind) when that is beyond
    `MAX_AGENT_SKEW_S`; 0.0 when it is within, or the agent did not say (`sent_at` is None)."""
    if sent_at is None:
        return 0.0
    offset = sent_at.timestamp() - now
    return offset if abs(offset) > MAX_AGENT_SKEW_S else 0.0


def on_server_clock(first: float, last: float, now: float, offset: float) -> tuple[float, float]:
    """A sighting's window (`first`, `last`, Unix seconds as the agent stamped them) on the server's
    clock: moved back by `offset` (from `agent_offset`), then, if it still ends in the future or
    before `EARLIEST`, filed as just ended at `now`. Plain floats: ingest applies this to every
    sighting of a batch, and a datetime per time cost more than the rest of the rule."""
    if offset:
        first, last = first - offset, last - offset
    if last - now > MAX_FUTURE_S or last < _EARLIEST_S:
        # No window reaches back before 1970 (a first_seen in year 1 would push it before year 1).
        span = min(max(0.0, last - first), now)
        return now - span, now
    return first, last
