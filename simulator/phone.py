"""The companion app's logic: what a phone hears, when it asks the backend, what it shows.

This is the reference an app developer reads (PHONE.md says the same in plain words). Sans-I/O:
no sockets and no clock; every method takes the time, and randomness comes from the caller's
``random.Random``. The HTTP shell is ``simulator.app_client`` (``AppClient`` and ``drive``).

Rules, in the order a beacon meets them:

1. Scan filter. The phone hears only beacons of the service's regions (``GET /v1/regions``): an
   iBeacon or AltBeacon whose UUID (id1) is listed, an Eddystone-UID whose namespace is listed, any
   Eddystone-EID when an ``eddystone-eid`` region is listed. The OS drops everything else before
   the app sees it; without regions nothing is heard. iOS monitors at most 20 iBeacon regions:
   those beyond ``max_ibeacon_regions`` are not monitored (counted in ``stats``). Regions are
   fetched again every ``regions_refresh_s``.
2. Debounce. A beacon counts once it has been heard ``min_receptions`` times and ``debounce_s``
   have passed since the first of them. After ``forget_after_s`` without a reception it is
   forgotten and must be debounced again.
3. Smoothing. A beacon's RSSI is an exponential average over time (``beacon_agent.aggregate.smooth``,
   the agent's filter): single readings scatter by several dB, and weighting by time rather than by
   reading treats fast and slow beacons alike. Fast attack, slow release: a reading stronger than
   the average pulls it with half-life ``rssi_attack_half_life_s``, a weaker one with
   ``rssi_release_half_life_s``, so approach shows within a second or two and a lost packet or a
   body in the way does not push a near beacon off.
4. Resolve. The app asks ``POST /v1/resolve`` when the set of counted beacons differs from the set
   of its latest answer, when a counted beacon has grown ``approach_db`` stronger than it was when
   that answer was asked for (the walker came nearer; not while the user has a prompt open), when a
   prompt has left the screen since (another may fit now), or when the answer is
   ``resolve_interval_s`` old; with every counted beacon
   (strongest first, at most 50): its key, smoothed RSSI rounded to whole dBm and tx power at 1 m;
   and its language. One request at a time, at least ``min_resolve_gap_s`` apart. When the set
   changes to one answered less than ``cache_ttl_s`` ago (a beacon at the edge of range comes and
   goes), that answer is used instead of asking, unless the walker has come nearer since. A 429
   stops asking for its ``Retry-After``; other failures back off exponentially with full jitter.
5. Show. At most one prompt is on screen. When none is (or the one on screen is unopened and its
   site left behind: no longer heard, or farther than its ``max_distance_m``), beacons count and the
   latest answer is younger than ``cache_ttl_s``, the app goes through its sites nearest first, and
   each site's prompts in the backend's order, and shows the first prompt that
   a. it has not shown within that prompt's ``cooldown_s`` (per prompt id, whatever the site), and
   b. whose ``max_distance_m`` (if any) is not below the app's distance estimate: the answer's
      ``distance_m``, stretched by how much the strongest beacon has fallen since it was asked
      for. The backend knows the site (its calibration, its walls), so its distance is the
      measure; the phone only notices walking away at once. Walking closer asks again (rule 4).
6. Events. ``shown`` when displayed. Then, drawn at display time: with ``open_probability`` the
   user opens it after ``open_delay_s``, then acts with ``act_probability`` after ``act_delay_s``
   or dismisses it after ``dismiss_delay_s``; unopened, it is dismissed after ``dismiss_delay_s``.
   The prompt leaves the screen with its last event.

Privacy: what leaves the phone is beacon keys with RSSI and tx power, a language and anonymous event
counts; no device id, no account, no position. What was shown stays on the phone (``shown``).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Final

from beacon_agent.aggregate import smooth
from beacon_agent.backoff import backoff_delay
from beacon_agent.contract.distance import estimate_distance_m, tx_power_at_1m
from beacon_agent.contract.frames import AltBeacon, EddystoneEid, EddystoneUid, IBeacon, decode
from beacon_agent.contract.keys import KeyKind, parse_key
from beacon_agent.contract.wire import (
    MAX_OBSERVATIONS,
    Observation,
    PromptEventType,
    PromptView,
    Region,
    ResolveRequest,
    SitesAnswer,
    SiteView,
)

__all__ = ["AppConfig", "AppStats", "CompanionApp", "Display", "Shown"]

_RSSI_MIN, _RSSI_MAX = -127, 20  # the wire's range (beacon_agent.contract.wire.Rssi)
# Readings a beacon's smoothing takes the median of: at 2-3 advertisements a second, about a second.
MEDIAN_OF: Final = 3


@dataclass(frozen=True, slots=True)
class AppConfig:
    """The app's knobs; each default says why it has that value."""

    lang: str | None = "de"  # the phone's UI language; None lets the backend pick the site's own
    # A single reception is a reflection, a beacon on a passing bus, someone far off for a moment.
    # Two receptions over 2 s is presence: 2-3 advertisements of a typical 1 Hz beacon, 3 m of walking.
    debounce_s: float = 2.0
    min_receptions: int = 2
    # At 1 Hz and 30 % packet loss a present beacon stays silent for 10 s with odds of 6 in a million,
    # and in 10 s a walker has gone 14 m: about the reach of a prompt.
    forget_after_s: float = 10.0
    # Fast attack, slow release. A stronger reading moves the estimate with a 1 s half-life, so on
    # approach it lags ~1.5 s (2 m of walking) instead of ~4 s; a weaker one with 4 s, so a lost
    # packet or a body in the way for a moment does not push a near beacon away. The asymmetry
    # leans the estimate a little towards the stronger readings: towards "near", which the
    # log-distance model (n = 2 in streets of 2.5 and more) already errs against.
    rssi_attack_half_life_s: float = 1.0
    rssi_release_half_life_s: float = 4.0
    # Asking again is due when the signal has risen by this much since the answer in use: 3 dB is
    # a quarter less distance at n = 2.5 (20 m -> 15 m), the step at which a prompt's reach is met.
    approach_db: float = 3.0
    # Without a rise, an answer is refreshed this often: approach asks for itself, so the periodic
    # ask only keeps schedules and prompts current, and a phone standing at a bus stop asks four
    # times a minute, not six.
    resolve_interval_s: float = 15.0
    # The beacons of one site come into range within seconds of each other: one request, not one each.
    min_resolve_gap_s: float = 2.0
    # Prompts and schedules change in minutes, a walker's beacon set in seconds.
    cache_ttl_s: float = 30.0
    # n of the log-distance model; the backend's default. A deployment that changes one changes both.
    path_loss_exponent: float = 2.0
    max_ibeacon_regions: int = 20  # iOS: 20 monitored regions per app (CLLocationManager)
    regions_refresh_s: float = 6 * 3600.0  # UUIDs change when an organisation registers its own
    regions_retry_s: float = 60.0
    retry_after_default_s: float = 5.0  # a 429 without a usable Retry-After
    error_backoff_base_s: float = 2.0
    error_backoff_cap_s: float = 120.0
    # What users do: scenario knobs, not measurements.
    open_probability: float = 0.3
    act_probability: float = 0.3
    open_delay_s: tuple[float, float] = (2.0, 20.0)
    act_delay_s: tuple[float, float] = (5.0, 60.0)
    dismiss_delay_s: tuple[float, float] = (3.0, 30.0)


