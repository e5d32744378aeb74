"""The agent's configuration: one TOML file, then environment overrides, then strict validation.

Every setting can be overridden by ``NAHBEI_AGENT_<SECTION>_<KEY>`` (e.g. ``NAHBEI_AGENT_BACKEND_TOKEN``,
so the token need not sit in a file). Lists in the environment are comma-separated; booleans are
``true``/``false`` (also ``1``/``0``, ``yes``/``no``, ``on``/``off``). Variables with that prefix
whose section is not one of ours are left alone (``NAHBEI_AGENT_CONFIG`` may name the file); an
unknown key in a known section is an error, like a typo in the file.

Any problem raises ``ConfigError`` with a one-line message naming the file, the field and, where
it came from the environment, the variable: ``nahbei-agent`` prints it and exits. The model is
strict (a quoted number is an error, not a number) because a TOML file has real types and a
silently coerced typo is worse than a clear refusal.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Final, Literal, get_origin
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from beacon_agent import constants as c
from beacon_agent.contract.distance import PATH_LOSS_EXPONENT
from beacon_agent.contract.frames import encode_url
from beacon_agent.contract.keys import KeyKind, canonical_uuid
from beacon_agent.contract.wire import MAX_SIGHTINGS_PER_BATCH

__all__ = ["ENV_PREFIX", "AgentConfig", "ConfigError", "describe_settings", "load_config"]

ENV_PREFIX: Final = "NAHBEI_AGENT_"
SIGHTING_KINDS: Final = tuple(kind.value for kind in KeyKind)
_NOT_SIGHTINGS: Final = {
    "eddystone-tlm": "is telemetry, not a sighting: it is attached to its UID/EID beacon (scan.telemetry)",
    "eddystone-url": "carries a web address, not an identity: URL frames are never reported",
}
_TRUE: Final = frozenset({"true", "1", "yes", "on"})
_FALSE: Final = frozenset({"false", "0", "no", "off"})


class ConfigError(Exception):
    """A configuration the agent cannot run with; ``str()`` is one line for the operator."""

    def __init__(self, source: str, field: str | None, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        text = f"{source}: {field}: {problem}" if field else f"{source}: {problem}"
        super().__init__(" ".join(text.split()))


def _uuid(value: str) -> str:
    try:
        return canonical_uuid(value)
    except ValueError:
        raise ValueError("must be a UUID like 8-4-4-4-12 hex digits") from None


def _namespace(value: str) -> str:
    text = value.strip().lower()
    if len(text) != 20 or any(ch not in "0123456789abcdef" for ch in text):
        raise ValueError("must be an Eddystone namespace of 20 hex digits")
    return text


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class BackendSection(_Section):
    url: str = Field(description="Base URL of the Nahbei backend, e.g. `https://nahbei.example.org`.")
    token: SecretStr = Field(
        description="This agent's token (`nba_…`, shown once when the agent is created); "
        "best given in the environment."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value.strip())
            valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
        except ValueError:  # a broken IPv6 literal or port
            valid = False
        if not valid:
            raise ValueError("must be an http:// or https:// URL")
        return value.strip().rstrip("/")

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if not secret or secret != secret.strip() or any(ch.isspace() for ch in secret):
            raise ValueError("must be the agent token, without spaces")
        return value


class ScanSection(_Section):
    mode: Literal["active", "passive"] = Field(
        "active", description="`active` asks beacons for scan responses; `passive` only listens."
    )
    adapter: Annotated[str, Field(pattern=r"^hci[0-9]{1,3}$")] = Field(
        "hci0", description="Bluetooth adapter to scan with."
    )
    kinds: list[str] = Field(
        default_factory=lambda: list(SIGHTING_KINDS),
        description="Beacon kinds reported: " + ", ".join(f"`{kind}`" for kind in SIGHTING_KINDS) + ".",
    )
    uuids: list[Annotated[str, AfterValidator(_uuid)]] = Field(
        default_factory=list, description="Report only iBeacons/AltBeacons with these UUIDs (empty: all)."
    )
    namespaces: list[Annotated[str, AfterValidator(_namespace)]] = Field(
        default_factory=list, description="Report only Eddystone-UIDs in these namespaces (empty: all)."
    )
    telemetry: bool = Field(True, description="Attach Eddystone-TLM (battery, temperature) to sightings.")
    flush_interval_s: float = Field(
        c.FLUSH_INTERVAL_S, ge=1, le=3600, description="One sighting per beacon per this many seconds."
    )
    rssi_half_life_s: float = Field(
        c.RSSI_HALF_LIFE_S, gt=0, le=600, description="Half-life of the RSSI smoothing, seconds."
    )
    path_loss_exponent: float = Field(
        PATH_LOSS_EXPONENT,
        gt=0,
        le=6,
        description="n of the distance model; 2 is free space, 2.5-4 indoors.",
    )
    watchdog_quiet_s: float = Field(
        c.WATCHDOG_QUIET_S,
        ge=10,
        le=86400,
        description="Restart the scanner after this long without adverts.",
    )
    expect_beacons: bool = Field(
        True,
        description="Beacons are always in range, so silence means a stuck scanner (false: never restart "
        "for silence).",
    )

    @field_validator("kinds", mode="before")
    @classmethod
    def _no_frame_only_kinds(cls, value: Any) -> Any:
        for item in value if isinstance(value, list) else ():
            if item in _NOT_SIGHTINGS:
                raise ValueError(f'"{item}" {_NOT_SIGHTINGS[item]}')
        return value

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = [kind for kind in value if kind not in SIGHTING_KINDS]
        if unknown:
            raise ValueError(f'"{unknown[0]}" is not one of ' + ", ".join(f'"{k}"' for k in SIGHTING_KINDS))
        if not value:
            raise ValueError("must name at least one kind")
        return list(dict.fromkeys(value))


class OutboxSection(_Section):
    path: Path = Field(Path(c.OUTBOX_PATH), strict=False, description="SQLite file holding unsent sightings.")
    max_sightings: int = Field(
        c.OUTBOX_MAX_SIGHTINGS, ge=100, le=100_000_000, description="Beyond this the oldest are dropped."
    )


class ReportSection(_Section):
    batch_max: int = Field(
        c.REPORT_BATCH_MAX, ge=1, le=MAX_SIGHTINGS_PER_BATCH, description="Sightings per request at most."
    )
    heartbeat_interval_s: float = Field(
        c.HEARTBEAT_INTERVAL_S, ge=5, le=3600, description="Seconds between heartbeats."
    )


class AdvertiseSection(_Section):
    enabled: bool = Field(
        True, description="Advertise what the backend's heartbeat answer asks for (false: never advertise)."
    )
    url: str = Field(
        "",
        description="Also advertise this address, the site's page (e.g. `https://example.org/s/hospiz`), "
        "as an Eddystone-URL frame; at most 17 bytes once encoded (empty: none).",
    )

    @field_validator("url")
    @classmethod
    def _fits_eddystone_url(cls, value: str) -> str:
        """Refused here, at start, rather than by BlueZ later: the operator is looking now."""
        if value:
            encode_url(value)  # its ValueError says by how many bytes it is over, or what is wrong
        return value


class LogSection(_Section):
    format: Literal["auto", "json", "console"] = Field(
        "auto", description="`json` for journald, `console` for people, `auto`: console on a terminal."
    )
    level: Literal["debug", "info", "warning", "error"] = Field("info", description="Lowest level logged.")


class AgentConfig(_Section):
    """Everything ``nahbei-agent run`` needs; only ``backend.url`` and ``backend.token`` have no default."""

    backend: BackendSection
    scan: ScanSection = Field(default_factory=ScanSection)
    outbox: OutboxSection = Field(default_factory=OutboxSection)
    report: ReportSection = Field(default_factory=ReportSection)
    advertise: AdvertiseSection = Field(default_factory=AdvertiseSection)
    log: LogSection = Field(default_factory=LogSection)


_SECTIONS: Final[dict[str, type[_Section]]] = {
    name: field.annotation
    for name, field in AgentConfig.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, _Section)
}


def load_config(path: Path, env: Mapping[str, str]) -> AgentConfig:
    """Read ``path`` (TOML), apply ``NAHBEI_AGENT_*`` overrides from ``env``, validate."""
    source = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(source, None, f"cannot read the file: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(source, None, f"not UTF-8 text (byte {error.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(source, None, f"not valid TOML: {error}") from None
    from_env = _apply_env(data, env)
    try:
        return AgentConfig.model_validate(data)
    except ValidationError as error:
        raise _explain(source, error, from_env) from None


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> dict[tuple[str, str], str]:
    """Put ``NAHBEI_AGENT_<SECTION>_<KEY>`` values into ``data``; answer which variable set what."""
    applied: dict[tuple[str, str], str] = {}
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX):
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("_")
        model = _SECTIONS.get(section)
        if model is None or not key:
            continue
        table = data.setdefault(section, {})
        if isinstance(table, dict):
            field = model.model_fields.get(key)
            table[key] = env[name] if field is None else _from_env(env[name], field.annotation)
            applied[(section, key)] = name
    return applied


def _from_env(text: str, annotation: Any) -> Any:
    """The TOML value an environment string stands for; left as text when it does not parse, so
    validation reports it with the field's own message."""
    if annotation is bool:
        word = text.strip().lower()
        return True if word in _TRUE else False if word in _FALSE else text
    if annotation in (int, float):
        try:
            return annotation(text.strip())
        except ValueError:
            return text
    if get_origin(annotation) is list:
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def _explain(source: str, error: ValidationError, from_env: Mapping[tuple[str, str], str]) -> ConfigError:
    """The first validation error as one line; how many more there are, if any."""
    errors = error.errors(include_url=False)
    first = errors[0]
    loc = tuple(first["loc"])
    field = _dotted(loc)
    variable = from_env.get((str(loc[0]), str(loc[1]))) if len(loc) >= 2 else None
    if variable:
        field = f"{field} (from {variable})"
    problem = _problem(first, loc)
    if len(errors) > 1:
        problem += f" (and {len(errors) - 1} more)"
    return ConfigError(source, field, problem)


