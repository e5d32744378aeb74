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
Range = Annotated[tuple[float, float], BeforeValidator(_range), AfterValidator(_ordered)]
Speeds = Annotated[Range, AfterValidator(_walking_pace)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Uuid = Annotated[str, AfterValidator(_uuid)]
U16 = Annotated[int, Field(ge=0, le=0xFFFF)]
# Plain StrEnums from the wire contract, read from TOML strings (strict mode wants enum instances).
LaxSiteKind = Annotated[SiteKind, Field(strict=False)]
LaxPromptKind = Annotated[PromptKind, Field(strict=False)]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, populate_by_name=True)


class Origin(Strict):
    lat: float = Field(52.5200, ge=-85, le=85)
    lon: float = Field(13.4050, ge=-180, le=180)


class Wall(Strict):
    """A straight wall or shop front; a signal crossing it loses ``attenuation_db``."""

    from_: Point = Field(alias="from")
    to: Point
    attenuation_db: float = Field(10.0, ge=0, le=100)


class Radio(Strict):
    path_loss_exponent: float = Field(2.2, ge=1.5, le=6)
    shadowing_sigma_db: float = Field(4.0, ge=0, le=20)
    packet_loss: float = Field(0.1, ge=0, le=1)
    # Extra loss at every distance: a phone in a pocket, a body in the way (0 in the open).
    reference_loss_db: float = Field(0.0, ge=-20, le=60)
    sensitivity_dbm: float = Field(-100.0, ge=-127, le=-40)
    walls: list[Wall] = Field(default_factory=list, max_length=1000)


class Battery(Strict):
    """A battery beacon interleaves an Eddystone-TLM frame every ``tlm_every`` advertisements."""

    start_mv: int = Field(3000, ge=1000, le=5000)
    drain_mv_per_hour: float = Field(0.0, ge=0, le=1_000_000)
    dies_below_mv: int = Field(2000, ge=0, le=5000)
    tlm_every: int = Field(10, ge=2, le=1000)
    temperature_c: float | None = Field(20.0, gt=-128, lt=128)

    @model_validator(mode="after")
    def _dies_later(self) -> Self:
        if self.dies_below_mv >= self.start_mv:
            raise ValueError(f"dies_below_mv ({self.dies_below_mv}) must be below start_mv ({self.start_mv})")
        return self


class _Beacon(Strict):
    position: Point | None = None  # None: at the site's door
    interval_ms: int = Field(500, ge=100, le=10_000)
    tx_power_1m: int = Field(-59, ge=-100, le=0)
    battery: Battery | None = None
    label: str = Field("", max_length=200)


class IBeaconSpec(_Beacon):
    kind: Literal["ibeacon"]
    uuid: Uuid | None = None
    major: U16 | None = None
    minor: U16 | None = None
    allocate: bool = False

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
    kind: Literal["altbeacon"]
    manufacturer: U16 = 0x0118  # Radius Networks, the AltBeacon specification's own company id
    id1: Uuid | None = None
    id2: U16 | None = None
    id3: U16 | None = None

    @property
    def key(self) -> str | None:
        if self.id1 is None or self.id2 is None or self.id3 is None:
            return None
        return altbeacon_key(self.id1, self.id2, self.id3)


class EddystoneUidSpec(_Beacon):
    kind: Literal["eddystone-uid"]
    namespace: Annotated[str, _hex(10)] | None = None
    instance: Annotated[str, _hex(6)] | None = None

    @property
    def key(self) -> str | None:
        if self.namespace is None or self.instance is None:
            return None
        return eddystone_uid_key(self.namespace, self.instance)


class EddystoneEidSpec(_Beacon):
    kind: Literal["eddystone-eid"]
    identity_key: Annotated[str, _hex(16)] | None = None
    rotation_exponent: int = Field(10, ge=0, le=15)  # the EID changes every 2**K s of beacon clock
    initial_time: int | None = Field(None, ge=0, lt=2**32)  # the beacon's clock at scenario start

    @property
    def key(self) -> str | None:
        return None  # rotates: see World.key_at


BeaconSpec = Annotated[
    IBeaconSpec | AltBeaconSpec | EddystoneUidSpec | EddystoneEidSpec, Field(discriminator="kind")
]


