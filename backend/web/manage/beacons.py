"""`/manage/sites/{site_id}/beacons`: a site's beacons, what the site's health says of each, and adding them.

A beacon is added by kind and identifiers (`backend.beacon_csv.beacon_from_fields`, the same reading
as the CSV import), allocated by the service (an iBeacon identity of Nahbei's own), or imported from
a CSV file, all or nothing. "Advertised by our agent" is the agent's `advertise_beacon_id`, as in the
admin API: choosing an agent for a beacon sets it. Every change goes through `backend.staff_actions`.
"""

from __future__ import annotations

import secrets
from typing import Any, Final

from aiohttp import BodyPartReader, web

from backend import staff_actions as act
from backend.beacon_csv import (
    COLUMNS,
    EXAMPLE_CSV,
    MAX_CSV_BYTES,
    Problem,
    beacon_from_fields,
    read_csv,
)
from backend.errors import AlreadyRegistered, Conflict, Exhausted, NotFound
from backend.http.state import STATE
from backend.models import AgentPatch, Site
from backend.storage.rows import beacon_key
from backend.web.manage.paging import one_page, page_number
from backend.web.manage.session import Staff, staff_for, staff_form
from backend.web.manage.signin import see_other
from backend.web.manage.site import SITE_PATH, site_of, site_page
from backend.web.manage.site_state import when
from backend.web.render import page, page_language
from backend.web.words import word

BEACONS: Final = SITE_PATH + "/beacons"
ONE: Final = BEACONS + "/{beacon_id:[0-9]{1,18}}"
PAGE_SIZE: Final = 50
DONE: Final = frozenset({"added", "imported", "decommissioned", "advertiser"})
# The fields each kind's form has, in the order shown; `allocate` is the form without identifiers.
FORMS: Final = {
    "ibeacon": ("uuid", "major", "minor"),
    "altbeacon": ("id1", "id2", "id3"),
    "eddystone-uid": ("namespace", "instance"),
    "eddystone-eid": ("identity_key", "rotation_exponent", "initial_time"),
    "allocate": (),
}
_TYPED: Final = frozenset(COLUMNS) | {"allocate"}


def problem_text(problem: Problem, lang: str) -> str:
    """One problem in a sentence: where (line, column) and what is wrong or what a right value looks like."""
    if problem.reason == "invalid" and problem.field:
        what = word(f"beacons.bad.{problem.field}", lang)
    else:
        what = word(f"beacons.problem.{problem.reason}", lang).format(other=problem.other_line)
    where = []
    if problem.line:
        where.append(word("beacons.csv.line", lang).format(line=problem.line))
    if problem.field:
        where.append(
            word(f"beacons.field.{problem.field}", lang) if problem.field in _TYPED else problem.field
        )
    return f"{', '.join(where)}: {what}" if where else what


async def _show(
    request: web.Request, staff: Staff, site: Site, *, status: int = 200, **extra: Any
) -> web.Response:
    state, lang = request.app[STATE], page_language(request)
    beacons = [
        b for b in await state.storage.list_beacons(staff.org_id, site.id) if b.status != "decommissioned"
    ]
    health = await act.site_health(state, staff.org_id, site.id)
    heard = {b.beacon_id: b for b in health.beacons}
    agents = [a for a in await state.storage.list_agents(staff.org_id, site.id) if not a.revoked]
    shown, number, pages = one_page(beacons, page_number(request), PAGE_SIZE)
    rows = []
    for beacon in shown:
        report = heard.get(beacon.id)
        rows.append(
            {
                "beacon": beacon,
                "last_heard": when(
                    report.last_seen if report else None, health.checked_at, site.timezone, lang
                ),
                "battery": f"{report.battery_mv / 1000:.2f} V" if report and report.battery_mv else None,
                "alerts": report.alerts if report else [],
                "advertiser": next((a for a in agents if a.advertise_beacon_id == beacon.id), None),
            }
        )
    done = request.query.get("done")
    context = {
        "rows": rows,
        "agents": agents,
        "page": number,
        "pages": pages,
        "total": len(beacons),
        "forms": FORMS,
        "columns": COLUMNS,
        "max_kib": MAX_CSV_BYTES // 1024,
        "done": done if done in DONE else None,
        "count": request.query.get("count", "") if request.query.get("count", "").isdigit() else "",
        "open_form": "",
        "typed": {},
        "field_errors": {},
        "problems": [],
        "problem_links": [],
        "more_problems": 0,
        "confirm": None,
        **extra,
    }
    return site_page(request, "manage_site_beacons.html", staff, site, context, status=status)


