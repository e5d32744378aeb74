"""Accounts under attack: a revoked admin key in every process at once, and forms posted without their
CSRF token (hardening, round two, item 7; issue 13's security)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from backend.http.app import create_app
from tests.conftest import Backend
from tests.manage_helpers import setup_path, sign_up
from tests.reliability.figures import Figures


async def test_a_revoked_admin_key_is_refused_at_once_by_every_process(
    backend: Backend, figure: Figures
) -> None:
    """Two servers on one database stand for two worker processes, each with its own read cache. A key
    is used on both (so any cache holds it), revoked through the first, then tried 100 times on each
    straight away: every try must be 401. Another organisation's key id answers 404 and stays usable."""
    second: TestClient[Any, Any] = TestClient(
        TestServer(create_app(backend.settings, clock=backend.clock), host="127.0.0.1")
    )
    await second.start_server()
    try:
        made = await backend.json("POST", "/v1/admin/keys", 201, json={"name": "Kiosk"})
        auth = {"Authorization": f"Bearer {made['secret']}"}
        for client in (backend.client, second):
            for _ in range(5):
                async with client.get("/v1/admin/sites", headers=auth) as response:
                    assert response.status == 200
        await backend.json("DELETE", f"/v1/admin/keys/{made['id']}", 204)
        accepted = 0
        for _ in range(100):
            for client in (backend.client, second):
                async with client.get("/v1/admin/sites", headers=auth) as response:
                    accepted += response.status != 401
        other = await backend.new_org()
        theirs = await backend.json("POST", "/v1/admin/keys", 201, key=other, json={"name": "Theirs"})
        await backend.json("DELETE", f"/v1/admin/keys/{theirs['id']}", 404)
        await backend.json("GET", "/v1/admin/sites", 200, key=theirs["secret"])
    finally:
        await second.close()
    figure(
        "access",
        "requests with an admin key just revoked, on the process that revoked it and another on the same "
        "database (key used on both first)",
        f"{accepted} of 200 accepted; another organisation's key id 404",
        "0 accepted; 404",
        accepted == 0,
    )
    assert accepted == 0


async def test_no_staff_form_is_accepted_without_its_csrf_token(backend: Backend, figure: Figures) -> None:
    """Every POST route under /manage/ (from the router, so a new form is tried too), posted by a
    signed-in owner without the `csrf` field and with a wrong one: each must be refused (403) and
    change nothing (the keys and members pages read the same before and after)."""
    setup = await setup_path(backend)
    await sign_up(backend.client, setup)
    app = backend.client.server.app
    assert app is not None
    posts = sorted(
        {r.resource.canonical for r in app.router.routes() if r.method == "POST" and r.resource is not None}
    )
    posts = [p for p in posts if p.startswith("/manage")]
    paths = [
        re.sub(
            r"\{kind[^}]*\}/\{token[^}]*\}",
            setup.removeprefix("/manage/"),
            re.sub(r"\{\w+_id[^}]*\}", "1", p),
        )
        for p in posts
    ]
    before = [await (await backend.client.get(p)).text() for p in ("/manage/keys", "/manage/members")]
    refused = tried = 0
    for path in paths:
        for form in (
            {"name": "x", "email": "x@example.org", "role": "owner"},
            {"csrf": "x" * 43, "name": "x"},
        ):
            async with backend.client.post(path, data=form, allow_redirects=False) as response:
                tried += 1
                refused += response.status == 403
    after = [await (await backend.client.get(p)).text() for p in ("/manage/keys", "/manage/members")]
    figure(
        "access",
        f"staff forms posted without or with a wrong csrf field ({len(paths)} POST routes under /manage/)",
        f"{refused} of {tried} refused, nothing changed",
        "all refused",
        refused == tried and before == after,
    )
    assert len(paths) >= 8 and refused == tried and before == after
