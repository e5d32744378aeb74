"""Every text the pages show, German first, English second: one table, so a page cannot miss a language.

Templates ask for a text by key (`t("home.title")`); a key missing in a language is a bug that
`tests/test_web_pages.py` finds, not a blank on a page.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("de", "en")
DEFAULT_LANGUAGE: Final = "de"
LANGUAGE_NAMES: Final = {"de": "Deutsch", "en": "English"}

WORDS: Final[dict[str, dict[str, str]]] = {
    "site.name": {"de": "Nahbei", "en": "Nahbei"},
    "site.tagline": {
        "de": "Hilfe von nebenan: Menschen, die vorbeigehen, fragen, wenn sie in der Nähe sind.",
        "en": "Help from next door: ask the people walking past, while they are near.",
    },
    "nav.language": {"de": "Sprache", "en": "Language"},
    "nav.skip": {"de": "Zum Inhalt springen", "en": "Skip to content"},
    "home.title": {"de": "Willkommen bei Nahbei", "en": "Welcome to Nahbei"},
    "home.passersby": {"de": "Für Passantinnen und Passanten", "en": "For passers-by"},
    "home.passersby.text": {
        "de": "Sehen Sie, wo in Ihrer Nähe gerade Hilfe gebraucht wird. Ohne Konto, ohne App-Store.",
        "en": "See where help is needed near you right now. No account, no app store.",
    },
    "home.passersby.link": {"de": "Nahbei öffnen", "en": "Open Nahbei"},
    "home.staff": {"de": "Für Einrichtungen", "en": "For organisations"},
    "home.staff.text": {
        "de": "Standorte, Beacons und Aufrufe Ihrer Einrichtung verwalten.",
        "en": "Manage your organisation's sites, beacons and prompts.",
    },
    "home.staff.link": {"de": "Anmelden", "en": "Sign in"},
    "home.developers": {"de": "Für Entwicklerinnen und Entwickler", "en": "For developers"},
    "home.developers.text": {
        "de": "Die HTTP-API ist als OpenAPI-Dokument beschrieben.",
        "en": "The HTTP API is described as an OpenAPI document.",
    },
    "error.title": {"de": "Das ging nicht", "en": "That did not work"},
    "error.404": {"de": "Diese Seite gibt es nicht.", "en": "There is no such page."},
    "error.back": {"de": "Zur Startseite", "en": "To the start page"},
}


def word(key: str, lang: str) -> str:
    """The text `key` in `lang` (a language of LANGUAGES); KeyError for a key nobody wrote."""
    return WORDS[key][lang]
