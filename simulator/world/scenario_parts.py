"""The pieces of a scenario and their own rules: sites, beacons, prompts, walkers, the radio, the app.

Strict pydantic models (no type coercion, unknown fields are errors) read from TOML. Positions are
metres east (x) and north (y) of the scenario's origin. ``simulator.world.scenario`` puts the pieces together
and checks what refers to what.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    WithJsonSchema,
    model_validator,
)

from backend.models import HttpsUrl, PromptText
from backend.schedule import ScheduleWindow, check_timezone
from beacon_agent.contract.keys import altbeacon_key, canonical_uuid, eddystone_uid_key, ibeacon_key
from beacon_agent.contract.wire import Lang, PromptKind, SiteKind

COPY_OF_PATTERN: Final = r"^.+/[0-9]+$"


def _point(value: object) -> object:
    # TOML arrays arrive as lists; strict validation of the tuple then checks the two numbers.
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ValueError(f"must be [x, y] in metres (got {len(value)} numbers)")
        return tuple(value)
    raise ValueError("must be [x, y] in metres")


def _range(value: object) -> object:
    # A single number means a range of one value: `dwell_s = 60` instead of `dwell_s = [60, 60]`.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, list | tuple) and len(value) == 2:
        return tuple(value)
    raise ValueError("must be a number or [low, high]")


def _ordered(value: tuple[float, float]) -> tuple[float, float]:
    if value[0] > value[1] or value[0] < 0:
        raise ValueError(f"must be [low, high] with 0 <= low <= high (got {list(value)})")
    return value


def _walking_pace(value: tuple[float, float]) -> tuple[float, float]:
    if value[0] < 0.2 or value[1] > 10:
        raise ValueError(f"must be between 0.2 and 10 m/s (got {list(value)})")
    return value


def _hex(size: int) -> AfterValidator:
    def check(value: str) -> str:
        try:
            ok = len(bytes.fromhex(value)) == size and len(value) == 2 * size
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"must be {2 * size} hex digits (got {value!r})")
        return value.lower()

    return AfterValidator(check)


def _uuid(value: str) -> str:
    try:
        return canonical_uuid(value)
    except ValueError:
        raise ValueError(f"is not a UUID (got {value!r})") from None


Point = Annotated[tuple[float, float], BeforeValidator(_point)]


def _range_schema(low: float, high: float | None = None) -> WithJsonSchema:
    """The JSON Schema of a range as written in a file: one number, or [low, high]."""
    number: dict[str, object] = {"type": "number", "minimum": low}
    if high is not None:
        number["maximum"] = high
    pair = {"type": "array", "prefixItems": [number, number], "items": False, "minItems": 2}
    return WithJsonSchema({"anyOf": [number, pair]})


Range = Annotated[tuple[float, float], BeforeValidator(_range), AfterValidator(_ordered), _range_schema(0)]
Speeds = Annotated[Range, AfterValidator(_walking_pace), _range_schema(0.2, 10)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Uuid = Annotated[str, AfterValidator(_uuid)]
U16 = Annotated[int, Field(ge=0, le=0xFFFF)]
# Plain StrEnums from the wire contract, read from TOML strings (strict mode wants enum instances).
LaxSiteKind = Annotated[SiteKind, Field(strict=False)]
LaxPromptKind = Annotated[PromptKind, Field(strict=False)]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, populate_by_name=True)


class Origin(Strict):
    """Where the scenario's x = 0, y = 0 lies on the map."""

    lat: float = Field(52.5200, ge=-85, le=85, description="Latitude of the point x = 0, y = 0, in degrees.")
    lon: float = Field(
        13.4050, ge=-180, le=180, description="Longitude of the point x = 0, y = 0, in degrees."
    )


class Wall(Strict):
    """A straight wall or shop front; a signal crossing it loses ``attenuation_db``."""

    from_: Point = Field(alias="from", description="One end of the wall, [x, y] in metres.")
    to: Point = Field(description="The other end, [x, y] in metres.")
    attenuation_db: float = Field(10.0, ge=0, le=100, description="What a signal loses crossing it, in dB.")


