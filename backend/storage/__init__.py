"""The storage interface: every read and write the backend makes, and nothing about SQL.

Handlers and the catalog speak only to `Storage`, opened by `open_storage(settings)` (`open.py`):
the one place that knows which store `settings.db` names. `backend.storage.sqlite` is the embedded
default; a PostgreSQL store for several backend processes implements the same protocol. What the
stores share (rows for the hot path, conversions) is in `rows.py`. Every method that changes data
is one transaction: it is either all stored or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from backend.accounts.records import AdminKey, Link, Member, Membership, Person, Role, Session
from backend.alerts.deliveries import Delivery
from backend.alerts.episodes import Episode
from backend.alerts.messages import AlertSite, Outgoing
from backend.calibration import Window
from backend.models import (
    Agent,
    AgentIn,
    AgentPatch,
    Beacon,
    BeaconIn,
    BeaconPatch,
    DistanceModelIn,
    Org,
    Prompt,
    PromptIn,
    PromptPatch,
    Site,
    SiteIn,
    SitePatch,
)
from backend.storage.open import UnsupportedDatabase, open_storage, storage_for
from backend.storage.rows import MaterialOf, SiteMaterial, SiteRow, StoredPrompt
from beacon_agent.contract.wire import Heartbeat, PromptEventType, Region, Sighting, SiteKind

__all__ = [
    "AgentPrincipal",
    "BeaconActivity",
    "BeaconRef",
    "EidBeacon",
    "HourCount",
    "IngestResult",
    "Storage",
    "StoredSighting",
    "UnsupportedDatabase",
    "open_storage",
    "storage_for",
]


@dataclass(frozen=True, slots=True)
class AgentPrincipal:
    agent_id: int
    site_id: int
    org_id: int


class BeaconRef(NamedTuple):
    """What the resolver needs to know of a beacon with a static key."""

    id: int
    site_id: int
    org_id: int
    active: bool
    tx_power: int
    # The site's distance model: its fitted or typed exponent (None: the setting's), and the
    # beacon's fitted power at 1 m (None: the observation's or the registered one).
    path_loss_exponent: float | None = None
    fitted_power: float | None = None


@dataclass(frozen=True, slots=True)
class EidBeacon:
    id: int
    site_id: int
    org_id: int
    tx_power: int
    identity_key: bytes
    rotation_exponent: int
    initial_time: int
    registered_at: float
    path_loss_exponent: float | None = None
    fitted_power: float | None = None


@dataclass(frozen=True, slots=True)
class StoredSighting:
    """A validated sighting with the beacon it was resolved to and its window on the server's clock
    (Unix seconds; the sighting's own times are the agent's)."""

    beacon_id: int
    sighting: Sighting
    first_seen: float
    last_seen: float


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicate: bool


@dataclass(frozen=True, slots=True)
class BeaconActivity:
    beacon: Beacon
    last_seen: float | None
    battery_mv: int | None
    sightings_last_hour: int


@dataclass(frozen=True, slots=True)
class HourCount:
    hour: float
    key: str
    a: int
    b: int


class Storage(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...

    # organisations and credentials
    async def org(self, org_id: int) -> Org: ...
    async def set_link_domains(self, org_id: int, domains: Sequence[str]) -> Org:
        """Restrict the organisation's action links to `domains` and their subdomains; empty: any."""
        ...

    async def create_org(self, name: str, key_hash: bytes, now: float, *, key_prefix: str = "") -> int: ...
    async def org_name(self, org_id: int) -> str: ...
    async def org_for_key(self, key_hash: bytes) -> int | None:
        """The organisation of an admin key that is not revoked."""
        ...

    async def key_used(self, key_hash: bytes, now: float) -> None: ...
    async def agent_for_token(self, token_hash: bytes) -> AgentPrincipal | None: ...

    # admin keys
    async def list_admin_keys(self, org_id: int) -> list[AdminKey]: ...
    async def get_admin_key(self, org_id: int, key_id: int) -> AdminKey: ...
    async def create_admin_key(
        self, org_id: int, name: str, prefix: str, key_hash: bytes, now: float
    ) -> AdminKey: ...
    async def rotate_admin_key(
        self, org_id: int, key_id: int, prefix: str, key_hash: bytes, now: float
    ) -> AdminKey: ...
    async def revoke_admin_key(self, org_id: int, key_id: int, now: float) -> None: ...

    # people, memberships, sessions, one-time links
    async def person_by_email(self, email: str) -> Person | None: ...
    async def person(self, person_id: int) -> Person | None: ...
    async def add_person(self, email: str, now: float) -> int: ...
    async def set_password(self, person_id: int, password_hash: str) -> None: ...
    async def add_member(self, org_id: int, person_id: int, role: Role, now: float) -> None: ...
    async def members(self, org_id: int) -> list[Member]: ...
    async def memberships(self, person_id: int) -> list[Membership]: ...
    async def remove_member(self, org_id: int, person_id: int) -> None: ...
    async def create_session(
        self, id_hash: bytes, person_id: int, org_id: int, csrf: str, now: float, expires_at: float
    ) -> None: ...
    async def session(self, id_hash: bytes, now: float) -> Session | None: ...
    async def extend_session(self, id_hash: bytes, now: float, expires_at: float) -> None: ...
    async def end_session(self, id_hash: bytes) -> None: ...
    async def end_sessions(self, person_id: int, now: float) -> None: ...
    async def create_link(self, token_hash: bytes, link: Link, now: float) -> None: ...
    async def link(self, token_hash: bytes) -> Link | None: ...
    async def use_link(self, token_hash: bytes, now: float) -> Link | None: ...

    # sites
    async def create_site(self, org_id: int, site: SiteIn, now: float) -> Site: ...
    async def list_sites(self, org_id: int) -> list[Site]: ...
    async def sites_page(self, org_id: int, offset: int, limit: int) -> tuple[list[Site], int]:
        """At most `limit` of the organisation's sites from `offset` (by id) and how many it has in
        all, so a page of a large organisation costs what a page of a small one does."""
        ...

    async def get_site(self, org_id: int, site_id: int) -> Site: ...
    async def update_site(self, org_id: int, site_id: int, patch: SitePatch) -> Site: ...
    async def delete_site(self, org_id: int, site_id: int) -> None: ...
    async def public_sites(self, site_ids: Sequence[int]) -> dict[int, Site]: ...
    async def site_by_slug(self, slug: str) -> Site | None: ...
    async def site_material(self, site_ids: Sequence[int]) -> dict[int, SiteMaterial]:
        """What the public answers are built from: each existing site's public columns and all its prompts."""
        ...

    async def site_material_by_slug(self, slug: str) -> SiteMaterial | None:
        """`site_material` of the site whose public page is /s/{slug}, in one read."""
        ...

    async def sites_near(
        self, lat: float, lon: float, radius_m: float, kind: SiteKind | None, limit: int
    ) -> tuple[list[tuple[int, float]], MaterialOf]:
        """(site id, distance in metres) within the radius, nearest first, at most `limit`; and the
        `site_material` of any of them, read with them."""
        ...

    async def site_positions(self) -> list[tuple[int, float, float, str]]:
        """Every site's (id, lat, lon, kind): what the catalog's in-memory grid
        (`backend.site_grid`) is built from, read once at start and again after a change."""
        ...

    # beacons
    async def create_beacon(self, org_id: int, site_id: int, beacon: BeaconIn, now: float) -> Beacon: ...
    async def create_beacons(
        self, org_id: int, site_id: int, beacons: Sequence[BeaconIn], now: float
    ) -> list[Beacon]:
        """All or none, in one transaction; `AlreadyRegistered` names every beacon whose key is taken."""
        ...

    async def list_beacons(self, org_id: int, site_id: int) -> list[Beacon]: ...
    async def get_beacon(self, org_id: int, site_id: int, beacon_id: int) -> Beacon: ...
    async def update_beacon(
        self, org_id: int, site_id: int, beacon_id: int, patch: BeaconPatch
    ) -> Beacon: ...
    async def decommission_beacon(self, org_id: int, site_id: int, beacon_id: int) -> None: ...
    async def beacon_by_key(self, key: str) -> BeaconRef | None: ...
    async def beacon_with_site(self, key: str) -> tuple[BeaconRef, SiteRow, list[StoredPrompt]] | None:
        """`beacon_by_key` with its site's `site_material`, in one read."""
        ...

    async def eid_beacons(self) -> list[EidBeacon]: ...
    async def eid_beacon(self, beacon_id: int) -> EidBeacon | None: ...
    async def regions(self) -> list[Region]: ...
    async def ping(self) -> None:
        """Raise unless the database answers a query (for /healthz)."""
        ...

    def change_count(self) -> int:
        """A number that moves whenever a site, prompt, beacon, agent or typed distance model was
        changed, by any process sharing this store, and not when sightings or heartbeats arrive.

        The catalog reads it after each change it makes and a few times a second
        (`backend.changes`), on the event loop: it must answer at once, from memory or a local
        read (SQLite: one row; PostgreSQL: a counter a LISTEN connection bumps on each NOTIFY).
        """
        ...

    # prompts
    async def create_prompt(self, org_id: int, site_id: int, prompt: PromptIn, now: float) -> Prompt: ...
    async def list_prompts(self, org_id: int, site_id: int) -> list[Prompt]: ...
    async def get_prompt(self, org_id: int, site_id: int, prompt_id: int) -> Prompt: ...
    async def update_prompt(
        self, org_id: int, site_id: int, prompt_id: int, patch: PromptPatch, now: float
    ) -> Prompt: ...
    async def delete_prompt(self, org_id: int, site_id: int, prompt_id: int) -> None: ...
    async def prompts_of_sites(self, site_ids: Sequence[int]) -> dict[int, list[Prompt]]: ...
    async def prompt_for_event(self, prompt_id: int) -> tuple[StoredPrompt, str] | None:
        """The prompt and its site's time zone, for deciding whether an event for it counts; None if
        either is gone."""
        ...

    # agents
    async def create_agent(self, org_id: int, site_id: int, agent: AgentIn, token_hash: bytes) -> Agent: ...
    async def list_agents(self, org_id: int, site_id: int) -> list[Agent]: ...
    async def get_agent(self, org_id: int, site_id: int, agent_id: int) -> Agent: ...
    async def update_agent(self, org_id: int, site_id: int, agent_id: int, patch: AgentPatch) -> Agent: ...
    async def record_heartbeat(self, agent_id: int, heartbeat: Heartbeat, now: float) -> int | None:
        """Store the heartbeat; answer the id of the beacon the agent should advertise."""
        ...

    # sightings, events, health, stats
    async def ingest(
        self, principal: AgentPrincipal, batch_id: str, sightings: Sequence[StoredSighting], now: float
    ) -> IngestResult: ...
    async def record_event(self, prompt_id: int, type: PromptEventType, hour: float) -> None: ...
    async def beacon_activity(self, org_id: int, site_id: int, now: float) -> list[BeaconActivity]: ...
    async def sighting_counts(
        self, org_id: int, site_id: int, since: float, until: float
    ) -> list[HourCount]: ...
    async def event_counts(
        self, org_id: int, site_id: int, since: float, until: float
    ) -> list[HourCount]: ...
    async def purge_sightings(self, before: float) -> int: ...

    # the distance model and its calibration
    async def distance_settings(self, org_id: int, site_id: int) -> DistanceModelIn: ...
    async def set_distance_settings(self, org_id: int, site_id: int, model: DistanceModelIn) -> None:
        """Replace the site's typed exponent and agent distances; NotFound for another site's agent
        or beacon."""
        ...

    async def calibration_windows(self, site_id: int, since: float) -> list[Window]:
        """The windows of the site's agents at typed distances since `since`, newest first, bounded."""
        ...

    async def store_fit(self, site_id: int, exponent: float | None, powers: dict[int, float]) -> None:
        """What resolve uses from now on: the fitted exponent (None: not trusted) and beacon powers."""
        ...

    # alerts to people
    async def alert_settings(self, org_id: int, site_id: int) -> AlertSite:
        """Who gets the site's alerts (its contacts and webhook URL, never the secret)."""
        ...

    async def set_alert_contacts(self, org_id: int, site_id: int, contacts: Sequence[str]) -> None: ...
    async def set_alert_webhook(self, org_id: int, site_id: int, url: str, secret: str) -> None:
        """Replace the webhook and its secret; an empty `url` sends no more webhooks."""
        ...

    async def alert_sites(self) -> list[AlertSite]:
        """Every site with an alert contact or a webhook."""
        ...

    async def alert_episodes(self, site_id: int) -> dict[str, Episode]: ...
    async def save_alert_check(
        self,
        site_id: int,
        before: Mapping[str, Episode],
        episodes: Mapping[str, Episode],
        messages: Sequence[Outgoing],
        now: float,
    ) -> bool:
        """The site's open episodes after a check, and the messages it made, in one transaction; only
        if the stored episodes are still `before` (else False: another process checked it meanwhile)."""
        ...

    async def purge_deliveries(self, before: float) -> int:
        """Forget messages delivered or given up before `before`."""
        ...

    async def due_deliveries(self, now: float, limit: int) -> list[Delivery]: ...
    async def claim_delivery(self, delivery_id: int, now: float, until: float) -> bool:
        """Take a due message for sending until `until` (when it is due again if this process stops);
        False if another process took it first."""
        ...

    async def delivery_tried(
        self, delivery_id: int, now: float, error: str | None, next_try_at: float | None
    ) -> None:
        """Delivered (`error` None), or failed: tried again at `next_try_at`, or given up when None."""
        ...
