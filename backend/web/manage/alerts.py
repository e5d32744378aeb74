"""`/manage/sites/{site_id}/alerts/…`: who is told when the site needs attention (a section of the
numbers page). Editors and owners change it; viewers see it.

The rules are `staff_actions.set_alert_contacts` and `set_alert_webhook`. A webhook's new secret
is shown once, on the answer to the form that made it; after any other change the page is shown
again by a redirect, so a reload sends nothing twice.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from backend import staff_actions
from backend.alerts.messages import contact_list
from backend.errors import DomainError
from backend.http.state import STATE
from backend.web.manage.numbers import show
from backend.web.manage.session import staff_form
from backend.web.manage.signin import see_other
from backend.web.manage.site import SITE_PATH, site_of
from backend.web.render import page, page_language
from backend.web.words import word

ALERTS: Final = SITE_PATH + "/alerts"


async def set_contacts(request: web.Request) -> web.StreamResponse:
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    typed = form.get("contacts", "")
    try:
        await staff_actions.set_alert_contacts(request.app[STATE], staff.org_id, site.id, typed)
    except DomainError as exc:
        lang = page_language(request)
        if exc.field is not None and len(exc.field) == 2:
            address = contact_list(typed)[int(exc.field[1])]
            error = word("alerts.contacts.bad_address", lang).format(address=address)
        else:
            error = word("alerts.contacts.too_many", lang).format(most=staff_actions.MAX_ALERT_CONTACTS)
        context = {"problem": "alerts.contacts.bad", "contacts_error": error, "typed": typed}
        return await show(request, staff, site, context, status=400)
    return see_other(f"/manage/sites/{site.id}/numbers?done=contacts#alerts")


async def set_webhook(request: web.Request) -> web.StreamResponse:
    staff, form = await staff_form(request, "editor")
    site = await site_of(request, staff)
    url = "" if form.get("remove") else form.get("webhook_url", "")
    try:
        secret = await staff_actions.set_alert_webhook(request.app[STATE], staff.org_id, site.id, url)
    except DomainError:
        context = {"problem": "alerts.webhook.bad", "webhook_error": True, "typed_url": url}
        return await show(request, staff, site, context, status=400)
    if secret is None:
        return see_other(f"/manage/sites/{site.id}/numbers?done=webhook_off#alerts")
    return await show(request, staff, site, {"secret": secret})


def add_routes(app: web.Application) -> None:
    app.router.add_post(ALERTS + "/contacts", page("manage_site_alerts", set_contacts))
    app.router.add_post(ALERTS + "/webhook", page("manage_site_alerts", set_webhook))
