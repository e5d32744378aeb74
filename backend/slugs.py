"""A site's slug: the short name in its public address, `/s/hospiz-am-park`, printed on its poster.

Lower-case ASCII letters, digits and hyphens, 3-40 characters, unique on the instance. Made from the
site's name when staff give none (German letters spelt out, as Germans do in addresses: "Straße" is
"strasse", "Ölmühle" is "oelmuehle"), with a number appended when another site has it. Slugs are
stable: a poster on a door is printed once. Changing one is an explicit act of staff, and the old
address stops answering (see README, "Decisions"). Pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from typing import Final

MIN_LENGTH: Final = 3
MAX_LENGTH: Final = 40
PATTERN: Final = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
_SPELT_OUT: Final = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)
_NOT_SLUG: Final = re.compile(r"[^a-z0-9]+")
_FALLBACK: Final = "ort"


def slug_of(name: str) -> str:
    """The slug a site named `name` would get if it were alone: "Hospiz am Park" → "hospiz-am-park"."""
    spelt = unicodedata.normalize("NFKD", name.translate(_SPELT_OUT))
    ascii_only = spelt.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_SLUG.sub("-", ascii_only).strip("-")
    if len(slug) > MAX_LENGTH:
        slug = slug[:MAX_LENGTH].rsplit("-", 1)[0] if "-" in slug[:MAX_LENGTH] else slug[:MAX_LENGTH]
    if len(slug) < MIN_LENGTH:
        slug = f"{_FALLBACK}-{slug}" if slug else _FALLBACK
    return slug


def free_slug(base: str, taken: Container[str]) -> str:
    """`base`, else `base-2`, `base-3`, … (shortened to fit), the first that is not `taken`."""
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1
