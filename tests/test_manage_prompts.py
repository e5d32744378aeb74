"""A site's prompts tab as a browser talks to it (HTTP, cookies, forms): writing a prompt, every
mistake named on its field, publishing and withdrawing (and what phones then get from resolve),
roles and the walls between organisations. The same in a real browser: tests/test_manage_prompts_browser.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from backend.http.app import create_app
from backend.storage import open_storage
from backend.web.manage.prompt_form import format_schedule, nearness, parse_schedule, prompt_state
from tests.conftest import SITE, Backend, prompt_body
from tests.manage_helpers import csrf_of, get, invite_path, setup_path, sign_up, submit

IB_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
BEACON = f"ibeacon:{IB_UUID}:7:1"
WEDNESDAY_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # 13:00 at the site, in Berlin
FORM = {
    "kind": "volunteer",
    "title_de": "Vorlesen im Hospiz",
    "body_de": "Wir suchen Menschen, die vorlesen.\r\nEinmal die Woche.",  # CR LF, as browsers send it
    "action_label_de": "Mitmachen",
    "title_en": "Read aloud at the hospice",
    "body_en": "We are looking for readers.",
    "action_label_en": "",
    "action_url": "https://hospiz.example/lesen",
    "max_distance_m": "20",
    "schedule": "Mo-Fr 09:00-17:00\r\nSa, So 10:00-14:00",
    "valid_from": "",
    "valid_until": "",
    "priority": "0",
    "cooldown_min": "120",
}


async def _site(backend: Backend) -> tuple[int, str]:
    """A site with one beacon, and its prompts tab's path, signed in as its owner, on a Wednesday."""
    backend.clock.now = WEDNESDAY_NOON.timestamp()
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    beacon = {"kind": "ibeacon", "uuid": IB_UUID, "major": 7, "minor": 1, "tx_power": -59}
    await backend.json("POST", f"/v1/admin/sites/{site['id']}/beacons", 201, json=beacon)
    await sign_up(backend.client, await setup_path(backend))
    return site["id"], f"/manage/sites/{site['id']}/prompts"


async def resolved_titles(backend: Backend) -> list[str]:
    """The prompt titles a phone right at the beacon is shown."""
    body = {"observations": [{"beacon": BEACON, "rssi": -59}], "lang": "de"}
    async with backend.client.post("/v1/resolve", json=body) as response:
        assert response.status == 200
        answer = await response.json()
    return [p["title"] for s in answer["sites"] for p in s["prompts"]]


async def _create(backend: Backend, prompts: str, **fields: str) -> tuple[str, str]:
    """Submit the new-prompt form; the created prompt's path and its page."""
    async with backend.client.post(
        prompts,
        data={"csrf": csrf_of(await get(backend.client, prompts + "/new")), **FORM, **fields},
        allow_redirects=False,
    ) as response:
        assert response.status == 303, await response.text()
        location = response.headers["Location"]
    assert location.endswith("?done=created")
    return location.split("?")[0], await get(backend.client, location)


