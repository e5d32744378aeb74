"""Links by mail: a real SMTP server (aiosmtpd) receives the invitation and the reset link, and the
person follows them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import Backend, BackendFactory
from tests.manage_helpers import PASSWORD, get, setup_path, sign_up, submit
from tests.smtp import Inbox, smtp_server

__all__ = ["smtp_server"]

LINK = re.compile(r"http://127\.0\.0\.1:8080(/manage/(?:invite|reset)/[A-Za-z0-9_-]+)")


async def _mailing_backend(make_backend: BackendFactory, port: int) -> Backend:
    return await make_backend(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)


async def _new_browser(backend: Backend) -> TestClient:  # type: ignore[type-arg]
    from backend.http.app import create_app

    client: TestClient = TestClient(  # type: ignore[type-arg]
        TestServer(create_app(backend.settings, clock=backend.clock), host="127.0.0.1")
    )
    await client.start_server()
    return client


async def test_an_invitation_arrives_by_mail_and_the_colleague_signs_in_with_their_role(
    make_backend: BackendFactory, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    backend = await _mailing_backend(make_backend, port)
    await sign_up(backend.client, await setup_path(backend))
    done = await submit(backend.client, "/manage/members", {"email": "ben@example.org", "role": "viewer"})
    assert "Die Einladung ist verschickt" in done and "/manage/invite/" not in done  # not shown: mailed
    [message] = inbox.messages
    assert message["To"] == "ben@example.org" and "Hospiz am Park e.V." in message["Subject"]
    found = LINK.search(inbox.text())
    assert found
    colleague = await _new_browser(backend)
    try:
        dashboard = await sign_up(colleague, found.group(1))
        assert "ben@example.org" in dashboard and "Lesezugriff" in dashboard
        await submit(colleague, "/manage/keys", {"name": "x"}, 403, page="/manage/keys")
    finally:
        await colleague.close()


async def test_a_forgotten_password_is_reset_by_mail_and_the_old_one_stops_working(
    make_backend: BackendFactory, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    backend = await _mailing_backend(make_backend, port)
    await sign_up(backend.client, await setup_path(backend))
    person = await _new_browser(backend)
    try:
        sent = await submit(person, "/manage/forgot", {"email": "Anna@example.org"})
        unknown = await submit(person, "/manage/forgot", {"email": "nobody@example.org"})
        assert (
            "unterwegs" in sent and sent.split("<main")[1] == unknown.split("<main")[1]
        )  # says nothing more
        assert len(inbox.messages) == 1  # none to an address without an account
        found = LINK.search(inbox.text())
        assert found and urlsplit(found.group(0)).path.startswith("/manage/reset/")
        new = "Ein ganz neues Passwort"
        await sign_up(person, found.group(1), new)
        await get(person, found.group(1), 410)
    finally:
        await person.close()
    # The old session ended with the reset; the old password no longer works, the new one does.
    assert "Anmelden" in await get(backend.client, "/manage/")
    await submit(backend.client, "/manage/login", {"email": "anna@example.org", "password": PASSWORD}, 400)
    await submit(backend.client, "/manage/login", {"email": "anna@example.org", "password": new})


async def test_without_mail_the_forgotten_password_page_names_the_operator(backend: Backend) -> None:
    page = await get(backend.client, "/manage/forgot")
    assert "reset-link" in page and 'name="email"' not in page
