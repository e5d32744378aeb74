"""A simulator scenario: the street, its sites and beacons, the walkers and the radio, read from TOML.

Positions are metres east (x) and north (y) of ``origin``; the world turns them into latitude and
longitude for the backend. Every field has a default that fits a German town street, so a scenario
file names only what makes it different. ``load_scenario`` reports the first problem as one line,
``busy.toml: sites[1].beacons[0].interval_ms: must be at least 100 (got 20)``: the field as written
in the file (indices from 0), what it must be, what it was.

Beacon ids left out are derived from the scenario's name, the site and the beacon's place in the file
(not from the seed), so a scenario registers the same beacons on every run; ``allocate = true`` leaves
an iBeacon's ids to the backend instead. Derived EID identity keys are public: fine for a simulator.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Final, Self

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from backend.models import PromptText
from backend.schedule import ScheduleWindow
from beacon_agent.contract.keys import canonical_uuid
from simulator.world.scenario_parts import (
    COPY_OF_PATTERN,
    AgentSpec,
    AltBeaconSpec,
    AppSpec,
    Battery,
    BeaconSpec,
    EddystoneEidSpec,
    EddystoneUidSpec,
    IBeaconSpec,
    Name,
    Origin,
    PromptSpec,
    Radio,
    SiteSpec,
    SpoofSpec,
    Street,
    Strict,
    WalkerEntry,
    WalkerGroup,
    WalkerSpec,
    Wall,
)

__all__ = [
    "AgentSpec",
    "AltBeaconSpec",
    "AppSpec",
    "Battery",
    "BeaconSpec",
    "EddystoneEidSpec",
    "EddystoneUidSpec",
    "IBeaconSpec",
    "Origin",
    "PromptSpec",
    "Radio",
    "Scenario",
    "ScenarioError",
    "SiteSpec",
    "SpoofSpec",
    "Street",
    "WalkerGroup",
    "WalkerSpec",
    "Wall",
    "bundled_scenarios",
    "load_scenario",
    "parse_scenario",
]

# Tags pydantic adds to the location inside a discriminated union; they are not written in the file.
_UNION_TAGS: Final = frozenset({"ibeacon", "altbeacon", "eddystone-uid", "eddystone-eid", "walker", "group"})
_MAX_SHOWN: Final = 60


class ScenarioError(Exception):
    """A scenario that cannot be used; ``str()`` is one line naming the file, the field and the problem."""


class Scenario(Strict):
    """A street: its sites with their beacons and prompts, the walkers, the radio and the app."""

    name: Name = Field(description="The scenario's name; beacon ids are derived from it.")
    description: str = Field("", max_length=5000, description="One line for `nahbei-sim list`.")
    duration_s: float = Field(gt=0, le=7 * 86400, description="Seconds of street to simulate.")
    origin: Origin = Field(default_factory=Origin, description="Where x = 0, y = 0 is on the map.")
    radio: Radio = Field(default_factory=Radio, description="The radio between beacons and receivers.")
    app: AppSpec = Field(
        default_factory=AppSpec, description="The companion app and what walkers do with it."
    )
    sites: list[SiteSpec] = Field(
        min_length=1, max_length=1000, description="The sites, with beacons and prompts."
    )
    walkers: list[WalkerEntry] = Field(
        default_factory=list, max_length=10_000, description="Walkers, one by one or in groups."
    )
    spoofs: list[SpoofSpec] = Field(
        default_factory=list, max_length=100, description="Copies of sites' beacons."
    )

    @model_validator(mode="after")
    def _complete(self) -> Self:
        """Check what refers to what, then fill in positions and ids that were left out."""
        sites = {site.name: i for i, site in enumerate(self.sites)}
        _unique([s.name for s in self.sites], "sites[{}].name", "another site is called {!r}")
        for i, site in enumerate(self.sites):
            _unique(
                [a.name for a in site.agents], f"sites[{i}].agents[{{}}].name", "another agent is called {!r}"
            )
            for agent in site.agents:
                agent.position = agent.position or site.position
            for j, beacon in enumerate(site.beacons):
                beacon.position = beacon.position or site.position
                _derive_ids(beacon, self.name, site.name, i, j)
        keys = [b.key or f"#{i}" for i, b in enumerate(b for s in self.sites for b in s.beacons)]
        where = [f"sites[{i}].beacons[{j}]" for i, s in enumerate(self.sites) for j in range(len(s.beacons))]
        _unique(keys, "{}", "another beacon sends {!r}", where)
        names = [w.name or f"group{n}" for n, w in enumerate(self.walkers)]
        _unique(names, "walkers[{}].name", "another walker or group is called {!r}")
        for n, walker in enumerate(self.walkers):
            if walker.site is not None and walker.site not in sites:
                raise ValueError(f"walkers[{n}].site: no site called {walker.site!r} ({_listing(sites)})")
        for n, spoof in enumerate(self.spoofs):
            site_name, index = spoof.copy_of.rsplit("/", 1)
            if site_name not in sites:
                raise ValueError(f"spoofs[{n}].copy_of: no site called {site_name!r} ({_listing(sites)})")
            if int(index) >= len(self.sites[sites[site_name]].beacons):
                raise ValueError(f"spoofs[{n}].copy_of: site {site_name!r} has no beacon {index}")
        return self

    def beacon(self, beacon_id: str) -> tuple[SiteSpec, BeaconSpec]:
        """The site and spec of ``"<site name>/<index>"``; ``KeyError`` if there is none."""
        site_name, _, index = beacon_id.rpartition("/")
        for site in self.sites:
            if site.name == site_name and index.isdigit() and int(index) < len(site.beacons):
                return site, site.beacons[int(index)]
        raise KeyError(beacon_id)


def _unique(values: list[str], where: str, problem: str, places: list[str] | None = None) -> None:
    seen: set[str] = set()
    for n, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{where.format(places[n] if places else n)}: {problem.format(value)}")
        seen.add(value)


def _listing(names: dict[str, int]) -> str:
    return "sites: " + ", ".join(repr(name) for name in names)


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(("nahbei-sim", *parts)).encode()).digest()


def _derived_uuid(*parts: str) -> str:
    raw = bytearray(_digest(*parts)[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40  # shaped like a random (version 4) UUID
    raw[8] = (raw[8] & 0x3F) | 0x80
    return canonical_uuid(bytes(raw))


def _derive_ids(beacon: BeaconSpec, scenario: str, site: str, i: int, j: int) -> None:
    """Fill left-out ids: one UUID or namespace per scenario (like one per organisation), major = site."""
    match beacon:
        case IBeaconSpec(allocate=False):
            beacon.uuid = beacon.uuid or _derived_uuid(scenario, "ibeacon")
            beacon.major = i + 1 if beacon.major is None else beacon.major
            beacon.minor = j + 1 if beacon.minor is None else beacon.minor
        case AltBeaconSpec():
            beacon.id1 = beacon.id1 or _derived_uuid(scenario, "altbeacon")
            beacon.id2 = i + 1 if beacon.id2 is None else beacon.id2
            beacon.id3 = j + 1 if beacon.id3 is None else beacon.id3
        case EddystoneUidSpec():
            beacon.namespace = beacon.namespace or _digest(scenario, "uid-namespace")[:10].hex()
            beacon.instance = beacon.instance or _digest(scenario, site, str(j), "uid-instance")[:6].hex()
        case EddystoneEidSpec():
            beacon.identity_key = beacon.identity_key or _digest(scenario, site, str(j), "eid-key")[:16].hex()
            if beacon.initial_time is None:
                # A clock that has been running a while, so rotations do not line up with the start.
                clock = _digest(scenario, site, str(j), "eid-clock")[:3]
                beacon.initial_time = int.from_bytes(clock, "big")


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """The scenario in TOML ``text``; ``ScenarioError`` naming ``source`` on any problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {_one_line(str(exc))}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{source}: {_describe(exc, _field_names())}") from None


