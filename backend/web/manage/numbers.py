"""`/manage/sites/{site_id}/numbers`: a site's sightings per hour and prompt events per day.

Over the last 7 or 30 days (`?days=`), as SVG charts drawn here (`backend.web.charts`) with the same
numbers as tables, and as CSV files (`numbers.csv?days=7&per=hour|day`, headers in
`backend.site_numbers`). The numbers are the admin API's stats (`staff_actions.site_stats`).
The page ends with the site's alert settings, which `alerts.py` changes (`show` renders the page
for it, with a new webhook secret or a form's error).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

from aiohttp import web

from backend import site_numbers, staff_actions
from backend.accounts.mail import mail_configured
from backend.http.state import STATE
from backend.models import Site
from backend.site_numbers import SPANS, SiteNumbers
from backend.web.charts import BarChart, Series, bar_chart
from backend.web.manage.session import Staff, staff_for
from backend.web.manage.site import SITE_PATH, site_of, site_page
from backend.web.render import page, page_language
from backend.web.words import word
from beacon_agent.contract.wire import PromptEventType

NUMBERS: Final = SITE_PATH + "/numbers"
# The events a chart shows (dismissals are in the table and the CSV file only).
CHARTED: Final = (PromptEventType.SHOWN, PromptEventType.OPENED, PromptEventType.ACTED)
# What a redirect after a change to the alerts may report (`?done=`).
DONE: Final = ("contacts", "webhook_off")


def days_asked(request: web.Request) -> int:
    raw = request.query.get("days", "")
    return int(raw) if raw in {str(d) for d in SPANS} else SPANS[0]


def day_label(day: date, lang: str) -> str:
    return day.strftime("%d.%m." if lang == "de" else "%d %b")


def hour_label(moment: datetime, lang: str) -> str:
    return f"{day_label(moment.date(), lang)} {moment:%H:%M}"


def _every(count: int, most: int) -> int:
    """Label every n-th tick so that at most `most` labels share the axis."""
    return max(1, -(-count // most))


def sightings_chart(numbers: SiteNumbers, days: int, lang: str) -> BarChart:
    hours = numbers.hours
    midnights = [i for i, h in enumerate(hours) if h.start.hour == 0 or i == 0]
    step = _every(len(midnights), 7)
    first, last = numbers.days[0].day, numbers.days[-1].day
    return BarChart(
        id="sightings",
        title=word("numbers.sightings.title", lang).format(days=days),
        desc=word("numbers.sightings.desc", lang).format(
            total=numbers.sightings, first=day_label(first, lang), last=day_label(last, lang)
        ),
        labels=[
            hour_label(h.start, lang) if h.start.hour else day_label(h.start.date(), lang) for h in hours
        ],
        series=[Series(word("numbers.sightings", lang), [h.sightings for h in hours])],
        ticks=midnights[::step],
        empty=word("numbers.sightings.none", lang),
    )


def prompts_chart(numbers: SiteNumbers, days: int, lang: str) -> BarChart:
    rows = numbers.days
    return BarChart(
        id="prompts",
        title=word("numbers.prompts.title", lang).format(days=days),
        desc=word("numbers.prompts.desc", lang).format(
            **{t.value: numbers.events(t) for t in PromptEventType}
        ),
        labels=[day_label(d.day, lang) for d in rows],
        series=[Series(word(f"numbers.event.{t}", lang), [d.events[t] for d in rows]) for t in CHARTED],
        ticks=list(range(len(rows)))[:: _every(len(rows), 7)],
        empty=word("numbers.prompts.none", lang),
    )


async def _numbers(request: web.Request, staff: Staff, site: Site) -> tuple[SiteNumbers, int]:
    state, days = request.app[STATE], days_asked(request)
    since, until = site_numbers.span(state.now(), site.timezone, days)
    stats = await staff_actions.site_stats(state, staff.org_id, site.id, since, until)
    return site_numbers.site_numbers(stats, site.timezone), days


async def numbers_page(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request)
    return await show(request, staff, await site_of(request, staff))


async def show(
    request: web.Request, staff: Staff, site: Site, alerts: Mapping[str, Any] | None = None, status: int = 200
) -> web.Response:
    """The page; `alerts` adds to its alerts section (a secret shown once, a form's error)."""
    numbers, days = await _numbers(request, staff, site)
    state, lang = request.app[STATE], page_language(request)
    context = {
        "days": days,
        "spans": SPANS,
        "numbers": numbers,
        "event_types": tuple(PromptEventType),
        "sightings_chart": bar_chart(sightings_chart(numbers, days, lang)),
        "prompts_chart": bar_chart(prompts_chart(numbers, days, lang)),
        "busy_hours": [h for h in numbers.hours if h.sightings],
        "day_label": lambda d: day_label(d, lang),
        "hour_label": lambda h: hour_label(h, lang),
        "alerts": await state.storage.alert_settings(staff.org_id, site.id),
        "mail_on": mail_configured(state.settings),
        "done": request.query.get("done") if request.query.get("done") in DONE else None,
        "secret": None,
        "problem": None,
        "typed": None,
        **(alerts or {}),
    }
    return site_page(request, "manage_numbers.html", staff, site, context, status=status)


async def numbers_csv(request: web.Request) -> web.StreamResponse:
    staff = await staff_for(request)
    numbers, days = await _numbers(request, staff, await site_of(request, staff))
    per = request.query.get("per", "day")
    if per not in ("hour", "day"):
        raise web.HTTPBadRequest()
    rows = site_numbers.hours_csv(numbers) if per == "hour" else site_numbers.days_csv(numbers)
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    name = f"nahbei-site-{request.match_info['site_id']}-{days}-days-per-{per}.csv"
    return web.Response(
        text=text.getvalue(),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(NUMBERS, page("manage_site_numbers", numbers_page), name="manage_site_numbers")
    app.router.add_get(SITE_PATH + "/numbers.csv", page("manage_site_numbers_csv", numbers_csv))