def _dotted(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problem(err: Any, loc: tuple[Any, ...]) -> str:
    kind: str = err["type"]
    msg: str = err["msg"]
    if kind == "extra_forbidden":
        return "unknown setting" + _suggest(loc)
    if kind == "missing" and len(loc) == 1:
        model = _SECTIONS[str(loc[0])]
        needed = [key for key, field in model.model_fields.items() if field.is_required()]
        names = " and ".join(f"{ENV_PREFIX}{str(loc[0]).upper()}_{key.upper()}" for key in needed)
        return f"required: add a [{loc[0]}] section with {' and '.join(needed)} (or set {names})"
    if kind == "missing":
        env_name = ENV_PREFIX + "_".join(str(part).upper() for part in loc)
        return f"required: set it in the file or in {env_name}"
    if kind == "literal_error":
        problem = "must be " + str(err["ctx"]["expected"]).replace("'", '"')
    elif kind in ("model_type", "dict_type"):
        return f"must be a table ([{_dotted(loc)}])" + _got(err, loc)
    elif kind == "string_pattern_mismatch":
        problem = f'must look like "{_example(loc)}"'
    elif kind == "bool_type":
        problem = "must be true or false"
    elif kind == "string_type":
        problem = 'must be a string in quotes ("...")'
    elif kind == "list_type":
        problem = 'must be a list, e.g. ["a", "b"]'
    elif kind in ("int_type", "int_from_float"):
        problem = "must be a whole number"
    elif kind == "float_type":
        problem = "must be a number"
    elif kind == "finite_number":
        problem = "must be a finite number"
    elif kind == "value_error":
        problem = msg.removeprefix("Value error, ")
    else:
        problem = msg.replace("Input should be", "must be").replace("String should", "must")
        problem = problem[:1].lower() + problem[1:]
    return problem + _got(err, loc)


def _example(loc: tuple[Any, ...]) -> str:
    model = _SECTIONS.get(str(loc[0]))
    field = model.model_fields.get(str(loc[-1])) if model else None
    return str(field.default) if field is not None else "..."


def _got(err: Any, loc: tuple[Any, ...]) -> str:
    if "token" in loc:
        return ""  # never echo a secret, not even a malformed one
    shown = json.dumps(err.get("input"), ensure_ascii=False, default=str)
    return f" (got {shown[:60] + '…' if len(shown) > 60 else shown})"


def _suggest(loc: tuple[Any, ...]) -> str:
    """A near miss for a misspelt key: the same section's keys first, then other sections'."""
    name = str(loc[-1])
    if len(loc) == 1:
        homes = [f"{s}.{name}" for s, model in _SECTIONS.items() if name in model.model_fields]
        if homes:
            return f' (settings go in sections: did you mean "{homes[0]}"?)'
        candidates = list(_SECTIONS)
    else:
        model = _SECTIONS.get(str(loc[0]))
        candidates = list(model.model_fields) if model else []
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def describe_settings() -> str:
    """Every setting with its environment variable, default and meaning, as a Markdown table."""
    lines = ["| setting | environment | default | meaning |", "| --- | --- | --- | --- |"]
    for section, model in _SECTIONS.items():
        for key, field in model.model_fields.items():
            env_name = f"{ENV_PREFIX}{section.upper()}_{key.upper()}"
            default = (
                "(required)" if field.is_required() else _toml(field.get_default(call_default_factory=True))
            )
            lines.append(f"| `{section}.{key}` | `{env_name}` | {default} | {field.description} |")
    return "\n".join(lines)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Path):
        value = str(value)
    return f"`{json.dumps(value)}`"
