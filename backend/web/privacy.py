"""`/s/{slug}/privacy`: a site's privacy notice (GDPR Art. 13), from its contact and what Nahbei does.

The notice states facts about the code, not hopes: nothing about visitors is stored, the address is
used in memory (a keyed hash for the rate limit), a position sent to `/v1/nearby` is used for the
answer and dropped, public pages set no cookie, and prompt events are hourly counts. What keeps those
statements true is `tests/test_privacy_notice.py`: it fails when a public request sets a cookie or
the schema gains a column nobody has said holds no visitor's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from backend.models import Site


@dataclass(frozen=True, slots=True)
class Controller:
    """Who answers for the data: the site's privacy contact, else the site's own name and address."""

    name: str
    address: str
    email: str
    dpo: str


def controller_of(site: Site) -> Controller:
    return Controller(
        name=site.privacy_controller or site.name,
        address=site.privacy_address or site.address,
        email=site.privacy_email,
        dpo=site.privacy_dpo,
    )


# What passes through the server, in the order a reader meets it (keys of `backend.web.words`). The
# address is always used: the rate limit and the per-client cap on counted events both key on it.
PROCESSED: Final = (
    "privacy.data.stored",
    "privacy.data.address",
    "privacy.data.position",
    "privacy.data.events",
)