class Radio(Strict):
    """The log-distance radio: path loss, scatter, lost packets, walls (``simulator.world.radio``)."""

    path_loss_exponent: float = Field(
        2.2,
        ge=1.5,
        le=6,
        description="n of the log-distance model: 2 in free space, 2.5-4 in a street or indoors.",
    )
    shadowing_sigma_db: float = Field(
        4.0, ge=0, le=20, description="Standard deviation of each reading's random scatter, in dB."
    )
    packet_loss: float = Field(0.1, ge=0, le=1, description="Share of advertisements lost on the way.")
    reference_loss_db: float = Field(
        0.0,
        ge=-20,
        le=60,
        description="Extra loss at every distance, in dB: phones in pockets, bodies in the way (0 in the open).",
    )
    sensitivity_dbm: float = Field(
        -100.0, ge=-127, le=-40, description="Weaker receptions are not heard, in dBm."
    )
    walls: list[Wall] = Field(default_factory=list, max_length=1000, description="Walls and shop fronts.")


class Battery(Strict):
    """A battery beacon interleaves an Eddystone-TLM frame every ``tlm_every`` advertisements."""

    start_mv: int = Field(3000, ge=1000, le=5000, description="Battery voltage at the start, in mV.")
    drain_mv_per_hour: float = Field(
        0.0, ge=0, le=1_000_000, description="How fast it falls, in mV per hour."
    )
    dies_below_mv: int = Field(
        2000, ge=0, le=5000, description="Below this voltage the beacon stops sending."
    )
    tlm_every: int = Field(10, ge=2, le=1000, description="One TLM frame every this many advertisements.")
    temperature_c: float | None = Field(
        20.0, gt=-128, lt=128, description="Temperature the TLM frames report; none: not reported."
    )

    @model_validator(mode="after")
    def _dies_later(self) -> Self:
        if self.dies_below_mv >= self.start_mv:
            raise ValueError(f"dies_below_mv ({self.dies_below_mv}) must be below start_mv ({self.start_mv})")
        return self


class _Beacon(Strict):
    position: Point | None = Field(None, description="[x, y] in metres; none: at the site's door.")
    interval_ms: int = Field(500, ge=100, le=10_000, description="Time between advertisements, in ms.")
    tx_power_1m: int = Field(
        -59, ge=-100, le=0, description="RSSI at 1 m, in dBm, as the frame announces it."
    )
    battery: Battery | None = Field(None, description="A battery that drains; none: mains power.")
    label: str = Field("", max_length=200, description="The beacon's label in the backend.")


class IBeaconSpec(_Beacon):
    """An iBeacon: proximity UUID, major and minor."""

    kind: Literal["ibeacon"] = Field(description="An iBeacon.")
    uuid: Uuid | None = Field(None, description="Proximity UUID; none: derived from the scenario's name.")
    major: U16 | None = Field(None, description="Major; none: derived.")
    minor: U16 | None = Field(None, description="Minor; none: derived.")
    allocate: bool = Field(
        False, description="Let the backend hand out uuid/major/minor (silent until then)."
    )

    @model_validator(mode="after")
    def _allocated_or_given(self) -> Self:
        if self.allocate and (self.uuid, self.major, self.minor) != (None, None, None):
            raise ValueError("give either allocate = true or uuid/major/minor, not both")
        return self

    @property
    def key(self) -> str | None:
        if self.uuid is None or self.major is None or self.minor is None:
            return None
        return ibeacon_key(self.uuid, self.major, self.minor)


class AltBeaconSpec(_Beacon):
    """An AltBeacon: id1 (a UUID), id2 and id3."""

    kind: Literal["altbeacon"] = Field(description="An AltBeacon.")
    manufacturer: U16 = Field(
        0x0118, description="Company id of the frame; 0x0118 is Radius Networks, the specification's own."
    )
    id1: Uuid | None = Field(None, description="id1, a UUID; none: derived from the scenario's name.")
    id2: U16 | None = Field(None, description="id2; none: derived.")
    id3: U16 | None = Field(None, description="id3; none: derived.")

    @property
    def key(self) -> str | None:
        if self.id1 is None or self.id2 is None or self.id3 is None:
            return None
        return altbeacon_key(self.id1, self.id2, self.id3)