class PromptSpec(Strict):
    """A published prompt, as the admin API takes it (``backend.models.PromptIn``)."""

    kind: LaxPromptKind = PromptKind.VOLUNTEER
    texts: dict[Lang, PromptText] = Field(min_length=1, max_length=20)
    action_url: HttpsUrl | None = None
    max_distance_m: float | None = Field(None, gt=0, le=10_000)
    cooldown_s: int = Field(3600, ge=0, le=30 * 86400)
    priority: int = Field(0, ge=-1000, le=1000)
    schedule: list[ScheduleWindow] | None = Field(None, max_length=28)


class AgentSpec(Strict):
    name: Name = "agent"
    position: Point | None = None  # None: at the site's door


class SiteSpec(Strict):
    name: Name
    kind: LaxSiteKind = SiteKind.OTHER
    position: Point  # the door
    timezone: Annotated[str, AfterValidator(check_timezone)] = "Europe/Berlin"
    default_lang: Lang = "de"
    address: str = Field("", max_length=500)
    prompts: list[PromptSpec] = Field(default_factory=list, max_length=100)
    beacons: list[BeaconSpec] = Field(default_factory=list, max_length=100)
    agents: list[AgentSpec] = Field(default_factory=list, max_length=20)


WalkerKind = Literal["passer_by", "visitor", "stander"]


class Street(Strict):
    from_: Point = Field(alias="from")
    to: Point


class _Walking(Strict):
    kind: WalkerKind = "passer_by"
    path: list[Point] | None = Field(None, min_length=1, max_length=1000)
    street: Street | None = None
    site: Name | None = None  # the site a visitor enters; None: the one nearest to the path

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

    name: Name
    phone: bool = True
    speed_mps: float = Field(1.3, ge=0.2, le=10)
    arrival_s: float = Field(0.0, ge=0)
    dwell_s: float = Field(60.0, ge=0)  # a visitor at the door, a stander in place


class WalkerGroup(_Walking):
    """``count`` walkers drawn from the seed: speeds, arrivals, dwell times, phones and sides of the street."""

    count: int = Field(ge=1, le=100_000)
    name: Name | None = None  # walkers are called "<name>-<n>"; None: "group<index>"
    phone_share: float = Field(0.5, ge=0, le=1)
    speed_mps: Speeds = (1.0, 1.6)
    arrival_s: Range = (0.0, 60.0)
    dwell_s: Range = (30.0, 120.0)  # a visitor at the door, a stander in place
    both_ways: bool = True  # half of them walk the path backwards
    spread_m: float = Field(1.5, ge=0, le=50)  # sideways offset: people use both pavements


def _walker_tag(value: object) -> str:
    if isinstance(value, dict):
        return "group" if "count" in value else "walker"
    return "group" if isinstance(value, WalkerGroup) else "walker"


WalkerEntry = Annotated[
    Annotated[WalkerSpec, Tag("walker")] | Annotated[WalkerGroup, Tag("group")], Discriminator(_walker_tag)
]


class AppSpec(Strict):
    """The companion app: after showing a prompt, the walker opens it, dismisses it or ignores it."""

    debounce_s: float = Field(2.0, ge=0, le=600)  # as simulator.phone.AppConfig: 2 s is presence
    lang: Lang = "de"
    opened: float = Field(0.3, ge=0, le=1)
    dismissed: float = Field(0.5, ge=0, le=1)
    acted: float = Field(0.3, ge=0, le=1)  # of those who opened it

    @model_validator(mode="after")
    def _one_outcome(self) -> Self:
        if self.opened + self.dismissed > 1:
            raise ValueError(f"opened + dismissed must be at most 1 (got {self.opened + self.dismissed:g})")
        return self


class SpoofSpec(Strict):
    """A copy of a site's beacon (same frame bytes, its own radio) somewhere else from ``start_s``.

    A copied EID beacon replays the EID it sent at ``start_s`` and never rotates.
    """

    copy_of: str = Field(pattern=COPY_OF_PATTERN)  # "<site name>/<beacon index>"
    position: Point
    start_s: float = Field(0.0, ge=0)
    interval_ms: int | None = Field(None, ge=100, le=10_000)  # None: the original's
    tx_power_1m: int | None = Field(None, ge=-100, le=0)  # None: the original's
