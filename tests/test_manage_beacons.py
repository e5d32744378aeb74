"""A site's beacons tab as a browser talks to it (HTTP, cookies, forms): the list with what the site's
health says, adding each kind, the CSV import (all or nothing), decommissioning, "advertised by our
agent", and the walls (viewers, other organisations, CSRF). The admin API's batch import is here too:
it is the same storage call. The same page in a real browser: tests/test_manage_site_browser.py."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from backend.beacon_csv import EXAMPLE_CSV, MAX_CSV_BYTES
from backend.http.app import create_app
from tests.conftest import SITE, Backend
from tests.manage_helpers import csrf_of, get, invite_path, setup_path, sign_up, submit
from tests.test_api_agent import sighting as heard

UUID = "f7826da6-4fa2-4e98-8024-bc5b71e0893e"
HEADER = "kind,label,uuid,major,minor,namespace,instance\n"


async def _site(backend: Backend, client: Any = None) -> int:
    """A site, and its owner signed in on `client` (the backend's own by default)."""
    site_id: int = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    await sign_up(client or backend.client, await setup_path(backend))
    return site_id


async def _beacons(backend: Backend, site_id: int) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = (await backend.json("GET", f"/v1/admin/sites/{site_id}/beacons", 200))[
        "beacons"
    ]
    return [b for b in listed if b["status"] != "decommissioned"]


async def _upload(client: Any, site_id: int, content: bytes, status: int, csrf: str | None = None) -> str:
    page = await get(client, f"/manage/sites/{site_id}/beacons")
    form = aiohttp.FormData()
    form.add_field("csrf", csrf if csrf is not None else csrf_of(page))
    form.add_field("file", content, filename="beacons.csv", content_type="text/csv")
    async with client.post(f"/manage/sites/{site_id}/beacons/import", data=form) as response:
        text: str = await response.text()
        assert response.status == status, (response.status, text[:600])
        return text


def _main(html: str) -> str:
    """The page's main text without tags, for reading sentences as a person does."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('<main id="main">', 1)[1]))


async def test_the_tab_shows_each_beacon_with_identifiers_last_heard_battery_and_alerts(
    backend: Backend,
) -> None:
    site_id = await _site(backend)
    base = f"/v1/admin/sites/{site_id}"
    await backend.json(
        "POST", f"{base}/beacons", 201, json={"kind": "ibeacon", "allocate": True, "label": "Eingang"}
    )
    hof = {
        "kind": "eddystone-uid",
        "namespace": "edd1ebeac04e5defa017",
        "instance": "0123456789ab",
        "label": "Hof",
    }
    key = (await backend.json("POST", f"{base}/beacons", 201, json=hof))["key"]
    token = (await backend.json("POST", f"{base}/agents", 201, json={"name": "Pi"}))["token"]
    at = datetime.fromtimestamp(backend.clock.now, UTC)
    telemetry = {"version": 0, "battery_mv": 2100, "temperature_c": 20.0, "adv_count": 5, "uptime_s": 9.0}
    sighting = heard(key, at, telemetry=telemetry)
    batch = {"batch_id": str(uuid.uuid4()), "sightings": [sighting]}
    await backend.json(
        "POST", "/v1/agent/sightings", 200, json=batch, headers={"Authorization": f"Bearer {token}"}
    )

    text = _main(await get(backend.client, f"/manage/sites/{site_id}/beacons"))
    local = at.astimezone(ZoneInfo(SITE["timezone"])).strftime("%H:%M")
    assert "Beacons (2)" in text
    never = r"Eingang iBeacon UUID: [0-9a-f-]{36} Major: \d+ Minor: 1 nie \N{EN DASH} Noch nie gehört\."
    assert re.search(never, text), text
    assert f"Hof Eddystone-UID Namespace: edd1ebeac04e5defa017 Instance: 0123456789ab {local} 2.10 V" in text
    assert "Batterie schwach. Wechseln Sie die Batterie bald." in text
    english = _main(await get(backend.client, f"/manage/sites/{site_id}/beacons?lang=en"))
    assert "Never heard." in english and "Battery low." in english


async def test_each_kind_is_added_by_its_form_and_an_allocated_identity_is_shown(backend: Backend) -> None:
    site_id = await _site(backend)
    path = f"/manage/sites/{site_id}/beacons"
    forms = [
        {
            "form": "ibeacon",
            "uuid": UUID.upper(),
            "major": "100",
            "minor": "1",
            "label": "Tür",
            "tx_power": "",
        },
        {"form": "altbeacon", "id1": UUID, "id2": "1", "id3": "2", "label": "Café", "tx_power": "-61"},
        {
            "form": "eddystone-uid",
            "namespace": "0xEDD1EBEAC04E5DEFA017",
            "instance": "0123456789AB",
            "label": "Hof",
        },
        {
            "form": "eddystone-eid",
            "identity_key": "00112233445566778899aabbccddeeff",
            "rotation_exponent": "10",
            "initial_time": "1000",
            "label": "Kapelle",
        },
        {"form": "allocate", "label": "Vom Agenten"},
    ]
    for form in forms:
        shown = await submit(backend.client, path, form)
        assert "Der Beacon ist eingetragen." in shown
    listed = {b["label"]: b for b in await _beacons(backend, site_id)}
    assert listed["Tür"]["key"] == f"ibeacon:{UUID}:100:1" and listed["Tür"]["tx_power"] == -59
    assert listed["Café"]["key"] == f"altbeacon:{UUID}:1:2" and listed["Café"]["tx_power"] == -61
    assert listed["Hof"]["key"] == "eddystone-uid:edd1ebeac04e5defa017:0123456789ab"
    assert listed["Kapelle"]["kind"] == "eddystone-eid" and listed["Kapelle"]["key"] is None
    allocated = listed["Vom Agenten"]["identity"]
    page = await get(backend.client, path)
    assert allocated["uuid"] in page and f"Minor: <code>{allocated['minor']}</code>" in page
    assert "00112233445566778899aabbccddeeff" not in page  # an EID's identity key is never shown again


async def test_a_wrong_field_is_named_beside_it_and_what_was_typed_stays(backend: Backend) -> None:
    site_id = await _site(backend)
    path = f"/manage/sites/{site_id}/beacons"
    form = {"form": "ibeacon", "uuid": "f7826da6-nope", "major": "70000", "minor": "", "label": "Tür"}
    page = await submit(backend.client, path, form, 400)
    text = _main(page)
    assert "UUID: Das ist keine UUID." in text and "Major: Eine ganze Zahl von 0 bis 65535." in text
    assert "Minor: Fehlt" in text
    assert (
        'value="f7826da6-nope"' in page
        and 'id="ibeacon-uuid-error"' in page
        and 'aria-invalid="true"' in page
    )
    assert "<details open>" in page and '<a href="#ibeacon-uuid">UUID: Das ist keine UUID.' in page
    assert await _beacons(backend, site_id) == []
    english = await submit(
        backend.client, path + "?lang=en", {**form, "uuid": UUID, "major": "1"}, 400, page=path
    )
    assert "Minor: Missing: this kind needs it." in _main(english)


async def test_a_key_already_registered_is_refused_and_nothing_else_happens(backend: Backend) -> None:
    site_id = await _site(backend)
    path = f"/manage/sites/{site_id}/beacons"
    form = {"form": "ibeacon", "uuid": UUID, "major": "1", "minor": "1", "label": "Tür"}
    await submit(backend.client, path, form)
    again = await submit(backend.client, path, {**form, "label": "Tür 2"}, 409)
    assert "schon eingetragen" in again and 'value="Tür 2"' in again
    assert len(await _beacons(backend, site_id)) == 1


async def test_a_csv_file_imports_every_beacon_and_the_example_file_is_offered(backend: Backend) -> None:
    site_id = await _site(backend)
    async with backend.client.get(f"/manage/sites/{site_id}/beacons/example.csv") as response:
        assert response.status == 200 and response.content_type == "text/csv"
        assert response.headers["Content-Disposition"] == 'attachment; filename="nahbei-beacons-example.csv"'
        example = await response.read()
    assert example == EXAMPLE_CSV.encode()
    shown = await _upload(backend.client, site_id, example, 200)
    assert "5 Beacons aus der Datei sind eingetragen." in shown
    labels = sorted(b["label"] for b in await _beacons(backend, site_id))
    assert labels == ["Café", "Eingang", "Garten", "Hof", "Kapelle"]


async def test_a_file_with_bad_rows_imports_nothing_and_names_each_row(backend: Backend) -> None:
    site_id = await _site(backend)
    registered = {"kind": "ibeacon", "uuid": UUID, "major": 9, "minor": 9, "label": "old"}
    await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=registered)
    content = (
        HEADER + f"ibeacon,A,{UUID},1,1,,\n"
        "ibeacon,B,not-a-uuid,1,2,,\n"
        f"ibeacon,C,{UUID},1,,,\n"
        f"ibeacon,D,{UUID},1,1,,\n"
        "beacon,E,,,,,\n"
        f"ibeacon,F,{UUID},9,9,,\n"
    ).encode()
    page = await _upload(backend.client, site_id, content, 400)
    text = _main(page)
    assert "Nichts importiert" in text
    assert "Zeile 3, UUID: Das ist keine UUID." in text
    assert "Zeile 4, Minor: Fehlt: diese Art braucht es." in text
    assert "Zeile 5: Derselbe Beacon wie in Zeile 2." in text
    assert "Zeile 6, Art: Unbekannte Art." in text
    assert "Zeile 7: Ein Beacon mit dieser Kennung ist schon eingetragen." in text  # found in the same pass
    assert "Zeile 2" not in text.replace("wie in Zeile 2", "")
    assert [b["label"] for b in await _beacons(backend, site_id)] == ["old"]


async def test_a_file_naming_a_beacon_registered_already_imports_nothing(backend: Backend) -> None:
    site_id = await _site(backend)
    await backend.json(
        "POST",
        f"/v1/admin/sites/{site_id}/beacons",
        201,
        json={"kind": "ibeacon", "uuid": UUID, "major": 1, "minor": 2, "label": "old"},
    )
    content = (HEADER + f"ibeacon,A,{UUID},1,1,,\nibeacon,B,{UUID},1,2,,\nibeacon,C,{UUID},1,3,,\n").encode()
    text = _main(await _upload(backend.client, site_id, content, 409))
    assert "Zeile 3: Ein Beacon mit dieser Kennung ist schon eingetragen." in text and "Zeile 2:" not in text
    assert [b["label"] for b in await _beacons(backend, site_id)] == ["old"]


async def test_a_file_too_large_or_not_csv_gets_a_page_saying_so(backend: Backend) -> None:
    site_id = await _site(backend)
    too_large = await _upload(backend.client, site_id, b"kind\n" + b"x" * MAX_CSV_BYTES, 413)
    assert "Die Datei ist zu groß" in too_large
    latin = await _upload(backend.client, site_id, (HEADER + "ibeacon,Tür,,,,,\n").encode("cp1252"), 400)
    assert "CSV UTF-8" in latin
    assert await _beacons(backend, site_id) == []


async def test_decommissioning_is_asked_then_takes_a_beacon_off_the_list_and_frees_its_key(
    backend: Backend,
) -> None:
    site_id = await _site(backend)
    body = {"kind": "ibeacon", "uuid": UUID, "major": 1, "minor": 1, "label": "Alt"}
    made = await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=body)
    path = f"/manage/sites/{site_id}/beacons"
    asked = await submit(backend.client, f"{path}/{made['id']}/decommission", {}, page=path)
    assert "Beacon „Alt“ wirklich außer Betrieb nehmen?" in asked and 'name="confirm" value="yes"' in asked
    assert (await backend.json("GET", f"/v1/admin/sites/{site_id}/beacons/{made['id']}", 200))[
        "status"
    ] == "active"
    shown = await submit(backend.client, f"{path}/{made['id']}/decommission", {"confirm": "yes"}, page=path)
    assert "außer Betrieb genommen" in shown and "Alt" not in _main(shown).split("Beacon eintragen")[0]
    stored = await backend.json("GET", f"/v1/admin/sites/{site_id}/beacons/{made['id']}", 200)
    assert stored["status"] == "decommissioned"
    await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=body)


async def test_an_agent_is_chosen_to_advertise_a_beacon_and_then_none(backend: Backend) -> None:
    site_id = await _site(backend)
    base = f"/v1/admin/sites/{site_id}"
    first = await backend.json(
        "POST", f"{base}/beacons", 201, json={"kind": "ibeacon", "allocate": True, "label": "A"}
    )
    second = await backend.json("POST", f"{base}/beacons", 201, json={"kind": "ibeacon", "allocate": True})
    pi = await backend.json("POST", f"{base}/agents", 201, json={"name": "Pi"})
    path = f"/manage/sites/{site_id}/beacons"
    await submit(backend.client, f"{path}/{first['id']}/advertiser", {"agent": str(pi["id"])}, page=path)
    assert (await backend.json("GET", f"{base}/agents/{pi['id']}", 200))["advertise_beacon_id"] == first["id"]
    page = await get(backend.client, path)
    assert f'<option value="{pi["id"]}" selected>Pi</option>' in page
    await submit(backend.client, f"{path}/{second['id']}/advertiser", {"agent": str(pi["id"])}, page=path)
    assert (await backend.json("GET", f"{base}/agents/{pi['id']}", 200))["advertise_beacon_id"] == second[
        "id"
    ]
    await submit(backend.client, f"{path}/{second['id']}/advertiser", {"agent": ""}, page=path)
    assert (await backend.json("GET", f"{base}/agents/{pi['id']}", 200))["advertise_beacon_id"] is None
    await submit(backend.client, f"{path}/{second['id']}/advertiser", {"agent": "999"}, 404, page=path)
    await submit(backend.client, f"{path}/{second['id']}/advertiser", {"agent": "x"}, 400, page=path)


async def test_a_label_with_html_is_shown_as_text(backend: Backend) -> None:
    site_id = await _site(backend)
    path = f"/manage/sites/{site_id}/beacons"
    await submit(backend.client, path, {"form": "allocate", "label": "<script>alert(1)</script>"})
    page = await get(backend.client, path)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_without_the_csrf_field_nothing_is_added_or_imported(backend: Backend) -> None:
    site_id = await _site(backend)
    path = f"/manage/sites/{site_id}/beacons"
    async with backend.client.post(path, data={"form": "allocate", "label": "x"}) as response:
        assert response.status == 403
    await _upload(backend.client, site_id, EXAMPLE_CSV.encode(), 403, csrf="forged")
    assert await _beacons(backend, site_id) == []


async def test_a_viewer_sees_the_beacons_and_cannot_change_them(backend: Backend) -> None:
    site_id = await _site(backend)
    made = await backend.json(
        "POST",
        f"/v1/admin/sites/{site_id}/beacons",
        201,
        json={"kind": "ibeacon", "allocate": True, "label": "A"},
    )
    viewer = TestClient(TestServer(create_app(backend.settings, clock=backend.clock), host="127.0.0.1"))
    await viewer.start_server()
    try:
        await sign_up(viewer, await invite_path(backend, "vera@example.org", "viewer"))
        path = f"/manage/sites/{site_id}/beacons"
        page = await get(viewer, path)
        assert "A" in _main(page) and 'action="/manage/sites' not in page.split("<main", 1)[1]
        await submit(viewer, path, {"form": "allocate", "label": "x"}, 403, page=path)
        await submit(viewer, f"{path}/{made['id']}/decommission", {"confirm": "yes"}, 403, page=path)
        await _upload(viewer, site_id, EXAMPLE_CSV.encode(), 403)
    finally:
        await viewer.close()
    assert [b["label"] for b in await _beacons(backend, site_id)] == ["A"]


async def test_another_organisations_site_and_beacons_answer_404(backend: Backend) -> None:
    site_id = await _site(backend)
    other_key = await backend.new_org()
    other_site = (await backend.json("POST", "/v1/admin/sites", 201, key=other_key, json=SITE))["id"]
    theirs = await backend.json(
        "POST",
        f"/v1/admin/sites/{other_site}/beacons",
        201,
        key=other_key,
        json={"kind": "ibeacon", "allocate": True},
    )
    mine = f"/manage/sites/{site_id}/beacons"
    await get(backend.client, f"/manage/sites/{other_site}/beacons", 404)
    await get(backend.client, f"/manage/sites/{other_site}/beacons/example.csv", 404)
    await submit(backend.client, f"/manage/sites/{other_site}/beacons", {"form": "allocate"}, 404, page=mine)
    await submit(backend.client, f"{mine}/{theirs['id']}/decommission", {}, 404, page=mine)
    await submit(backend.client, f"{mine}/{theirs['id']}/decommission", {"confirm": "yes"}, 404, page=mine)
    stored = await backend.json(
        "GET", f"/v1/admin/sites/{other_site}/beacons/{theirs['id']}", 200, key=other_key
    )
    assert stored["status"] == "active"


async def test_the_admin_api_imports_a_list_all_or_nothing_naming_each_refused_beacon(
    backend: Backend,
) -> None:
    site_id = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    path = f"/v1/admin/sites/{site_id}/beacons/import"
    one = {"kind": "ibeacon", "uuid": UUID, "major": 1, "minor": 1, "label": "A"}
    made = await backend.json(
        "POST", path, 201, json={"beacons": [one, {"kind": "ibeacon", "allocate": True}, {**one, "minor": 2}]}
    )
    assert [b["label"] for b in made["beacons"]] == ["A", "", "A"] and made["beacons"][1]["key"].startswith(
        "ibeacon:"
    )
    refused = await backend.json(
        "POST", path, 409, json={"beacons": [{**one, "minor": 3}, one, {**one, "minor": 2}]}
    )
    assert [e["loc"] for e in refused["errors"]] == [["beacons", 1], ["beacons", 2]]
    invalid = await backend.json(
        "POST", path, 422, json={"beacons": [{**one, "minor": 4}, {**one, "uuid": "x"}]}
    )
    assert invalid["errors"][0]["loc"][:2] == ["beacons", 1]
    await backend.json("POST", path, 422, json={"beacons": []})
    assert len(await _beacons(backend, site_id)) == 3


async def test_forms_that_are_not_ours_get_a_readable_400(backend: Backend) -> None:
    site_id = await _site(backend)
    path = f"/manage/sites/{site_id}/beacons"
    page = await submit(backend.client, path, {"form": "bogus", "label": "x"}, 400)
    assert "Das ging nicht" in page
    # The form's own kind counts; a `kind` field sent along is not read.
    refused = await submit(backend.client, path, {"form": "ibeacon", "kind": "altbeacon", "id1": "x"}, 400)
    assert "UUID: Fehlt" in _main(refused)
    token = csrf_of(await get(backend.client, path))
    async with backend.client.post(f"{path}/import", data={"csrf": token, "file": "kind\n"}) as response:
        assert response.status == 400 and "Das ging nicht" in await response.text()
    assert await _beacons(backend, site_id) == []


async def test_an_upload_with_parts_that_are_not_ours_is_refused_unread(backend: Backend) -> None:
    site_id = await _site(backend)
    page = await get(backend.client, f"/manage/sites/{site_id}/beacons")
    form = aiohttp.FormData()
    form.add_field("csrf", csrf_of(page))
    form.add_field("other", b"x" * 100_000, filename="big.bin")
    form.add_field("file", EXAMPLE_CSV.encode(), filename="beacons.csv", content_type="text/csv")
    async with backend.client.post(f"/manage/sites/{site_id}/beacons/import", data=form) as response:
        assert response.status == 400
    assert await _beacons(backend, site_id) == []
