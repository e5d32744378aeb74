"""What an alert says: the mail in the site's language and the webhook's JSON body. Pure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from backend.alerts.episodes import Episode, Step
from backend.web.words import word

Channel = Literal["mail", "webhook"]
WEBHOOK_TYPE: Final = "nahbei.site_alerts"


@dataclass(frozen=True, slots=True)
class AlertSite:
    """A site someone wants alerts for, and where they go."""

    org_id: int
    site_id: int
    name: str
    lang: str
    timezone: str
    contacts: tuple[str, ...]
    webhook_url: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    channel: Channel
    target: str  # an e-mail address or the webhook URL
    subject: str  # a mail's subject; empty for a webhook
    body: str


def outgoing(site: AlertSite, change: Step, now: float, base_url: str, *, mail_on: bool) -> list[Outgoing]:
    """One message per contact (when this server sends mail) and one webhook call, for a check that
    opened or closed episodes."""
    if not change.opened and not change.closed:
        return []
    link = f"{base_url}/manage/sites/{site.site_id}/numbers"
    subject, text = mail(site, change, now, link)
    messages = [Outgoing("mail", to, subject, text) for to in site.contacts if mail_on]
    if site.webhook_url:
        messages.append(Outgoing("webhook", site.webhook_url, "", webhook_body(site, change, now, link)))
    return messages


def mail(site: AlertSite, change: Step, now: float, link: str) -> tuple[str, str]:
    lang = site.lang if site.lang in ("de", "en") else "de"
    still_bad = bool(change.episodes)
    subject = word("alert.mail.subject.bad" if still_bad else "alert.mail.subject.good", lang)
    at = datetime.fromtimestamp(now, UTC).astimezone(ZoneInfo(site.timezone))
    lines = [word("alert.mail.intro", lang).format(site=site.name, at=at.strftime("%d.%m.%Y %H:%M"))]
    if change.opened:
        lines += ["", word("alert.mail.opened", lang)]
        for e in change.opened:
            lines.append("- " + word(f"alert.open.{e.alert}", lang).format(name=e.name))
            lines.append("  " + word(f"alert.advice.{e.alert}", lang))
    if change.closed:
        lines += ["", word("alert.mail.closed", lang)]
        lines += ["- " + word(f"alert.close.{e.alert}", lang).format(name=e.name) for e in change.closed]
    others = [e for e in change.episodes.values() if e not in change.opened]
    if others:
        lines += ["", word("alert.mail.still", lang)]
        lines += ["- " + word(f"alert.open.{e.alert}", lang).format(name=e.name) for e in others]
    lines += ["", word("alert.mail.link", lang).format(link=link), "", word("alert.mail.why", lang)]
    return subject.format(site=site.name), "\n".join(lines) + "\n"


def _item(e: Episode, closed_at: float | None = None) -> dict[str, Any]:
    kind, number = e.condition.split(":")[1:]
    item: dict[str, Any] = {
        "condition": e.condition,
        "alert": e.alert,
        "kind": kind,
        "id": int(number),
        "name": e.name,
        "opened_at": _iso(e.opened_at),
    }
    if closed_at is not None:
        item["closed_at"] = _iso(closed_at)
    return item


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def webhook_body(site: AlertSite, change: Step, now: float, link: str) -> str:
    """The JSON a webhook receives (see the README): what opened, what closed, what is still open."""
    body = {
        "type": WEBHOOK_TYPE,
        "version": 1,
        "sent_at": _iso(now),
        "site": {"id": site.site_id, "name": site.name, "url": link},
        "opened": [_item(e) for e in change.opened],
        "closed": [_item(e, now) for e in change.closed],
        "open": [_item(e) for e in sorted(change.episodes.values(), key=lambda e: e.condition)],
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def contact_list(text: str) -> tuple[str, ...]:
    """Addresses typed one per line or separated by commas, without repeats, in the order typed."""
    seen: dict[str, None] = {}
    for part in text.replace(",", "\n").replace(";", "\n").splitlines():
        if part.strip():
            seen.setdefault(part.strip(), None)
    return tuple(seen)
