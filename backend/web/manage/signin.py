"""Signing in and out, a forgotten password, and the one-time links (setup, invitation, reset).

Login attempts are limited per account and per client (`backend.ratelimit`): a guesser gets five
tries per account and then one every three minutes, wherever it comes from. A wrong address and a
wrong password get the same answer, as slowly, so the form does not tell who has an account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from aiohttp import web

from backend.accounts.mail import MailFailed, mail_configured, send_mail
from backend.accounts.passwords import password_matches, password_problem
from backend.accounts.people import (
    BadEmail,
    follow_link,
    normal_email,
    reset_link,
    start_session,
    token_hash,
)
from backend.http.state import STATE
from backend.ratelimit import RateLimiter, share
from backend.web.manage.session import (
    LOGIN_PATH,
    SESSION_COOKIE,
    anonymous_form,
    clear_session_cookie,
    form_token,
    set_form_cookie,
    set_session_cookie,
    signed_in,
    staff_form,
)
from backend.web.render import page, page_language, render
from backend.web.words import word

DASHBOARD: Final = "/manage/"


@dataclass
class LoginLimits:
    """Five tries per account, then one every three minutes; twenty per client, then one every 30 s.

    Split between `workers` processes like every limit (`backend.ratelimit.share`): together they
    never allow more; a person whose browser keeps talking to one worker gets that worker's share.
    """

    per_account: RateLimiter
    per_client: RateLimiter

    @classmethod
    def for_workers(cls, workers: int) -> LoginLimits:
        return cls(RateLimiter(*share(1 / 180, 5, workers)), RateLimiter(*share(1 / 30, 20, workers)))


LIMITS: Final = web.AppKey("login_limits", LoginLimits)


def _anonymous(
    request: web.Request, template: str, context: Mapping[str, object], status: int = 200
) -> web.Response:
    token = form_token(request)
    response = render(request, template, {"csrf": token, **context}, status=status)
    set_form_cookie(response, request.app[STATE].settings, token)
    return response


def see_other(location: str) -> web.Response:
    """Post, redirect, show: a reload never sends the form again."""
    return web.Response(status=303, headers={"Location": location})


def _signed_in_as(request: web.Request, session_id: str) -> web.Response:
    response = see_other(DASHBOARD)
    set_session_cookie(response, request.app[STATE].settings, session_id)
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    if await signed_in(request) is not None:
        raise web.HTTPSeeOther(DASHBOARD)
    return _anonymous(request, "manage_login.html", {"email": "", "problem": None})


async def login(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    form = await anonymous_form(request)
    email, password = form.get("email", "").strip(), form.get("password", "")
    limits, now = request.app[LIMITS], state.clock()
    account = token_hash(email.lower())
    if limits.per_client.take(state.client_id(request), now) or limits.per_account.take(account, now):
        return _anonymous(request, "manage_login.html", {"email": email, "problem": "login.too_many"}, 429)
    try:
        person = await state.storage.person_by_email(normal_email(email))
    except BadEmail:
        person = None
    if not password_matches(person.password_hash if person else None, password) or person is None:
        return _anonymous(request, "manage_login.html", {"email": email, "problem": "login.wrong"}, 400)
    old = request.cookies.get(SESSION_COOKIE)
    if old:  # a new id at every login: a session id planted before cannot be carried in
        await state.storage.end_session(token_hash(old))
    session = await start_session(state.storage, person.id, None, now)
    if session is None:
        return _anonymous(request, "manage_login.html", {"email": email, "problem": "login.no_org"}, 403)
    return _signed_in_as(request, session.session_id)


async def logout(request: web.Request) -> web.StreamResponse:
    staff, _ = await staff_form(request, "viewer")
    await request.app[STATE].storage.end_session(staff.session_hash)
    response = see_other(LOGIN_PATH)
    clear_session_cookie(response)
    return response


def _forgot(
    request: web.Request, mail: bool, *, sent: bool = False, problem: str | None = None
) -> web.Response:
    status = {None: 200, "login.too_many": 429, "email.bad": 400, "mail.failed": 502}[problem]
    return _anonymous(request, "manage_forgot.html", {"mail": mail, "sent": sent, "problem": problem}, status)


async def forgot_form(request: web.Request) -> web.StreamResponse:
    return _forgot(request, mail_configured(request.app[STATE].settings))


async def forgot(request: web.Request) -> web.StreamResponse:
    """With mail: a reset link to the address, if it has an account (the page does not say whether).
    Without: the page says whom to ask; a link shown here would let anyone take over any account."""
    state = request.app[STATE]
    settings, now = state.settings, state.clock()
    form = await anonymous_form(request)
    if not mail_configured(settings):
        return _forgot(request, False)
    if request.app[LIMITS].per_client.take(state.client_id(request), now):
        return _forgot(request, True, problem="login.too_many")
    try:
        email = normal_email(form.get("email", ""))
    except BadEmail:
        return _forgot(request, True, problem="email.bad")
    link = await reset_link(state.storage, settings, email, now)
    if link is not None:
        lang = page_language(request)
        subject, text = word("mail.reset.subject", lang), word("mail.reset.text", lang).format(link=link)
        try:
            await send_mail(settings, email, subject, text)
        except MailFailed:
            return _forgot(request, True, problem="mail.failed")
    return _forgot(request, True, sent=True)


async def link_form(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    link = await state.storage.link(token_hash(request.match_info["token"]))
    if (
        link is None
        or link.kind != request.match_info["kind"]
        or link.used_at
        or link.expires_at <= state.clock()
    ):
        return render(request, "manage_link_gone.html", status=410)
    person = await state.storage.person(link.person_id)
    email = person.email if person else ""
    return _anonymous(request, "manage_password.html", {"kind": link.kind, "email": email, "problem": None})


async def follow(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    form = await anonymous_form(request)
    token, password = request.match_info["token"], form.get("password", "")
    link = await state.storage.link(token_hash(token))
    person = await state.storage.person(link.person_id) if link else None
    if link is None or person is None or link.kind != request.match_info["kind"]:
        return render(request, "manage_link_gone.html", status=410)
    problem = password_problem(password, person.email)
    if problem is None and password != form.get("repeat", ""):
        problem = "password.differ"
    if problem is not None:
        context = {"kind": link.kind, "email": person.email, "problem": problem}
        return _anonymous(request, "manage_password.html", context, 400)
    session = await follow_link(state.storage, token, password, state.clock())
    if session is None:
        return render(request, "manage_link_gone.html", status=410)
    return _signed_in_as(request, session.session_id)


def add_routes(app: web.Application) -> None:
    app[LIMITS] = LoginLimits.for_workers(app[STATE].settings.workers)
    router = app.router
    router.add_get(LOGIN_PATH, page("manage_login", login_form))
    router.add_post(LOGIN_PATH, page("manage_login", login))
    router.add_post("/manage/logout", page("manage_logout", logout))
    router.add_get("/manage/forgot", page("manage_forgot", forgot_form))
    router.add_post("/manage/forgot", page("manage_forgot", forgot))
    link = r"/manage/{kind:setup|invite|reset}/{token:[A-Za-z0-9_-]{20,100}}"
    router.add_get(link, page("manage_link", link_form))
    router.add_post(link, page("manage_link", follow))
