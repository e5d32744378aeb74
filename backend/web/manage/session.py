"""Who is signed in to the staff pages, and the checks every staff form passes.

The session id lives in an HttpOnly, SameSite=Lax cookie (Secure when `base_url` is https); the
store holds only its hash. Every form carries a hidden `csrf` field: the session's secret when
signed in, else a random value also set in a cookie of its own (the login and link forms), and a
POST whose field does not match is refused before anything is done.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Final

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from backend.accounts.people import SESSION_EXTEND_EVERY_S, SESSION_IDLE_S, token_hash
from backend.accounts.records import Role
from backend.config import Settings
from backend.http.state import STATE

SESSION_COOKIE: Final = "nahbei_session"
FORM_COOKIE: Final = "nahbei_form"
LOGIN_PATH: Final = "/manage/login"
MAX_FORM_BYTES: Final = 16 * 1024
_RANK: Final[dict[Role, int]] = {"viewer": 0, "editor": 1, "owner": 2}


@dataclass(frozen=True, slots=True)
class Staff:
    """A signed-in person acting for one organisation."""

    person_id: int
    email: str
    org_id: int
    org_name: str
    role: Role
    csrf: str
    session_hash: bytes

    def may(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]


async def signed_in(request: web.Request) -> Staff | None:
    state = request.app[STATE]
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    id_hash, now = token_hash(session_id), state.clock()
    session = await state.storage.session(id_hash, now)
    if session is None:
        return None
    person = await state.storage.person(session.person_id)
    membership = next(
        (m for m in await state.storage.memberships(session.person_id) if m.org_id == session.org_id), None
    )
    if person is None or membership is None:
        return None
    if now - session.last_seen > SESSION_EXTEND_EVERY_S:
        await state.storage.extend_session(id_hash, now, now + SESSION_IDLE_S)
    return Staff(
        person.id,
        person.email,
        membership.org_id,
        membership.org_name,
        membership.role,
        session.csrf,
        id_hash,
    )


async def staff_for(request: web.Request, role: Role = "viewer") -> Staff:
    """The signed-in person, who must hold at least `role` (else a 403 page); others go to the login."""
    staff = await signed_in(request)
    if staff is None:
        raise web.HTTPSeeOther(LOGIN_PATH)
    if not staff.may(role):
        raise web.HTTPForbidden()
    return staff


async def staff_form(request: web.Request, role: Role) -> tuple[Staff, MultiDictProxy[str]]:
    """A signed-in person's POST: their role checked, then the form's `csrf` against the session's."""
    staff = await staff_for(request, role)
    form = await _form(request)
    if not secrets.compare_digest(form.get("csrf", ""), staff.csrf):
        raise web.HTTPForbidden()
    return staff, form


def form_token(request: web.Request) -> str:
    """The `csrf` value for a form shown to someone not signed in (set with `set_form_cookie`)."""
    token = request.cookies.get(FORM_COOKIE, "")
    return token if 20 <= len(token) <= 100 else secrets.token_urlsafe(32)


async def anonymous_form(request: web.Request) -> MultiDictProxy[str]:
    """A POST from someone not signed in: its `csrf` field must equal its form cookie."""
    form = await _form(request)
    cookie = request.cookies.get(FORM_COOKIE, "")
    if not cookie or not secrets.compare_digest(form.get("csrf", ""), cookie):
        raise web.HTTPForbidden()
    return form


async def _form(request: web.Request) -> MultiDictProxy[str]:
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_FORM_BYTES, actual_size=request.content_length)
    form = await request.post()
    return MultiDictProxy(MultiDict((k, v) for k, v in form.items() if isinstance(v, str)))


def _secure(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def set_form_cookie(response: web.StreamResponse, settings: Settings, token: str) -> None:
    response.set_cookie(
        FORM_COOKIE, token, httponly=True, samesite="Strict", secure=_secure(settings), path="/manage/"
    )


def set_session_cookie(response: web.StreamResponse, settings: Settings, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="Lax",
        secure=_secure(settings),
        path="/manage/",
        max_age=SESSION_IDLE_S,
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path="/manage/")
