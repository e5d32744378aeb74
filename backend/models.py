"""The admin API's models: what site staff send and get back.

Strict (unknown fields are an error) because the people typing these are volunteers, and a typo
should say so rather than be ignored. The app- and agent-facing models are in `beacon_agent.contract.wire`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    computed_field,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from backend import geo, slugs
from backend.schedule import ScheduleWindow, check_timezone
from backend.texts import clean_name, clean_text, looks_like_url, public_https_url
from beacon_agent.contract.keys import canonical_uuid
from beacon_agent.contract.wire import (
    MAX_TEXT,
    Lang,
    PromptEventType,
    PromptKind,
    SiteKind,
    SiteView,
    TxPower,
)

Hex = StringConstraints(pattern=r"^[0-9a-fA-F]+$", to_lower=True)
U16 = Annotated[int, Field(ge=0, le=0xFFFF)]
# Names and one-line texts: no control or bidi characters, something visible, NFC (see `backend.texts`).
Line = Annotated[str, AfterValidator(clean_name)]
Name = Annotated[Line, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
# Ids are SQLite rowids; this bound (18 digits) keeps any id a client sends inside SQLite's 64-bit
# INTEGER, in paths and bodies alike, so a huge one is a 422/404, not an overflow.
MAX_ID = 999_999_999_999_999_999
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
T = TypeVar("T")


def _refuse_null(value: T | None) -> T:
    if value is None:
        raise ValueError("leave the field out to keep its value; null is not a value it can take")
    return value


def _drop_null(schema: dict[str, Any]) -> None:
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    schema.pop("default", None)
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


# A PATCH field that may be left out (its value stays) but is never null: null would erase a value
# that every site, beacon, prompt and agent must have. Fields that may be empty stay `X | None`.
Omittable = Annotated[T | None, AfterValidator(_refuse_null), Field(json_schema_extra=_drop_null)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# --- sites ---------------------------------------------------------------------------------------

Slug = Annotated[
    str,
    StringConstraints(pattern=slugs.PATTERN, min_length=slugs.MIN_LENGTH, max_length=slugs.MAX_LENGTH),
    Field(
        description="The site's public address, /s/{slug}: lower-case letters, digits and hyphens, 3-40 "
        "characters, unique. Printed on posters: changing it makes the old address answer 404."
    ),
]
Email = Annotated[
    str, StringConstraints(pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254, strip_whitespace=True)
]


class PrivacyContact(Strict):
    """Who answers for the data, as the site's privacy notice (GDPR Art. 13) names them."""

    privacy_controller: Line = Field(
        "",
        max_length=200,
        description="The controller: the organisation's legal name. Empty: the site's name.",
    )
    privacy_email: Email = Field("", description="Where people write about their data.")
    privacy_address: Line = Field(
        "", max_length=500, description="The controller's postal address. Empty: the site's address."
    )
    privacy_dpo: Line = Field(
        "", max_length=500, description="The data protection officer's name and contact, if there is one."
    )


class SiteFields(Strict):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)

    @model_validator(mode="after")
    def _finite(self) -> SiteFields:
        geo.check_lat_lon(self.lat, self.lon)
        return self


class SiteIn(SiteFields, PrivacyContact):
    name: Name
    slug: Slug | None = Field(None, description="Empty: made from the name, e.g. hospiz-am-park.")
    timezone: str = Field("Europe/Berlin", max_length=64, description="IANA time zone of the site.")
    default_lang: Lang = "de"
    kind: SiteKind = SiteKind.OTHER
    address: Line = Field("", max_length=500)
    opening_hours: Line = Field(
        "", max_length=200, description='Shown on the public page as typed, e.g. "Mo-Fr 9-17 Uhr".'
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)


