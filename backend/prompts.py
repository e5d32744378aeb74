"""Which prompts a phone is shown, in which language: pure rules, no I/O and no clock.

A prompt is shown when it is current (published, inside its dates and its weekly schedule in the
site's time zone) and, if it has a distance limit, the estimated distance is known and within it:
better silent than shown from too far away. Higher priority first, then the older prompt.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Final, Protocol, TypeVar

from backend.models import Prompt
from backend.schedule import PUBLISHED, ScheduleWindow, is_current, next_change
from beacon_agent.contract.wire import Action, PromptView

MAX_ACCEPT_LANGUAGES = 10
# A BCP 47 tag as Accept-Language names one: a 2-3 letter language (4-8 are reserved or registered
# ones), then subtags of 1-8 letters or digits; 35 characters is the longest tag BCP 47 requires
# implementations to handle. `*` names no language and is skipped.
_LANGUAGE_RANGE: Final = re.compile(r"(?=.{2,35}$)[a-z]{2,8}(-[a-z0-9]{1,8})*")
_QVALUE: Final = re.compile(r"q\s*=\s*(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)", re.IGNORECASE)


class Timed(Protocol):
    """What the rules read of a prompt: the `Prompt` model and the lighter `StoredPrompt` both have it."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def valid_from(self) -> datetime | None: ...
    @property
    def valid_until(self) -> datetime | None: ...
    @property
    def schedule(self) -> Sequence[ScheduleWindow] | None: ...


P = TypeVar("P", bound=Timed)


@functools.lru_cache(maxsize=4096)
def language_preferences(lang: str | None, accept_language: str | None) -> tuple[str, ...]:
    """The `lang` parameter first (if it is a language tag), then the Accept-Language header by
    quality; base languages too. Bounded, as pages are kept per reader's languages (`Catalog.site_page`).

    ``de-AT`` also admits ``de``, so a phone set to Austrian German reads the German text. Each range
    must be a BCP 47 language tag (RFC 4647 basic range) and each weight an RFC 9110 qvalue; anything
    else in the header is skipped, so nothing a client writes there is echoed unchecked.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")[:MAX_ACCEPT_LANGUAGES]):
        tag, _, params = part.partition(";")
        tag, params = tag.strip().lower(), params.strip()
        quality = 1.0
        if params:
            weight = _QVALUE.fullmatch(params)
            if weight is None:
                continue
            quality = float(weight.group(1))
        if quality > 0 and _LANGUAGE_RANGE.fullmatch(tag):
            ranked.append((-quality, position, tag))
    asked = [lang.lower()] if lang and _LANGUAGE_RANGE.fullmatch(lang.lower()) else []
    wanted = asked + [tag for _, _, tag in sorted(ranked)]
    result: list[str] = []
    for tag in wanted:
        for candidate in (tag, tag.split("-")[0]):
            if candidate not in result:
                result.append(candidate)
    return tuple(result)


def choose_language(available: Collection[str], preferences: Sequence[str], default: str) -> str:
    """The first preferred language the prompt has, else the site's default, else the first (sorted)."""
    for tag in preferences:
        if tag in available:
            return tag
    return default if default in available else min(available)


# What a prompt's button says when its text has no label: the app never shows a raw URL as one.
DEFAULT_ACTION_LABELS: Final = {
    "de": "Mehr erfahren",
    "en": "Learn more",
    "fr": "En savoir plus",
    "es": "Más información",
    "it": "Scopri di più",
    "nl": "Meer informatie",
    "pl": "Dowiedz się więcej",
    "tr": "Daha fazla bilgi",
    "uk": "Дізнатися більше",
    "ru": "Подробнее",
    "ar": "اعرف المزيد",
}


def action_label(label: str | None, lang: str) -> str:
    """The prompt text's label, else the default in its language (or its base language, else German)."""
    if label:
        return label
    return DEFAULT_ACTION_LABELS.get(lang) or DEFAULT_ACTION_LABELS.get(lang.split("-")[0], "Mehr erfahren")


def view_in(prompt: Prompt, lang: str) -> PromptView:
    """The prompt as the app sees it, in one of its languages."""
    text = prompt.texts[lang]
    action = None
    if prompt.action_url:
        action = Action(label=action_label(text.action_label, lang), url=prompt.action_url)
    return PromptView(
        id=prompt.id,
        kind=prompt.kind,
        title=text.title,
        body=text.body,
        action=action,
        lang=lang,
        cooldown_s=prompt.cooldown_s,
        max_distance_m=prompt.max_distance_m,
        valid_until=prompt.valid_until,
        site_id=prompt.site_id,
    )


def view(prompt: Prompt, preferences: Sequence[str], default_lang: str) -> PromptView:
    return view_in(prompt, choose_language(prompt.texts, preferences, default_lang))


def current_prompts(prompts: Iterable[P], timezone: str, now: datetime) -> list[P]:
    """Prompts current at `now` in a site's time zone, highest priority first."""
    found = [p for p in prompts if _is_current(p, timezone, now)]
    return sorted(found, key=lambda p: (-p.priority, p.id))


def current_until(prompts: Iterable[Timed], timezone: str, now: datetime) -> float:
    """The Unix time until which `current_prompts` gives the same answer (inf if forever)."""
    changes = [
        next_change(
            status=p.status,
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            schedule=p.schedule,
            timezone=timezone,
            now=now,
        )
        for p in prompts
        if not _timeless(p)
    ]
    return min((c.timestamp() for c in changes if c is not None), default=float("inf"))


def _is_current(prompt: Timed, timezone: str, now: datetime) -> bool:
    if _timeless(prompt):
        return prompt.status == PUBLISHED
    return is_current(
        status=prompt.status,
        valid_from=prompt.valid_from,
        valid_until=prompt.valid_until,
        schedule=prompt.schedule,
        timezone=timezone,
        now=now,
    )


def _timeless(prompt: Timed) -> bool:
    """No dates and no schedule: current if published, and that never changes by itself.

    Most prompts are like this; deciding so without the time zone arithmetic saved ~10 µs a card.
    """
    return prompt.valid_from is None and prompt.valid_until is None and not prompt.schedule


def within_reach(max_distance_m: float | None, distance_m: float | None) -> bool:
    if max_distance_m is None:
        return True
    return distance_m is not None and distance_m <= max_distance_m


def views(
    prompts: Iterable[Prompt],
    distance_m: float | None,
    preferences: Sequence[str],
    default_lang: str,
    *,
    check_distance: bool = True,
) -> list[PromptView]:
    return [
        view(p, preferences, default_lang)
        for p in prompts
        if not check_distance or within_reach(p.max_distance_m, distance_m)
    ]
