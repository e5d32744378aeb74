"""Alerts to people. The episode rules without I/O (open, close, repeated bad, flapping, restart, and a
property: never more than one message per transition); the mail's words; the webhook's signature
and backoff; then through a real server, a real SMTP server (aiosmtpd) and a local webhook receiver
that checks the HMAC as a receiver would."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.alerts import deliveries
from backend.alerts.check import check_sites, deliver_due, webhook_session
from backend.alerts.episodes import CLOSE_AFTER_GOOD_S, Episode, bad_conditions, step
from backend.alerts.messages import AlertSite, mail, outgoing, webhook_body
from backend.clients import networks
from backend.errors import DomainError
from backend.http.state import STATE
from backend.models import AgentHealth, BeaconHealth, SiteHealth
from backend.orgs import create_org
from tests.agents import eventually
from tests.conftest import Backend, BackendFactory
from tests.manage_helpers import csrf_of, get, invite_path, setup_path, sign_up, submit
from tests.smtp import Inbox, smtp_server
from tests.test_api_agent import agent_site, sighting

__all__ = ["smtp_server"]  # the fixture, used by name

T0 = datetime(2026, 12, 3, 14, 0, tzinfo=UTC).timestamp()
SITE = AlertSite(
    1, 7, "Hospiz am Park", "de", "Europe/Berlin", ("anna@example.org",), "https://hooks.example/x"
)


# --- episodes, pure ---


def test_an_episode_opens_once_stays_open_while_bad_and_closes_once_good_for_long_enough() -> None:
    bad = {"SILENT:beacon:3": "Eingang"}
    first = step({}, bad, T0)
    assert [e.condition for e in first.opened] == ["SILENT:beacon:3"] and not first.closed
    again = step(first.episodes, bad, T0 + 300)
    assert not again.opened and not again.closed and again.episodes == first.episodes
    good = step(again.episodes, {}, T0 + 600)
    assert not good.opened and not good.closed  # good, but not for long enough yet
    assert good.episodes["SILENT:beacon:3"].good_since == T0 + 600
    closed = step(good.episodes, {}, T0 + 600 + CLOSE_AFTER_GOOD_S)
    assert [e.name for e in closed.closed] == ["Eingang"] and closed.episodes == {}
    assert step(closed.episodes, {}, T0 + 9999) == step({}, {}, T0 + 9999)  # nothing more to say


def test_flapping_makes_one_episode_not_a_message_per_check() -> None:
    episodes: dict[str, Episode] = {}
    sent = 0
    for n in range(40):  # bad, good, bad, good ... every 5 minutes for over three hours
        bad = {"LOW_BATTERY:beacon:1": "Tür"} if n % 2 == 0 else {}
        change = step(episodes, bad, T0 + 300 * n)
        sent += len(change.opened) + len(change.closed)
        episodes = change.episodes
    assert sent == 1 and "LOW_BATTERY:beacon:1" in episodes


def test_a_restart_continues_from_the_stored_episodes_and_sends_nothing_again() -> None:
    bad = {"AGENT_SILENT:agent:2": "Pi"}
    before = step({}, bad, T0)
    stored = dict(before.episodes)  # what the store keeps; a new process reads it back
    after_restart = step(stored, bad, T0 + 60)
    assert not after_restart.opened and not after_restart.closed


def _report(beacon_alerts: list[str], agent_alerts: list[str], heard: bool = True) -> SiteHealth:
    now = datetime.fromtimestamp(T0, UTC)
    beacon = BeaconHealth(
        beacon_id=3, label="", key="k", status="active", last_seen=now, sightings_last_hour=0,
        battery_mv=None, alerts=beacon_alerts,
    )  # fmt: skip
    agent = AgentHealth(
        agent_id=2, name="Pi", last_heartbeat=now if heard else None, heartbeat={}, alerts=agent_alerts
    )
    return SiteHealth(site_id=7, checked_at=now, beacons=[beacon], agents=[agent], alerts=[])


def test_the_watched_conditions_and_what_is_not_news() -> None:
    report = _report(["SILENT", "LOW_BATTERY", "MOVED"], ["OUTBOX_FAILING", "OUTBOX_DROPPING"])
    assert bad_conditions(report) == {
        "SILENT:beacon:3": "#3", "LOW_BATTERY:beacon:3": "#3", "MOVED:beacon:3": "#3",
        "OUTBOX_FAILING:agent:2": "Pi",
    }  # fmt: skip
    assert bad_conditions(_report(["NEVER_SEEN"], ["AGENT_SILENT"], heard=False)) == {}  # being set up
    assert bad_conditions(_report([], ["AGENT_SILENT"])) == {"AGENT_SILENT:agent:2": "Pi"}


CONDITIONS = ["SILENT:beacon:1", "LOW_BATTERY:beacon:1", "AGENT_SILENT:agent:1", "MOVED:beacon:2"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sets(st.sampled_from(CONDITIONS)), st.integers(min_value=1, max_value=2000)),
        max_size=60,
    ),
    st.integers(min_value=0, max_value=60),
)
def test_never_more_than_one_message_per_transition(
    checks: list[tuple[set[str], int]], restart_at: int
) -> None:
    """Whatever the checks find and however far apart, and with a restart anywhere: per condition
    the messages alternate opened, closed, opened …; each opening follows a time it was good (or the
    start) and each closing a time it was bad; and a condition that stays bad is told once."""
    episodes: dict[str, Episode] = {}
    told: dict[str, list[str]] = {c: [] for c in CONDITIONS}
    raw_changes = dict.fromkeys(CONDITIONS, 0)
    was_bad: set[str] = set()
    now = T0
    for index, (bad, gap) in enumerate(checks):
        now += gap
        if index == restart_at:
            episodes = {
                k: Episode(e.condition, e.name, e.opened_at, e.good_since) for k, e in episodes.items()
            }
        change = step(episodes, dict.fromkeys(bad, "x"), now)
        for e in change.opened:
            told[e.condition].append("opened")
        for e in change.closed:
            told[e.condition].append("closed")
        for c in CONDITIONS:
            raw_changes[c] += (c in bad) != (c in was_bad)
        assert len(change.opened) + len(change.closed) == len(
            {e.condition for e in change.opened + change.closed}
        )
        assert set(bad) <= set(change.episodes)  # every bad condition has an open episode
        was_bad, episodes = set(bad), change.episodes
    for c, messages in told.items():
        assert messages == ["opened", "closed"] * (len(messages) // 2) + ["opened"] * (len(messages) % 2)
        assert len(messages) <= raw_changes[c]


# --- messages, signature, backoff, pure ---


def test_the_mail_says_what_happened_and_what_to_do_in_the_sites_language() -> None:
    opened = step({}, {"SILENT:beacon:3": "Eingang", "AGENT_SILENT:agent:2": "Pi im Flur"}, T0)
    subject, text = mail(SITE, opened, T0, "http://x/manage/sites/7/numbers")
    assert subject == "Nahbei: Hospiz am Park braucht Aufmerksamkeit"
    assert "Beacon „Eingang“ wird nicht mehr gehört." in text and "Was tun: Sehen Sie nach" in text
    assert "Agent „Pi im Flur“ meldet sich nicht mehr" in text and "(Stand 03.12.2026 15:00)" in text
    later = T0 + 300 + CLOSE_AFTER_GOOD_S
    pi = {"AGENT_SILENT:agent:2": "Pi im Flur"}
    half = step(step(opened.episodes, pi, T0 + 300).episodes, pi, later)
    assert [e.condition for e in half.closed] == ["SILENT:beacon:3"]
    english = AlertSite(1, 7, "Food bank", "en", "Europe/London", (), "")
    subject, text = mail(english, half, later, "http://x")
    assert subject == "Nahbei: Food bank needs attention"  # the agent is still offline
    assert "Fine again:\n- Beacon 'Eingang' is heard again." in text
    assert "Still open:\n- Agent 'Pi im Flur' no longer reports (offline)." in text
    done = step(half.episodes, {}, later + CLOSE_AFTER_GOOD_S)
    done = step(done.episodes, {}, later + 2 * CLOSE_AFTER_GOOD_S)
    assert mail(english, done, later, "http://x")[0] == "Nahbei: Food bank is fine again"


def test_one_mail_per_contact_and_one_webhook_per_check_that_changed_something() -> None:
    two = AlertSite(
        1, 7, "H", "de", "Europe/Berlin", ("a@example.org", "b@example.org"), "https://h.example/"
    )
    change = step({}, {"SILENT:beacon:3": "Eingang"}, T0)
    made = outgoing(two, change, T0, "https://nahbei.example", mail_on=True)
    assert [(m.channel, m.target) for m in made] == [
        ("mail", "a@example.org"), ("mail", "b@example.org"), ("webhook", "https://h.example/"),
    ]  # fmt: skip
    assert [m.channel for m in outgoing(two, change, T0, "https://n", mail_on=False)] == ["webhook"]
    assert (
        outgoing(two, step(change.episodes, {"SILENT:beacon:3": "Eingang"}, T0 + 1), T0, "", mail_on=True)
        == []
    )
    body = json.loads(webhook_body(two, change, T0, "https://nahbei.example/manage/sites/7/numbers"))
    assert body["type"] == "nahbei.site_alerts" and body["version"] == 1
    assert body["opened"] == [
        {"condition": "SILENT:beacon:3", "alert": "SILENT", "kind": "beacon", "id": 3, "name": "Eingang",
         "opened_at": "2026-12-03T14:00:00Z"},
    ]  # fmt: skip
    assert body["closed"] == [] and [e["condition"] for e in body["open"]] == ["SILENT:beacon:3"]


def test_the_signature_is_an_hmac_of_timestamp_and_body() -> None:
    body = b'{"a":1}'
    expected = hmac.new(b"nbw_secret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert deliveries.signature("nbw_secret", 1700000000, body) == "sha256=" + expected
    headers = deliveries.webhook_headers("nbw_secret", 12, 1700000000.7, body)
    assert headers["Nahbei-Timestamp"] == "1700000000" and headers["Nahbei-Delivery"] == "12"
    assert headers["Nahbei-Signature"] == "sha256=" + expected


def test_retries_back_off_and_end() -> None:
    delays = [deliveries.retry_delay(n) for n in range(1, deliveries.MAX_ATTEMPTS)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600]
    assert deliveries.next_try(1, 1000.0) == 1060.0
    assert deliveries.next_try(deliveries.MAX_ATTEMPTS, 1000.0) is None
    assert deliveries.retry_delay(500) == 3600


# --- through a real server, SMTP server and webhook receiver ---


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that checks what it gets as the README tells receivers to."""

    secret: str = ""
    fail_first: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    calls: int = 0
    now: float = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        self.calls += 1
        raw = await request.read()
        stamp = request.headers["Nahbei-Timestamp"]
        signed = stamp.encode() + b"." + raw
        expected = "sha256=" + hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers["Nahbei-Signature"]):
            self.refused.append("signature")
            return web.Response(status=401)
        if abs(int(stamp) - self.now) > deliveries.TOLERANCE_S:
            self.refused.append("stale")
            return web.Response(status=401)
        if self.calls <= self.fail_first:
            return web.Response(status=503)
        self.bodies.append(json.loads(raw))
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    got = Receiver()
    app = web.Application()
    app.router.add_post("/hook", got.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield got, str(server.make_url("/hook"))
    finally:
        await server.close()


async def _mail_backend(make_backend: BackendFactory, port: int, **overrides: Any) -> Backend:
    return await make_backend(
        smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, alert_check_every_s=0,
        webhook_allow="127.0.0.0/8", **overrides,
    )  # fmt: skip


async def _beat(backend: Backend, token: str, **trouble: Any) -> None:
    beat = {"version": "0.1.0", "uptime_s": 600, "scanner": "scanning", "outbox_depth": 0, "dropped": 0}
    headers = {"Authorization": f"Bearer {token}"}
    await backend.json("POST", "/v1/agent/heartbeat", 200, json={**beat, **trouble}, headers=headers)


async def _battery(backend: Backend, token: str, key: str, mv: int) -> None:
    at = datetime.fromtimestamp(backend.clock.now, UTC)
    batch = {"batch_id": str(uuid.uuid4()), "sightings": [sighting(key, at, telemetry={"battery_mv": mv})]}
    await backend.json(
        "POST", "/v1/agent/sightings", 200, json=batch, headers={"Authorization": f"Bearer {token}"}
    )


async def _check(backend: Backend, session: aiohttp.ClientSession) -> None:
    state = backend.client.app[STATE]
    await check_sites(state)
    await deliver_due(state, session)


async def test_a_low_battery_is_mailed_and_posted_once_and_its_end_once(
    make_backend: BackendFactory, smtp_server: tuple[Inbox, int], receiver: tuple[Receiver, str]
) -> None:
    inbox, port = smtp_server
    hook, hook_url = receiver
    backend = await _mail_backend(make_backend, port)
    site, token, keys = await agent_site(backend, minors=1)
    await sign_up(backend.client, await setup_path(backend))
    numbers = f"/manage/sites/{site}/numbers"
    saved = await submit(
        backend.client, f"/manage/sites/{site}/alerts/contacts",
        {"contacts": "Anna@Example.org\nben@example.org, anna@example.org"}, page=numbers,
    )  # fmt: skip
    assert (
        "Die Kontakte sind gespeichert." in saved and "anna@example.org\nben@example.org</textarea>" in saved
    )
    made = await submit(
        backend.client, f"/manage/sites/{site}/alerts/webhook", {"webhook_url": hook_url}, page=numbers
    )
    hook.secret = made.split('<code class="secret">')[1].split("</code>")[0]
    assert hook.secret.startswith("nbw_") and hook.secret not in await get(backend.client, numbers)  # once
    hook.now = backend.clock.now

    await _beat(backend, token)
    await _battery(backend, token, keys[0], 2300)
    async with aiohttp.ClientSession() as session:
        await _check(backend, session)
        assert sorted(str(m["To"]) for m in inbox.messages) == ["anna@example.org", "ben@example.org"]
        assert inbox.messages[0]["Subject"] == "Nahbei: Hospiz am Park braucht Aufmerksamkeit"
        assert "Die Batterie von Beacon „B1“ ist schwach." in inbox.text(0)
        assert f"/manage/sites/{site}/numbers" in inbox.text(0)
        assert [(b["opened"][0]["alert"], b["opened"][0]["name"]) for b in hook.bodies] == [
            ("LOW_BATTERY", "B1")
        ]
        assert hook.refused == []

        for _ in range(3):  # still low: nothing more
            backend.clock.advance(300)
            hook.now = backend.clock.now
            await _beat(backend, token)
            await _battery(backend, token, keys[0], 2310)
            await _check(backend, session)
        assert len(inbox.messages) == 2 and len(hook.bodies) == 1

        await _battery(backend, token, keys[0], 3000)  # a new battery
        while len(hook.bodies) == 1 and backend.clock.now < hook.now + 3 * CLOSE_AFTER_GOOD_S:
            backend.clock.advance(300)
            hook.now = backend.clock.now
            await _beat(backend, token)
            await _battery(backend, token, keys[0], 3000)
            await _check(backend, session)
        assert (
            len(inbox.messages) == 4
            and inbox.messages[-1]["Subject"] == "Nahbei: Hospiz am Park ist wieder in Ordnung"
        )
        assert "Die Batterie von Beacon „B1“ ist wieder gut." in inbox.text(-1)
        assert [c["alert"] for c in hook.bodies[-1]["closed"]] == ["LOW_BATTERY"] and hook.bodies[-1][
            "open"
        ] == []
        backend.clock.advance(300)
        await _check(backend, session)
        assert len(inbox.messages) == 4 and len(hook.bodies) == 2


async def test_a_restart_does_not_resend_and_delivers_what_was_left(
    make_backend: BackendFactory, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    backend = await _mail_backend(make_backend, port)
    site, token, _keys = await agent_site(backend, minors=1)
    state = backend.client.app[STATE]
    await state.storage.set_alert_contacts(backend.org_id, site, ["anna@example.org"])
    await _beat(backend, token, outbox_error="disk full")
    await check_sites(state)  # stored, not yet delivered: then the process stops
    await backend.client.close()
    again = await _mail_backend(make_backend, port)
    again.clock.now = backend.clock.now + 60
    async with aiohttp.ClientSession() as session:
        await _check(again, session)
        await _check(again, session)
    assert len(inbox.messages) == 1 and "Agent „Pi“ kann seine Daten nicht speichern." in inbox.text()


async def test_a_failing_webhook_is_tried_again_later_and_given_up_after_the_last_try(
    make_backend: BackendFactory, receiver: tuple[Receiver, str]
) -> None:
    hook, hook_url = receiver
    backend = await make_backend(alert_check_every_s=0, webhook_allow="127.0.0.0/8")
    site, token, _keys = await agent_site(backend, minors=0)
    state = backend.client.app[STATE]
    hook.secret = await _set_hook(backend, site, hook_url)
    hook.fail_first = 2
    hook.now = backend.clock.now
    await _beat(backend, token, outbox_error="disk full")
    async with aiohttp.ClientSession() as session:
        await _check(backend, session)
        assert hook.calls == 1 and hook.bodies == []
        await deliver_due(state, session)
        assert hook.calls == 1  # not due yet
        for wait in (60, 120):
            backend.clock.advance(wait)
            hook.now = backend.clock.now
            await deliver_due(state, session)
        assert hook.calls == 3 and len(hook.bodies) == 1 and hook.refused == []
        # now a receiver that never answers well: given up after MAX_ATTEMPTS, and only then
        hook.fail_first = 10**6
        await _beat(backend, token)
        await _check(backend, session)  # good from now on
        backend.clock.advance(CLOSE_AFTER_GOOD_S)
        await _beat(backend, token)
        before = hook.calls
        await _check(backend, session)  # the episode closes: its message fails from the first try
        for _ in range(deliveries.MAX_ATTEMPTS + 3):
            backend.clock.advance(deliveries.LONGEST_RETRY_S)
            hook.now = backend.clock.now
            await _beat(backend, token)
            await deliver_due(state, session)
    assert hook.calls - before == deliveries.MAX_ATTEMPTS
    with_error = await state.storage.due_deliveries(backend.clock.now + 10**6, 10)
    assert with_error == []  # given up: never due again


@pytest.mark.parametrize(
    ("address", "allowed", "reachable"),
    [
        ("93.184.215.14", "", True),
        ("2606:4700::6810:85e5", "", True),
        ("127.0.0.1", "", False),
        ("::1", "", False),
        ("::ffff:127.0.0.1", "", False),
        ("10.1.2.3", "", False),
        ("192.168.0.10", "", False),
        ("169.254.169.254", "", False),  # a cloud's metadata service
        ("100.64.0.1", "", False),  # carrier-grade NAT
        ("fe80::1%eth0", "", False),
        ("fd00::5", "", False),
        ("0.0.0.0", "", False),
        ("not an address", "", False),
        ("10.1.2.3", "10.0.0.0/8", True),
        ("::ffff:10.1.2.3", "10.0.0.0/8", True),
        ("192.168.0.10", "10.0.0.0/8", False),
    ],
)
def test_webhooks_reach_public_addresses_and_those_the_setting_names(
    address: str, allowed: str, reachable: bool
) -> None:
    assert deliveries.may_reach(address, networks(allowed)) is reachable


async def test_a_webhook_into_the_servers_own_network_is_refused_when_set_and_when_sent(
    make_backend: BackendFactory, receiver: tuple[Receiver, str]
) -> None:
    """An address is refused when typed; a name is refused when it resolves to such an address, at
    every sending (the name may be repointed later); `webhook_allow` opens a network."""
    hook, hook_url = receiver
    backend = await make_backend(alert_check_every_s=0)
    site, token, _keys = await agent_site(backend, minors=0)
    state = backend.client.app[STATE]
    with pytest.raises(DomainError, match="public address"):
        await _set_hook(backend, site, hook_url)
    hook.secret = await _set_hook(backend, site, hook_url.replace("127.0.0.1", "localhost"))
    hook.now = backend.clock.now
    await _beat(backend, token, outbox_error="disk full")
    async with webhook_session(networks(state.settings.webhook_allow)) as session:
        await _check(backend, session)
    assert hook.calls == 0
    [waiting] = await state.storage.due_deliveries(backend.clock.now + deliveries.LONGEST_RETRY_S, 10)
    assert waiting.attempts == 1  # tried and failed, to be tried again (the setting may change)

    opened = await make_backend(alert_check_every_s=0, webhook_allow="127.0.0.0/8")
    opened.clock.advance(deliveries.LONGEST_RETRY_S)
    hook.now = opened.clock.now
    async with webhook_session(networks(opened.client.app[STATE].settings.webhook_allow)) as session:
        await deliver_due(opened.client.app[STATE], session)
    assert hook.calls == 1 and len(hook.bodies) == 1 and hook.refused == []


async def _set_hook(backend: Backend, site: int, url: str) -> str:
    from backend import staff_actions

    secret = await staff_actions.set_alert_webhook(backend.client.app[STATE], backend.org_id, site, url)
    assert secret is not None
    return secret


async def test_the_check_runs_in_the_background_from_the_start_and_stops_with_the_app(
    make_backend: BackendFactory, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    setup = await _mail_backend(make_backend, port)
    site, token, _keys = await agent_site(setup, minors=0)
    await setup.client.app[STATE].storage.set_alert_contacts(setup.org_id, site, ["anna@example.org"])
    await _beat(setup, token, outbox_error="disk full")
    await setup.client.close()
    running = await make_backend(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, real_clock=True)
    assert running.settings.alert_check_every_s == 300
    await eventually(lambda: len(inbox.messages) == 1, 20, "the alert mail from the background check")
    await running.client.close()  # the task ends with the app: no warning of a pending task, no error


async def _change_alerts(backend: Backend, site: int, token: str, status: int) -> None:
    """Try to set the contacts and the webhook: both answered `status`."""
    for path, data in (
        ("contacts", {"contacts": "x@example.org"}),
        ("webhook", {"webhook_url": "https://h.example"}),
    ):
        async with backend.client.post(
            f"/manage/sites/{site}/alerts/{path}", data={"csrf": token, **data}
        ) as response:
            assert response.status == status


async def test_a_viewer_cannot_change_alerts_and_another_organisation_gets_404(backend: Backend) -> None:
    site, _token, _keys = await agent_site(backend, minors=0)
    await sign_up(backend.client, await invite_path(backend, "vera@example.org", "viewer"))
    page = await get(backend.client, f"/manage/sites/{site}/numbers")
    assert "Niemand bekommt E-Mails." in page and 'name="contacts"' not in page
    token = csrf_of(page)
    await _change_alerts(backend, site, token, 403)
    assert (await backend.client.app[STATE].storage.alert_settings(backend.org_id, site)).contacts == ()
    other_org, _key = await create_org(backend.settings, "Tafel Nord e.V.")
    await sign_up(backend.client, await setup_path(backend, "olga@example.org", org_id=other_org))
    token = csrf_of(await get(backend.client, "/manage/"))
    await get(backend.client, f"/manage/sites/{site}/numbers", 404)
    await _change_alerts(backend, site, token, 404)
    assert (await backend.client.app[STATE].storage.alert_settings(backend.org_id, site)).webhook_url == ""


async def test_bad_contacts_and_webhooks_are_named_and_what_was_typed_stays(backend: Backend) -> None:
    site, _token, _keys = await agent_site(backend, minors=0)
    await sign_up(backend.client, await setup_path(backend))
    numbers = f"/manage/sites/{site}/numbers"
    page = await submit(
        backend.client, f"/manage/sites/{site}/alerts/contacts", {"contacts": "anna@example.org\nnot an address"},
        400, page=numbers,
    )  # fmt: skip
    assert "„not an address“ ist keine E-Mail-Adresse." in page and 'aria-invalid="true"' in page
    assert "anna@example.org\nnot an address</textarea>" in page and 'role="alert"' in page
    page = await submit(
        backend.client, f"/manage/sites/{site}/alerts/webhook", {"webhook_url": "ftp://x"}, 400, page=numbers
    )
    assert "muss mit http:// oder https:// beginnen" in page and 'value="ftp://x"' in page
    page = await submit(
        backend.client,
        f"/manage/sites/{site}/alerts/webhook",
        {"webhook_url": "https://h.example/"},
        page=numbers,
    )
    assert "Jetzt an:" in page and "https://h.example/" in page
    page = await submit(backend.client, f"/manage/sites/{site}/alerts/webhook", {"remove": "1"}, page=numbers)
    assert "Der Webhook ist entfernt" in page and "Kein Webhook eingerichtet." in page


async def test_a_check_made_stale_by_another_process_is_not_stored_and_old_messages_go(
    make_backend: BackendFactory, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    backend = await _mail_backend(make_backend, port)
    site, token, _keys = await agent_site(backend, minors=0)
    storage = backend.client.app[STATE].storage
    await storage.set_alert_contacts(backend.org_id, site, ["anna@example.org"])
    await _beat(backend, token, outbox_error="disk full")
    change = step({}, {"OUTBOX_FAILING:agent:1": "Pi"}, backend.clock.now)
    site_row = await storage.alert_settings(backend.org_id, site)
    made = outgoing(site_row, change, backend.clock.now, "http://x", mail_on=True)
    assert await storage.save_alert_check(site, {}, change.episodes, made, backend.clock.now)
    # a second process that read the episodes before the first stored its step
    assert not await storage.save_alert_check(site, {}, change.episodes, made, backend.clock.now)
    [due] = await storage.due_deliveries(backend.clock.now, 10)
    assert await storage.claim_delivery(due.id, backend.clock.now, backend.clock.now + 60)
    assert not await storage.claim_delivery(due.id, backend.clock.now, backend.clock.now + 60)  # taken
    async with aiohttp.ClientSession() as session:
        await _check(backend, session)
        assert inbox.messages == []  # another process is sending it
        backend.clock.advance(60)
        await _check(backend, session)  # that process stopped: it is due again
    assert len(inbox.messages) == 1
    assert await storage.purge_deliveries(backend.clock.now) == 0  # sent just now: kept
    assert await storage.purge_deliveries(backend.clock.now + 1) == 1
