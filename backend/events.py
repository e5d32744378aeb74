"""Which prompt events are counted: pure rules, the clock is passed in.

An event counts only for a prompt a phone could have been shown: published, of an existing site, and
current now or a short while ago (`SHOWN_GRACE_S`). Every other prompt id is answered like one that
does not exist, so ids cannot be told apart by trying them. Counted events are capped per client, per
prompt and event type and across all prompts: a client spreading fake events over many prompts
inflates no more than one honest phone could.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from backend.prompts import Timed
from backend.ratelimit import RateLimiter, share
from backend.schedule import is_current, next_change

# A phone sends `acted` when its user comes back from the prompt's link and `dismissed` when the card
# is swiped away, minutes after it was shown; a prompt that stopped being current meanwhile (its
# schedule window closed, its validity ended) still counts for this long.
SHOWN_GRACE_S: Final = 15 * 60


def could_have_been_shown(
    prompt: Timed, timezone: str, now: datetime, grace_s: float = SHOWN_GRACE_S
) -> bool:
    """Whether the prompt was current at some moment of the last `grace_s` seconds up to `now`."""
    since = now - timedelta(seconds=grace_s)
    status, start, until, schedule = prompt.status, prompt.valid_from, prompt.valid_until, prompt.schedule
    if is_current(
        status=status, valid_from=start, valid_until=until, schedule=schedule, timezone=timezone, now=since
    ):
        return True
    # Not current then: it was since if it became current before now.
    change = next_change(
        status=status, valid_from=start, valid_until=until, schedule=schedule, timezone=timezone, now=since
    )
    return change is not None and change <= now


class EventCaps:
    """Per-client token buckets for counting events: per prompt and type, and over all prompts.

    `workers` processes each count their share (`backend.ratelimit.share`), so together they count no
    more than the caps.
    """

    def __init__(self, per_prompt_per_hour: int, all_prompts_per_hour: int, workers: int = 1) -> None:
        self._per_prompt = RateLimiter(*share(per_prompt_per_hour / 3600.0, per_prompt_per_hour, workers))
        self._overall = RateLimiter(*share(all_prompts_per_hour / 3600.0, all_prompts_per_hour, workers))

    def count(self, client: bytes, prompt_id: int, type: str, now: float) -> bool:
        """Whether this event is counted; each cap is spent only by events that pass the one before."""
        if self._per_prompt.take((client, prompt_id, type), now) is not None:
            return False
        return self._overall.take(client, now) is None
