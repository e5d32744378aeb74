"""The wire contract of API v1: what agents, phones and the backend say to each other.

This is the one definition of every model that crosses the network; the backend, the agent and the
simulator all import it (it lives in the agent's package, in `contract/`, because the agent must
not import the backend). Caps are constants here so that the OpenAPI document, the validators and the clients
agree.

Models a client sends ignore fields they do not know, so an agent or app newer than the backend
keeps working; the admin API (backend only) is strict instead, to catch typos.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from beacon_agent.contract.distance import DBM_MAX, DBM_MIN, MAX_DISTANCE_M
from beacon_agent.contract.keys import KEY_PATTERN

MAX_OBSERVATIONS: Final = 50
MAX_SIGHTINGS_PER_BATCH: Final = 5000
MAX_RADIUS_M: Final = 50_000.0
MAX_LIMIT: Final = 100
DEFAULT_LIMIT: Final = 20
MAX_TEXT: Final = 2000

BeaconKey = Annotated[
    str,
    StringConstraints(pattern=KEY_PATTERN, max_length=80),
    Field(description="Canonical beacon key, e.g. `ibeacon:<uuid>:<major>:<minor>` (lower case)."),
]
Rssi = Annotated[int, Field(ge=DBM_MIN, le=DBM_MAX, description="Received signal strength, dBm.")]
TxPower = Annotated[int, Field(ge=DBM_MIN, le=DBM_MAX, description="Measured power at 1 m, dBm.")]
Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", max_length=16)]


class ClientModel(BaseModel):
    """A body sent by an app or an agent: unknown fields are ignored for forward compatibility."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)


class PromptKind(StrEnum):
    VOLUNTEER = "volunteer"
    DONATE = "donate"
    EVENT = "event"
    INFO = "info"


class SiteKind(StrEnum):
    HOSPICE = "hospice"
    FOOD_BANK = "food_bank"
    SPORTS_CLUB = "sports_club"
    COMMUNITY_CENTRE = "community_centre"
    SHELTER = "shelter"
    OTHER = "other"


# --- what the app sees ---------------------------------------------------------------------------


class Action(BaseModel):
    label: str
    url: str


class PromptView(BaseModel):
    """A prompt as the companion app shows it, in one language."""

    id: int
    kind: PromptKind
    title: str
    body: str
    action: Action | None
    lang: str
    cooldown_s: int = Field(description="Do not show this prompt again to the same phone within this time.")
    max_distance_m: float | None = Field(description="Show only when the estimated distance is at most this.")
    valid_until: datetime | None
    site_id: int


class SiteView(BaseModel):
    id: int
    name: str
    kind: SiteKind
    lat: float
    lon: float
    address: str
    timezone: str
    default_lang: str
    slug: str = Field(description="The site's public page is /s/{slug}; its poster /s/{slug}/poster.pdf.")
    opening_hours: str = Field(
        "", description='A short line staff typed, e.g. "Mo-Fr 9-17 Uhr"; empty if none.'
    )


class SiteWithPrompts(BaseModel):
    site: SiteView
    distance_m: float | None = Field(description="Estimated distance from the phone; null when unknown.")
    prompts: list[PromptView]


class SitesAnswer(BaseModel):
    """Answer of `resolve`, `nearby`: sites nearest first."""

    sites: list[SiteWithPrompts]


class Observation(ClientModel):
    beacon: BeaconKey
    rssi: Rssi | None = None
    tx_power: TxPower | None = Field(default=None, description="Overrides the registered measured power.")


class ResolveRequest(ClientModel):
    observations: list[Observation] = Field(min_length=1, max_length=MAX_OBSERVATIONS)
    lang: Lang | None = None


class NearbyQuery(ClientModel):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    radius_m: float = Field(1000.0, gt=0, le=MAX_RADIUS_M, allow_inf_nan=False)
    kind: SiteKind | None = None
    lang: Lang | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class LangQuery(ClientModel):
    lang: Lang | None = None


class Region(BaseModel):
    kind: Literal["ibeacon", "altbeacon", "eddystone-uid", "eddystone-eid"]
    id: str = Field(description="iBeacon/AltBeacon UUID or Eddystone namespace; empty for EID.")


class RegionsAnswer(BaseModel):
    regions: list[Region]


class PromptEventType(StrEnum):
    SHOWN = "shown"
    OPENED = "opened"
    DISMISSED = "dismissed"
    ACTED = "acted"


class PromptEvent(ClientModel):
    type: PromptEventType


# --- what the agent says -------------------------------------------------------------------------