class EddystoneUidSpec(_Beacon):
    """An Eddystone-UID beacon: namespace and instance."""

    kind: Literal["eddystone-uid"] = Field(description="An Eddystone-UID beacon.")
    namespace: Annotated[str, _hex(10)] | None = Field(None, description="20 hex digits; none: derived.")
    instance: Annotated[str, _hex(6)] | None = Field(None, description="12 hex digits; none: derived.")

    @property
    def key(self) -> str | None:
        if self.namespace is None or self.instance is None:
            return None
        return eddystone_uid_key(self.namespace, self.instance)


class EddystoneEidSpec(_Beacon):
    """An Eddystone-EID beacon: its id changes every 2^K seconds; only the backend can tell whose."""

    kind: Literal["eddystone-eid"] = Field(description="An Eddystone-EID beacon, whose id rotates.")
    identity_key: Annotated[str, _hex(16)] | None = Field(None, description="32 hex digits; none: derived.")
    rotation_exponent: int = Field(
        10, ge=0, le=15, description="K: the EID changes every 2^K seconds of the beacon's clock."
    )
    initial_time: int | None = Field(
        None, ge=0, lt=2**32, description="The beacon's clock at the scenario's start, in s; none: derived."
    )

    @property
    def key(self) -> str | None:
        return None  # rotates: see World.key_at


BeaconSpec = Annotated[
    IBeaconSpec | AltBeaconSpec | EddystoneUidSpec | EddystoneEidSpec, Field(discriminator="kind")
]


class PromptSpec(Strict):
    """A published prompt, as the admin API takes it (``backend.models.PromptIn``)."""

    kind: LaxPromptKind = Field(PromptKind.VOLUNTEER, description="What the prompt asks for.")
    texts: dict[Lang, PromptText] = Field(
        min_length=1, max_length=20, description="Per language (de, en...): title, body and action_label."
    )
    action_url: HttpsUrl | None = Field(None, description="Where its button leads (https).")
    max_distance_m: float | None = Field(
        None, gt=0, le=10_000, description="Shown only to phones estimated this near; none: at any distance."
    )
    cooldown_s: int = Field(
        3600, ge=0, le=30 * 86400, description="Not shown again to the same phone for this long."
    )
    priority: int = Field(0, ge=-1000, le=1000, description="Higher first among a site's prompts.")
    schedule: list[ScheduleWindow] | None = Field(
        None, max_length=28, description="Weekly windows on the site's clock when it shows; none: always."
    )


class AgentSpec(Strict):
    """A beacon agent (a Raspberry Pi at the door) that reports the site's beacons."""

    name: Name = Field("agent", description="The agent's name, unique within its site.")
    position: Point | None = Field(None, description="[x, y] in metres; none: at the site's door.")


class SiteSpec(Strict):
    """A site (a hospice, a food bank...): where its door is, its prompts, beacons and agents."""

    name: Name = Field(description="The site's name, unique in the scenario.")
    kind: LaxSiteKind = Field(SiteKind.OTHER, description="What kind of place it is.")
    position: Point = Field(description="Its door, [x, y] in metres.")
    timezone: Annotated[str, AfterValidator(check_timezone)] = Field(
        "Europe/Berlin", description="IANA time zone of its schedules."
    )
    default_lang: Lang = Field("de", description="Language of its prompts when a phone asks for none.")
    address: str = Field("", max_length=500, description="Postal address, for people.")
    prompts: list[PromptSpec] = Field(
        default_factory=list, max_length=100, description="Its published prompts."
    )
    beacons: list[BeaconSpec] = Field(default_factory=list, max_length=100, description="Its beacons.")
    agents: list[AgentSpec] = Field(default_factory=list, max_length=20, description="Its beacon agents.")


WalkerKind = Literal["passer_by", "visitor", "stander"]


class Street(Strict):
    """A straight street; walkers keep to either pavement."""

    from_: Point = Field(alias="from", description="One end, [x, y] in metres.")
    to: Point = Field(description="The other end, [x, y] in metres.")


