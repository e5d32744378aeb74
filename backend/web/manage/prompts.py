"""`/manage/sites/{site_id}/prompts`: a site's prompts, their state, a form to write one, and a
preview exactly as a phone shows it.

Changes go through `backend.staff_actions`, as the admin API's do (the allowed link domains, the
read cache). The preview is the app's own card (`backend.web.card`): rendered here with the saved
prompt, so it works without JavaScript, and redrawn by /static/manage/prompt-preview.js with the
app's /app/card.js as staff type, in the language chosen above it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import ValidationError

from backend import staff_actions as act
from backend.errors import LinkRefused, NotFound
from backend.http.state import STATE
from backend.models import Prompt, PromptPatch, Site
from backend.prompts import action_label, view
from backend.web.card import Card, app_card, empty_cards
from backend.web.manage.paging import one_page, page_number
from backend.web.manage.prompt_form import (
    NEARNESS,
    FormResult,
    form_values,
    nearness,
    prompt_state,
    read_form,
)
from backend.web.manage.session import Staff, staff_for, staff_form
from backend.web.manage.signin import see_other
from backend.web.manage.site import SITE_PATH, site_of, site_page
from backend.web.render import page, page_language
from backend.web.words import LANGUAGES, word
from beacon_agent.contract.wire import PromptKind

PROMPTS: Final = SITE_PATH + "/prompts"
ONE: Final = PROMPTS + "/{prompt_id:[0-9]{1,18}}"
DONE: Final = frozenset({"created", "saved", "published", "withdrawn"})
PAGE_SIZE: Final = 20
STATUSES: Final = {"published": "published", "draft": "withdrawn"}


def _done(request: web.Request) -> str | None:
    done = request.query.get("done")
    return done if done in DONE else None


async def _prompt(request: web.Request, staff: Staff, site: Site) -> Prompt:
    try:
        return await request.app[STATE].storage.get_prompt(
            staff.org_id, site.id, int(request.match_info["prompt_id"])
        )
    except NotFound:
        raise web.HTTPNotFound() from None


async def list_page(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request)
    site = await site_of(request, staff)
    state, lang = request.app[STATE], page_language(request)
    now = state.now()
    prompts = await state.storage.list_prompts(staff.org_id, site.id)
    shown, number, pages = one_page(prompts, page_number(request), PAGE_SIZE)
    rows = [(p, view(p, [lang], site.default_lang).title, prompt_state(p, site.timezone, now)) for p in shown]
    context = {
        "rows": rows,
        "done": _done(request),
        "base": _base(site),
        "page": number,
        "pages": pages,
        "total": len(prompts),
    }
    return site_page(request, "manage_prompts.html", staff, site, context)


def _base(site: Site) -> str:
    return f"/manage/sites/{site.id}/prompts"


def _preview_language(request: web.Request, lang: str, form: Mapping[str, str]) -> str:
    """`?preview=`, else the form's field (a refused form keeps the phone's language), else the page's."""
    asked = request.query.get("preview") or form.get("preview")
    return asked if asked in LANGUAGES else lang


def _saved_card(prompt: Prompt | None, site: Site, lang: str) -> Card | None:
    """The saved prompt as a phone set to `lang` shows it: the language the app's rules choose."""
    if prompt is None:
        return None
    shown = view(prompt, [lang], site.default_lang)
    action = shown.action
    card = app_card(
        lang,
        title=shown.title,
        body=shown.body,
        action_label=action.label if action else "",
        action_href=action.url if action else "",
        where=site.name,
    )
    return replace(card, lang=shown.lang, opened=True)


def _form_page(
    request: web.Request,
    staff: Staff,
    site: Site,
    prompt: Prompt | None,
    *,
    values: Mapping[str, str] | None = None,
    messages: Mapping[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    state, lang = request.app[STATE], page_language(request)
    shown = values or form_values(prompt, site.timezone, lang)
    preview_lang = _preview_language(request, lang, values or {})
    distance = _number(shown.get("max_distance_m", ""))
    context: dict[str, Any] = {
        "prompt": prompt,
        "state": prompt_state(prompt, site.timezone, state.now()) if prompt else None,
        "values": shown,
        "messages": messages or {},
        "kinds": [kind.value for kind in PromptKind],
        "text_languages": LANGUAGES,
        "may_edit": staff.may("editor"),
        "done": _done(request),
        "base": _base(site),
        "action": f"{_base(site)}/{prompt.id}" if prompt else _base(site),
        "near_now": nearness(distance),
        "near_bands": [
            [limit if limit != float("inf") else None, word(key, lang)] for limit, key in NEARNESS
        ],
        "near_none": word("prompts.near.none", lang),
        "preview_lang": preview_lang,
        "saved_card": _saved_card(prompt, site, preview_lang),
        "empty_cards": empty_cards(),
        "default_labels": {code: action_label("", code) for code in LANGUAGES},
    }
    return site_page(request, "manage_prompt.html", staff, site, context, status=status)


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ".")) if text.strip() else None
    except ValueError:
        return None


