"""Alerts to people: a mail to a site's alert contacts and a signed webhook when its health turns
bad, and again when it recovers.

The rules (stated once, here):

- Watched conditions are `backend.health`'s SILENT, LOW_BATTERY, MOVED (per beacon), AGENT_SILENT
  and OUTBOX_FAILING (per agent). A condition is a key such as ``SILENT:beacon:3``.
- An episode opens when a condition is first seen bad, and closes once it has been seen good for
  `episodes.CLOSE_AFTER_GOOD_S` without turning bad again: a battery hovering at its threshold or an
  agent on a weak link makes one episode, not a message at every check.
- Each check of a site sends at most one message per channel and recipient, naming every episode
  that opened and closed in it; nothing is sent while nothing changes.
- Episodes and the messages they make are stored in one transaction, so a restart neither resends
  nor loses one; a message that fails is tried again with backoff (`deliveries`) and given up after
  `deliveries.MAX_ATTEMPTS`.

`episodes.py`, `messages.py` and `deliveries.py` are pure; `check.py` is the I/O shell: the periodic
check, the mail and the webhook calls.
"""