async def test_a_prompt_is_written_in_the_form_saved_as_a_draft_then_published_and_withdrawn(
    backend: Backend,
) -> None:
    site_id, prompts = await _site(backend)
    assert "noch keinen Aufruf" in await get(backend.client, prompts)
    path, page = await _create(backend, prompts)
    assert "als Entwurf" in page and "Entwurf" in page and "Telefone sehen ihn nicht." in page
    saved = (await backend.json("GET", f"/v1/admin/sites/{site_id}/prompts", 200))["prompts"][0]
    assert saved["status"] == "draft"
    assert saved["texts"]["de"] == {
        "title": "Vorlesen im Hospiz",
        "body": "Wir suchen Menschen, die vorlesen.\nEinmal die Woche.",
        "action_label": "Mitmachen",
    }
    assert saved["texts"]["en"]["action_label"] == ""
    assert saved["action_url"] == "https://hospiz.example/lesen"
    assert saved["max_distance_m"] == 20 and saved["cooldown_s"] == 7200 and saved["priority"] == 0
    assert saved["schedule"] == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
        {"days": ["sat", "sun"], "start": "10:00", "end": "14:00"},
    ]
    # The form shows what was saved, in the form's words.
    assert "Mo-Fr 09:00-17:00\nSa, So 10:00-14:00</textarea>" in page
    assert 'value="120"' in page and 'value="20"' in page
    # The preview without JavaScript: the saved prompt in the app's card, the phone's language.
    assert '<h2 data-slot="title">Vorlesen im Hospiz</h2>' in page
    assert '<p class="where" data-slot="where">Hospiz am Park</p>' in page
    assert "<p>Einmal die Woche.</p>" in page
    english = await get(backend.client, path + "?preview=en")
    assert '<h2 data-slot="title">Read aloud at the hospice</h2>' in english
    assert 'href="https://hospiz.example/lesen">Learn more</a>' in english  # the default label
    assert "Etwa vier Ladenfronten" in page  # what 20 m means on the street

    assert await resolved_titles(backend) == []  # a draft: no phone sees it
    listed = await submit(
        backend.client, path + "/status", {"status": "published", "back": "list"}, page=prompts
    )
    assert "Der Aufruf ist veröffentlicht." in listed and "Veröffentlicht" in listed
    assert "Telefone in der Nähe sehen ihn jetzt." in listed
    assert await resolved_titles(backend) == ["Vorlesen im Hospiz"]  # Wednesday 13:00: inside Mo-Fr 09-17
    backend.clock.advance(8 * 3600)  # 21:00 at the site
    assert await resolved_titles(backend) == []
    assert "Gerade außerhalb seiner Zeiten" in await get(backend.client, path)
    # Without weekly times it shows whatever the hour.
    await submit(backend.client, path, {**FORM, "schedule": ""}, page=path)
    assert await resolved_titles(backend) == ["Vorlesen im Hospiz"]

    edited = await submit(
        backend.client, path, {**FORM, "schedule": "", "title_de": "Vorlesen, neu"}, page=path
    )
    assert "Die Änderungen sind gespeichert." in edited
    assert await resolved_titles(backend) == ["Vorlesen, neu"]
    withdrawn = await submit(backend.client, path + "/status", {"status": "draft", "back": "edit"}, page=path)
    assert "zurückgezogen" in withdrawn and "Veröffentlichen" in withdrawn
    assert await resolved_titles(backend) == []


async def test_every_mistake_is_named_on_its_field_and_nothing_typed_is_lost(backend: Backend) -> None:
    _, prompts = await _site(backend)
    cases = {
        "title_de": (
            {"title_de": "", "body_de": "", "action_label_de": "", "title_en": "", "body_en": ""},
            "mindestens einer Sprache",
        ),
        "title_en": ({"title_en": "", "body_en": "Nur ein Text"}, "Titel mit höchstens 120 Zeichen"),
        "action_label_de": ({"action_label_de": "https://hospiz.example"}, "kein Link"),
        "action_url": ({"action_url": "http://hospiz.example"}, "öffentliche https-Adresse"),
        "kind": ({"kind": "party"}, "Wählen Sie eine Art"),
        "max_distance_m": ({"max_distance_m": "zwanzig"}, "Zahl von Metern"),
        "schedule": ({"schedule": "Mo-Fr 09:00-17:00\nabends"}, "Zeile 2 ist nicht zu lesen"),
        "valid_until": ({"valid_from": "2027-05-02", "valid_until": "2027-05-01"}, "nicht vor dem ersten"),
        "valid_from": ({"valid_from": "2. Mai"}, "Geben Sie ein Datum ein."),
        "priority": ({"priority": "1001"}, "von -1000 bis 1000"),
        "cooldown_min": ({"cooldown_min": "50000"}, "von 0 bis 43200"),
    }
    for field, (typed, message) in cases.items():
        page = await submit(backend.client, prompts, {**FORM, **typed}, 400, page=prompts + "/new")
        assert f'<a href="#{field}">' in page and message in page, field
        assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page, field
        assert "Traceback" not in page
        kept = typed.get(field, "")
        if kept and field not in ("schedule", "kind"):  # a select keeps only its options
            assert f'value="{kept}"' in page or f">{kept}<" in page, field
    assert "abends</textarea>" in await submit(
        backend.client, prompts, {**FORM, "schedule": "abends"}, 400, page=prompts + "/new"
    )
    english = await submit(
        backend.client,
        prompts + "?lang=en",
        {**FORM, "max_distance_m": "0"},
        400,
        page=prompts + "/new?lang=en",
    )
    assert "Enter a number of metres" in english
    site = (await backend.json("GET", "/v1/admin/sites", 200))["sites"][0]
    assert (await backend.json("GET", f"/v1/admin/sites/{site['id']}/prompts", 200))["prompts"] == []


