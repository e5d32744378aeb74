"""A site's settings page and the new-site page, as a browser talks to them (HTTP, cookies, forms):
create, edit, errors naming the field with the typed values kept, a viewer refused, another
organisation's site 404, HTML shown as text; opening hours on the public page; the distance model
saved through the same rule as the admin API."""

from __future__ import annotations

import html
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.http.app import create_app
from backend.models import Agent, Beacon, Calibration, CalibrationPair, DistanceModel
from backend.web.manage.site_distance import pair_field, parse, told
from backend.web.manage.site_form import FIELDS, FormProblems, blank, site_in, site_patch
from tests.conftest import SITE, Backend, BackendFactory
from tests.manage_helpers import csrf_of, get, invite_path, setup_path, sign_up, submit

FORM: dict[str, str] = {
    "name": "Tafel am Markt",
    "slug": "",
    "kind": "food_bank",
    "address": "Markt 3, 10115 Berlin",
    "opening_hours": "Mo\u2013Fr 9\u201317 Uhr",
    "lat": "52,5301",
    "lon": "13.4012",
    "timezone": "Europe/Berlin",
    "default_lang": "de",
    "privacy_controller": "Tafel e.V.",
    "privacy_email": "datenschutz@tafel.example",
    "privacy_address": "",
    "privacy_dpo": "",
}


async def _other_browser(backend: Backend) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = TestClient(
        TestServer(create_app(backend.settings, clock=backend.clock), host="127.0.0.1")
    )
    await client.start_server()
    return client


async def _post(client: Any, path: str, fields: dict[str, str], status: int, page: str) -> tuple[str, str]:
    """Post like `submit`, answering the page's HTML and the address it ended on."""
    token = csrf_of(await get(client, page))
    async with client.post(path, data={"csrf": token, **fields}, allow_redirects=True) as response:
        text: str = await response.text()
        assert response.status == status, (path, response.status, text[:400])
        return text, response.url.path_qs


async def test_create_a_site_then_edit_it_and_its_public_page_shows_the_opening_hours(
    backend: Backend,
) -> None:
    client = backend.client
    dashboard = await sign_up(client, await setup_path(backend))
    assert 'href="/manage/sites/new"' in dashboard
    async with client.get("/manage/sites/new") as response:
        policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in policy and "script-src 'self';" in policy
    shown, url = await _post(client, "/manage/sites/new", FORM, 200, "/manage/sites/new")
    assert url.endswith("?done=created") and "/manage/sites/" in url
    assert "Der Standort ist angelegt" in shown and 'value="Mo\u2013Fr 9\u201317 Uhr"' in shown
    [site] = (await backend.json("GET", "/v1/admin/sites", 200))["sites"]
    assert (site["lat"], site["lon"], site["slug"]) == (52.5301, 13.4012, "tafel-am-markt")
    assert site["opening_hours"] == "Mo\u2013Fr 9\u201317 Uhr" and site["kind"] == "food_bank"
    assert site["privacy_email"] == "datenschutz@tafel.example"
    public = await get(client, "/s/tafel-am-markt")
    assert "Öffnungszeiten: Mo\u2013Fr 9\u201317 Uhr" in html.unescape(public)

    page = f"/manage/sites/{site['id']}"
    changed = {**FORM, "slug": "tafel-mitte", "opening_hours": "Di 10\u201312 Uhr", "lat": "52.52"}
    shown, url = await _post(client, page, changed, 200, page)
    assert url.endswith("?done=saved") and "Die Änderungen sind gespeichert" in shown
    site = await backend.json("GET", f"/v1/admin/sites/{site['id']}", 200)
    assert (site["slug"], site["opening_hours"], site["lat"]) == ("tafel-mitte", "Di 10\u201312 Uhr", 52.52)
    await get(client, "/s/tafel-am-markt", 404)  # the old address is gone, as the hint says
    assert "Di 10\u201312 Uhr" in await get(client, "/s/tafel-mitte")


async def test_errors_name_each_field_and_keep_what_was_typed(backend: Backend) -> None:
    client = backend.client
    await sign_up(client, await setup_path(backend))
    bad = {**FORM, "name": "  ", "lat": "zweiundfünfzig", "lon": "200", "timezone": "Mars/Olympus",
           "privacy_email": "not an address", "address": "Gasse <7>"}  # fmt: skip
    shown, url = await _post(client, "/manage/sites/new", bad, 400, "/manage/sites/new")
    assert url.endswith("/manage/sites/new")
    for field in ("name", "lat", "lon", "timezone", "privacy_email"):
        assert f'id="{field}-error"' in shown and f'href="#{field}"' in shown, field
        assert f'id="{field}" name="{field}"' in shown
    assert 'id="address-error"' not in shown and 'id="kind-error"' not in shown
    assert 'value="zweiundfünfzig"' in shown and 'value="Mars/Olympus"' in shown
    assert 'value="Gasse &lt;7&gt;"' in shown  # kept, and escaped
    assert "Eine Zahl von -90 bis 90" in shown and "Traceback" not in shown
    assert (await backend.json("GET", "/v1/admin/sites", 200))["sites"] == []

    await backend.json("POST", "/v1/admin/sites", 201, json={**SITE, "slug": "schon-da"})
    shown, _ = await _post(
        client, "/manage/sites/new", {**FORM, "slug": "schon-da"}, 409, "/manage/sites/new"
    )
    assert 'id="slug-error"' in shown and "hat schon ein anderer Standort" in shown
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    page = f"/manage/sites/{site['id']}"
    shown, _ = await _post(client, page, {**FORM, "slug": "X!"}, 400, page)
    assert 'id="slug-error"' in shown and 'value="X!"' in shown
    assert (await backend.json("GET", f"/v1/admin/sites/{site['id']}", 200))["name"] == SITE["name"]