class SitePatch(Strict):
    name: Omittable[Name] = None
    slug: Omittable[Slug] = None
    privacy_controller: Omittable[Line] = Field(None, max_length=200)
    privacy_email: Omittable[Email] = None
    privacy_address: Omittable[Line] = Field(None, max_length=500)
    privacy_dpo: Omittable[Line] = Field(None, max_length=500)
    lat: Omittable[float] = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: Omittable[float] = Field(None, ge=-180, le=180, allow_inf_nan=False)
    timezone: Omittable[str] = Field(None, max_length=64)
    default_lang: Omittable[Lang] = None
    kind: Omittable[SiteKind] = None
    address: Omittable[Line] = Field(None, max_length=500)
    opening_hours: Omittable[Line] = Field(None, max_length=200)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


# What the app sees of a site, and what only its staff see. (A comment, not a docstring: the
# OpenAPI document would show one.)
class Site(SiteView):
    ibeacon_major: int | None = Field(description="The major allocated to this site's iBeacons, if any.")
    privacy_controller: str
    privacy_email: str
    privacy_address: str
    privacy_dpo: str


class SiteList(BaseModel):
    sites: list[Site]


# --- the organisation ----------------------------------------------------------------------------


class Org(BaseModel):
    id: int
    name: str
    link_domains: list[str] = Field(
        description="The domains (and their subdomains) this organisation's action links may go to, as the "
        "instance's operator set them; empty: any public https address."
    )


# --- beacons -------------------------------------------------------------------------------------


class BeaconCommon(Strict):
    label: Line = Field("", max_length=200)
    tx_power: TxPower = Field(-59, description="Measured power at 1 m, dBm, as the beacon advertises it.")


class IBeaconIn(BeaconCommon):
    kind: Literal["ibeacon"]
    # Any common spelling of a UUID is read; the document shows the canonical one.
    uuid: str | None = Field(None, max_length=40, json_schema_extra={"format": "uuid"})
    major: U16 | None = None
    minor: U16 | None = None
    allocate: bool = Field(False, description="Let the service choose uuid/major/minor (few app regions).")

    @field_validator("uuid")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        return None if value is None else canonical_uuid(value)

    @model_validator(mode="after")
    def _complete(self) -> IBeaconIn:
        given = [self.uuid is not None, self.major is not None, self.minor is not None]
        if self.allocate and any(given):
            raise ValueError("give either allocate: true or uuid, major and minor, not both")
        if not self.allocate and not all(given):
            raise ValueError("uuid, major and minor are required unless allocate is true")
        return self


class AltBeaconIn(BeaconCommon):
    kind: Literal["altbeacon"]
    id1: str = Field(max_length=40, json_schema_extra={"format": "uuid"})
    id2: U16
    id3: U16

    @field_validator("id1")
    @classmethod
    def _uuid(cls, value: str) -> str:
        return canonical_uuid(value)


class EddystoneUidIn(BeaconCommon):
    kind: Literal["eddystone-uid"]
    namespace: Annotated[str, Hex, StringConstraints(min_length=20, max_length=20)]
    instance: Annotated[str, Hex, StringConstraints(min_length=12, max_length=12)]


class EddystoneEidIn(BeaconCommon):
    kind: Literal["eddystone-eid"]
    identity_key: Annotated[str, Hex, StringConstraints(min_length=32, max_length=32)]
    rotation_exponent: int = Field(ge=0, le=15, description="K: the EID changes every 2^K s of beacon clock.")
    initial_time: int = Field(ge=0, lt=2**32, description="The beacon's clock, in seconds, now.")


BeaconIn = Annotated[IBeaconIn | AltBeaconIn | EddystoneUidIn | EddystoneEidIn, Field(discriminator="kind")]

BeaconStatus = Literal["active", "inactive", "decommissioned"]


class BeaconPatch(Strict):
    label: Omittable[Line] = Field(None, max_length=200)
    tx_power: Omittable[TxPower] = None
    status: Omittable[Literal["active", "inactive"]] = None


class Beacon(BaseModel):
    id: int
    site_id: int
    kind: str
    key: str | None = Field(description="Canonical key; null for EID beacons, whose key rotates.")
    label: str
    tx_power: int
    status: BeaconStatus
    identity: dict[str, Any] = Field(description="The kind's identity fields (never the EID identity key).")


class BeaconList(BaseModel):
    beacons: list[Beacon]