async def test_a_link_outside_the_allowed_domains_is_refused_on_its_field(backend: Backend) -> None:
    site_id, prompts = await _site(backend)
    async with open_storage(backend.settings) as storage:
        await storage.set_link_domains(backend.org_id, ["hospiz.example"])
    page = await submit(
        backend.client,
        prompts,
        {**FORM, "action_url": "https://elsewhere.example/x"},
        400,
        page=prompts + "/new",
    )
    assert "nur zu hospiz.example führen" in page and 'id="action_url-error"' in page
    assert 'value="https://elsewhere.example/x"' in page
    path, _ = await _create(backend, prompts)  # its own domain is fine
    page = await submit(
        backend.client, path, {**FORM, "action_url": "https://elsewhere.example/x"}, 400, page=path
    )
    assert "nur zu hospiz.example führen" in page
    saved = (await backend.json("GET", f"/v1/admin/sites/{site_id}/prompts", 200))["prompts"][0]
    assert saved["action_url"] == "https://hospiz.example/lesen"


async def test_html_in_a_prompt_shows_as_text_on_the_staff_page_its_preview_and_the_public_page(
    backend: Backend,
) -> None:
    _, prompts = await _site(backend)
    evil = "<script>alert(1)</script>"
    path, page = await _create(backend, prompts, title_de=evil, body_de=f"<b>fett</b> {evil}")
    for html in (page, await get(backend.client, prompts)):
        assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script" not in html.replace('<script src="/static/manage/prompt-preview.js"', "")
    assert f'<h2 data-slot="title">{"&lt;script&gt;alert(1)&lt;/script&gt;"}</h2>' in page  # the preview
    await submit(backend.client, path + "/status", {"status": "published"}, page=prompts)
    public = await get(backend.client, "/s/hospiz-am-park")
    assert evil not in public and "&lt;script&gt;alert(1)&lt;/script&gt;" in public
    assert "&lt;b&gt;fett&lt;/b&gt;" in public


async def test_a_viewer_sees_the_prompts_and_cannot_change_anything(backend: Backend) -> None:
    site_id, prompts = await _site(backend)
    path, _ = await _create(backend, prompts)
    viewer: TestClient[Any, Any] = TestClient(
        TestServer(create_app(backend.settings, clock=backend.clock), host="127.0.0.1")
    )
    await viewer.start_server()
    try:
        await sign_up(viewer, await invite_path(backend, "vera@example.org", "viewer"))
        listed = await get(viewer, prompts)
        assert (
            "Vorlesen im Hospiz" in listed
            and "Veröffentlichen" not in listed
            and "Neuer Aufruf" not in listed
        )
        page = await get(viewer, path)
        assert '<fieldset class="plain" disabled>' in page and "Änderungen speichern" not in page
        await get(viewer, prompts + "/new", 403)
        token = csrf_of(page)
        for target, fields in (
            (prompts, FORM),
            (path, {**FORM, "title_de": "Gekapert"}),
            (path + "/status", {"status": "published"}),
        ):
            async with viewer.post(target, data={"csrf": token, **fields}) as response:
                assert response.status == 403, target
    finally:
        await viewer.close()
    saved = (await backend.json("GET", f"/v1/admin/sites/{site_id}/prompts", 200))["prompts"]
    assert [(p["status"], p["texts"]["de"]["title"]) for p in saved] == [("draft", "Vorlesen im Hospiz")]


