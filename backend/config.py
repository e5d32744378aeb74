"""Every backend setting, its default and its meaning: the one place they are documented.

Each setting can be given on the command line or as an environment variable named
``NAHBEI_<NAME>`` (upper case), e.g. ``NAHBEI_DB=/srv/nahbei/nahbei.db``. The defaults work for a
single small server; ``nahbei-backend settings`` prints this table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from backend.clients import networks, trusted_proxies

ENV_PREFIX = "NAHBEI_"
POSTGRES_SCHEMES = ("postgresql", "postgres")


def names_postgres(db: Path | str | None) -> bool:
    """Whether `db` is a PostgreSQL URL (rather than a SQLite file)."""
    return isinstance(db, str) and db.partition("://")[0].lower() in POSTGRES_SCHEMES


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8080, ge=0, le=65535, description="TCP port to listen on (0 picks a free one).")
    # A path stays a `Path` (what tools and tests that reach into the file use); a URL stays its text,
    # for `backend.storage.open_storage` to tell which store it names.
    db: Path | str = Field(
        Path("var/nahbei.db"),
        description="The database: a SQLite file (created with its folder), as a path or as a URL, "
        "`sqlite:///relative/path` or `sqlite:////absolute/path`; or PostgreSQL with PostGIS, "
        "`postgresql://user:password@host:port/database`.",
    )
    read_db: str = Field(
        "",
        description="A streaming replica of the PostgreSQL `db`, `postgresql://user:password@host:port/database`: "
        "resolve, nearby and the public site pages read from it, everything else from `db`; while it is down "
        "or behind a change, those reads go to `db`. Empty: no replica.",
    )
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Processes serving the port together (SO_REUSEPORT); a parent restarts one that dies. "
        "Rate limits, event caps and login limits are split between them (see the README).",
    )
    show_worker: bool = Field(
        False,
        description="Name the process that answered in an `X-Nahbei-Worker` header (its pid): for tests and "
        "for telling workers apart while debugging.",
    )
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="Log lines as JSON (production), readable text, or `auto`: text on a terminal."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Lowest level logged."
    )
    path_loss_exponent: float = Field(
        2.0,
        gt=0,
        le=6,
        description="n in d = 10^((tx_power - rssi) / (10 n)) for a site with no n of its own (typed or "
        "fitted from its agents) and none learnt from its street yet; 2 is free space, 2.5-4 indoors.",
    )
    faint_rssi_dbm: float = Field(
        -92.0,
        ge=-127,
        le=0,
        description="A beacon heard fainter than this gives no distance, so no prompt that needs a "
        "reach: near a phone's floor only the readings shadowing made lucky get through, and they read near.",
    )
    max_body_bytes: int = Field(
        4 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted (a 5,000-sighting batch is ~1.5 MB).",
    )
    body_timeout_s: float = Field(
        10.0,
        gt=0,
        description="A request body must arrive within this time, else 408 (a client trickling it is cut off).",
    )
    rate_limit_per_s: float = Field(
        20.0,
        ge=0,
        description="Public requests per second allowed per client on average; 0 turns limiting off.",
    )
    rate_limit_burst: int = Field(100, ge=1, description="Public requests a client may make at once.")
    trusted_proxies: str = Field(
        "127.0.0.1,::1",
        description="Comma-separated addresses of your reverse proxies: from them, `X-Forwarded-For` names "
        "the client that rate limits and event caps count (else every visitor shares the proxy's budget); "
        "empty trusts none.",
    )
    metrics_allow: str = Field(
        "127.0.0.1,::1",
        description="Comma-separated addresses and networks (e.g. `10.0.0.0/8`) whose scrapers may read "
        "`/metrics`; anyone else gets 404. Behind a trusted proxy the visitor's address counts, not the proxy's.",
    )
    webhook_allow: str = Field(
        "",
        description="Comma-separated addresses and networks (e.g. `10.0.0.0/8`) that alert webhooks may "
        "reach besides the public internet. By default a webhook reaches public addresses only: on an "
        "instance shared by many organisations a webhook must not be a way into the server's own network "
        "(loopback, private, link-local addresses are refused, also when a name resolves to one).",
    )
    cache_ttl_s: float = Field(
        30.0,
        ge=0,
        description="How long the in-memory read cache keeps an entry at most. Changes made through any "
        "process sharing the database show within `changes_poll_s` anyway; this bounds what no change "
        "feed sees (a distance fit).",
    )
    cache_entries: int = Field(
        200_000,
        ge=1,
        description="Site cards (a site with its current prompts, ~0.5 KB each) and beacons the read cache "
        "holds, each. Size it to the sites people ask about: a site not held costs a database read per request.",
    )
    site_grid: bool = Field(
        True,
        description="Keep every site's position in memory (~35 MB at 1,000,000 sites) so that `nearby` "
        "searches no database; rebuilt in the background after each change to sites.",
    )
    changes_poll_s: float = Field(
        0.2,
        gt=0,
        le=1,
        description="How often each process asks the database whether another one changed sites, beacons, "
        "prompts or agents, and then empties its read cache.",
    )
    retention_days: int = Field(
        30, ge=1, description="Raw sightings are kept this long; hourly roll-ups stay."
    )
    silent_after_s: int = Field(3600, ge=60, description="A beacon not heard for this long raises `SILENT`.")
    low_battery_mv: int = Field(
        2500, ge=0, description="A beacon reporting less than this raises `LOW_BATTERY`."
    )
    agent_silent_after_s: int = Field(
        600, ge=30, description="An agent without heartbeat this long raises `AGENT_SILENT`."
    )
    eid_skew_periods: int = Field(
        1,
        ge=0,
        le=4,
        description="Rotation periods of beacon clock skew tolerated either way when resolving EIDs.",
    )
    max_event_rate_per_hour: int = Field(
        120,
        ge=1,
        description="Prompt events counted per client per prompt per hour; more are answered but not counted.",
    )
    max_events_per_hour_all_prompts: int = Field(
        600,
        ge=1,
        description="Prompt events counted per client per hour over all prompts together, so spreading "
        "events over many prompts inflates nothing; more are answered but not counted.",
    )
    # --- accounts for people: the links they are sent, and the mail that carries them ---
    base_url: str = Field(
        "http://127.0.0.1:8080",
        description="The address people reach this server at, for links in posters, QR codes, mail and CLI "
        "output; with `https://` the staff pages' session cookie is sent over HTTPS only.",
    )
    smtp_host: str = Field(
        "",
        description="Mail server for setup, invitation and reset links and for alerts; empty sends no mail (links are "
        "shown to the owner or printed by `admin reset-link`). Login from `NAHBEI_SMTP_USER` and "
        "`NAHBEI_SMTP_PASSWORD` in the environment only.",
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="The mail server's port.")
    smtp_from: str = Field("Nahbei <nahbei@localhost>", description="The sender of the mail Nahbei sends.")
    smtp_starttls: bool = Field(True, description="Encrypt the connection to the mail server with STARTTLS.")
    # --- alerts to people (backend/alerts) ---
    alert_check_every_s: float = Field(
        300.0,
        ge=0,
        description="How often the backend checks the health of sites that have alert contacts or a webhook, "
        "and mails or calls them when a problem starts or ends; 0 turns alerts off.",
    )
    # --- the staff pages' map ---
    map_tiles: str = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Address of the staff pages' map tiles, with {z}, {x} and {y} (and maybe {s}); the pages "
        "load images from this host only. Empty: no map, positions are typed as coordinates.",
    )
    map_attribution: str = Field(
        "© OpenStreetMap contributors",
        description="Who the map tiles are from, shown on the map and linked to `map_attribution_url`.",
    )
    map_attribution_url: str = Field(
        "https://www.openstreetmap.org/copyright", description="Where the tiles' attribution links to."
    )

    @field_validator("db", mode="before")
    @classmethod
    def _database(cls, value: object) -> object:
        """Text without ``://`` (the command line's, the environment's) is a file path."""
        if isinstance(value, str) and "://" not in value:
            return Path(value)
        return value

    @field_validator("read_db")
    @classmethod
    def _read_db(cls, value: str, info: ValidationInfo) -> str:
        """A replica only of a PostgreSQL `db`: a SQLite file has none, and reads must see its writes."""
        if not value:
            return value
        if not names_postgres(value):
            raise ValueError("must be a postgresql:// URL of a streaming replica of db")
        if not names_postgres(info.data.get("db")):
            raise ValueError(
                "a read replica needs a PostgreSQL db (postgresql://…), and db names a SQLite file"
            )
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError("must be an http:// or https:// address without query or fragment")
        return value.rstrip("/")

    @field_validator("map_tiles")
    @classmethod
    def _tiles(cls, value: str) -> str:
        if value and not (
            value.startswith(("http://", "https://")) and all(p in value for p in ("{z}", "{x}", "{y}"))
        ):
            raise ValueError("must be empty or an http:// or https:// address with {z}, {x} and {y}")
        return value

    @field_validator("map_attribution_url")
    @classmethod
    def _attribution_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be empty or an http:// or https:// address")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        trusted_proxies(value)  # one bad entry is named in the error
        return value

    @field_validator("metrics_allow", "webhook_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        networks(value)  # one bad entry is named in the error
        return value


def settings_from(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Defaults, then ``NAHBEI_*`` environment variables, then explicit overrides (command line)."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for name in Settings.model_fields:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings.model_validate(values)


def describe() -> str:
    """The settings table as text, for ``nahbei-backend settings`` and the README."""
    lines = ["| setting | environment | default | meaning |", "| --- | --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        lines.append(f"| `{name}` | `{ENV_PREFIX}{name.upper()}` | `{field.default}` | {field.description} |")
    return "\n".join(lines)


def first_error(exc: ValidationError) -> str:
    """One line naming the bad setting, for a clean exit."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "settings"
    return f"bad setting {where}: {err['msg']}"
