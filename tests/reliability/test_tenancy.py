"""Tenancy, round two: what one organisation, site, agent or client can do to another's figures.

Each test runs against a real server with a real SQLite file and the test's clock, as several
organisations (each with its own admin key), sites and agents: an EID identity key registered by a
second organisation, agents that happen to choose the same batch id, an agent hearing the beacons of
other sites, and a client posting events for prompts no phone was shown, or spread over many.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend.eids import beacon_clock
from backend.storage import EidBeacon
from beacon_agent.contract.eid import compute_eid
from tests import stored
from tests.conftest import SITE, Backend, BackendFactory, prompt_body
from tests.reliability.figures import Figures, scaled
from tests.test_api_agent import IB, sighting

IDENTITY = "5a" * 16
K = 10


def _now(backend: Backend) -> datetime:
    return datetime.fromtimestamp(backend.clock.now, UTC)


def _count(backend: Backend, sql: str, args: tuple[Any, ...] = ()) -> int:
    return int(stored.value(backend.settings.db, sql, *args))


@dataclass
class Place:
    """One organisation's site with an iBeacon, an EID beacon and an agent."""

    backend: Backend
    key: str  # the organisation's admin key
    site_id: int
    ibeacon: str
    eid_id: int
    token: str  # the agent's

    @classmethod
    async def make(cls, backend: Backend, key: str, n: int) -> Place:
        site = await backend.json("POST", "/v1/admin/sites", 201, key=key, json={**SITE, "name": f"Ort {n}"})
        base = f"/v1/admin/sites/{site['id']}"
        ib = {"kind": "ibeacon", "uuid": IB, "major": 100 + n, "minor": 1}
        ibeacon = (await backend.json("POST", f"{base}/beacons", 201, key=key, json=ib))["key"]
        eid = {
            "kind": "eddystone-eid",
            "identity_key": f"{n:02x}" * 16,
            "rotation_exponent": K,
            "initial_time": 0,
        }
        eid_id = (await backend.json("POST", f"{base}/beacons", 201, key=key, json=eid))["id"]
        token = (await backend.json("POST", f"{base}/agents", 201, key=key, json={"name": f"Pi {n}"}))[
            "token"
        ]
        return cls(backend, key, site["id"], ibeacon, eid_id, token)

    def eid_key(self, identity: str, registered_at: float) -> str:
        probe = EidBeacon(self.eid_id, self.site_id, 0, -59, bytes.fromhex(identity), K, 0, registered_at)
        return (
            "eddystone-eid:"
            + compute_eid(probe.identity_key, K, beacon_clock(probe, self.backend.clock.now)).hex()
        )

    async def report(self, batch_id: str, keys: list[str]) -> Any:
        at, battery = _now(self.backend), {"battery_mv": 2900}
        batch = {"batch_id": batch_id, "sightings": [sighting(k, at, telemetry=battery) for k in keys]}
        headers = {"Authorization": f"Bearer {self.token}"}
        return await self.backend.json("POST", "/v1/agent/sightings", 200, json=batch, headers=headers)

    async def health(self) -> Any:
        return await self.backend.json("GET", f"/v1/admin/sites/{self.site_id}/health", 200, key=self.key)


async def test_an_eid_identity_key_is_registered_once_across_all_organisations(
    backend: Backend, figure: Figures
) -> None:
    """The first organisation registers an EID beacon; other organisations (and the first one, at
    another site) try the same identity key, in either case of hex. Each try must be 409 problem
    details, and both a phone's resolve and an agent's sightings of the EID must still name the
    first organisation's site."""
    first = await Place.make(backend, backend.admin_key, 1)
    site = f"/v1/admin/sites/{first.site_id}/beacons"
    registered_at = backend.clock.now
    eid = {"kind": "eddystone-eid", "identity_key": IDENTITY, "rotation_exponent": K, "initial_time": 0}
    await backend.json("POST", site, 201, json=eid)
    tries = int(scaled(3, 20))
    others = [await Place.make(backend, await backend.new_org(f"Verein {n}"), 10 + n) for n in range(tries)]
    refused = 0
    for n, other in enumerate([*others, first]):
        identity = IDENTITY.upper() if n % 2 else IDENTITY
        body = {
            "kind": "eddystone-eid",
            "identity_key": identity,
            "rotation_exponent": K,
            "initial_time": 4096,
        }
        async with backend.client.post(
            f"/v1/admin/sites/{other.site_id}/beacons", json=body, headers=backend.admin(other.key)
        ) as response:
            problem = await response.json(content_type=None)
            refused += response.status == 409 and response.content_type == "application/problem+json"
            assert response.status == 409, problem
            assert IDENTITY not in json.dumps(problem).lower()
    eid_key = first.eid_key(IDENTITY, registered_at)
    resolved = await backend.json(
        "POST", "/v1/resolve", 200, json={"observations": [{"beacon": eid_key, "rssi": -60}]}
    )
    sites = [s["site"]["id"] for s in resolved["sites"]]
    stored = (await first.report(str(uuid.uuid4()), [eid_key]))["accepted"]
    figure(
        "access",
        f"another organisation (or site) registering an EID identity key already registered, {tries + 1} tries",
        f"{refused} of {tries + 1} answered 409; the EID resolves to the first site, its sighting stored there",
        "all 409; the first organisation keeps its beacon",
        refused == tries + 1 and sites == [first.site_id] and stored == 1,
    )
    assert sites == [first.site_id] and stored == 1


