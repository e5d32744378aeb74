"""The companion app's endpoints: resolve beacons, find sites nearby, read a site, report events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from aiohttp import web
from pydantic_core import from_json

from backend.answers import SiteCard, render_site, render_sites
from backend.errors import NotFound
from backend.events import could_have_been_shown
from backend.http.operations import Call, RawJson
from backend.http.state import AppState
from backend.prompts import language_preferences
from backend.storage import BeaconRef, EidBeacon
from backend.storage.rows import hour_of
from backend.street_exponent import Heard
from beacon_agent.contract.distance import estimate_distance_m
from beacon_agent.contract.keys import EID_PREFIX
from beacon_agent.contract.wire import (
    LangQuery,
    NearbyQuery,
    Observation,
    PromptEvent,
    PromptEventType,
    RegionsAnswer,
    ResolveRequest,
)


async def resolve(call: Call) -> RawJson:
    request: ResolveRequest = call.body
    state = call.state
    loudest: dict[int, _Reading] = {}  # per site, the reading with the least loss
    for observation in request.observations:
        reading = await _locate(call, observation)
        if reading is not None and _louder(reading, loudest.get(reading.site_id)):
            loudest[reading.site_id] = reading
    cards = await state.catalog.cards(list(loudest), state.clock())
    if len(loudest) > 1:
        state.street.learn(_heard(loudest, cards))
    nearest = {site_id: _distance(state, reading) for site_id, reading in loudest.items()}
    order = (
        sorted(nearest, key=lambda s: (nearest[s] is None, nearest[s] or 0.0, s))
        if len(nearest) > 1
        else nearest
    )
    parts = _render_cards(call, [(s, nearest[s]) for s in order], cards, request.lang, check_distance=True)
    return RawJson(render_sites(parts))


async def nearby(call: Call) -> RawJson:
    q: NearbyQuery = call.query
    state = call.state
    found, cards = await state.catalog.nearby(q.lat, q.lon, q.radius_m, q.kind, q.limit, state.clock())
    parts = _render_cards(call, found, cards, q.lang, check_distance=False)
    return RawJson(render_sites(parts))


async def site(call: Call) -> RawJson:
    q: LangQuery = call.query
    parts = await _render(call, [(call.ids["site_id"], None)], q.lang, check_distance=False)
    if not parts:
        raise NotFound(f"site {call.ids['site_id']} not found")
    return RawJson(parts[0])


async def regions(call: Call) -> RegionsAnswer:
    return RegionsAnswer(regions=await call.state.catalog.regions())


async def prompt_event(call: Call) -> None:
    event: PromptEvent = call.body
    prompt_id = call.ids["prompt_id"]
    state = call.state
    found = await state.storage.prompt_for_event(prompt_id)
    # A draft, an expired prompt and one that never existed answer alike: ids cannot be enumerated.
    if found is None or not could_have_been_shown(*found, state.now()):
        raise NotFound(f"prompt {prompt_id} not found")
    await count_event(state, call.request, prompt_id, event.type)
    return None


async def count_event(state: AppState, request: web.Request, prompt_id: int, type: PromptEventType) -> None:
    """Add one to the prompt's hourly count of `type`, unless this client is over its cap for it.

    Answered the same either way by the callers, so a client cannot tell whether it is being counted."""
    if not state.event_caps.count(state.client_id(request), prompt_id, str(type), state.clock()):
        state.metrics.events_uncounted.inc()
        return
    await state.storage.record_event(prompt_id, type, hour_of(state.clock()))


class _Reading(NamedTuple):
    """A beacon of ours as a resolve heard it: its site, its power at 1 m and the site's own n."""

    site_id: int
    rssi: float | None
    tx_power: float | None
    own_exponent: float | None  # typed by staff or fitted from the site's agents

    @property
    def loss_db(self) -> float | None:
        return None if self.tx_power is None or self.rssi is None else self.tx_power - self.rssi


async def _locate(call: Call, observation: Observation) -> _Reading | None:
    """The site an observed beacon belongs to and how it was heard; None if it is not ours."""
    state = call.state
    key = observation.beacon
    if key.startswith(EID_PREFIX):
        eid = await state.catalog.eid_beacon(bytes.fromhex(key[len(EID_PREFIX) :]), state.clock())
        if eid is None:
            return None
        ref: BeaconRef | EidBeacon = eid
    else:
        found = await state.catalog.located(key)
        if found is None or not found.active:
            return None
        ref = found
    if ref.fitted_power is not None:  # the site's own agents measured it, in the site's street
        tx_power: float | None = ref.fitted_power
    else:
        tx_power = observation.tx_power if observation.tx_power is not None else ref.tx_power
    return _Reading(ref.site_id, observation.rssi, tx_power, ref.path_loss_exponent)


def _louder(candidate: _Reading, current: _Reading | None) -> bool:
    """Less lost on the way is nearer, whatever n the street has; a reading without power never is."""
    if candidate.loss_db is None:
        return current is None
    return current is None or current.loss_db is None or candidate.loss_db < current.loss_db


def _distance(state: AppState, reading: _Reading) -> float | None:
    """The site's n, else its street's learnt n, else the setting's; none below the faint floor."""
    if reading.rssi is not None and reading.rssi < state.settings.faint_rssi_dbm:
        return None
    exponent = (
        reading.own_exponent or state.street.exponent(reading.site_id) or state.settings.path_loss_exponent
    )
    return estimate_distance_m(reading.rssi, reading.tx_power, exponent)


def _heard(loudest: dict[int, _Reading], cards: dict[int, SiteCard]) -> list[Heard]:
    """What the street learner needs of each heard site: its position and its loss."""
    heard = []
    for site_id, reading in loudest.items():
        loss = reading.loss_db
        if site_id in cards and loss is not None:
            site = from_json(cards[site_id][2])
            heard.append(Heard(site_id, site["lat"], site["lon"], loss))
    return heard


async def _render(
    call: Call,
    found: Sequence[tuple[int, float | None]],
    lang: str | None,
    *,
    check_distance: bool,
) -> list[bytes]:
    """Each found site with its current prompts, nearest first, as JSON; sets Content-Language to
    the languages of the texts in it."""
    cards = await call.state.catalog.cards([site_id for site_id, _ in found], call.state.clock())
    return _render_cards(call, found, cards, lang, check_distance=check_distance)


def _render_cards(
    call: Call,
    found: Sequence[tuple[int, float | None]],
    cards: dict[int, SiteCard],
    lang: str | None,
    *,
    check_distance: bool,
) -> list[bytes]:
    preferences = language_preferences(lang, call.request.headers.get("Accept-Language"))
    parts: list[bytes] = []
    languages: set[str] = set()
    for site_id, distance in found:
        if site_id in cards:
            body, used = render_site(cards[site_id], distance, preferences, check_distance=check_distance)
            parts.append(body)
            languages.update(used)
    if languages:  # only languages served: never what the client wrote, and none when no text was
        call.headers["Content-Language"] = ", ".join(sorted(languages))
    return parts
