"""Answers to the app, assembled from JSON serialised once per site and language.

`resolve`, `nearby` and `sites/{id}` answer many requests about the same sites. Building and
serialising the pydantic models for every request cost more than everything else the request did,
so a site card holds a site's JSON and, for each current prompt, its JSON in every language it has;
an answer is those bytes joined, with only the distance written per request. At 1,000,000 sites
most requests build a card, so it is built from the stored rows with pydantic-core's serialiser and
no model (validating and dumping `SiteView`/`PromptView` cost ~40 µs a card): the same serialiser
and field order give the models' bytes (a test compares both ways), so `/openapi.json` describes
them exactly.

Cards are plain tuples of numbers, strings and bytes on purpose: they marshal, so the catalog keeps
each as one `bytes` the cycle collector never visits (see `backend.catalog.AtomCache`). Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic_core import to_json

from backend.prompts import action_label, choose_language, within_reach
from backend.storage.rows import SiteRow, StoredPrompt

# (max_distance_m, languages sorted, the prompt's JSON in each of those languages)
PromptCard = tuple[float | None, tuple[str, ...], tuple[bytes, ...]]
# (site id, site's default language, the site's JSON, its current prompts best first)
SiteCard = tuple[int, str, bytes, tuple[PromptCard, ...]]


def site_card(site: SiteRow, current: Iterable[StoredPrompt]) -> SiteCard:
    """A site with its current prompts (best first), serialised once, as `SiteView`/`PromptView`."""
    prompts = []
    for prompt in current:
        languages = tuple(sorted(prompt.texts))
        texts = tuple(to_json(prompt_view(prompt, lang)) for lang in languages)
        prompts.append((prompt.max_distance_m, languages, texts))
    return (site.id, site.default_lang, to_json(site._asdict()), tuple(prompts))


def prompt_view(prompt: StoredPrompt, lang: str) -> dict[str, Any]:
    """The fields of `PromptView`, in its order, for one of the prompt's languages."""
    text = prompt.texts[lang]
    action = None
    if prompt.action_url:
        action = {"label": action_label(text.get("action_label"), lang), "url": prompt.action_url}
    return {
        "id": prompt.id,
        "kind": prompt.kind,
        "title": text["title"],
        "body": text.get("body", ""),
        "action": action,
        "lang": lang,
        "cooldown_s": prompt.cooldown_s,
        "max_distance_m": prompt.max_distance_m,
        "valid_until": prompt.valid_until,
        "site_id": prompt.site_id,
    }


def render_site(
    card: SiteCard, distance_m: float | None, preferences: Sequence[str], *, check_distance: bool
) -> tuple[bytes, list[str]]:
    """One `SiteWithPrompts` as JSON, and the languages its prompts are in."""
    chosen = chosen_prompts(card, distance_m, preferences, check_distance=check_distance)
    distance = b"null" if distance_m is None else repr(round(distance_m, 1)).encode()
    return b'{"site":' + card[2] + b',"distance_m":' + distance + b',"prompts":[' + b",".join(
        text for _, text in chosen
    ) + b"]}", [lang for lang, _ in chosen]


def chosen_prompts(
    card: SiteCard, distance_m: float | None, preferences: Sequence[str], *, check_distance: bool
) -> list[tuple[str, bytes]]:
    """The card's prompts to show, best first, each in the reader's language: (language, `PromptView` JSON).

    The one choice of language and reach, for the API's answers and the site's public page alike."""
    _, default_lang, _, prompts = card
    chosen: list[tuple[str, bytes]] = []
    for max_distance_m, languages, texts in prompts:
        if check_distance and not within_reach(max_distance_m, distance_m):
            continue
        lang = choose_language(languages, preferences, default_lang)
        chosen.append((lang, texts[languages.index(lang)]))
    return chosen


def render_sites(parts: Iterable[bytes]) -> bytes:
    """A `SitesAnswer` from rendered sites, nearest first."""
    return b'{"sites":[' + b",".join(parts) + b"]}"
