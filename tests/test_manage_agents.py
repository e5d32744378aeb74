"""A site's agents tab as a browser talks to it: online or offline from heartbeats, the outbox, the
version; a new agent's token and `agent.toml` shown once (and loaded by the agent's own config
loader), never logged; revoking; and the walls (viewers, other organisations)."""

from __future__ import annotations

import base64
import html
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from backend.agent_file import INSTALL_COMMANDS, agent_toml, toml_string
from backend.http.app import create_app
from beacon_agent.config import load_config
from tests.conftest import SITE, Backend
from tests.manage_helpers import csrf_of, get, invite_path, setup_path, sign_up, submit

README = Path(__file__).resolve().parents[1] / "README.md"
BEAT = {"version": "0.1.0", "uptime_s": 120.0, "scanner": "scanning", "outbox_depth": 0, "dropped": 0}


async def _site(backend: Backend) -> int:
    site_id: int = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    await sign_up(backend.client, await setup_path(backend))
    return site_id


def _main(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.split('<main id="main">', 1)[1])))


def _file_of(page: str) -> str:
    link = re.search(
        r'href="data:application/toml;charset=utf-8;base64,([A-Za-z0-9+/=]+)" download="agent.toml"', page
    )
    assert link, page[:2000]
    return base64.b64decode(link.group(1)).decode()