async def test_html_typed_in_a_name_shows_as_text(backend: Backend) -> None:
    client = backend.client
    await sign_up(client, await setup_path(backend))
    _, url = await _post(
        client,
        "/manage/sites/new",
        {**FORM, "name": "<script>alert(1)</script> Hospiz"},
        200,
        "/manage/sites/new",
    )
    shown = await get(client, url.split("?")[0])
    assert "<script>alert(1)</script>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hospiz" in shown
    assert "&lt;script&gt;" in await get(client, "/manage/")


async def test_a_viewer_sees_the_values_but_changes_nothing_and_another_org_gets_404(
    backend: Backend,
) -> None:
    client = backend.client
    await sign_up(client, await setup_path(backend))
    site = await backend.json(
        "POST", "/v1/admin/sites", 201, json={**SITE, "opening_hours": "Sa 8\u201312 Uhr"}
    )
    page = f"/manage/sites/{site['id']}"
    viewer = await _other_browser(backend)
    try:
        await sign_up(viewer, await invite_path(backend, "vera@example.org", "viewer"))
        shown = await get(viewer, page)
        assert "Sa 8\u201312 Uhr" in shown and "Parkweg 1, Berlin" in shown
        assert (
            f'action="{page}"' not in shown
            and "distance-model" not in shown
            and 'href="/manage/sites/new"' not in await get(viewer, "/manage/")
        )
        await submit(viewer, page, {**FORM, "name": "Meins"}, 403, page=page)
        await submit(viewer, page + "/distance-model", {"exponent": "3"}, 403, page=page)
        await get(viewer, "/manage/sites/new", 403)
        await submit(viewer, "/manage/sites/new", FORM, 403, page=page)
    finally:
        await viewer.close()
    await backend.new_org("Tafel Nord e.V.")
    other = await _other_browser(backend)
    try:
        await sign_up(other, await setup_path(backend, "tafel@example.org", org_id=2))
        await get(other, page, 404)
        await submit(other, page, {**FORM, "name": "Meins"}, 404, page="/manage/sites/new")
        await submit(other, page + "/distance-model", {"exponent": "3"}, 404, page="/manage/sites/new")
    finally:
        await other.close()
    after = await backend.json("GET", f"/v1/admin/sites/{site['id']}", 200)
    assert after["name"] == SITE["name"] and len(await backend.json("GET", "/v1/admin/sites", 200)) == 1
    async with client.post(page, data={**FORM, "name": "Ohne Token"}, allow_redirects=False) as response:
        assert response.status == 403  # the form without its csrf field
    assert (await backend.json("GET", f"/v1/admin/sites/{site['id']}", 200))["name"] == SITE["name"]


async def test_the_form_and_the_api_hold_the_same_fields(backend: Backend) -> None:
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    assert set(FIELDS) <= set(site)  # every field of the form is a field of the API's site
    document = await backend.json("GET", "/openapi.json", 200)
    assert "opening_hours" in document["components"]["schemas"]["SitePatch"]["properties"]


async def test_the_distance_model_section_saves_what_the_api_reads_and_names_bad_fields(
    backend: Backend,
) -> None:
    client = backend.client
    await sign_up(client, await setup_path(backend))
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    base = f"/v1/admin/sites/{site['id']}"
    beacon = await backend.json(
        "POST", f"{base}/beacons", 201, json={"kind": "ibeacon", "allocate": True, "label": "Eingang"}
    )
    agent = await backend.json("POST", f"{base}/agents", 201, json={"name": "Pi im Flur"})
    page = f"/manage/sites/{site['id']}"
    shown = html.unescape(await get(client, page))
    assert "Agent „Pi im Flur“ bis Beacon „Eingang“ (m)" in shown
    assert "Im Einsatz: n = 2 (Standardwert)." in shown and "Noch nichts gelernt" in shown
    pair, power = f"distance-{agent['id']}-{beacon['id']}", f"power-{beacon['id']}"
    bad = {"exponent": "9", power: "laut", pair: "0,1"}
    shown, _ = await _post(client, page + "/distance-model", bad, 400, page)
    for field in ("exponent", power, pair):
        assert f'id="{field}-error"' in shown, field
    assert 'value="laut"' in shown and 'value="0,1"' in shown
    assert (await backend.json("GET", f"{base}/distance-model", 200))["agent_distances"] == []

    good = {"exponent": "2,5", power: "-62", pair: "4"}
    shown, url = await _post(client, page + "/distance-model", good, 200, page)
    assert "?done=distances" in url and "Das Entfernungsmodell ist gespeichert" in shown
    model = await backend.json("GET", f"{base}/distance-model", 200)
    assert model["path_loss_exponent"] == 2.5 and model["source"] == "typed"
    assert model["agent_distances"] == [
        {"agent_id": agent["id"], "beacon_id": beacon["id"], "distance_m": 4.0}
    ]
    assert (await backend.json("GET", f"{base}/beacons/{beacon['id']}", 200))["tx_power"] == -62
    assert "Im Einsatz: n = 2.5 (von Ihnen eingetragen)." in html.unescape(shown)
    assert "Die Agenten sammeln noch Messungen" in shown


