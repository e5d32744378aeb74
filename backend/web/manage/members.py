"""`/manage/members`: who works for the organisation; owners invite colleagues and remove them.

An invitation is a one-time link. With mail configured it goes to the colleague's mailbox; without,
it is shown once to the owner who asked, to pass on by hand.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from backend.accounts.mail import MailFailed, mail_configured, send_mail
from backend.accounts.people import BadEmail, invite_link, normal_email
from backend.accounts.records import ROLES
from backend.errors import Conflict, NotFound
from backend.http.state import STATE
from backend.web.manage.session import Staff, staff_for, staff_form
from backend.web.manage.signin import see_other
from backend.web.render import page, page_language, render
from backend.web.words import word

MEMBERS: Final = "/manage/members"
DONE: Final = frozenset({"invited", "removed"})


async def _show(request: web.Request, staff: Staff, *, status: int = 200, **extra: object) -> web.Response:
    members = await request.app[STATE].storage.members(staff.org_id)
    done = request.query.get("done")
    context = {
        "staff": staff,
        "members": members,
        "roles": ROLES,
        "done": done if done in DONE else None,
        "problem": None,
        "link": None,
        "email": "",
        **extra,
    }
    return render(request, "manage_members.html", context, status=status)


async def members(request: web.Request) -> web.StreamResponse:
    return await _show(request, await staff_for(request))


async def invite(request: web.Request) -> web.StreamResponse:
    staff, form = await staff_form(request, "owner")
    state = request.app[STATE]
    role = form.get("role", "")
    typed = form.get("email", "")
    if role not in ROLES:
        return await _show(request, staff, status=400, problem="role.bad", email=typed)
    try:
        email = normal_email(typed)
    except BadEmail:
        return await _show(request, staff, status=400, problem="email.bad", email=typed)
    link = await invite_link(state.storage, state.settings, staff.org_id, email, role, state.clock())
    if not mail_configured(state.settings):
        return await _show(request, staff, link=link, email=email)
    lang = page_language(request)
    text = word("mail.invite.text", lang).format(
        org=staff.org_name, role=word(f"role.{role}", lang), link=link
    )
    try:
        await send_mail(
            state.settings, email, word("mail.invite.subject", lang).format(org=staff.org_name), text
        )
    except MailFailed:
        return await _show(request, staff, status=502, problem="mail.failed", email=email)
    return see_other(MEMBERS + "?done=invited")


async def remove(request: web.Request) -> web.StreamResponse:
    staff, _ = await staff_form(request, "owner")
    try:
        await request.app[STATE].storage.remove_member(staff.org_id, int(request.match_info["person_id"]))
    except NotFound:
        raise web.HTTPNotFound() from None
    except Conflict:
        return await _show(request, staff, status=409, problem="member.last_owner")
    return see_other(MEMBERS + "?done=removed")


def add_routes(app: web.Application) -> None:
    app.router.add_get(MEMBERS, page("manage_members", members))
    app.router.add_post(MEMBERS, page("manage_members", invite))
    app.router.add_post(MEMBERS + "/{person_id:[0-9]{1,18}}/remove", page("manage_members", remove))