async def test_a_new_agent_gets_its_token_and_an_agent_toml_the_agent_accepts_once(
    backend: Backend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site_id = await _site(backend)
    path = f"/manage/sites/{site_id}/agents"
    caplog.set_level(logging.DEBUG)
    with capture_logs() as logs:
        page = await submit(backend.client, path, {"name": "Pi im Flur"})
    token = re.search(r'<code class="secret">(nba_[^<]+)</code>', page)
    assert token, page[:2000]
    secret = token.group(1)
    written = tmp_path / "agent.toml"
    written.write_text(_file_of(page))
    config = load_config(written, {})
    assert config.backend.url == backend.settings.base_url.rstrip("/")
    assert config.backend.token.get_secret_value() == secret
    assert "Pi im Flur" in written.read_text() and "Hospiz am Park" in written.read_text()
    for command in INSTALL_COMMANDS:
        assert command in html.unescape(page)
    # The token works, and is nowhere but in the answer to the form.
    await backend.json(
        "POST", "/v1/agent/heartbeat", 200, json=BEAT, headers={"Authorization": f"Bearer {secret}"}
    )
    assert secret not in repr(logs) and secret not in caplog.text
    again = await get(backend.client, path)
    assert secret not in again and "data:application/toml" not in again
    assert "Pi im Flur" in _main(again)


def test_the_file_escapes_what_staff_typed_and_the_agent_still_reads_it(tmp_path: Path) -> None:
    made = datetime(2026, 12, 3, 14, 2, tzinfo=UTC)
    text = agent_toml('https://n.example/"x"\\', "nba_abc", 'Hof "am" Park\\', "Pi\u007f\n[evil]", made)
    assert "\n[evil]" not in text and text.count("[backend]") == 1
    written = tmp_path / "agent.toml"
    written.write_text(text)
    assert load_config(written, {}).backend.token.get_secret_value() == "nba_abc"
    assert toml_string('a"b\\c\x01') == '"a\\"b\\\\c\\u0001"'


def test_the_install_commands_are_the_readmes() -> None:
    readme = README.read_text()
    for command in INSTALL_COMMANDS:
        assert command in readme


async def test_online_offline_outbox_and_version_come_from_heartbeats(backend: Backend) -> None:
    site_id = await _site(backend)
    base = f"/v1/admin/sites/{site_id}"
    beacon = await backend.json(
        "POST", f"{base}/beacons", 201, json={"kind": "ibeacon", "allocate": True, "label": "Tür"}
    )
    made = await backend.json(
        "POST", f"{base}/agents", 201, json={"name": "Pi", "advertise_beacon_id": beacon["id"]}
    )
    await backend.json("POST", f"{base}/agents", 201, json={"name": "Neu"})
    path = f"/manage/sites/{site_id}/agents"
    headers = {"Authorization": f"Bearer {made['token']}"}
    beat = {**BEAT, "outbox_depth": 12, "dropped": 3}
    await backend.json("POST", "/v1/agent/heartbeat", 200, json=beat, headers=headers)
    heard = (
        datetime.fromtimestamp(backend.clock.now, UTC)
        .astimezone(ZoneInfo(SITE["timezone"]))
        .strftime("%H:%M")
    )
    text = _main(await get(backend.client, path))
    assert f"Pi Online, zuletzt gemeldet {heard}" in text
    assert "12 Sichtungen warten (3 verworfen)" in text and "0.1.0 Tür" in text
    assert "Neu Hat sich noch nie gemeldet" in text
    backend.clock.advance(backend.settings.agent_silent_after_s + 60)
    assert f"Pi Offline seit {heard}" in _main(await get(backend.client, path))
    failing = {**BEAT, "outbox_error": "disk <full>"}
    await backend.json("POST", "/v1/agent/heartbeat", 200, json=failing, headers=headers)
    english = await get(backend.client, path + "?lang=en")
    assert "Cannot store: disk &lt;full&gt;" in english and "Online, last heard" in _main(english)


async def test_a_bad_name_is_named_and_html_in_a_name_is_text(backend: Backend) -> None:
    site_id = await _site(backend)
    path = f"/manage/sites/{site_id}/agents"
    refused = await submit(backend.client, path, {"name": "   "}, 400)
    assert "Geben Sie einen Namen" in refused and 'aria-invalid="true"' in refused
    assert (await backend.json("GET", f"/v1/admin/sites/{site_id}/agents", 200))["agents"] == []
    await submit(backend.client, path, {"name": "<b>Pi</b>"})
    page = await get(backend.client, path)
    assert "<b>Pi</b>" not in page and "&lt;b&gt;Pi&lt;/b&gt;" in page


async def test_reloading_the_created_answer_makes_no_second_agent(backend: Backend) -> None:
    """The token's answer is not a redirect, so a reload posts the same form again."""
    site_id = await _site(backend)
    path = f"/manage/sites/{site_id}/agents"
    token = csrf_of(await get(backend.client, path))
    answers = []
    for _ in range(2):
        async with backend.client.post(path, data={"csrf": token, "name": "Pi im Flur"}) as response:
            answers.append((response.status, await response.text()))
    assert answers[0][0] == 200 and "Sein Schlüssel" in answers[0][1]
    assert answers[1][0] == 400 and "heißt schon „Pi im Flur“" in _main(answers[1][1])
    assert 'class="secret"' in answers[0][1] and 'class="secret"' not in answers[1][1]
    agents = (await backend.json("GET", f"/v1/admin/sites/{site_id}/agents", 200))["agents"]
    assert [a["name"] for a in agents] == ["Pi im Flur"]
    await submit(backend.client, f"{path}/{agents[0]['id']}/revoke", {}, page=path)
    again = await submit(backend.client, path, {"name": "pi im flur "})
    assert "Sein Schlüssel" in again
    agents = (await backend.json("GET", f"/v1/admin/sites/{site_id}/agents", 200))["agents"]
    assert sorted((a["name"], a["revoked"]) for a in agents) == [("Pi im Flur", True), ("pi im flur", False)]


async def test_revoking_an_agent_refuses_its_token(backend: Backend) -> None:
    site_id = await _site(backend)
    made = await backend.json("POST", f"/v1/admin/sites/{site_id}/agents", 201, json={"name": "Pi"})
    path = f"/manage/sites/{site_id}/agents"
    shown = await submit(backend.client, f"{path}/{made['id']}/revoke", {}, page=path)
    assert "Der Agent ist gesperrt" in shown and "Gesperrt" in _main(shown)
    headers = {"Authorization": f"Bearer {made['token']}"}
    await backend.json("POST", "/v1/agent/heartbeat", 401, json=BEAT, headers=headers)


async def test_a_viewer_sees_agents_and_another_organisation_gets_404(backend: Backend) -> None:
    site_id = await _site(backend)
    made = await backend.json("POST", f"/v1/admin/sites/{site_id}/agents", 201, json={"name": "Pi"})
    viewer: TestClient[Any, Any] = TestClient(
        TestServer(create_app(backend.settings, clock=backend.clock), host="127.0.0.1")
    )
    await viewer.start_server()
    try:
        await sign_up(viewer, await invite_path(backend, "vera@example.org", "viewer"))
        path = f"/manage/sites/{site_id}/agents"
        page = await get(viewer, path)
        assert "Pi" in _main(page) and "Agenten anlegen" not in page
        await submit(viewer, path, {"name": "Mine"}, 403, page=path)
        await submit(viewer, f"{path}/{made['id']}/revoke", {}, 403, page=path)
    finally:
        await viewer.close()
    other_key = await backend.new_org()
    other = (await backend.json("POST", "/v1/admin/sites", 201, key=other_key, json=SITE))["id"]
    theirs = await backend.json(
        "POST", f"/v1/admin/sites/{other}/agents", 201, key=other_key, json={"name": "X"}
    )
    mine = f"/manage/sites/{site_id}/agents"
    await get(backend.client, f"/manage/sites/{other}/agents", 404)
    await submit(backend.client, f"/manage/sites/{other}/agents", {"name": "Mine"}, 404, page=mine)
    await submit(backend.client, f"{mine}/{theirs['id']}/revoke", {}, 404, page=mine)
    assert (await backend.json("GET", f"/v1/admin/sites/{site_id}/agents", 200))["agents"][0][
        "revoked"
    ] is False