async def test_without_tiles_the_pages_have_no_map_and_still_take_coordinates(
    make_backend: BackendFactory,
) -> None:
    backend = await make_backend(map_tiles="")
    client = backend.client
    await sign_up(client, await setup_path(backend))
    shown = await get(client, "/manage/sites/new")
    assert "data-map" not in shown and "leaflet" not in shown and 'id="lat"' in shown
    async with client.get("/manage/") as response:
        assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]
    _, url = await _post(client, "/manage/sites/new", FORM, 200, "/manage/sites/new")
    assert url.endswith("?done=created")


def test_the_form_reads_a_decimal_comma_and_names_fields_in_the_forms_order() -> None:
    made = site_in({**FORM, "lat": " 52,5301 ", "lon": "13,4012"})
    assert (made.lat, made.lon, made.slug) == (52.5301, 13.4012, None)
    with pytest.raises(FormProblems) as refused:
        site_in({**FORM, "privacy_email": "x", "lat": "", "name": "", "timezone": "Europe/Nowhere"})
    assert refused.value.fields == ["name", "lat", "timezone", "privacy_email"]
    with pytest.raises(FormProblems) as refused:
        site_patch({**FORM, "slug": ""})  # an existing site keeps an address: empty is no slug
    assert refused.value.fields == ["slug"]
    assert blank()["timezone"] == "Europe/Berlin" and blank()["lat"] == ""


def _model(spread: float, moved: bool) -> DistanceModel:
    pair = CalibrationPair(
        agent_id=1, beacon_id=7, distance_m=4, windows=40, median_rssi_below_power_db=12.0,
        spread_db=spread, moved=moved,
    )  # fmt: skip
    fit = Calibration(
        status="exponent_and_power", path_loss_exponent=2.6, tx_power={"7": -61.5}, windows=40,
        spread_db=spread, pairs=[pair],
    )  # fmt: skip
    return DistanceModel(site_id=1, in_use=2.6, source="fitted", calibration=fit)


def test_the_fit_is_told_in_words_with_how_sure_it_is() -> None:
    labels = {7: "Eingang"}
    said = told(_model(2.0, False), labels, "en")
    assert said == [
        "In use: n = 2.6 (learnt by your agents).",
        "Learnt from 40 measurements at two distances: n = 2.6 and the beacons' signal strength.",
        "The measurements agree well (spread 2 dB): the result is reliable.",
        "Learnt signal strength at 1 m of beacon \u201cEingang\u201d: -61.5 dBm.",
    ]
    rough = told(_model(7.5, True), labels, "de")
    assert (
        "Die Messungen streuen stark (7.5 dB)" in rough[2] and "wurde er oder der Agent bewegt?" in rough[-1]
    )
    street = DistanceModel(
        site_id=1, in_use=2.43, source="street", calibration=_model(2.0, False).calibration
    )
    assert told(street, labels, "en")[0] == (
        "In use: n = 2.43 (learnt from passers-by between your site and its neighbours)."
    )


def test_more_distances_than_the_api_takes_are_refused_by_name_not_with_an_error_page() -> None:
    agents = [
        Agent(
            id=1,
            site_id=1,
            name="Pi",
            advertise_beacon_id=None,
            revoked=False,
            last_heartbeat=None,
            heartbeat=None,
        )
    ]
    beacons = [
        Beacon(
            id=b, site_id=1, kind="ibeacon", key=f"k{b}", label="", tx_power=-59, status="active", identity={}
        )
        for b in range(1, 202)
    ]
    form = {pair_field(1, b.id): "3" for b in beacons}
    with pytest.raises(FormProblems) as refused:
        parse(form, agents, beacons)
    assert refused.value.fields == ["too_many"]
    typed, powers = parse({k: v for k, v in form.items() if not k.endswith("-201")}, agents, beacons)
    assert len(typed.agent_distances) == 200 and powers[201] == -59
