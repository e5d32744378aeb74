"""A prompt as the staff form shows it, and the form read back into the admin API's model. Pure.

The form speaks a coordinator's language, the model the API's: texts per language become
`title_de`, `body_en`...; the cooldown is in minutes; validity is a first and a last day on the
site's calendar (the last day counts in full); the weekly times are lines such as
``Mo-Fr 09:00-17:00``. Every problem is reported on the field it belongs to, as a words key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from backend.models import Prompt, PromptIn
from backend.prompts import current_prompts
from backend.schedule import PUBLISHED, ScheduleWindow, Weekday
from backend.web.words import LANGUAGES

TEXT_FIELDS: Final = ("title", "body", "action_label")
NUMBERS: Final = {"max_distance_m": float, "priority": int, "cooldown_min": int}
# Day names as people type them, German and English; each maps to the schedule's weekday.
_DAYS: Final = {
    "mo": Weekday.MON, "mon": Weekday.MON, "montag": Weekday.MON, "monday": Weekday.MON,
    "di": Weekday.TUE, "tu": Weekday.TUE, "tue": Weekday.TUE, "dienstag": Weekday.TUE, "tuesday": Weekday.TUE,
    "mi": Weekday.WED, "we": Weekday.WED, "wed": Weekday.WED, "mittwoch": Weekday.WED, "wednesday": Weekday.WED,
    "do": Weekday.THU, "th": Weekday.THU, "thu": Weekday.THU, "donnerstag": Weekday.THU, "thursday": Weekday.THU,
    "fr": Weekday.FRI, "fri": Weekday.FRI, "freitag": Weekday.FRI, "friday": Weekday.FRI,
    "sa": Weekday.SAT, "sat": Weekday.SAT, "samstag": Weekday.SAT, "saturday": Weekday.SAT,
    "so": Weekday.SUN, "su": Weekday.SUN, "sun": Weekday.SUN, "sonntag": Weekday.SUN, "sunday": Weekday.SUN,
}  # fmt: skip
_SHORT: Final = {
    "de": dict(zip(Weekday, ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"), strict=True)),
    "en": dict(zip(Weekday, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True)),
}
_ORDER: Final = tuple(Weekday)
_LINE: Final = re.compile(
    r"(?P<days>[^0-9]+?)\s+(?P<start>[0-9]{1,2}[:.][0-9]{2})\s*[-\u2013]\s*(?P<end>[0-9]{1,2}[:.][0-9]{2})"
)
# "How near", in what a person sees from the door: (up to metres, words key).
NEARNESS: Final = (
    (5.0, "prompts.near.door"),
    (12.0, "prompts.near.two_shops"),
    (25.0, "prompts.near.across"),
    (60.0, "prompts.near.street"),
    (150.0, "prompts.near.block"),
    (float("inf"), "prompts.near.far"),
)


class BadSchedule(ValueError):
    """A line of the weekly times that cannot be read; `line` counts from 1."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line}")
        self.line = line


@dataclass(frozen=True, slots=True)
class FormResult:
    """The form read: the prompt to store, or what is wrong, by field name (`errors[field]` is a
    words key; `schedule_line` says which line of the weekly times)."""

    prompt: PromptIn | None
    errors: dict[str, str]
    schedule_line: int = 0


def nearness(max_distance_m: float | None) -> str:
    """The words key of the sentence under "how near": what that distance means on the street."""
    if max_distance_m is None:
        return "prompts.near.none"
    return next(key for limit, key in NEARNESS if max_distance_m <= limit)


def parse_schedule(text: str) -> list[ScheduleWindow]:
    """``Mo-Fr 09:00-17:00`` and ``Sa, So 10:00-14:00``, one window a line; raises `BadSchedule`."""
    windows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        found = _LINE.fullmatch(line)
        try:
            if found is None:
                raise ValueError(line)
            windows.append(
                ScheduleWindow(
                    days=_days(found["days"]), start=_hhmm(found["start"]), end=_hhmm(found["end"])
                )
            )
        except (ValueError, ValidationError):
            raise BadSchedule(number) from None
    return windows


def _days(text: str) -> list[Weekday]:
    days: list[Weekday] = []
    for part in text.replace(" ", "").lower().split(","):
        # An en dash too, as word processors write one.
        first, dash, last = part.replace("\u2013", "-").partition("-")
        if dash:
            a, b = _ORDER.index(_DAYS[first.rstrip(".")]), _ORDER.index(_DAYS[last.rstrip(".")])
            days += [_ORDER[i % 7] for i in range(a, b + 1 if b >= a else b + 8)]
        else:
            days.append(_DAYS[first.rstrip(".")])
    return days


def _hhmm(text: str) -> str:
    hours, minutes = re.split(r"[:.]", text)
    return f"{int(hours):02d}:{minutes}"


def format_schedule(windows: Sequence[ScheduleWindow] | None, lang: str) -> str:
    """The weekly times as the form shows them: one line per window, runs of days joined."""
    return "\n".join(f"{_day_runs(w.days, lang)} {w.start}-{w.end}" for w in windows or ())