@dataclass(frozen=True, slots=True)
class Display:
    """A prompt on screen: what the UI renders, from ``at`` until ``until`` (or until it gives way)."""

    prompt: PromptView
    site: SiteView
    distance_m: float | None
    at: float
    until: float
    opened_at: float = math.inf  # when the user opens it; never, unless drawn so at display time

    def unread(self, now: float) -> bool:
        """On screen and not opened yet: a notification the user has not turned to."""
        return now < self.until and now < self.opened_at


@dataclass(frozen=True, slots=True)
class Shown:
    """What the phone showed, when, and how far away it thought the site was."""

    prompt_id: int
    site_id: int
    at: float
    distance_m_estimated: float | None
    title: str
    lang: str


@dataclass(slots=True)
class AppStats:
    """Counters for the report; ``diagnostics()`` gives them as a plain dict."""

    heard: int = 0  # receptions that passed the scan filter
    filtered: int = 0  # receptions the scan filter dropped
    resolves: int = 0  # requests sent
    answers: int = 0
    cache_hits: int = 0
    rate_limited: int = 0  # 429 answers
    errors: int = 0  # failed resolves other than 429
    events_failed: int = 0
    regions_unmonitored: int = 0  # iBeacon regions beyond the iOS limit
    withdrawn: int = 0  # unread prompts that gave way to one for where the walker is now

    def diagnostics(self) -> dict[str, int]:
        return asdict(self)


