"""How a message is delivered and tried again: the webhook's signature and the backoff. Pure.

The webhook format (also in the README, "Alerts to people"):

- ``POST`` to the site's webhook URL, ``Content-Type: application/json``, the body as
  `messages.webhook_body` builds it;
- ``Nahbei-Timestamp``: the Unix second the request was signed (each attempt is signed anew);
- ``Nahbei-Signature``: ``sha256=`` and the lower-case hex HMAC-SHA256, keyed with the site's webhook
  secret (its UTF-8 bytes), of the timestamp, a full stop and the raw body: ``f"{timestamp}.".encode()
  + body``. A receiver recomputes it over the bytes it received, compares in constant time, and
  refuses a timestamp more than `TOLERANCE_S` from its own clock, so a recorded request cannot be
  replayed later;
- ``Nahbei-Delivery``: the message's id, the same on every attempt, so a receiver can drop a repeat.

A webhook reaches public addresses only, unless the `webhook_allow` setting names more
(`may_reach`): on an instance shared by many organisations, a webhook must not be a way to make the
server call into its own network.

Any 2xx answer is success; anything else, or no answer within the timeout, is tried again after
`retry_delay` and given up after `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Final

from backend.clients import Networks, ip_of

MAX_ATTEMPTS: Final = 8  # 1, 2, 4 ... 60 minutes apart: about 4 hours before giving up
FIRST_RETRY_S: Final = 60.0
LONGEST_RETRY_S: Final = 3600.0
TOLERANCE_S: Final = 300


def may_reach(address: str, allowed: Networks) -> bool:
    """Whether a webhook may be sent to the IP `address`: a public one, or one `allowed` names.

    Loopback, private, link-local, shared (CGNAT) and reserved addresses are not public."""
    ip = ip_of(address)
    return ip is not None and (ip.is_global or any(ip in network for network in allowed))


def is_address(host: str) -> bool:
    """Whether a URL's host is an IP address rather than a name (no resolver is asked for it)."""
    return ip_of(host) is not None


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1-based)."""
    return min(FIRST_RETRY_S * 2.0 ** min(attempts - 1, 20), LONGEST_RETRY_S)


def next_try(attempts: int, now: float) -> float | None:
    """When to try again after `attempts` failures; None: give up."""
    return None if attempts >= MAX_ATTEMPTS else now + retry_delay(attempts)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_headers(secret: str, delivery_id: int, now: float, body: bytes) -> dict[str, str]:
    timestamp = int(now)
    return {
        "Content-Type": "application/json",
        "Nahbei-Timestamp": str(timestamp),
        "Nahbei-Signature": signature(secret, timestamp, body),
        "Nahbei-Delivery": str(delivery_id),
    }


@dataclass(frozen=True, slots=True)
class Delivery:
    """A stored message still to be delivered; `secret` is its site's webhook secret at reading time
    (empty for mail), so a rotated secret signs the next attempt."""

    id: int
    site_id: int
    channel: str
    target: str
    subject: str
    body: str
    attempts: int
    secret: str
