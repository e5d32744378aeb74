"""Conversions between stored rows and models, shared by every storage implementation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from backend.models import AltBeaconIn, BeaconIn, EddystoneEidIn, EddystoneUidIn, IBeaconIn, Prompt, Site
from beacon_agent import keys


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


def site_from_row(row: Sequence[Any]) -> Site:
    return Site(
        id=row[0],
        name=row[1],
        kind=row[2],
        lat=row[3],
        lon=row[4],
        address=row[5],
        timezone=row[6],
        default_lang=row[7],
        ibeacon_major=row[8],
    )


def prompt_from_row(row: Sequence[Any]) -> Prompt:
    """Prompts are stored as their validated admin body (JSON) beside id and site."""
    return Prompt.model_validate({**json.loads(row[2]), "id": row[0], "site_id": row[1]})
