"""`/manage/keys`: the organisation's admin keys for automation; owners create, rotate and revoke them.

The same rules as the admin API (`backend.accounts.keys`). A new secret is shown once, on the
answer to the form that made it, and never again.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web
from pydantic import ValidationError

from backend.accounts import keys
from backend.accounts.records import AdminKeyCreated, AdminKeyIn
from backend.errors import Conflict, NotFound
from backend.http.state import STATE
from backend.web.manage.session import Staff, staff_for, staff_form
from backend.web.manage.signin import see_other
from backend.web.render import page, render

KEYS: Final = "/manage/keys"


async def _show(
    request: web.Request,
    staff: Staff,
    *,
    made: AdminKeyCreated | None = None,
    problem: str | None = None,
    status: int = 200,
) -> web.Response:
    listed = await request.app[STATE].storage.list_admin_keys(staff.org_id)
    done = request.query.get("done")
    context = {
        "staff": staff,
        "keys": listed,
        "made": made,
        "problem": problem,
        "done": done if done == "revoked" else None,
    }
    return render(request, "manage_keys.html", context, status=status)


async def keys_page(request: web.Request) -> web.StreamResponse:
    return await _show(request, await staff_for(request))


async def create(request: web.Request) -> web.StreamResponse:
    staff, form = await staff_form(request, "owner")
    state = request.app[STATE]
    try:
        name = AdminKeyIn(name=form.get("name", "")).name
    except ValidationError:
        return await _show(request, staff, problem="keys.name_bad", status=400)
    made = await keys.create_key(state.storage, staff.org_id, name, state.clock())
    return await _show(request, staff, made=made)


async def rotate(request: web.Request) -> web.StreamResponse:
    staff, _ = await staff_form(request, "owner")
    state = request.app[STATE]
    try:
        made = await keys.rotate_key(
            state.storage, staff.org_id, int(request.match_info["key_id"]), state.clock()
        )
    except NotFound:
        raise web.HTTPNotFound() from None
    except Conflict:
        return await _show(request, staff, problem="keys.revoked_already", status=409)
    return await _show(request, staff, made=made)


async def revoke(request: web.Request) -> web.StreamResponse:
    staff, _ = await staff_form(request, "owner")
    state = request.app[STATE]
    try:
        await state.storage.revoke_admin_key(staff.org_id, int(request.match_info["key_id"]), state.clock())
    except NotFound:
        raise web.HTTPNotFound() from None
    return see_other(KEYS + "?done=revoked")


def add_routes(app: web.Application) -> None:
    app.router.add_get(KEYS, page("manage_keys", keys_page))
    app.router.add_post(KEYS, page("manage_keys", create))
    one = KEYS + "/{key_id:[0-9]{1,18}}"
    app.router.add_post(one + "/rotate", page("manage_keys", rotate))
    app.router.add_post(one + "/revoke", page("manage_keys", revoke))
