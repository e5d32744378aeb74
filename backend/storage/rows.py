"""Conversions between stored rows and models, shared by every storage implementation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pydantic_core import from_json

from backend.models import AltBeaconIn, BeaconIn, EddystoneEidIn, EddystoneUidIn, IBeaconIn, Prompt
from backend.schedule import ScheduleWindow
from beacon_agent.contract import keys


def utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def hour_of(ts: float) -> float:
    """The Unix second at which the UTC hour holding `ts` starts."""
    return float(int(ts // 3600) * 3600)


def beacon_key(beacon: BeaconIn) -> str | None:
    """The canonical key of a beacon being registered; None for EID beacons, whose key rotates."""
    match beacon:
        case IBeaconIn(uuid=str(uuid), major=int(major), minor=int(minor)):
            return keys.ibeacon_key(uuid, major, minor)
        case AltBeaconIn():
            return keys.altbeacon_key(beacon.id1, beacon.id2, beacon.id3)
        case EddystoneUidIn():
            return keys.eddystone_uid_key(beacon.namespace, beacon.instance)
        case EddystoneEidIn():
            return None
    raise ValueError(f"cannot make a key for {beacon!r}")


def beacon_identity(beacon: BeaconIn) -> dict[str, Any]:
    """The identity fields an admin may see again; an EID's identity key is not among them."""
    secret = {"kind", "label", "tx_power", "allocate", "identity_key"}
    return {k: v for k, v in beacon.model_dump().items() if k not in secret}


def prompt_from_body(prompt_id: int, site_id: int, body: str) -> Prompt:
    """Prompts are stored as their validated admin body (JSON) beside id and site."""
    return Prompt.model_validate({**json.loads(body), "id": prompt_id, "site_id": site_id})


class SiteRow(NamedTuple):
    """The public columns of a site, as read for an answer: no model, no validation (stored valid).

    The hot path's pydantic-free twin of `SiteView` (the public part of `Site`): a test keeps their
    fields equal, and the stores select its columns by these names.
    """

    id: int
    name: str
    kind: str
    lat: float
    lon: float
    address: str
    timezone: str
    default_lang: str
    slug: str
    opening_hours: str


class StoredPrompt(NamedTuple):
    """A stored prompt decoded for the public answers without pydantic (~25 µs less per prompt).

    The body was validated by `PromptIn` when it was written, so only its types are restored:
    datetimes from their ISO text, schedule windows (rare, a few) through their model.
    """

    id: int
    site_id: int
    kind: str
    texts: dict[str, dict[str, str]]
    action_url: str | None
    status: str
    max_distance_m: float | None
    cooldown_s: int
    priority: int
    valid_from: datetime | None
    valid_until: datetime | None
    schedule: list[ScheduleWindow] | None


# What a site's public answer is built from: its public columns and all its prompts, any status.
SiteMaterial = tuple[SiteRow, list[StoredPrompt]]
# The material of some of the sites a search found, decoded from what the search read only when asked:
# most found sites have their card cached, and decoding their prompts would be wasted.
MaterialOf = Callable[[Iterable[int]], dict[int, SiteMaterial]]


def stored_prompt(prompt_id: int, site_id: int, body: str) -> StoredPrompt:
    fields = from_json(body)
    schedule = fields.get("schedule")
    return StoredPrompt(
        prompt_id,
        site_id,
        fields["kind"],
        fields["texts"],
        fields.get("action_url"),
        fields["status"],
        fields.get("max_distance_m"),
        fields["cooldown_s"],
        fields["priority"],
        _datetime(fields.get("valid_from")),
        _datetime(fields.get("valid_until")),
        None if schedule is None else [ScheduleWindow.model_validate(w) for w in schedule],
    )


def _datetime(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
