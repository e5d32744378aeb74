"""The agents' endpoints: sighting batches in (idempotent per batch id), heartbeats and instructions out.

An agent reports for its own site only: the token names the agent and its site. Sightings of beacons
that are not registered to that site (another site's, even of the same organisation, another
organisation's, anyone's device) are not stored and touch no other site's health; the answer counts
them as `ignored`, and the batch is acknowledged all the same, so the agent does not send them again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from backend.eids import beacon_clock
from backend.http import distance
from backend.http.operations import Call
from backend.prompts import views
from backend.sighting_time import agent_offset, on_server_clock
from backend.storage import AgentPrincipal, StoredSighting
from beacon_agent.contract.keys import EID_PREFIX, KeyKind, parse_key
from beacon_agent.contract.wire import (
    Advertise,
    AdvertiseAltBeacon,
    AdvertiseEddystoneEid,
    AdvertiseEddystoneUid,
    AdvertiseIBeacon,
    Heartbeat,
    HeartbeatAck,
    PromptView,
    SightingAck,
    SightingBatch,
)


async def sightings(call: Call) -> SightingAck:
    batch: SightingBatch = call.body
    state, principal = call.state, call.principal
    now = state.clock()
    offset = agent_offset(batch.sent_at, now)
    stored: list[StoredSighting] = []
    # An agent reports the same few beacons in every window: look each static key up once a batch.
    static: dict[str, int | None] = {}
    for sighting in batch.sightings:
        first, last = on_server_clock(
            sighting.first_seen.timestamp(), sighting.last_seen.timestamp(), now, offset
        )
        key = sighting.beacon
        if key in static:
            beacon_id = static[key]
        else:
            beacon_id = await _beacon_of(call, principal, key, last)
            if not key.startswith(EID_PREFIX):  # an EID's beacon depends on when it was heard
                static[key] = beacon_id
        if beacon_id is not None:
            stored.append(StoredSighting(beacon_id, sighting, first, last))
    result = await state.storage.ingest(principal, str(batch.batch_id), stored, now)
    ignored = 0
    if result.duplicate:
        state.metrics.duplicate_batches.inc()
    else:
        ignored = len(batch.sightings) - result.accepted
        state.metrics.sightings.inc(result.accepted)
        state.metrics.sightings_ignored.inc(ignored)
        if result.accepted:
            await distance.refit_after_batch(state, principal.site_id)
    return SightingAck(
        accepted=result.accepted,
        ignored=ignored,
        duplicate=result.duplicate,
        prompts=await _site_prompts(call),
    )


async def heartbeat(call: Call) -> HeartbeatAck:
    beat: Heartbeat = call.body
    state, principal = call.state, call.principal
    now = state.clock()
    beacon_id = await state.storage.record_heartbeat(principal.agent_id, beat, now)
    advertise = None if beacon_id is None else await _advertise(call, principal, beacon_id, now)
    return HeartbeatAck(server_time=datetime.fromtimestamp(now, UTC), advertise=advertise)


async def _beacon_of(call: Call, principal: AgentPrincipal, key: str, heard: float) -> int | None:
    """The id of the agent's site's beacon behind `key` as heard at `heard` (an EID rotates)."""
    catalog = call.state.catalog
    parsed = parse_key(key)
    if parsed.kind is KeyKind.EDDYSTONE_EID:
        eid = await catalog.eid_beacon(bytes.fromhex(str(parsed.parts[0])), heard)
        return eid.id if eid is not None and eid.site_id == principal.site_id else None
    ref = await catalog.beacon(key)
    return ref.id if ref is not None and ref.site_id == principal.site_id else None


async def _site_prompts(call: Call) -> list[PromptView]:
    site_id = call.principal.site_id
    site = (await call.state.storage.public_sites([site_id])).get(site_id)
    if site is None:
        return []
    current = await call.state.catalog.current(site, call.state.now())
    return views(current, None, [], site.default_lang, check_distance=False)


async def _advertise(call: Call, principal: AgentPrincipal, beacon_id: int, now: float) -> Advertise | None:
    storage = call.state.storage
    beacon = await storage.get_beacon(principal.org_id, principal.site_id, beacon_id)
    if beacon.status != "active":
        return None
    ident = beacon.identity
    match beacon.kind:
        case "ibeacon":
            return AdvertiseIBeacon(
                kind="ibeacon",
                uuid=ident["uuid"],
                major=ident["major"],
                minor=ident["minor"],
                tx_power=beacon.tx_power,
            )
        case "altbeacon":
            return AdvertiseAltBeacon(
                kind="altbeacon",
                id1=ident["id1"],
                id2=ident["id2"],
                id3=ident["id3"],
                tx_power=beacon.tx_power,
            )
        case "eddystone-uid":
            return AdvertiseEddystoneUid(
                kind="eddystone-uid",
                namespace=ident["namespace"],
                instance=ident["instance"],
                tx_power=beacon.tx_power,
            )
        case "eddystone-eid":
            eid = await storage.eid_beacon(beacon_id)
            if eid is None:
                return None
            return AdvertiseEddystoneEid(
                kind="eddystone-eid",
                identity_key=eid.identity_key.hex(),
                rotation_exponent=eid.rotation_exponent,
                beacon_time=beacon_clock(eid, now),
                tx_power=beacon.tx_power,
            )
    return None
