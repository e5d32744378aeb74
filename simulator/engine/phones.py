"""The simulation's phones: one companion app per walker with a phone, and the ground truth around it.

Each walker with a phone runs ``simulator.phone.CompanionApp`` (the reference app) with
``simulator.app_client`` against the real backend, on the world's clock. Beside what the app does,
this records what only the simulator can know: where the walker truly was, how far the site's
nearest beacon truly was when a prompt came up, whether the loudest beacon of that site the phone
heard was a spoof, when the phone first heard each site, and which site was truly nearest.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Sequence
from typing import Final

import aiohttp

from simulator.app_client import AppClient, drive
from simulator.phone import AppConfig, CompanionApp, Display
from simulator.report.record import ResolvedDistance, RssiSample, RunRecord, ShownPrompt, WalkerTrack
from simulator.world.beacons import Emission
from simulator.world.radio import derive_seed
from simulator.world.walkers import Walker
from simulator.world.world import World

__all__ = ["Phones"]

Point = tuple[float, float]
TRACK_EVERY_S: Final = 2.0
NEAREST_EVERY_S: Final = 0.5
TIMELINE_WALKERS: Final = 4  # walkers with a phone whose every reception is kept, for the picture
# The loudest beacon heard within this long counts as "the beacon the phone heard": the app forgets
# a beacon after 10 s of silence (AppConfig.forget_after_s).
_HEARD_WITHIN_S: Final = 10.0
_RSSI_WEIGHT: Final = 0.3  # a light moving average, so that one lucky reading does not decide
# Distances to a site are kept while within this much of its farthest-reaching prompt: the report asks
# whether a prompt came while the walker was still within 1.5x its reach (simulator.report.nearness).
NEAR_KEPT: Final = 1.5


class Phones:
    """Every phone of the world; ``hear`` each step's emissions, then ``step`` the apps."""

    def __init__(
        self, world: World, seed: int, session: aiohttp.ClientSession, url: str, record: RunRecord
    ) -> None:
        spec = world.scenario.app
        config = AppConfig(
            lang=spec.lang,
            debounce_s=spec.debounce_s,
            open_probability=spec.opened,
            act_probability=spec.acted,
        )
        self.world, self.record = world, record
        self.apps: dict[str, CompanionApp] = {}
        self._clients: dict[str, AppClient] = {}
        self.tracks: dict[str, WalkerTrack] = {}
        for walker in world.walkers:
            self.tracks[walker.name] = WalkerTrack(walker.name, walker.kind, walker.has_phone)
            if walker.has_phone:
                rng = random.Random(derive_seed(seed, "phone", walker.name))
                self.apps[walker.name] = CompanionApp(config, rng)
                self._clients[walker.name] = AppClient(url, session)
        record.walkers = list(self.tracks.values())
        self._timeline = set(list(self.apps)[:TIMELINE_WALKERS])
        # Transmitter -> the site it speaks for (a spoof speaks for the site it copies).
        self._site_of: dict[str, str] = {}
        for beacon in world.beacons:
            origin = world.beacon(beacon.spoof_of) if beacon.spoof_of else beacon
            if origin.site is not None:
                self._site_of[beacon.id] = origin.site
        self._spoof = {b.id for b in world.beacons if b.spoof_of is not None}
        self._own = {s.name: [b for b in world.beacons if b.site == s.name] for s in world.scenario.sites}
        self._heard: dict[str, dict[str, tuple[float, float]]] = {name: {} for name in self.apps}
        self._next_track = 0.0
        self._next_nearest = 0.0
        self._answers = dict.fromkeys(self.apps, 0)
        reach = {
            s.name: [p.max_distance_m for p in s.prompts if p.max_distance_m is not None]
            for s in world.scenario.sites
        }
        self._near_kept = {site: NEAR_KEPT * max(r) for site, r in reach.items() if r and self._own[site]}

    def hear(self, emissions: Sequence[Emission], present: Sequence[tuple[Walker, Point]]) -> None:
        """Every phone on the scene hears what reaches its position."""
        world, tracks = self.world, self.tracks
        for walker, xy in present:
            app = self.apps.get(walker.name)
            if app is None:
                continue
            track, heard, timeline = (
                tracks[walker.name],
                self._heard[walker.name],
                walker.name in self._timeline,
            )
            for emission in emissions:
                rssi = world.rssi(emission, xy, walker.name)
                if rssi is None:
                    continue
                app.hear_advertisement(emission.manufacturer_data, emission.service_data, rssi, emission.time)
                site = self._site_of.get(emission.beacon)
                if site is None:
                    continue
                track.entered_range.setdefault(site, emission.time)
                before = heard.get(emission.beacon)
                level = rssi if before is None else before[1] + _RSSI_WEIGHT * (rssi - before[1])
                heard[emission.beacon] = (emission.time, level)
                if timeline:
                    track.rssi.append(RssiSample(round(emission.time, 3), site, rssi))

    async def step(self, now: float, present: Sequence[tuple[Walker, Point]]) -> None:
        """Drive every app with something to do at ``now``, concurrently; record what they show."""
        names = [w.name for w, _ in present if w.name in self.apps]
        here = set(names)
        # A prompt on screen still has events to send after its walker has left the scene.
        names += [n for n, app in self.apps.items() if app.showing is not None and n not in here]
        results = await asyncio.gather(*(drive(self.apps[n], self._clients[n], now) for n in names))
        for name, displays in zip(names, results, strict=True):
            self._resolved(name, now)
            for display in displays:
                self._shown(name, display, now)
        self._ground_truth(now, present)

    def _truth_m(self, walker: str, site: str, now: float) -> float:
        """Where the walker truly is, and how far the site's nearest beacon is from there."""
        world = self.world
        w = world.walker(walker)
        xy = w.position(min(max(now, w.arrival_s), w.leave_s)) or (math.nan, math.nan)
        own = self._own.get(site) or []
        return min((world.distance(b, xy) for b in own), default=world.distance(site, xy))

    def _resolved(self, walker: str, now: float) -> None:
        """A new answer: each site's estimated distance beside the true one."""
        app = self.apps[walker]
        if app.stats.answers == self._answers[walker] or app.answer is None:
            return
        self._answers[walker] = app.stats.answers
        for entry in app.answer.sites:
            if entry.distance_m is None:
                continue
            site = entry.site.name
            self.record.resolved.append(
                ResolvedDistance(
                    walker,
                    site,
                    round(now, 3),
                    round(entry.distance_m, 2),
                    round(self._truth_m(walker, site, now), 2),
                    self._loudest(walker, site, now)[0],
                )
            )

    def _loudest(self, walker: str, site: str, now: float) -> tuple[float | None, str | None]:
        """The site's beacon the walker heard loudest lately: its smoothed RSSI and its id."""
        recent = [
            (level, beacon)
            for beacon, (at, level) in self._heard[walker].items()
            if self._site_of.get(beacon) == site and now - at <= _HEARD_WITHIN_S
        ]
        if not recent:
            return None, None
        level, beacon = max(recent)
        return round(level, 1), beacon

    def _shown(self, walker: str, display: Display, now: float) -> None:
        world, site = self.world, display.site.name
        w = world.walker(walker)
        xy = w.position(min(max(now, w.arrival_s), w.leave_s)) or (math.nan, math.nan)
        true_m = self._truth_m(walker, site, now)
        loudest = self._loudest(walker, site, now)[1]
        prompt = display.prompt
        self.record.shown.append(
            ShownPrompt(
                walker=walker,
                site=site,
                prompt_id=prompt.id,
                prompt_kind=str(prompt.kind),
                title=prompt.title,
                lang=prompt.lang,
                at_s=round(now, 3),
                x=round(xy[0], 2),
                y=round(xy[1], 2),
                true_distance_m=round(true_m, 2),
                estimated_distance_m=None if display.distance_m is None else round(display.distance_m, 2),
                max_distance_m=prompt.max_distance_m,
                cooldown_s=prompt.cooldown_s,
                spoofed=loudest in self._spoof,
            )
        )

    def _ground_truth(self, now: float, present: Sequence[tuple[Walker, Point]]) -> None:
        """Track points every few seconds; which site was truly nearest while any was in range."""
        if now >= self._next_track:
            self._next_track += TRACK_EVERY_S
            for walker, (x, y) in present:
                self.tracks[walker.name].points.append((round(now, 2), round(x, 2), round(y, 2)))
        if now < self._next_nearest:
            return
        self._next_nearest += NEAREST_EVERY_S
        world = self.world
        for walker, xy in present:
            if walker.name not in self.apps:
                continue
            reach = [
                (min(world.distance(b, xy) for b in beacons), site)
                for site, beacons in self._own.items()
                if any(b.death_s > now and world.in_range(b, xy) for b in beacons)
            ]
            if reach:
                nearest = min(reach)[1]
                spent = self.tracks[walker.name].nearest_site
                spent[nearest] = spent.get(nearest, 0.0) + NEAREST_EVERY_S
            for site, kept in self._near_kept.items():
                sending = [world.distance(b, xy) for b in self._own[site] if b.death_s > now]
                if sending and (d := min(sending)) <= kept:
                    self.tracks[walker.name].near.setdefault(site, []).append((round(now, 2), round(d, 2)))

    def stats(self) -> dict[str, int]:
        """The apps' counters (``AppStats``), summed over all phones."""
        total: dict[str, int] = {}
        for app in self.apps.values():
            for name, value in app.stats.diagnostics().items():
                total[name] = total.get(name, 0) + value
        return total