async def beacons_page(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request)
    return await _show(request, staff, await site_of(request, staff))


async def add(request: web.Request) -> web.StreamResponse:
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    lang = page_language(request)
    which = form.get("form", "")
    if which not in FORMS:
        raise web.HTTPBadRequest()
    allowed = {"label", "tx_power", *FORMS[which]}
    typed = {name: form.get(name, "")[:200] for name in allowed}
    fields = {**typed, "kind": "ibeacon" if which == "allocate" else which}
    if which == "allocate":
        fields["allocate"] = "true"
    made = beacon_from_fields(fields)
    if isinstance(made, list):
        return await _refuse(request, staff, site, which, typed, made, lang)
    try:
        await act.create_beacon(request.app[STATE], staff.org_id, site.id, made)
    except (Conflict, Exhausted) as exc:
        reason = "beacons.problem.taken" if not isinstance(exc, Exhausted) else "beacons.problem.exhausted"
        return await _show(
            request, staff, site, status=409, open_form=which, typed=typed, problems=[word(reason, lang)]
        )
    return see_other(_here(site) + "?done=added")


async def _refuse(
    request: web.Request,
    staff: Staff,
    site: Site,
    which: str,
    typed: dict[str, str],
    problems: list[Problem],
    lang: str,
) -> web.Response:
    if any(p.field == "kind" for p in problems):
        raise web.HTTPBadRequest()  # the forms set the kind: this is not one of our forms
    texts = {p.field: _field_text(p, lang) for p in problems}
    return await _show(
        request,
        staff,
        site,
        status=400,
        open_form=which,
        typed=typed,
        field_errors=texts,
        problem_links=[(problem_text(p, lang), f"#{which}-{p.field}" if p.field else "") for p in problems],
    )


def _field_text(problem: Problem, lang: str) -> str:
    if problem.reason == "invalid" and problem.field:
        return word(f"beacons.bad.{problem.field}", lang)
    return word(f"beacons.problem.{problem.reason}", lang)


async def import_csv(request: web.Request) -> web.StreamResponse:
    if not request.content_type.startswith("multipart/"):
        await staff_form(request, "editor")  # without its csrf field a form is refused (403) first
        raise web.HTTPBadRequest()  # with it, it is still not the upload form
    staff = await staff_for(request, "editor")
    csrf, data, too_large = await _upload(request)
    if not secrets.compare_digest(csrf, staff.csrf):  # refused before anything else, as every form is
        raise web.HTTPForbidden()
    site = await site_of(request, staff)
    lang = page_language(request)
    if too_large:
        return await _show(
            request, staff, site, status=413, problems=[word("beacons.problem.too_large", lang)]
        )
    parsed = read_csv(data)
    if parsed.problems:
        # Keys registered already are found when storing; name them now too, so one correction does it.
        storage = request.app[STATE].storage
        taken = [
            Problem(line, "", "taken")
            for line, beacon in parsed.beacons
            if (key := beacon_key(beacon)) is not None and await storage.beacon_by_key(key) is not None
        ]
        problems = sorted([*parsed.problems, *taken], key=lambda p: p.line)
        return await _show(
            request,
            staff,
            site,
            status=400,
            problems=[problem_text(p, lang) for p in problems],
            more_problems=parsed.more_problems,
            import_failed=True,
        )
    lines = [line for line, _ in parsed.beacons]
    try:
        made = await act.import_beacons(
            request.app[STATE], staff.org_id, site.id, [b for _, b in parsed.beacons]
        )
    except AlreadyRegistered as exc:
        said = [problem_text(Problem(lines[i], "", "taken"), lang) for i in exc.indexes]
        return await _show(request, staff, site, status=409, problems=said, import_failed=True)
    except Exhausted:
        said = [word("beacons.problem.exhausted", lang)]
        return await _show(request, staff, site, status=409, problems=said, import_failed=True)
    return see_other(_here(site) + f"?done=imported&count={len(made)}")