async def test_a_batch_id_is_unique_per_agent_not_across_agents(backend: Backend, figure: Figures) -> None:
    """Agents of several organisations all send a batch with the same batch id (an agent's clock and
    random source are its own business: a reused or copied id must not cost another agent its
    sightings). Each batch must be stored and answered not duplicate; each agent sending its batch
    again gets `duplicate`, and the sightings table holds each agent's sighting once."""
    agents = int(scaled(4, 25))
    places = [await Place.make(backend, backend.admin_key, 1)]
    places += [
        await Place.make(backend, await backend.new_org(f"Verein {n}"), 10 + n) for n in range(agents - 1)
    ]
    shared = str(uuid.uuid4())
    first = [await p.report(shared, [p.ibeacon]) for p in places]
    again = [await p.report(shared, [p.ibeacon]) for p in places]
    stored = sum(a["accepted"] == 1 and not a["duplicate"] for a in first)
    repeated = sum(a["accepted"] == 0 and a["duplicate"] for a in again)
    rows = _count(backend, "SELECT COUNT(*) FROM sightings")
    figure(
        "faults",
        f"{agents} agents sending a batch with the same batch id, then again",
        f"{stored} of {agents} stored, resends {repeated} of {agents} duplicate, {rows} sightings",
        f"{agents} stored once each",
        stored == repeated == rows == agents,
    )
    assert stored == repeated == rows == agents


async def test_an_agent_stores_sightings_of_its_own_sites_beacons_only(
    backend: Backend, figure: Figures
) -> None:
    """An agent hears its own site's beacons and those of its neighbours: another site of the same
    organisation, a site of another organisation, and a beacon nobody registered; iBeacons and EIDs.
    Only its own are stored; the answer counts the rest as `ignored` and acknowledges the batch (so the
    agent's outbox lets it go); the other sites' health, stats and beacons are untouched."""
    ours = await Place.make(backend, backend.admin_key, 1)
    sister = await Place.make(backend, backend.admin_key, 2)
    other_org = await backend.new_org("Tafel Nord e.V.")
    stranger = await Place.make(backend, other_org, 3)
    at = backend.clock.now
    own = [ours.ibeacon, ours.eid_key("01" * 16, at)]
    foreign = [
        sister.ibeacon,
        sister.eid_key("02" * 16, at),
        stranger.ibeacon,
        stranger.eid_key("03" * 16, at),
    ]
    unknown = [f"ibeacon:{IB}:4242:7"]
    rounds = int(scaled(3, 30))
    answers = [await ours.report(str(uuid.uuid4()), own + foreign + unknown) for _ in range(rounds)]
    touched = []
    for place in (sister, stranger):
        health = await place.health()
        touched += [b for b in health["beacons"] if b["last_seen"] is not None or b["battery_mv"] is not None]
        stats = await place.backend.json("GET", f"/v1/admin/sites/{place.site_id}/stats", 200, key=place.key)
        touched += stats["sightings"]
    stored_elsewhere = _count(
        backend, "SELECT COUNT(*) FROM sightings WHERE site_id <> ? OR beacon_id NOT IN"
        " (SELECT id FROM beacons WHERE site_id = ?)", (ours.site_id, ours.site_id),
    )  # fmt: skip
    accepted = sum(a["accepted"] for a in answers)
    ignored = sum(a["ignored"] for a in answers)
    own_health = [b["last_seen"] is not None for b in (await ours.health())["beacons"]]
    figure(
        "access",
        f"an agent reporting its own 2 beacons and 5 of other sites, organisations or nobody, {rounds} batches",
        f"stored {accepted}, ignored {ignored}; other sites' health and stats touched {len(touched)} times, "
        f"foreign rows {stored_elsewhere}",
        f"stored {2 * rounds}, ignored {5 * rounds}, 0 touched",
        accepted == 2 * rounds and ignored == 5 * rounds and not touched and not stored_elsewhere,
    )
    assert accepted == 2 * rounds and ignored == 5 * rounds
    assert touched == [] and stored_elsewhere == 0 and all(own_health)