@dataclass(slots=True)
class _Track:
    """One beacon's current streak of receptions."""

    first: float
    last: float
    receptions: int
    rssi: float  # smoothed, dBm
    tx_power_1m: int | None
    recent: list[int] = field(default_factory=list)  # the last few readings, newest last


@dataclass(order=True, slots=True)
class _Event:
    at: float
    seq: int
    prompt_id: int = field(compare=False)
    type: PromptEventType = field(compare=False)


class CompanionApp:
    """One phone's app: receptions and answers in, requests, displays and events out."""

    def __init__(self, config: AppConfig, rng: random.Random) -> None:
        self.config = config
        self.stats = AppStats()
        self.shown: list[Shown] = []
        self._rng = rng
        # Retry jitter draws from its own generator, so what a user does never depends on the network.
        self._backoff_rng = random.Random(rng.getrandbits(64))
        self._regions: frozenset[tuple[str, str]] = frozenset()
        self._regions_due_at = -math.inf
        self._tracks: dict[str, _Track] = {}
        self._answer: SitesAnswer | None = None
        self._answer_keys: frozenset[str] = frozenset()
        self._answer_at = -math.inf
        self._answer_rssi: dict[str, float] = {}  # what the answer in use was asked with
        self._cache: dict[frozenset[str], tuple[SitesAnswer, float, dict[str, float]]] = {}
        self._asking: frozenset[str] | None = None
        self._sent: dict[str, float] = {}
        self._asked_at = -math.inf
        self._not_before = -math.inf
        self._failures = 0
        self._last_shown: dict[int, float] = {}
        self._showing: Display | None = None
        self._freed_at = -math.inf  # when the screen last became free
        self._events: list[_Event] = []
        self._seq = 0

    @property
    def showing(self) -> Display | None:
        """The prompt on screen, if any (as of the last call)."""
        return self._showing

    @property
    def answer(self) -> SitesAnswer | None:
        """The latest answer the app acts on (as of the last call)."""
        return self._answer

    # --- scan filter -------------------------------------------------------------------------------

    def due_regions(self, now: float) -> bool:
        """Whether to fetch ``GET /v1/regions`` now."""
        return now >= self._regions_due_at

    def set_regions(self, regions: Iterable[Region], now: float | None = None) -> None:
        """Program the scan filter; ``now`` schedules the next refresh (never, without it)."""
        allowed: set[tuple[str, str]] = set()
        ibeacons = 0
        self.stats.regions_unmonitored = 0
        for region in regions:
            if region.kind == "ibeacon":
                ibeacons += 1
                if ibeacons > self.config.max_ibeacon_regions:
                    self.stats.regions_unmonitored += 1
                    continue
            allowed.add((region.kind, region.id.lower()))
        self._regions = frozenset(allowed)
        self._regions_due_at = math.inf if now is None else now + self.config.regions_refresh_s

    def on_regions_failed(self, now: float) -> None:
        self._regions_due_at = now + self.config.regions_retry_s

    def _passes(self, key: str) -> bool:
        try:
            parsed = parse_key(key)
        except ValueError:
            return False
        region_id = "" if parsed.kind == KeyKind.EDDYSTONE_EID else str(parsed.parts[0])
        return (parsed.kind.value, region_id) in self._regions

    # --- receptions --------------------------------------------------------------------------------

    def hear(self, key: str, rssi: int, tx_power_1m: int | None, now: float) -> bool:
        """One reception of beacon ``key``; False when the scan filter dropped it."""
        if not self._passes(key):
            self.stats.filtered += 1
            return False
        self.stats.heard += 1
        track = self._tracks.get(key)
        if track is None or now - track.last > self.config.forget_after_s:
            self._tracks[key] = _Track(now, now, 1, float(rssi), tx_power_1m, [rssi])
            return True
        cfg = self.config
        track.recent = [*track.recent[1 - MEDIAN_OF :], rssi]
        # The median of the last three (the lower of two): one lucky reading is not an approach.
        sample = sorted(track.recent)[(len(track.recent) - 1) // 2]
        half_life = cfg.rssi_attack_half_life_s if sample > track.rssi else cfg.rssi_release_half_life_s
        track.rssi = smooth(track.rssi, sample, now - track.last, half_life)
        track.last = max(track.last, now)
        track.receptions += 1
        if tx_power_1m is not None:
            track.tx_power_1m = tx_power_1m
        return True

    def hear_advertisement(
        self, manufacturer_data: Mapping[int, bytes], service_data: Mapping[str, bytes], rssi: int, now: float
    ) -> int:
        """One advertisement in bleak's shapes; returns how many of its beacon frames were heard."""
        heard = 0
        for frame in decode(manufacturer_data, service_data):
            # URL and TLM frames carry no identity: nothing to resolve.
            if isinstance(frame, (IBeacon, AltBeacon, EddystoneUid, EddystoneEid)):
                heard += self.hear(frame.key, rssi, tx_power_at_1m(frame), now)
        return heard

    def _counted(self, now: float) -> dict[str, _Track]:
        """Beacons that count now; forgets those gone silent."""
        cfg = self.config
        for key in [k for k, t in self._tracks.items() if now - t.last > cfg.forget_after_s]:
            del self._tracks[key]
        return {
            key: t
            for key, t in self._tracks.items()
            if t.receptions >= cfg.min_receptions and now - t.first >= cfg.debounce_s
        }

    # --- resolve -----------------------------------------------------------------------------------

    def due_resolve(self, now: float) -> ResolveRequest | None:
        """The request to send now, or None (nothing counts, waiting, answered, or cached)."""
        counted = self._counted(now)
        if not counted or self._asking is not None or now < self._not_before:
            return None
        keys = frozenset(counted)
        if keys == self._answer_keys:
            fresh = (
                now - self._answer_at < self.config.resolve_interval_s and self._freed_at <= self._answer_at
            )
            if fresh and not self._closer(counted, now):
                return None
        else:
            cached = self._cache.get(keys)
            if cached is not None and now - cached[1] < self.config.cache_ttl_s:
                self.stats.cache_hits += 1
                self._answer, self._answer_keys, self._answer_at, self._answer_rssi = (
                    cached[0],
                    keys,
                    *cached[1:],
                )
                if not self._closer(counted, now):
                    return None
        if now - self._asked_at < self.config.min_resolve_gap_s:
            return None
        strongest = sorted(counted.items(), key=lambda item: -item[1].rssi)[:MAX_OBSERVATIONS]
        observations = [
            Observation(
                beacon=key,
                rssi=min(max(round(t.rssi), _RSSI_MIN), _RSSI_MAX),
                tx_power=t.tx_power_1m,
            )
            for key, t in strongest
        ]
        self._asking, self._asked_at = keys, now
        self._sent = {key: t.rssi for key, t in counted.items()}
        self.stats.resolves += 1
        return ResolveRequest(observations=observations, lang=self.config.lang)

    def on_answer(self, answer: SitesAnswer, now: float) -> list[Display]:
        """The backend answered the request in flight; returns what to show now."""
        keys = self._asking if self._asking is not None else frozenset(self._counted(now))
        self._asking, self._failures = None, 0
        self.stats.answers += 1
        ttl = self.config.cache_ttl_s
        self._cache = {k: v for k, v in self._cache.items() if now - v[1] < ttl}
        self._cache[keys] = (answer, now, self._sent)
        self._answer, self._answer_keys, self._answer_at, self._answer_rssi = answer, keys, now, self._sent
        return self.due_displays(now)

    def _closer(self, counted: Mapping[str, _Track], now: float) -> bool:
        """Whether a beacon has come ``approach_db`` nearer since the answer in use was asked for.

        Not while a prompt is on screen: nothing else could be shown, so asking would only cost battery.
        """
        showing = self._showing
        if showing is not None and now < showing.until and not showing.unread(now):
            return False
        rise = self.config.approach_db
        return any(t.rssi >= self._answer_rssi.get(key, math.inf) + rise for key, t in counted.items())

    def on_rate_limited(self, retry_after_s: float | None, now: float) -> None:
        """A 429: ask nothing for ``Retry-After`` seconds."""
        self._asking = None
        self.stats.rate_limited += 1
        wait = self.config.retry_after_default_s if retry_after_s is None else retry_after_s
        self._not_before = now + max(wait, 1.0)

    def on_error(self, now: float) -> None:
        """No usable answer (network, timeout, 5xx, unreadable body): back off, then ask again."""
        self._asking = None
        self.stats.errors += 1
        self._failures += 1
        cfg = self.config
        delay = backoff_delay(
            self._failures - 1,
            self._backoff_rng,
            base_s=cfg.error_backoff_base_s,
            cap_s=cfg.error_backoff_cap_s,
        )
        self._not_before = now + delay

    # --- showing -----------------------------------------------------------------------------------

    def due_displays(self, now: float) -> list[Display]:
        """The prompt to put on screen now, if any (a list of at most one)."""
        showing = self._showing
        if showing is not None and now >= showing.until:
            showing = self._showing = None
            self._freed_at = now
        if showing is not None and not showing.unread(now):
            return []
        counted = self._counted(now)
        answer = self._answer
        if not counted or answer is None or now - self._answer_at >= self.config.cache_ttl_s:
            return []
        distances = self._distances(answer, counted)
        if showing is not None and not self._left_behind(showing, answer, distances):
            return []
        for entry, distance in zip(answer.sites, distances, strict=True):
            if showing is not None and entry.site.id == showing.site.id:
                continue  # walking away from a site is no moment for its other prompts
            for prompt in entry.prompts:
                if self._eligible(prompt, distance, now):
                    if showing is not None:
                        self._withdraw(showing, now)
                    return [self._show(prompt, entry.site, distance, now)]
        return []

    def _distances(self, answer: SitesAnswer, counted: Mapping[str, _Track]) -> list[float | None]:
        """The app's estimate for each site of the answer, in its order."""
        farther = self._farther(counted)
        nearest = None
        out: list[float | None] = []
        for entry in answer.sites:
            if entry.distance_m is not None:
                out.append(entry.distance_m * farther)
            else:  # no tx power anywhere: the app's own model is all there is
                nearest = nearest or self._nearest_beacon_m(counted.values())
                out.append(nearest)
        return out

    @staticmethod
    def _left_behind(showing: Display, answer: SitesAnswer, distances: list[float | None]) -> bool:
        """Whether the unread prompt on screen is for a place the walker has left: its site is no
        longer heard, or is now farther than the prompt's reach. Such a prompt gives way to one for
        where they are now; a notification about a door 40 m behind asks nobody anything."""
        for entry, distance in zip(answer.sites, distances, strict=True):
            if entry.site.id == showing.site.id:
                limit = showing.prompt.max_distance_m
                return limit is not None and distance is not None and distance > limit
        return True

    def _withdraw(self, showing: Display, now: float) -> None:
        """Take the unread prompt off the screen: what the user would still have done with it is void."""
        self._events = [e for e in self._events if e.prompt_id != showing.prompt.id or e.at <= now]
        heapq.heapify(self._events)
        self.stats.withdrawn += 1
        self._showing = None

    def _farther(self, counted: Mapping[str, _Track]) -> float:
        """How many times farther the walker is than when the answer in use was asked for (at least 1).

        From the fall of the strongest beacon since then, with the model's exponent: only a ratio, so
        the answer's distance (the backend's, which knows the site) stays the measure. At n = 2 in a
        street of 2.5-3 a fall reads as more distance than it is: better silent than shown from afar.
        A rise is not counted: the answer from farther off lacks the prompts that would fit now (the
        backend leaves out those beyond their reach), so coming nearer asks again instead (rule 4).
        """
        then = [(rssi, key) for key, rssi in self._answer_rssi.items() if key in counted]
        if not then:
            return 1.0
        fall = max(then)[0] - max(counted[key].rssi for _, key in then)
        return 10 ** (max(fall, 0.0) / (10 * self.config.path_loss_exponent))

    def _nearest_beacon_m(self, tracks: Iterable[_Track]) -> float | None:
        """Distance of the nearest beacon heard, from the smoothed RSSI; None if no tx power is known."""
        distances = [
            d
            for t in tracks
            if (d := estimate_distance_m(t.rssi, t.tx_power_1m, self.config.path_loss_exponent)) is not None
        ]
        return min(distances, default=None)

    def _eligible(self, prompt: PromptView, distance_m: float | None, now: float) -> bool:
        last = self._last_shown.get(prompt.id)
        if last is not None and now - last < prompt.cooldown_s:
            return False
        limit = prompt.max_distance_m
        return limit is None or (distance_m is not None and distance_m <= limit)

    def _show(self, prompt: PromptView, site: SiteView, distance_m: float | None, now: float) -> Display:
        cfg, rng = self.config, self._rng
        opened_at = math.inf
        self._schedule(now, prompt.id, PromptEventType.SHOWN)
        if rng.random() < cfg.open_probability:
            opened = now + rng.uniform(*cfg.open_delay_s)
            opened_at = opened
            self._schedule(opened, prompt.id, PromptEventType.OPENED)
            if rng.random() < cfg.act_probability:
                until, last = opened + rng.uniform(*cfg.act_delay_s), PromptEventType.ACTED
            else:
                until, last = opened + rng.uniform(*cfg.dismiss_delay_s), PromptEventType.DISMISSED
        else:
            until, last = now + rng.uniform(*cfg.dismiss_delay_s), PromptEventType.DISMISSED
        self._schedule(until, prompt.id, last)
        self._last_shown[prompt.id] = now
        self.shown.append(Shown(prompt.id, site.id, now, distance_m, prompt.title, prompt.lang))
        self._showing = Display(prompt, site, distance_m, now, until, opened_at)
        return self._showing

    # --- events ------------------------------------------------------------------------------------

    def _schedule(self, at: float, prompt_id: int, type_: PromptEventType) -> None:
        self._seq += 1
        heapq.heappush(self._events, _Event(at, self._seq, prompt_id, type_))

    def due_events(self, now: float) -> list[tuple[int, PromptEventType]]:
        """Events to post now (``POST /v1/prompts/{id}/events``), oldest first."""
        due: list[tuple[int, PromptEventType]] = []
        while self._events and self._events[0].at <= now:
            event = heapq.heappop(self._events)
            due.append((event.prompt_id, event.type))
        return due

    def on_event_failed(self) -> None:
        """An event could not be posted. It is not retried: events only feed hourly counts."""
        self.stats.events_failed += 1
