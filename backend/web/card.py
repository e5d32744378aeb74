"""A prompt card: one markup for the companion app, a site's public page and the staff preview.

The markup lives once, in the `prompt_card` macro (templates/card.html). Pages render it filled;
for the scripts that build cards in the browser (the app's `/app/card.js`, used by the app and by
the staff pages' preview) it is rendered empty, as one `<template>` per language, and the script
only fills its `data-slot` parts. So the preview cannot drift from what a phone shows. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

import jinja2

from backend.web.words import LANGUAGES, word

_ENV: Final = jinja2.Environment(
    loader=jinja2.PackageLoader("backend.web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class Card:
    """What a card shows. `more` folds the body under a summary with that label and `dismiss`
    adds the "not interested" button, as the app does (`opened`: as after a tap on the summary);
    `template` renders every part, empty ones hidden, for a script to fill."""

    lang: str
    title: str = ""
    body: str = ""
    action_label: str = ""
    action_href: str = ""
    kind: str = ""
    where: str | None = None
    more: str | None = None
    dismiss: str | None = None
    heading: str = "h2"
    opened: bool = False
    template: bool = False

    @property
    def lines(self) -> list[str]:
        """The body's paragraphs: one per line that has something on it."""
        return [line for line in self.body.splitlines() if line.strip()]


def public_card(prompt: Mapping[str, Any], base: str, page_lang: str) -> Card:
    """A card as a site's public page shows it: the kind of help, the body open, the button through
    `{base}/go/{id}` (which counts it), a heading under the page's list heading."""
    action = prompt["action"]
    return Card(
        lang=prompt["lang"],
        title=prompt["title"],
        body=prompt["body"],
        action_label=action["label"] if action else "",
        action_href=f"{base}/go/{prompt['id']}" if action else "",
        kind=word(f"prompt.{prompt['kind']}", page_lang),
        heading="h3",
    )


def app_card(
    lang: str,
    *,
    title: str = "",
    body: str = "",
    action_label: str = "",
    action_href: str = "",
    where: str = "",
) -> Card:
    """A card as the app shows it: where the site is, the body folded, "not interested"."""
    return Card(
        lang=lang,
        title=title,
        body=body,
        action_label=action_label,
        action_href=action_href,
        where=where,
        more=word("card.more", lang),
        dismiss=word("card.dismiss", lang),
    )


def empty_cards() -> list[Card]:
    """The app's card with nothing in it, one per language of the pages: what the scripts fill."""
    return [replace(app_card(lang), template=True) for lang in LANGUAGES]


def card_templates() -> str:
    """`empty_cards` as `<template id="card-{lang}">` elements, for the app's page."""
    macro = _ENV.get_template("card.html").module.card_templates  # type: ignore[attr-defined]
    return str(macro(empty_cards()))