async def test_another_organisations_site_and_prompt_answer_404_and_forms_need_csrf(backend: Backend) -> None:
    _, prompts = await _site(backend)
    path, _ = await _create(backend, prompts)
    other = await backend.new_org()
    theirs = await backend.json("POST", "/v1/admin/sites", 201, key=other, json={**SITE, "name": "Fremd"})
    made = await backend.json(
        "POST", f"/v1/admin/sites/{theirs['id']}/prompts", 201, key=other, json=prompt_body()
    )
    their_prompts = f"/manage/sites/{theirs['id']}/prompts"
    token = csrf_of(await get(backend.client, prompts))
    for target in (their_prompts, f"{their_prompts}/new", f"{their_prompts}/{made['id']}"):
        assert "Helfen Sie mit" not in await get(backend.client, target, 404)
    mine_with_their_id = f"{prompts}/{made['id']}"
    await get(backend.client, mine_with_their_id, 404)
    for target in (their_prompts, f"{their_prompts}/{made['id']}/status", f"{mine_with_their_id}/status"):
        async with backend.client.post(target, data={"csrf": token, **FORM, "status": "draft"}) as response:
            assert response.status == 404, target
    async with backend.client.post(path + "/status", data={"status": "published"}) as response:
        assert response.status == 403  # no csrf field
    async with backend.client.post(path + "/status", data={"csrf": token, "status": "gone"}) as response:
        assert response.status == 400 and "Traceback" not in await response.text()
    theirs_now = await backend.json(
        "GET", f"/v1/admin/sites/{theirs['id']}/prompts/{made['id']}", 200, key=other
    )
    assert theirs_now["status"] == "published"
    assert re.search(r"Entwurf", await get(backend.client, prompts))


def test_weekly_times_read_as_people_write_them_and_written_back_alike() -> None:
    windows = parse_schedule("mo\u2013fr 9.00 \u2013 17:00\n\nSa,So 10:00-14:00\nFr-Mo 20:00-02:00")
    assert [w.model_dump() for w in windows] == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
        {"days": ["sat", "sun"], "start": "10:00", "end": "14:00"},
        {"days": ["fri", "sat", "sun", "mon"], "start": "20:00", "end": "02:00"},
    ]
    assert format_schedule(windows, "de") == "Mo-Fr 09:00-17:00\nSa, So 10:00-14:00\nMo, Fr-So 20:00-02:00"
    again = parse_schedule(format_schedule(windows, "en"))
    assert [(set(w.days), w.start, w.end) for w in again] == [(set(w.days), w.start, w.end) for w in windows]


def test_how_near_is_said_in_street_terms() -> None:
    assert nearness(None) == "prompts.near.none"
    assert nearness(3) == "prompts.near.door"
    assert nearness(20) == "prompts.near.across"
    assert nearness(25) == "prompts.near.across"
    assert nearness(26) == "prompts.near.street"
    assert nearness(5000) == "prompts.near.far"


async def test_the_state_says_why_a_published_prompt_is_not_shown(backend: Backend) -> None:
    site = await backend.json("POST", "/v1/admin/sites", 201, json={**SITE, "timezone": "UTC"})
    prompts = f"/v1/admin/sites/{site['id']}/prompts"
    body = prompt_body(valid_from="2030-01-01T00:00:00Z")
    future = await backend.json("POST", prompts, 201, json=body)
    past = await backend.json("POST", prompts, 201, json=prompt_body(valid_until="2001-01-01T00:00:00Z"))
    async with open_storage(backend.settings) as storage:
        read = {p.id: p for p in await storage.list_prompts(backend.org_id, site["id"])}
    moment = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday, noon
    assert prompt_state(read[future["id"]], "UTC", moment) == "prompts.state.not_yet"
    assert prompt_state(read[past["id"]], "UTC", moment) == "prompts.state.over"
    night = read[future["id"]].model_copy(
        update={"valid_from": None, "schedule": parse_schedule("Mo-So 20:00-22:00")}
    )
    assert prompt_state(night, "UTC", moment) == "prompts.state.outside_times"
    assert prompt_state(night, "UTC", moment.replace(hour=21)) == "prompts.state.shown"
    assert prompt_state(night.model_copy(update={"status": "draft"}), "UTC", moment) == "prompts.state.draft"