async def new_page(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request, "editor")
    return _form_page(request, staff, await site_of(request, staff), None)


async def edit_page(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request)
    site = await site_of(request, staff)
    return _form_page(request, staff, site, await _prompt(request, staff, site))


def _messages(read: FormResult, lang: str, domains: str = "") -> dict[str, str]:
    return {
        field: word(key, lang).format(line=read.schedule_line, domains=domains)
        for field, key in read.errors.items()
    }


async def _refused(
    request: web.Request,
    staff: Staff,
    site: Site,
    prompt: Prompt | None,
    form: MultiDictProxy[str],
    read: FormResult,
) -> web.Response:
    """The form again, as typed, each problem on its field (400)."""
    domains = ", ".join((await request.app[STATE].storage.org(staff.org_id)).link_domains)
    values = {
        **form_values(prompt, site.timezone, page_language(request)),
        **{k: v for k, v in form.items() if k != "csrf"},
    }
    return _form_page(
        request,
        staff,
        site,
        prompt,
        values=values,
        messages=_messages(read, page_language(request), domains),
        status=400,
    )


def _link_refused(read: FormResult) -> FormResult:
    return FormResult(None, {**read.errors, "action_url": "prompts.error.link_domain"})


async def create(request: web.Request) -> web.StreamResponse:
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    read = read_form(form, site.timezone, status="draft")
    if read.prompt is None:
        return await _refused(request, staff, site, None, form, read)
    try:
        made = await act.create_prompt(request.app[STATE], staff.org_id, site.id, read.prompt)
    except LinkRefused:
        return await _refused(request, staff, site, None, form, _link_refused(read))
    return see_other(f"{_base(site)}/{made.id}?done=created")


async def update(request: web.Request) -> web.StreamResponse:
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    prompt = await _prompt(request, staff, site)
    others = {code: text.model_dump() for code, text in prompt.texts.items() if code not in LANGUAGES}
    read = read_form(form, site.timezone, status=prompt.status, other_texts=others)
    if read.prompt is None:
        return await _refused(request, staff, site, prompt, form, read)
    patch = PromptPatch.model_validate(read.prompt.model_dump(exclude={"status"}))
    try:
        await act.update_prompt(request.app[STATE], staff.org_id, site.id, prompt.id, patch)
    except LinkRefused:
        return await _refused(request, staff, site, prompt, form, _link_refused(read))
    except ValidationError:  # cannot happen for a form read whole; said on the form if it does
        return await _refused(
            request, staff, site, prompt, form, FormResult(None, {"valid_until": "prompts.error.order"})
        )
    return see_other(f"{_base(site)}/{prompt.id}?done=saved")


async def set_status(request: web.Request) -> web.StreamResponse:
    """The one button: publish a draft (or an archived prompt), withdraw a published one."""
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    prompt = await _prompt(request, staff, site)
    status = form.get("status", "")
    if status not in STATUSES:
        raise web.HTTPBadRequest()
    await act.update_prompt(
        request.app[STATE], staff.org_id, site.id, prompt.id, PromptPatch.model_validate({"status": status})
    )
    back = f"{_base(site)}/{prompt.id}" if form.get("back") == "edit" else _base(site)
    return see_other(f"{back}?done={STATUSES[status]}")


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(PROMPTS, page("manage_site_prompts", list_page), name="manage_site_prompts")
    router.add_post(PROMPTS, page("manage_site_prompts", create))
    router.add_get(PROMPTS + "/new", page("manage_site_prompt", new_page))
    router.add_get(ONE, page("manage_site_prompt", edit_page))
    router.add_post(ONE, page("manage_site_prompt", update))
    router.add_post(ONE + "/status", page("manage_site_prompt", set_status))