class _Walking(Strict):
    kind: WalkerKind = Field(
        "passer_by", description="passer_by walks the route; visitor stops at a site's door; stander stands."
    )
    path: list[Point] | None = Field(
        None, min_length=1, max_length=1000, description="The route as [x, y] points; give path or street."
    )
    street: Street | None = Field(None, description="The route as a street; give path or street.")
    site: Name | None = Field(
        None, description="The site a visitor enters; none: the one nearest to the route."
    )

    @model_validator(mode="after")
    def _one_route(self) -> Self:
        if (self.path is None) == (self.street is None):
            raise ValueError("give either path or street")
        if self.kind != "stander" and len(set(self.points())) < 2:
            raise ValueError(f"a {self.kind} needs a path of at least two different points")
        return self

    def points(self) -> list[tuple[float, float]]:
        """The route; a stander stands at its first point."""
        if self.street is not None:
            return [self.street.from_, self.street.to]
        return list(self.path or [])


class WalkerSpec(_Walking):
    """One walker, written out."""

    name: Name = Field(description="The walker's name, unique in the scenario.")
    phone: bool = Field(True, description="Carries a phone with the companion app.")
    speed_mps: float = Field(1.3, ge=0.2, le=10, description="Walking speed, in m/s.")
    arrival_s: float = Field(0.0, ge=0, description="When the walker appears, in s from the start.")
    dwell_s: float = Field(
        60.0, ge=0, description="How long a visitor stays at the door, a stander in place."
    )


class WalkerGroup(_Walking):
    """``count`` walkers drawn from the seed: speeds, arrivals, dwell times, phones and sides of the street."""

    count: int = Field(ge=1, le=100_000, description="How many walkers.")
    name: Name | None = Field(None, description='Walkers are called "<name>-<n>"; none: "group<index>".')
    phone_share: float = Field(0.5, ge=0, le=1, description="Share of them with the companion app.")
    speed_mps: Speeds = Field((1.0, 1.6), description="Walking speeds drawn from [low, high], in m/s.")
    arrival_s: Range = Field((0.0, 60.0), description="Arrivals drawn from [low, high], in s from the start.")
    dwell_s: Range = Field(
        (30.0, 120.0), description="Time at a door or in place, drawn from [low, high], in s."
    )
    both_ways: bool = Field(True, description="Half of them walk the route backwards.")
    spread_m: float = Field(1.5, ge=0, le=50, description="Sideways offset, in m: people use both pavements.")


def _walker_tag(value: object) -> str:
    if isinstance(value, dict):
        return "group" if "count" in value else "walker"
    return "group" if isinstance(value, WalkerGroup) else "walker"


WalkerEntry = Annotated[
    Annotated[WalkerSpec, Tag("walker")] | Annotated[WalkerGroup, Tag("group")], Discriminator(_walker_tag)
]


class AppSpec(Strict):
    """The companion app: after showing a prompt, the walker opens it, dismisses it or ignores it."""

    debounce_s: float = Field(
        2.0, ge=0, le=600, description="A beacon counts once heard for this long (simulator.phone.AppConfig)."
    )
    lang: Lang = Field("de", description="The phones' language.")
    opened: float = Field(0.3, ge=0, le=1, description="Share of prompts shown that the walker opens.")
    dismissed: float = Field(0.5, ge=0, le=1, description="Share of prompts shown that the walker dismisses.")
    acted: float = Field(
        0.3, ge=0, le=1, description="Share of opened prompts whose link the walker follows."
    )

    @model_validator(mode="after")
    def _one_outcome(self) -> Self:
        if self.opened + self.dismissed > 1:
            raise ValueError(f"opened + dismissed must be at most 1 (got {self.opened + self.dismissed:g})")
        return self


class SpoofSpec(Strict):
    """A copy of a site's beacon (same frame bytes, its own radio) somewhere else from ``start_s``.

    A copied EID beacon replays the EID it sent at ``start_s`` and never rotates.
    """

    copy_of: str = Field(
        pattern=COPY_OF_PATTERN, description='The copied beacon: "<site name>/<beacon index>".'
    )
    position: Point = Field(description="Where the copy sends from, [x, y] in metres.")
    start_s: float = Field(0.0, ge=0, description="When it starts sending, in s from the start.")
    interval_ms: int | None = Field(None, ge=100, le=10_000, description="none: the original's.")
    tx_power_1m: int | None = Field(None, ge=-100, le=0, description="none: the original's.")