class Telemetry(ClientModel):
    """Eddystone-TLM content; plain or, when encrypted, passed on as-is."""

    version: int | None = Field(default=None, ge=0, le=255)
    battery_mv: int | None = Field(default=None, ge=0, le=0xFFFF)
    temperature_c: float | None = Field(default=None, ge=-128, le=128)
    adv_count: int | None = Field(default=None, ge=0, le=0xFFFFFFFF)
    uptime_s: float | None = Field(default=None, ge=0, le=0xFFFFFFFF)
    etlm: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{0,64}$")] | None = None
    salt: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{0,8}$")] | None = None
    mic: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{0,8}$")] | None = None


class Sighting(ClientModel):
    """What one agent heard from one beacon during one flush window."""

    beacon: BeaconKey
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    count: int = Field(ge=1, le=1_000_000)
    rssi_max: Rssi
    rssi_mean: float = Field(ge=DBM_MIN, le=DBM_MAX)
    rssi_smoothed: float | None = Field(default=None, ge=DBM_MIN, le=DBM_MAX)
    distance_m: float | None = Field(default=None, ge=0, le=MAX_DISTANCE_M)
    tx_power: TxPower | None = None
    telemetry: Telemetry | None = None


class SightingBatch(ClientModel):
    batch_id: UUID = Field(description="Chosen by the agent; a batch sent again is stored once.")
    sightings: list[Sighting] = Field(min_length=1, max_length=MAX_SIGHTINGS_PER_BATCH)
    sent_at: AwareDatetime | None = Field(
        default=None,
        description=(
            "The agent's clock when it sent this request (not when it stored the batch). When it is "
            "more than 60 s off the server's clock, the server moves every time in the batch by that "
            "offset, so a Pi whose clock is not set yet files its sightings at the right time while "
            "old sightings replayed after an outage keep their age. Without it, only sightings ending "
            "more than 300 s in the future or before 2020 are refiled, as just ended."
        ),
    )


class SightingAck(BaseModel):
    accepted: int = Field(description="Sighting records stored from this request.")
    # Defaulted so an agent reading an older backend's answer still understands it.
    ignored: int = Field(
        0,
        description="Sightings of this request not stored because their beacon is not one of the agent's "
        "site (another site's, another organisation's, unknown); 0 for a duplicate. They are not sent again.",
    )
    duplicate: bool
    prompts: list[PromptView]


class ScannerState(StrEnum):
    SCANNING = "scanning"
    RESTARTING = "restarting"
    STOPPED = "stopped"
    NO_ADAPTER = "no_adapter"
    DISABLED = "disabled"


class Heartbeat(ClientModel):
    version: str = Field(max_length=40)
    uptime_s: float = Field(ge=0, le=1e10)
    scanner: ScannerState
    outbox_depth: int = Field(ge=0, le=1 << 40)
    dropped: int = Field(ge=0, le=1 << 40, description="Sightings a full outbox had to drop, since start.")
    set_aside: int = Field(
        default=0, ge=0, le=1 << 40, description="Batches the backend refused, kept aside."
    )
    outbox_error: str | None = Field(
        default=None,
        max_length=300,
        description="Why the agent cannot write its outbox right now (e.g. a full disk); sightings "
        "are held in memory meanwhile. Absent when the outbox is fine.",
    )


class AdvertiseIBeacon(BaseModel):
    kind: Literal["ibeacon"]
    uuid: str
    major: int
    minor: int
    tx_power: int


class AdvertiseEddystoneUid(BaseModel):
    kind: Literal["eddystone-uid"]
    namespace: str
    instance: str
    tx_power: int


class AdvertiseEddystoneEid(BaseModel):
    kind: Literal["eddystone-eid"]
    identity_key: str = Field(description="32 hex digits, the beacon's AES-128 identity key.")
    rotation_exponent: int
    beacon_time: int = Field(description="The beacon clock, in seconds, at `server_time`.")
    tx_power: int


class AdvertiseAltBeacon(BaseModel):
    kind: Literal["altbeacon"]
    id1: str
    id2: int
    id3: int
    tx_power: int


Advertise = Annotated[
    AdvertiseIBeacon | AdvertiseAltBeacon | AdvertiseEddystoneUid | AdvertiseEddystoneEid,
    Field(discriminator="kind"),
]


class HeartbeatAck(BaseModel):
    server_time: datetime
    advertise: Advertise | None


# --- errors --------------------------------------------------------------------------------------


class FieldError(BaseModel):
    loc: list[str | int] = Field(description='Path to the field, e.g. ["observations", 0, "beacon"].')
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None