# A vendor's list or a federation's hundreds; the staff pages' CSV import takes as many rows.
MAX_IMPORT: Final = 2000


class BeaconImport(Strict):
    beacons: list[BeaconIn] = Field(
        min_length=1,
        max_length=MAX_IMPORT,
        description="Registered all together or, if any is refused, none.",
    )


# --- prompts -------------------------------------------------------------------------------------


def _words(label: str) -> str:
    if looks_like_url(label):
        raise ValueError("a button label is words (such as 'Mehr erfahren'), not a link")
    return label


class PromptText(Strict):
    title: Line = Field(min_length=1, max_length=120)
    body: Annotated[str, AfterValidator(lambda v: clean_text(v, lines=True))] = Field("", max_length=MAX_TEXT)
    action_label: Annotated[Line, AfterValidator(_words)] = Field(
        "", max_length=60, description="Empty: the app shows a default label in the text's language."
    )


# A public https address; its host is stored in ASCII (punycode) form (see `backend.texts`).
HttpsUrl = Annotated[
    str,
    StringConstraints(pattern=r"^https://[^\s/$.?#][^\s]*$", max_length=2000),
    AfterValidator(public_https_url),
]


class _LanguageMap:
    """A map by language tag as client generators read one: values in `additionalProperties`, the tag's
    pattern in `propertyNames`. They ignore `patternProperties`, so a generated client sent empty texts."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(core)
        ((pattern, value),) = json_schema.pop("patternProperties").items()
        json_schema["additionalProperties"] = value
        json_schema["propertyNames"] = {**json_schema.get("propertyNames", {}), "pattern": pattern}
        return json_schema


# The texts of a prompt, by language.
Texts = Annotated[dict[Lang, PromptText], _LanguageMap]
PromptStatus = Literal["draft", "published", "archived"]


class PromptFields(Strict):
    @model_validator(mode="after")
    def _dates(self) -> PromptFields:
        start, end = getattr(self, "valid_from", None), getattr(self, "valid_until", None)
        if start is not None and end is not None and end <= start:
            raise ValueError("valid_until must be after valid_from")
        return self


class PromptIn(PromptFields):
    kind: PromptKind
    texts: Texts = Field(min_length=1, max_length=20)
    action_url: HttpsUrl | None = None
    status: PromptStatus = "draft"
    max_distance_m: float | None = Field(None, gt=0, le=10_000)
    cooldown_s: int = Field(3600, ge=0, le=30 * 86400)
    priority: int = Field(0, ge=-1000, le=1000, description="Higher first.")
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    schedule: list[ScheduleWindow] | None = Field(None, max_length=28)


class PromptPatch(PromptFields):
    kind: Omittable[PromptKind] = None
    texts: Omittable[Texts] = Field(None, min_length=1, max_length=20)
    action_url: HttpsUrl | None = None
    status: Omittable[PromptStatus] = None
    max_distance_m: float | None = Field(None, gt=0, le=10_000)
    cooldown_s: Omittable[int] = Field(None, ge=0, le=30 * 86400)
    priority: Omittable[int] = Field(None, ge=-1000, le=1000)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    schedule: list[ScheduleWindow] | None = Field(None, max_length=28)


class Prompt(BaseModel):
    id: int
    site_id: int
    kind: PromptKind
    texts: dict[str, PromptText]
    action_url: str | None
    status: PromptStatus
    max_distance_m: float | None
    cooldown_s: int
    priority: int
    valid_from: datetime | None
    valid_until: datetime | None
    schedule: list[ScheduleWindow] | None

    @computed_field(  # type: ignore[prop-decorator]
        description="Said when phones are never shown this prompt because of its status (a draft, as "
        "every new prompt is unless created published, or archived), with how to publish it; null once "
        "published."
    )
    @property
    def notice(self) -> str | None:
        if self.status == "published":
            return None
        return (
            f"{self.status}: never shown to phones; publish with PATCH "
            f'/v1/admin/sites/{self.site_id}/prompts/{self.id} {{"status": "published"}}'
        )


class PromptList(BaseModel):
    prompts: list[Prompt]


# --- agents --------------------------------------------------------------------------------------


class AgentIn(Strict):
    name: Name
    advertise_beacon_id: RowId | None = Field(None, description="A beacon of this site the agent advertises.")


class AgentPatch(Strict):
    name: Omittable[Name] = None
    advertise_beacon_id: RowId | None = Field(None, description="null: advertise nothing.")
    revoked: Omittable[bool] = Field(None, description="true withdraws the token for good.")


class Agent(BaseModel):
    id: int
    site_id: int
    name: str
    advertise_beacon_id: int | None
    revoked: bool
    last_heartbeat: datetime | None
    heartbeat: dict[str, Any] | None


class AgentCreated(Agent):
    token: str = Field(description="Shown once; only its hash is stored.")


class AgentList(BaseModel):
    agents: list[Agent]


# --- health and stats ----------------------------------------------------------------------------


class BeaconHealth(BaseModel):
    beacon_id: int
    label: str
    key: str | None
    status: BeaconStatus
    last_seen: datetime | None
    sightings_last_hour: int
    battery_mv: int | None
    alerts: list[str]


class AgentHealth(BaseModel):
    agent_id: int
    name: str
    last_heartbeat: datetime | None
    heartbeat: dict[str, Any] | None
    alerts: list[str]


# --- the distance model --------------------------------------------------------------------------

PathLossExponent = Annotated[float, Field(ge=1.5, le=5.0, allow_inf_nan=False)]


class AgentDistance(Strict):
    """ "The agent is 4 m from the entrance beacon": typed once, the agents calibrate from it."""

    agent_id: RowId
    beacon_id: RowId
    distance_m: float = Field(
        ge=0.5, le=100, allow_inf_nan=False, description="Metres between the agent and the beacon."
    )


class DistanceModelIn(Strict):
    path_loss_exponent: PathLossExponent | None = Field(
        None,
        description="n for this site until its agents have fitted one; none: the service's setting.",
    )
    agent_distances: list[AgentDistance] = Field(default_factory=list, max_length=200)


class CalibrationPair(BaseModel):
    agent_id: int
    beacon_id: int
    distance_m: float
    windows: int
    median_rssi_below_power_db: float = Field(description="Median of tx_power - rssi at that distance.")
    spread_db: float = Field(description="Median absolute deviation of the windows around it.")
    moved: bool


class Calibration(BaseModel):
    """What the agents taught: the fit, and how sure it is."""

    status: Literal["no_distances", "too_few_windows", "too_near", "exponent", "exponent_and_power"]
    path_loss_exponent: float | None = Field(description="The fitted n; none until trusted.")
    tx_power: dict[str, float] = Field(
        description="Fitted power at 1 m by beacon id: heard at two distances, or only from within 2 m."
    )
    windows: int
    spread_db: float | None
    pairs: list[CalibrationPair]


class DistanceModel(DistanceModelIn):
    site_id: int
    in_use: float = Field(description="The path-loss exponent resolve uses now.")
    source: Literal["fitted", "typed", "street", "default"] = Field(
        description="Where it comes from: the agents' fit, staff, the phones between this site and its "
        "neighbours (learnt by this server process), or the server's setting."
    )
    calibration: Calibration


class SiteHealth(BaseModel):
    site_id: int
    checked_at: datetime
    beacons: list[BeaconHealth]
    agents: list[AgentHealth]
    distance_model: DistanceModel | None = None
    alerts: list[str] = Field(
        description="Every alert of the site, as `ALERT:beacon:<id>` or `ALERT:agent:<id>`."
    )


class StatsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    since: AwareDatetime | None = Field(None, description="Default: 7 days ago.")
    until: AwareDatetime | None = Field(None, description="Default: now.")


class HourlySightings(BaseModel):
    hour: datetime
    beacon_key: str
    sightings: int
    advertisements: int


class HourlyEvents(BaseModel):
    hour: datetime
    prompt_id: int
    type: PromptEventType
    count: int


class SiteStats(BaseModel):
    site_id: int
    since: datetime
    until: datetime
    sightings: list[HourlySightings]
    prompt_events: list[HourlyEvents]
