"""The staff pages' accounts, as a browser talks to them (HTTP, cookies, forms): links, login, sessions,
CSRF, roles and the walls between organisations. The same journeys in a real browser are in
tests/test_manage_browser.py."""

from __future__ import annotations

import logging
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from backend.accounts.people import LINK_VALID_S
from backend.http.app import create_app
from tests.conftest import Backend
from tests.manage_helpers import PASSWORD, csrf_of, get, invite_path, setup_path, sign_up, submit


async def _browser(backend: Backend) -> TestClient:  # type: ignore[type-arg]
    """Another client with its own cookies on the same server: another person's browser."""
    client: TestClient = TestClient(
        TestServer(create_app(backend.settings, clock=backend.clock), host="127.0.0.1")
    )  # type: ignore[type-arg]
    await client.start_server()
    return client


async def test_setup_link_to_dashboard_then_logout_and_login(backend: Backend) -> None:
    client = backend.client
    path = await setup_path(backend)
    page = await get(client, path)
    assert "anna@example.org" in page and 'name="password"' in page
    form = {"csrf": csrf_of(page), "password": PASSWORD, "repeat": PASSWORD}
    async with client.post(path, data=form, allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"] == "/manage/"
        cookie = response.cookies["nahbei_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    assert cookie["path"] == "/manage/"
    dashboard = await get(client, "/manage/")
    assert "Hospiz am Park e.V." in dashboard and "anna@example.org" in dashboard
    await get(client, path, 410)  # used once
    login = await submit(client, "/manage/logout", {}, page="/manage/")
    assert 'name="email"' in login
    assert "anna@example.org" not in await get(client, "/manage/login")
    dashboard = await submit(client, "/manage/login", {"email": "Anna@Example.org ", "password": PASSWORD})
    assert "Hospiz am Park e.V." in dashboard


async def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(backend: Backend) -> None:
    await sign_up(backend.client, await setup_path(backend))
    other = await _browser(backend)
    try:
        wrong = await submit(other, "/manage/login", {"email": "anna@example.org", "password": "x" * 12}, 400)
        nobody = await submit(other, "/manage/login", {"email": "ben@example.org", "password": "x" * 12}, 400)
        assert re.sub(r'value="[^"]*"', "", wrong).replace("anna", "ben") == re.sub(
            r'value="[^"]*"', "", nobody
        )
        assert "stimmen nicht" in wrong
        await get(other, "/manage/", 200)  # sent to the login page
        assert "nahbei_session" not in {c.key for c in other.session.cookie_jar}
    finally:
        await other.close()


async def test_login_attempts_are_limited_per_account(backend: Backend) -> None:
    await sign_up(backend.client, await setup_path(backend))
    other = await _browser(backend)
    try:
        statuses = []
        for _ in range(7):
            token = csrf_of(await get(other, "/manage/login"))
            form = {"csrf": token, "email": "anna@example.org", "password": "wrong password"}
            async with other.post("/manage/login", data=form) as response:
                statuses.append(response.status)
        assert statuses == [400] * 5 + [429] * 2
        # Even the right password waits now: a guesser cannot tell when it found it.
        await submit(other, "/manage/login", {"email": "anna@example.org", "password": PASSWORD}, 429)
    finally:
        await other.close()


async def test_an_expired_link_is_refused(backend: Backend) -> None:
    path = await setup_path(backend)
    backend.clock.advance(LINK_VALID_S["setup"] + 1)
    assert "gilt nicht mehr" in await get(backend.client, path, 410)
    token = csrf_of(await get(backend.client, "/manage/login"))
    async with backend.client.post(path, data={"csrf": token, "password": PASSWORD, "repeat": PASSWORD}) as r:
        assert r.status == 410
    await get(backend.client, "/manage/setup/" + "A" * 43, 410)


async def test_a_post_without_the_csrf_field_is_refused(backend: Backend) -> None:
    client = backend.client
    await sign_up(client, await setup_path(backend))
    async with client.post("/manage/keys", data={"name": "Sneaky"}) as response:
        assert response.status == 403
    async with client.post("/manage/keys", data={"name": "Sneaky", "csrf": "x" * 43}) as response:
        assert response.status == 403
    async with client.post("/manage/logout", data={}) as response:
        assert response.status == 403
    keys = await get(client, "/manage/keys")
    assert "Sneaky" not in keys
    other = await _browser(backend)
    try:  # a login form posted without its cookie's twin
        async with other.post("/manage/login", data={"email": "anna@example.org", "password": PASSWORD}) as r:
            assert r.status == 403
    finally:
        await other.close()


async def test_another_organisations_ids_answer_404_and_a_viewer_changes_nothing(backend: Backend) -> None:
    client = backend.client
    await sign_up(client, await setup_path(backend))
    await backend.new_org("Tafel Nord e.V.")  # its first key is key 2
    await submit(client, "/manage/keys", {"name": "Kiosk"})
    other = await _browser(backend)
    try:
        await sign_up(other, await setup_path(backend, "tafel@example.org", org_id=2))
        their_keys = await get(other, "/manage/keys")
        assert "Tafel Nord e.V." in await get(other, "/manage/") and "Hospiz" not in their_keys
        # Anna (org 1) names org 2's key (id 2) and org 2's owner (person 2): not found.
        await submit(client, "/manage/keys/2/revoke", {}, 404, page="/manage/keys")
        await submit(client, "/manage/keys/2/rotate", {}, 404, page="/manage/keys")
        await submit(client, "/manage/members/2/remove", {}, 404, page="/manage/members")
        assert "tafel@example.org" not in await get(client, "/manage/members")
        assert "Kiosk" not in await get(other, "/manage/keys")
    finally:
        await other.close()
    viewer = await _browser(backend)
    try:
        await sign_up(viewer, await invite_path(backend, "vera@example.org", "viewer"))
        keys = await get(viewer, "/manage/keys")
        assert 'action="/manage/keys"' not in keys  # no forms to change anything
        await submit(viewer, "/manage/keys", {"name": "Mine"}, 403, page="/manage/keys")
        await submit(viewer, "/manage/keys/1/revoke", {}, 403, page="/manage/keys")
        refused = await submit(
            viewer,
            "/manage/members",
            {"email": "x@example.org", "role": "owner"},
            403,
            page="/manage/members",
        )
        assert "Inhaber" in refused  # the 403 page says whom to ask
    finally:
        await viewer.close()
    assert "Mine" not in await get(client, "/manage/keys")


async def test_owner_invites_without_mail_and_sees_the_link_once(backend: Backend) -> None:
    client = backend.client
    await sign_up(client, await setup_path(backend))
    shown = await submit(client, "/manage/members", {"email": "Ben@Example.org", "role": "editor"})
    link = re.search(r"http://127\.0\.0\.1:8080(/manage/invite/[A-Za-z0-9_-]+)", shown)
    assert link, shown
    assert link.group(1) not in await get(client, "/manage/members")
    colleague = await _browser(backend)
    try:
        dashboard = await sign_up(colleague, link.group(1))
        assert "ben@example.org" in dashboard and "Bearbeiter" in dashboard
    finally:
        await colleague.close()
    members = await get(client, "/manage/members")
    assert "ben@example.org" in members
    await submit(client, "/manage/members/2/remove", {}, page="/manage/members")
    assert "ben@example.org" not in await get(client, "/manage/members")
    # The last owner stays.
    refused = await submit(client, "/manage/members/1/remove", {}, 409, page="/manage/members")
    assert "letzte" in refused


async def test_keys_page_shows_a_secret_once_and_revoked_keys_fail(backend: Backend) -> None:
    client = backend.client
    await sign_up(client, await setup_path(backend))
    made = await submit(client, "/manage/keys", {"name": "<script>alert(1)</script>"})
    secret = re.search(r"nbk_[A-Za-z0-9_-]{40,}", made)
    assert secret and "<script>alert" not in made and "&lt;script&gt;" in made
    await backend.json("GET", "/v1/admin/sites", 200, key=secret.group(0))
    listed = await get(client, "/manage/keys")
    assert secret.group(0) not in listed and secret.group(0)[:12] + "…" in listed
    await submit(client, "/manage/keys/2/revoke", {}, page="/manage/keys")
    await backend.json("GET", "/v1/admin/sites", 401, key=secret.group(0))


async def test_links_and_passwords_never_reach_a_log(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with capture_logs() as captured:
        path = await setup_path(backend)
        await sign_up(backend.client, path)
        other = await _browser(backend)
        try:
            await submit(
                other, "/manage/login", {"email": "anna@example.org", "password": "wrong " + PASSWORD}, 400
            )
        finally:
            await other.close()
    # aiohttp's access log, which the test server keeps, is off in `serve` (backend/http/serve.py).
    ours = [r for r in caplog.records if r.name != "aiohttp.access"]
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in ours) + repr(captured)
    token = path.rsplit("/", 1)[1]
    assert token not in logged and PASSWORD not in logged
