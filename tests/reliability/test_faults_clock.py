"""Clock skew: a beacon's clock against the backend's, and an agent's clock against the backend's.

Everything goes through the real HTTP API of a backend on 127.0.0.1 whose clock the test moves
(hours at a time); the agent's side is its real outbox and reporter with a clock set wrong, as on a
Raspberry Pi without a real-time clock before NTP answers (1970, or hours behind) or with a bad NTP
source (ahead).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from beacon_agent.contract.eid import compute_eid
from beacon_agent.contract.wire import Sighting
from beacon_agent.outbox import Outbox
from beacon_agent.reporter import Reporter
from tests import stored
from tests.agents import eventually
from tests.conftest import SITE, Backend, prompt_body
from tests.reliability.figures import Figures

IDENTITY_KEY = bytes.fromhex("1f" * 16)
IB_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
HOUR = 3600.0
# How far an agent's clock may be off, either way: the backend corrects every time in its batches.
AGENT_SKEWS_S = {
    "10 min ahead": 600.0,
    "5 h ahead": 5 * HOUR,
    "10 min behind": -600.0,
    "5 h behind": -5 * HOUR,
    "at 1970 (no RTC, no NTP yet)": None,  # the clock reads a few minutes after the epoch
}
# A stored time counts as right within this: the request's own delay is not corrected for.
TIME_SLACK_S = 2.0


@dataclass
class EidSite:
    """A site with an Eddystone-EID beacon (rotation 2^K s) and an agent; the beacon's clock is in
    the middle of a rotation period whenever the backend's clock has moved by whole periods."""

    backend: Backend
    token: str
    rotation_exponent: int
    registered_at: float
    initial_time: int

    @property
    def period(self) -> float:
        return float(1 << self.rotation_exponent)

    def eid_key(self, beacon_skew_s: float = 0.0) -> str:
        """What the beacon sends now, its clock `beacon_skew_s` off the backend's count of it."""
        beacon_time = self.initial_time + (self.backend.clock.now - self.registered_at) + beacon_skew_s
        return "eddystone-eid:" + compute_eid(IDENTITY_KEY, self.rotation_exponent, int(beacon_time)).hex()

    async def resolves(self, key: str) -> bool:
        """POST /v1/resolve as a phone would: does the key name the site?"""
        body = {"observations": [{"beacon": key}], "lang": "de"}
        async with self.backend.client.post("/v1/resolve", json=body) as response:
            assert response.status == 200, await response.text()
            return len((await response.json())["sites"]) == 1