async def _post_event(backend: Backend, prompt_id: int, type: str = "shown") -> tuple[int, bytes, str]:
    async with backend.client.post(f"/v1/prompts/{prompt_id}/events", json={"type": type}) as response:
        body = await response.read()
        return (
            response.status,
            body.replace(f"prompt {prompt_id} ".encode(), b"prompt ID "),
            response.content_type,
        )


async def test_events_count_only_for_prompts_a_phone_could_have_been_shown(
    backend: Backend, figure: Figures
) -> None:
    """Prompts in every state a phone could not show (draft, archived, not yet valid, expired beyond the
    grace period, outside its schedule, of a deleted site) must answer events exactly as an id that
    never existed does (404, same bytes but for the id), and count nothing; a current prompt and one
    that expired within the grace period (15 min: an `acted` comes minutes after `shown`) count."""
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    gone = (await backend.json("POST", "/v1/admin/sites", 201, json={**SITE, "name": "Geschlossen"}))["id"]
    base = f"/v1/admin/sites/{site}/prompts"
    now = _now(backend)
    later = (now + timedelta(days=2)).astimezone(ZoneInfo(SITE["timezone"]))
    elsewhen = [{"days": [later.strftime("%a").lower()], "start": "00:00", "end": "01:00"}]

    async def prompt(at: int = site, **fields: Any) -> int:
        return int(
            (await backend.json("POST", f"/v1/admin/sites/{at}/prompts", 201, json=prompt_body(**fields)))[
                "id"
            ]
        )

    counted_ids = {
        "current": await prompt(),
        "expired 5 min ago": await prompt(valid_until=(now + timedelta(minutes=15)).isoformat()),
    }
    hidden_ids = {
        "draft": await prompt(status="draft"),
        "not yet valid": await prompt(valid_from=(now + timedelta(days=1)).isoformat()),
        "expired 19 min ago": await prompt(valid_until=(now + timedelta(minutes=1)).isoformat()),
        "outside its schedule": await prompt(schedule=elsewhen),
        "of a deleted site": await prompt(at=gone),
    }
    archived = await prompt()
    await backend.json("PATCH", f"{base}/{archived}", 200, json={"status": "archived"})
    hidden_ids["archived"] = archived
    await backend.json("DELETE", f"/v1/admin/sites/{gone}", 204)
    backend.clock.advance(20 * 60)
    missing = await _post_event(backend, 10**9)
    assert missing[0] == 404 and missing[2] == "application/problem+json"
    alike = {name: await _post_event(backend, pid) == missing for name, pid in hidden_ids.items()}
    counted = {name: (await _post_event(backend, pid, "acted"))[0] for name, pid in counted_ids.items()}
    stats = await backend.json("GET", f"/v1/admin/sites/{site}/stats", 200)
    events = {e["prompt_id"]: e["count"] for e in stats["prompt_events"]}
    wrongly_counted = sum(events.get(p, 0) for p in hidden_ids.values())
    figure(
        "abuse",
        f"events for prompts no phone could show ({', '.join(alike)}) answered like an id that never existed",
        f"{sum(alike.values())} of {len(alike)} alike (404); counted {wrongly_counted}",
        "all alike, none counted",
        all(alike.values()) and not set(events) & set(hidden_ids.values()),
    )
    assert alike == dict.fromkeys(hidden_ids, True)
    assert counted == dict.fromkeys(counted_ids, 204)
    assert events == dict.fromkeys(counted_ids.values(), 1)


async def test_events_spread_over_many_prompts_are_capped_per_client_overall(
    make_backend: BackendFactory, figure: Figures
) -> None:
    """One client sends 'shown' events for many current prompts, each within the per-prompt cap
    (`max_event_rate_per_hour`). The site's stats must count no more than the overall cap
    (`max_events_per_hour_all_prompts`) from it, and every answer is still 204."""
    per_prompt, overall = 20, 100
    backend = await make_backend(max_event_rate_per_hour=per_prompt, max_events_per_hour_all_prompts=overall)
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    prompts = [
        (await backend.json("POST", f"/v1/admin/sites/{site}/prompts", 201, json=prompt_body()))["id"]
        for _ in range(int(scaled(10, 40)))
    ]
    answers = [(await _post_event(backend, p))[0] for p in prompts for _ in range(per_prompt)]
    stats = await backend.json("GET", f"/v1/admin/sites/{site}/stats", 200)
    counted = sum(e["count"] for e in stats["prompt_events"])
    figure(
        "abuse",
        f"'shown' events counted from one client sending {per_prompt} (the per-prompt cap) to each of "
        f"{len(prompts)} prompts",
        f"{counted} of {len(answers)}",
        f"≤ {overall} (the overall cap)",
        counted == overall,
    )
    assert set(answers) == {204}
    assert counted == overall
