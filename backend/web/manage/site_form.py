"""A site's form as staff type it: the text of each field in, a `SiteIn` or `SitePatch` out, or the
fields at fault, each named so the page can put its message beside it.

Pure: no request, no store. The models' rules (`backend.models`) decide what is valid, so the
form and the admin API refuse the same things; this module only turns typed text into their
input and their errors into field names.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Final
from zoneinfo import available_timezones

from pydantic import ValidationError

from backend.models import Site, SiteIn, SitePatch
from backend.schedule import check_timezone

FIELDS: Final = (
    "name",
    "slug",
    "kind",
    "address",
    "opening_hours",
    "lat",
    "lon",
    "timezone",
    "default_lang",
    "privacy_controller",
    "privacy_email",
    "privacy_address",
    "privacy_dpo",
)
_NUMBERS: Final = frozenset({"lat", "lon"})


class FormProblems(Exception):
    """The fields a person must correct, in the form's order."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


def typed(form: Mapping[str, str]) -> dict[str, str]:
    """Each field's text as typed (trimmed), to fill the form again after a problem."""
    return {name: form.get(name, "").strip() for name in FIELDS}


def blank() -> dict[str, str]:
    """A new site's form: empty, but for the defaults a new site takes from the API's model."""
    defaults = {name: str(SiteIn.model_fields[name].default) for name in ("kind", "timezone", "default_lang")}
    return {**typed({}), **defaults}


def values_of(site: Site) -> dict[str, str]:
    """A stored site as the form shows it."""
    shown = {name: str(getattr(site, name)) for name in FIELDS}
    shown["lat"], shown["lon"] = f"{site.lat:.6f}", f"{site.lon:.6f}"
    return shown


def site_in(values: Mapping[str, str]) -> SiteIn:
    """A new site; an empty slug lets the service make one from the name."""
    body = _body(values)
    if not body.get("slug"):
        body.pop("slug", None)
    try:
        return SiteIn.model_validate(body)
    except ValidationError as exc:
        raise FormProblems(_fields(exc)) from None


def site_patch(values: Mapping[str, str]) -> SitePatch:
    """The whole form as a change: every field is sent, so what the page shows is what is stored."""
    try:
        return SitePatch.model_validate(_body(values))
    except ValidationError as exc:
        raise FormProblems(_fields(exc)) from None


@functools.cache
def time_zones() -> tuple[str, ...]:
    """The IANA zones a site can be in, for the field's list of suggestions."""
    zones = []
    for name in sorted(available_timezones()):
        try:
            zones.append(check_timezone(name))
        except ValueError:
            continue
    return tuple(zones)


def _body(values: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {name: values.get(name, "").strip() for name in FIELDS}
    for name in _NUMBERS:
        body[name] = _number(body[name])
    return body


def _number(text: str) -> float | str:
    """A coordinate as typed, with a decimal comma as Germans write it; else the text, for the model
    to refuse by its field's name."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


def _fields(exc: ValidationError) -> list[str]:
    named = set()
    for error in exc.errors():
        where = error["loc"][0] if error["loc"] else "lat"  # the model's own check is the position's
        named.add(str(where) if where in FIELDS else "lat")
    return [name for name in FIELDS if name in named]
