"""What a simulation run records, and nothing more: the engine (`simulator.engine.run`) fills it, the report
(`simulator.report.figures`) reads it. Plain data, so a run can be saved as JSON and reported on again.

Times are seconds of scenario time from the start of the run; positions are metres in the
scenario's plane (see `simulator.world.world`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ShownPrompt:
    """One prompt put on one walker's screen."""

    walker: str
    site: str
    prompt_id: int
    prompt_kind: str
    title: str
    lang: str
    at_s: float
    x: float
    y: float
    true_distance_m: float  # from the walker to the site's nearest beacon, ground truth
    estimated_distance_m: float | None  # what the app believed
    max_distance_m: float | None
    cooldown_s: int
    spoofed: bool  # true if the nearest beacon the phone heard of that site was a spoofed copy


@dataclass(frozen=True, slots=True)
class ResolvedDistance:
    """One site of one resolve answer: the backend's distance estimate beside the truth."""

    walker: str
    site: str
    at_s: float
    estimated_m: float
    true_m: float  # to the site's nearest sending beacon, ground truth
    rssi: float | None = None  # the loudest of the site's beacons as the phone heard it (smoothed), dBm


@dataclass(frozen=True, slots=True)
class RssiSample:
    at_s: float
    site: str
    rssi: int


@dataclass(slots=True)
class WalkerTrack:
    name: str
    kind: str
    has_phone: bool
    points: list[tuple[float, float, float]] = field(default_factory=list)  # (t, x, y), every few seconds
    rssi: list[RssiSample] = field(default_factory=list)  # kept for a few walkers, for the time line
    entered_range: dict[str, float] = field(default_factory=dict)  # site -> first reception of its beacons
    # site -> seconds it was the nearest in range
    nearest_site: dict[str, float] = field(default_factory=dict)
    # site -> (t, true metres to its nearest sending beacon), every half second while within 1.5x the
    # reach of the site's farthest-reaching prompt: what "came near" and "walked on" are judged by
    near: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Alert:
    site: str
    alert: str  # e.g. "LOW_BATTERY:beacon:3"
    first_seen_s: float


@dataclass(slots=True)
class RunRecord:
    scenario: str
    seed: int
    duration_s: float
    speed: float
    agents: str  # "bleak" (real agents through the fake BlueZ) or "inline" (the agent's core in process)
    scanner: str  # which scanning stack ran, e.g. "bleak/bluez-dbus"
    sightings_produced: int = 0  # advertisements of registered beacons delivered to agents' radios
    sightings_received: int = 0  # the sum of `count` over the sightings the backend stored
    resolves: int = 0
    resolve_errors: int = 0
    rate_limited: int = 0
    shown: list[ShownPrompt] = field(default_factory=list)
    resolved: list[ResolvedDistance] = field(default_factory=list)
    walkers: list[WalkerTrack] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    backend_url: str | None = None
    # What to open in a browser while the run's backend is up: label -> address.
    links: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