def _day_runs(days: Sequence[Weekday], lang: str) -> str:
    """Mon, Tue, Wed, Fri as "Mo-Mi, Fr": three days or more in a row as a range."""
    runs: list[list[Weekday]] = []
    for day in sorted(days, key=_ORDER.index):
        if runs and _ORDER.index(day) == _ORDER.index(runs[-1][-1]) + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    short = _SHORT[lang]
    parts = [[f"{short[r[0]]}-{short[r[-1]]}"] if len(r) >= 3 else [short[d] for d in r] for r in runs]
    return ", ".join(part for group in parts for part in group)


def form_values(prompt: Prompt | None, timezone: str, lang: str) -> dict[str, str]:
    """What the form's fields show: the saved prompt, or a new prompt's defaults."""
    values = {f"{field}_{code}": "" for code in LANGUAGES for field in TEXT_FIELDS}
    if prompt is None:
        return values | {
            "kind": "volunteer",
            "action_url": "",
            "max_distance_m": "",
            "priority": "0",
            "cooldown_min": "60",
            "schedule": "",
            "valid_from": "",
            "valid_until": "",
        }
    for code, text in prompt.texts.items():
        if code in LANGUAGES:
            values |= {f"{field}_{code}": getattr(text, field) for field in TEXT_FIELDS}
    zone = ZoneInfo(timezone)
    distance = prompt.max_distance_m
    return values | {
        "kind": prompt.kind.value,
        "action_url": prompt.action_url or "",
        "max_distance_m": "" if distance is None else f"{distance:g}",
        "priority": str(prompt.priority),
        "cooldown_min": f"{prompt.cooldown_s / 60:g}",
        "schedule": format_schedule(prompt.schedule, lang),
        "valid_from": prompt.valid_from.astimezone(zone).date().isoformat() if prompt.valid_from else "",
        # valid_until is the first moment no longer valid: the last day is the one before it ends.
        "valid_until": (
            (prompt.valid_until.astimezone(zone) - timedelta(microseconds=1)).date().isoformat()
            if prompt.valid_until
            else ""
        ),
    }


def read_form(
    form: Mapping[str, str], timezone: str, *, status: str, other_texts: Mapping[str, Any] | None = None
) -> FormResult:
    """The form as a `PromptIn` with `status`; texts in languages the form does not edit are kept."""
    errors: dict[str, str] = {}
    texts: dict[str, Any] = dict(other_texts or {})
    for code in LANGUAGES:
        # Browsers send a textarea's line breaks as CR LF (HTML's form encoding); texts keep LF.
        typed = {field: _lines(form.get(f"{field}_{code}", "")).strip() for field in TEXT_FIELDS}
        if any(typed.values()):
            texts[code] = typed
    if not texts:
        errors[f"title_{LANGUAGES[0]}"] = "prompts.error.no_text"
    body: dict[str, Any] = {
        "kind": form.get("kind", ""),
        "texts": texts,
        "status": status,
        "action_url": form.get("action_url", "").strip() or None,
    }
    for name, kind in NUMBERS.items():
        raw = form.get(name, "").strip().replace(",", ".")
        if not raw:
            continue
        try:
            body[name] = kind(raw)
        except ValueError:
            errors[name] = f"prompts.error.{name}"
    if "cooldown_min" in body:
        body["cooldown_s"] = body.pop("cooldown_min") * 60
    zone = ZoneInfo(timezone)
    for name, days in (("valid_from", 0), ("valid_until", 1)):
        raw = form.get(name, "").strip()
        if raw:
            try:
                day = date.fromisoformat(raw) + timedelta(days=days)
            except ValueError:
                errors[name] = f"prompts.error.{name}"
            else:
                body[name] = datetime.combine(day, time(), zone)
    line = 0
    try:
        body["schedule"] = parse_schedule(_lines(form.get("schedule", ""))) or None
    except BadSchedule as exc:
        errors["schedule"], line = "prompts.error.schedule", exc.line
    try:
        prompt = PromptIn.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            errors.setdefault(field_of(error["loc"]), f"prompts.error.{_key_of(error['loc'])}")
        prompt = None
    return FormResult(None if errors else prompt, errors, line)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def field_of(loc: Sequence[str | int]) -> str:
    """The form field a model error belongs to (dates in the wrong order: the last day)."""
    if not loc:
        return "valid_until"
    if loc[0] == "texts" and len(loc) >= 3:
        return f"{loc[2]}_{loc[1]}"
    if loc[0] == "texts":
        return f"title_{LANGUAGES[0]}"
    return {"cooldown_s": "cooldown_min"}.get(str(loc[0]), str(loc[0]))


def _key_of(loc: Sequence[str | int]) -> str:
    field = field_of(loc)
    if not loc:
        return "order"
    return field.rsplit("_", 1)[0] if loc[0] == "texts" else field


def prompt_state(prompt: Prompt, timezone: str, now: datetime) -> str:
    """The words key of where a prompt stands: a draft, shown now, or published but not shown now
    (and why: not yet, over, or outside its weekly times)."""
    if prompt.status != PUBLISHED:
        return f"prompts.state.{prompt.status}"
    if current_prompts([prompt], timezone, now):  # the rule phones are answered by
        return "prompts.state.shown"
    if prompt.valid_until is not None and now >= prompt.valid_until:
        return "prompts.state.over"
    if prompt.valid_from is not None and now < prompt.valid_from:
        return "prompts.state.not_yet"
    return "prompts.state.outside_times"