async def _upload(request: web.Request) -> tuple[str, bytes, bool]:
    """The form's `csrf` and its file's bytes, read up to the cap: (csrf, data, too large)."""
    if request.content_length is not None and request.content_length > MAX_CSV_BYTES + 16 * 1024:
        return "", b"", True
    csrf, data = "", b""
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise web.HTTPBadRequest()
        if part.name == "csrf":
            csrf = (await part.read_chunk(200)).decode("utf-8", "replace")
        elif part.name == "file":
            data = await _read_at_most(part, MAX_CSV_BYTES + 1)
            if len(data) > MAX_CSV_BYTES:
                return csrf, b"", True
        else:
            raise web.HTTPBadRequest()  # not our form: its parts are not read at all
    return csrf, data, False


async def _read_at_most(part: BodyPartReader, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit and (chunk := await part.read_chunk()):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def example(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request)
    await site_of(request, staff)
    return web.Response(
        body=EXAMPLE_CSV.encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="nahbei-beacons-example.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )


async def decommission(request: web.Request) -> web.StreamResponse:
    """First the question (phones stop finding the site through this beacon), then, confirmed, the deed."""
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    state, beacon_id = request.app[STATE], _beacon_id(request)
    try:
        if form.get("confirm") != "yes":
            beacon = await state.storage.get_beacon(staff.org_id, site.id, beacon_id)
            return await _show(request, staff, site, confirm=beacon)
        await act.decommission_beacon(state, staff.org_id, site.id, beacon_id)
    except NotFound:
        raise web.HTTPNotFound() from None
    return see_other(_here(site) + "?done=decommissioned")


async def advertiser(request: web.Request) -> web.StreamResponse:
    """Let one of the site's agents advertise this beacon (the one advertising it before stops), or none."""
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    state, beacon_id = request.app[STATE], _beacon_id(request)
    chosen = form.get("agent", "")
    if chosen and not (chosen.isascii() and chosen.isdigit() and len(chosen) < 19):
        raise web.HTTPBadRequest()
    try:
        await state.storage.get_beacon(staff.org_id, site.id, beacon_id)
        for agent in await state.storage.list_agents(staff.org_id, site.id):
            if agent.advertise_beacon_id == beacon_id and str(agent.id) != chosen:
                await act.update_agent(
                    state, staff.org_id, site.id, agent.id, AgentPatch(advertise_beacon_id=None)
                )
        if chosen:
            patch = AgentPatch(advertise_beacon_id=beacon_id)
            await act.update_agent(state, staff.org_id, site.id, int(chosen), patch)
    except NotFound:
        raise web.HTTPNotFound() from None
    return see_other(_here(site) + "?done=advertiser")


def _beacon_id(request: web.Request) -> int:
    return int(request.match_info["beacon_id"])


def _here(site: Site) -> str:
    return f"/manage/sites/{site.id}/beacons"


def add_routes(app: web.Application) -> None:
    app.router.add_get(BEACONS, page("manage_site_beacons", beacons_page), name="manage_site_beacons")
    app.router.add_post(BEACONS, page("manage_site_beacons", add))
    app.router.add_post(BEACONS + "/import", page("manage_site_beacons", import_csv))
    app.router.add_get(BEACONS + "/example.csv", page("manage_site_beacons", example))
    app.router.add_post(ONE + "/decommission", page("manage_site_beacons", decommission))
    app.router.add_post(ONE + "/advertiser", page("manage_site_beacons", advertiser))