async def eid_site(backend: Backend, rotation_exponent: int) -> EidSite:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    await backend.json("POST", f"/v1/admin/sites/{site}/prompts", 201, json=prompt_body())
    period = 1 << rotation_exponent
    initial = 100 * period + period // 2  # mid-period: a skew of a fraction of a period is unambiguous
    body = {
        "kind": "eddystone-eid",
        "identity_key": IDENTITY_KEY.hex(),
        "rotation_exponent": rotation_exponent,
        "initial_time": initial,
    }
    await backend.json("POST", f"/v1/admin/sites/{site}/beacons", 201, json=body)
    token = (await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": "Pi"}))["token"]
    return EidSite(backend, token, rotation_exponent, backend.clock.now, initial)


def sighting(key: str, at: datetime) -> Sighting:
    return Sighting.model_validate(
        {
            "beacon": key,
            "first_seen": at - timedelta(seconds=10),
            "last_seen": at,
            "count": 3,
            "rssi_max": -60,
            "rssi_mean": -65.0,
        }
    )


def stored_last_seen(backend: Backend) -> list[tuple[str, float]]:
    return [
        (key, float(at))
        for key, at in stored.rows(backend.settings.db, "SELECT beacon_key, last_seen FROM sightings")
    ]


async def report(site: EidSite, sightings: list[Sighting], agent_now: float, tmp_path: Path) -> int:
    """The agent's reporting half, its clock reading `agent_now`: a real outbox file and reporter
    send `sightings` to the backend; the sightings the backend accepted."""
    async with Outbox(tmp_path / f"outbox-{uuid.uuid4()}.sqlite3", 10_000) as box:
        await box.put_all(sightings)
        async with aiohttp.ClientSession() as session:
            url = str(site.backend.client.make_url("")).rstrip("/")
            reporter = Reporter(session, url, site.token, box, random.Random(1), clock=lambda: agent_now)
            sending = asyncio.create_task(reporter.run())
            try:
                await eventually(lambda: box.depth == 0, 10, "the outbox to empty")
            finally:
                sending.cancel()
                await asyncio.gather(sending, return_exceptions=True)
            assert reporter.diagnostics()["batches_sent"] == 1
    return int(stored.value(site.backend.settings.db, "SELECT COUNT(*) FROM sightings"))


# --- a beacon's clock: EID resolution tolerates one rotation period either way --------------------

EID_CASES: list[tuple[int, float, bool]] = [
    # (K, the beacon clock's skew in rotation periods, resolves?)
    (10, 0.0, True),
    (10, 0.5, True),
    (10, -0.5, True),
    (10, 0.9, True),  # 15 min ahead of a 17 min rotation: the next period's EID
    (10, -0.9, True),
    (10, 2.5, False),  # 43 min: two periods off, a replay as much as a bad clock
    (10, -2.5, False),
    (10, 17.6, False),  # 5 h
    (15, 0.4, True),  # 3.6 h ahead of a 9.1 h rotation
    (15, -0.4, True),
    (15, 2.5, False),  # 23 h
]


@pytest.mark.parametrize(("rotation_exponent", "skew_periods", "resolves"), EID_CASES)
async def test_eid_resolution_tolerates_one_rotation_of_beacon_clock_skew(
    make_backend: Any, rotation_exponent: int, skew_periods: float, resolves: bool
) -> None:
    """The backend counts each EID beacon's clock on from registration; the beacon's own clock is off
    by `skew_periods` rotation periods, and the backend's clock has moved on by hours (whole periods,
    so the beacon sits mid-period). Checked through POST /v1/resolve (a phone) and POST
    /v1/agent/sightings (an agent: stored only when mapped to the beacon)."""
    backend: Backend = await make_backend()
    site = await eid_site(backend, rotation_exponent)
    backend.clock.advance(max(1, int(4 * HOUR // site.period)) * site.period)
    key = site.eid_key(skew_periods * site.period)
    assert await site.resolves(key) is resolves
    now = datetime.fromtimestamp(backend.clock.now, UTC)
    batch = {"batch_id": str(uuid.uuid4()), "sightings": [sighting(key, now).model_dump(mode="json")]}
    ack = await backend.json(
        "POST", "/v1/agent/sightings", 200, json=batch, headers={"Authorization": f"Bearer {site.token}"}
    )
    assert ack["accepted"] == int(resolves)


def test_eid_tolerance_figure(figure: Figures) -> None:
    """The tolerance the cases above prove, as one figure (they fail if it does not hold)."""
    within = max(abs(s) for _, s, ok in EID_CASES if ok)
    beyond = min(abs(s) for _, s, ok in EID_CASES if not ok)
    figure(
        "faults",
        "beacon clock skew an EID still resolves at (K=10: 17 min rotation; K=15: 9.1 h)",
        f"±{within} period resolves, ±{beyond} periods does not",
        "one rotation period either way",
        within < 1 < beyond,
    )


# --- an agent's clock: sighting times on the server's clock -----------------------------------


@pytest.mark.parametrize("name", list(AGENT_SKEWS_S))
async def test_an_agent_clock_off_by_minutes_to_decades_files_sightings_at_the_right_time(
    make_backend: Any, tmp_path: Path, name: str, figure: Figures
) -> None:
    """An agent whose clock is off stamps its sightings, 30 s old when sent, with that clock and says
    what its clock read when it sent them (`sent_at`). The backend must file them 30 s before its
    own now (within `TIME_SLACK_S`), and map the EID sighting to its beacon (the EID is looked up at
    the corrected time: looked up at the agent's time, 5 h behind, it would not be)."""
    backend: Backend = await make_backend()
    site = await eid_site(backend, 10)
    server_now = backend.clock.now
    skew = AGENT_SKEWS_S[name]
    agent_now = 300.0 if skew is None else server_now + skew
    heard_at = datetime.fromtimestamp(agent_now - 30, UTC)
    ibeacon = await ibeacon_key(backend)
    accepted = await report(
        site, [sighting(site.eid_key(), heard_at), sighting(ibeacon, heard_at)], agent_now, tmp_path
    )
    assert accepted == 2, "the EID sighting was not mapped to its beacon"
    errors = [abs(at - (server_now - 30)) for _, at in stored_last_seen(backend)]
    figure(
        "faults",
        f"error of a stored sighting time, agent clock {name}",
        f"{max(errors):.1f} s",
        f"< {TIME_SLACK_S:.0f} s",
        max(errors) < TIME_SLACK_S,
    )
    assert max(errors) < TIME_SLACK_S


@pytest.mark.parametrize("skew_s", [0.0, -5 * HOUR], ids=["right clock", "clock 5 h behind"])
async def test_sightings_replayed_after_an_outage_keep_their_age(
    make_backend: Any, tmp_path: Path, skew_s: float
) -> None:
    """Sightings two days old (an outbox emptying after a long outage) are filed two days back, on
    a right clock and on a skewed one alike: the offset is measured at sending, not guessed from age."""
    backend: Backend = await make_backend()
    site = await eid_site(backend, 10)
    agent_now = backend.clock.now + skew_s
    ibeacon = await ibeacon_key(backend)
    await report(
        site, [sighting(ibeacon, datetime.fromtimestamp(agent_now - 2 * 86400, UTC))], agent_now, tmp_path
    )
    [(_, at)] = stored_last_seen(backend)
    assert abs(at - (backend.clock.now - 2 * 86400)) < TIME_SLACK_S


@pytest.mark.parametrize(
    ("agent_time", "filed_at"),
    [(3 * 86400.0, 0.0), ("1970", 0.0), (-2 * 86400.0, -2 * 86400.0), (-120.0, -120.0)],
    ids=["3 days ahead: now", "1970: now", "2 days old: kept", "2 min old: kept"],
)
async def test_an_agent_that_does_not_say_sent_at_gets_the_plausibility_rule(
    make_backend: Any, agent_time: float | str, filed_at: float
) -> None:
    """Agents from before `sent_at` (the field is optional): a sighting ending more than 300 s in the
    future or before 2020 is filed as just ended; anything else keeps the agent's time."""
    backend: Backend = await make_backend()
    site = await eid_site(backend, 10)
    ibeacon = await ibeacon_key(backend)
    at = 600.0 if agent_time == "1970" else backend.clock.now + float(agent_time)
    batch = {
        "batch_id": str(uuid.uuid4()),
        "sightings": [sighting(ibeacon, datetime.fromtimestamp(at, UTC)).model_dump(mode="json")],
    }
    headers = {"Authorization": f"Bearer {site.token}"}
    assert (await backend.json("POST", "/v1/agent/sightings", 200, json=batch, headers=headers))[
        "accepted"
    ] == 1
    [(_, stored_at)] = stored_last_seen(backend)
    assert abs(stored_at - (backend.clock.now + filed_at)) < TIME_SLACK_S


async def ibeacon_key(backend: Backend) -> str:
    """A plain iBeacon at the (first) site, whose sightings are stored whatever their time."""
    site = (await backend.json("GET", "/v1/admin/sites", 200))["sites"][0]["id"]
    body = {"kind": "ibeacon", "uuid": IB_UUID, "major": 1, "minor": 1}
    return str((await backend.json("POST", f"/v1/admin/sites/{site}/beacons", 201, json=body))["key"])