def bundled_scenarios() -> dict[str, Path]:
    """The scenarios shipped with the simulator, by name (``busy_street`` for ``busy_street.toml``)."""
    folder = resources.files("simulator") / "scenarios"
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file, or a bundled scenario by name; ``ScenarioError`` (one line) on any problem."""
    given = Path(path)
    bundled = bundled_scenarios()
    if not given.exists() and given.parent == Path() and given.stem in bundled:
        given = bundled[given.stem]
    source = str(path)
    try:
        raw = given.read_bytes()
    except FileNotFoundError:
        names = ", ".join(sorted(bundled))
        raise ScenarioError(f"{source}: no such file (bundled scenarios: {names})") from None
    except IsADirectoryError:
        raise ScenarioError(f"{source}: is a directory, not a scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"{source}: cannot read it: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    return parse_scenario(text, source)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _field_names() -> list[str]:
    """Every field name a scenario file may use, for "did you mean" hints."""
    models: list[type[BaseModel]] = [Scenario, Origin, Radio, Wall, Battery, AppSpec, SpoofSpec, SiteSpec]
    models += [AgentSpec, PromptSpec, PromptText, ScheduleWindow, Street, WalkerSpec, WalkerGroup]
    models += [IBeaconSpec, AltBeaconSpec, EddystoneUidSpec, EddystoneEidSpec]
    return sorted({info.alias or name for model in models for name, info in model.model_fields.items()})


# --- one-line messages from pydantic's errors ------------------------------------------------


def _describe(error: ValidationError, fields: Sequence[str] = ()) -> str:
    """``<field>: <problem>`` for the first error, with a count of the others.

    ``fields`` are the names a scenario may use, to suggest one for a misspelt field.
    """
    errors = error.errors(include_url=False)
    first = errors[0]
    where = _field_path(first["loc"])
    unknown = first["type"] == "extra_forbidden"
    problem = _unknown_field(first, fields) if unknown else _problem(first)
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        where = f"{where}.kind" if where else "kind"
    text = f"{where}: {problem}" if where else problem
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return " ".join(text.split())


def _field_path(loc: Sequence[int | str]) -> str:
    """``("sites", 1, "beacons", 0, "ibeacon", "interval_ms")`` -> ``sites[1].beacons[0].interval_ms``."""
    text = ""
    for i, item in enumerate(loc):
        if isinstance(item, int):
            text += f"[{item}]"
        elif item in _UNION_TAGS and i > 0 and isinstance(loc[i - 1], int):
            continue
        elif item == "[key]":
            text += " (as a key)"
        else:
            text += f".{item}" if text else item
    return text


def _shown(value: object) -> str:
    if isinstance(value, Mapping):
        return "a table"
    # TOML spells strings, booleans, numbers and arrays the way JSON does.
    text = json.dumps(value, default=str)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _type_name(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    return "a table" if isinstance(value, Mapping) else names.get(type(value), type(value).__name__)


def _limit(word: str, key: str) -> Callable[[ErrorDetails], str]:
    return lambda e: f"must be {word} {_ctx(e, key)} (got {_shown(e['input'])})"


def _ctx(error: ErrorDetails, key: str) -> Any:
    return (error.get("ctx") or {}).get(key)


def _wrong_type(expected: str) -> Callable[[ErrorDetails], str]:
    return lambda e: f"must be {expected} (got {_type_name(e['input'])}: {_shown(e['input'])})"


def _length(word: str) -> Callable[[ErrorDetails], str]:
    def text(e: ErrorDetails) -> str:
        limit = _ctx(e, "min_length" if word == "least" else "max_length")
        actual = _ctx(e, "actual_length")
        if actual is None:
            actual = len(e["input"]) if hasattr(e["input"], "__len__") else "?"
        unit = "character" if isinstance(e["input"], str) else "item"
        return f"needs at {word} {limit} {unit}{'s' if limit != 1 else ''} (got {actual})"

    return text


def _unknown_field(error: ErrorDetails, fields: Sequence[str]) -> str:
    name = str(error["loc"][-1]) if error["loc"] else ""
    close = difflib.get_close_matches(name, fields, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else "; check the spelling"
    return f"is not a field here{hint}"


def _value_error(error: ErrorDetails) -> str:
    cause = _ctx(error, "error")
    return str(cause) if cause is not None else error["msg"]


def _tag_invalid(error: ErrorDetails) -> str:
    return f"must be one of {_ctx(error, 'expected_tags')} (got {_shown(_ctx(error, 'tag'))})"


_MESSAGES: Final[dict[str, Callable[[ErrorDetails], str]]] = {
    "missing": lambda e: "is required",
    "greater_than_equal": _limit("at least", "ge"),
    "greater_than": _limit("more than", "gt"),
    "less_than_equal": _limit("at most", "le"),
    "less_than": _limit("less than", "lt"),
    "int_type": _wrong_type("a whole number"),
    "int_from_float": _wrong_type("a whole number"),
    "float_type": _wrong_type("a number"),
    "string_type": _wrong_type('a string in quotes, like "text"'),
    "bool_type": _wrong_type("true or false"),
    "list_type": _wrong_type("a list [...]"),
    "tuple_type": _wrong_type("a list [...]"),
    "dict_type": _wrong_type("a table"),
    "model_type": _wrong_type("a table"),
    "model_attributes_type": _wrong_type("a table"),
    "finite_number": lambda e: "must be a finite number (not inf or nan)",
    "too_short": _length("least"),
    "too_long": _length("most"),
    "string_too_short": _length("least"),
    "string_too_long": _length("most"),
    "literal_error": lambda e: f"must be one of {_ctx(e, 'expected')} (got {_shown(e['input'])})",
    "enum": lambda e: f"must be one of {_ctx(e, 'expected')} (got {_shown(e['input'])})",
    "string_pattern_mismatch": lambda e: f"{_pattern_words(_ctx(e, 'pattern'))} (got {_shown(e['input'])})",
    "value_error": _value_error,
    "assertion_error": _value_error,
    "union_tag_invalid": _tag_invalid,
    "union_tag_not_found": lambda e: "is required",
}


def _pattern_words(pattern: str) -> str:
    if pattern.startswith("^https://"):
        return "must be an https:// address"
    if pattern == COPY_OF_PATTERN:
        return 'must be "<site name>/<beacon index>", such as "Tafel Mitte/0"'
    if pattern.startswith("^[a-z]{2,3}"):
        return 'must be a language code such as "de" or "pt-BR"'
    return f"must match {pattern}"


def _problem(error: ErrorDetails) -> str:
    message = _MESSAGES.get(error["type"])
    return message(error) if message is not None else error["msg"]
