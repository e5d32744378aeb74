"""Helpers for the staff pages' tests: people with links, and forms filled in as a browser would."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from backend.accounts.people import invite_link, owner_setup_link
from backend.accounts.records import Role
from backend.storage import open_storage
from tests.conftest import Backend

PASSWORD = "Linden blühen im Juni"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def setup_path(backend: Backend, email: str = "anna@example.org", org_id: int | None = None) -> str:
    """The path of a fresh setup link making `email` an owner of the organisation."""
    async with open_storage(backend.settings) as storage:
        url = await owner_setup_link(
            storage, backend.settings, org_id or backend.org_id, email, backend.clock()
        )
    return urlsplit(url).path


async def invite_path(backend: Backend, email: str, role: Role, org_id: int | None = None) -> str:
    async with open_storage(backend.settings) as storage:
        url = await invite_link(
            storage, backend.settings, org_id or backend.org_id, email, role, backend.clock()
        )
    return urlsplit(url).path


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, html[:500]
    return found.group(1)


async def get(client: Any, path: str, status: int = 200) -> str:
    async with client.get(path, allow_redirects=True) as response:
        text: str = await response.text()
        assert response.status == status, (path, response.status, text[:400])
        return text


async def submit(
    client: Any, path: str, fields: dict[str, str], status: int = 200, *, page: str | None = None
) -> str:
    """Open `page` (default `path`), take its csrf field, post `fields` with it to `path`."""
    token = csrf_of(await get(client, page or path))
    async with client.post(path, data={"csrf": token, **fields}, allow_redirects=True) as response:
        text: str = await response.text()
        assert response.status == status, (path, response.status, text[:400])
        return text


async def sign_up(client: Any, path: str, password: str = PASSWORD) -> str:
    """Follow a setup or invitation link and choose a password: the dashboard's HTML."""
    return await submit(client, path, {"password": password, "repeat": password})
