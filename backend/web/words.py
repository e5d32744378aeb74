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
    # --- a site's public page, its poster and its privacy notice (backend/web/public.py, privacy.py) ---
    "kind.hospice": {"de": "Hospiz", "en": "Hospice"},
    "kind.food_bank": {"de": "Tafel", "en": "Food bank"},
    "kind.sports_club": {"de": "Sportverein", "en": "Sports club"},
    "kind.community_centre": {"de": "Stadtteilzentrum", "en": "Community centre"},
    "kind.shelter": {"de": "Notunterkunft", "en": "Shelter"},
    "kind.other": {"de": "Gemeinnützige Einrichtung", "en": "Nonprofit organisation"},
    "prompt.volunteer": {"de": "Mithelfen", "en": "Volunteering"},
    "prompt.donate": {"de": "Spenden", "en": "Donations"},
    "prompt.event": {"de": "Veranstaltung", "en": "Event"},
    "prompt.info": {"de": "Information", "en": "Information"},
    "public.prompts": {"de": "Wobei Sie gerade helfen können", "en": "How you can help right now"},
    "public.none": {
        "de": "Gerade gibt es hier keinen Aufruf. Schauen Sie gern ein andermal wieder vorbei.",
        "en": "There is no request here right now. Do look again another time.",
    },
    "public.nothing_stored": {
        "de": "Diese Seite setzt keine Cookies und speichert nichts über Sie.",
        "en": "This page sets no cookies and stores nothing about you.",
    },
    "public.privacy": {"de": "Datenschutz", "en": "Privacy"},
    "public.poster": {"de": "Aushang zum Ausdrucken (PDF)", "en": "Poster to print (PDF)"},
    "poster.invitation": {
        "de": "Wir brauchen Sie \N{EN DASH} scannen Sie den Code",
        "en": "We need you \N{EN DASH} scan the code",
    },
    "poster.privacy": {
        "de": "Nahbei speichert nichts über Sie. Datenschutz: {url}",
        "en": "Nahbei stores nothing about you. Privacy: {url}",
    },
    "privacy.title": {"de": "Datenschutzhinweise", "en": "Privacy notice"},
    "privacy.intro": {
        "de": "Nach Art. 13 DSGVO: wer verantwortlich ist, was verarbeitet wird, wozu, wie lange, und welche "
        "Rechte Sie haben. Kurz: Über Sie wird nichts gespeichert.",
        "en": "Under Art. 13 GDPR: who is responsible, what is processed, what for, for how long, and what "
        "rights you have. In short: nothing about you is stored.",
    },
    "privacy.controller": {"de": "1. Verantwortlich", "en": "1. Controller"},
    "privacy.controller.text": {
        "de": "Verantwortlich für diese Seite und ihre Aufrufe ist:",
        "en": "Responsible for this page and its requests is:",
    },
    "privacy.email": {"de": "E-Mail", "en": "E-mail"},
    "privacy.dpo": {"de": "2. Datenschutzbeauftragte", "en": "2. Data protection officer"},
    "privacy.dpo.none": {
        "de": "Die Einrichtung hat keine Datenschutzbeauftragte benannt. Wenden Sie sich an die Verantwortliche oben.",
        "en": "The organisation has not named a data protection officer. Please contact the controller above.",
    },
    "privacy.data": {"de": "3. Was verarbeitet wird", "en": "3. What is processed"},
    "privacy.data.stored": {
        "de": "Über Sie wird nichts gespeichert: kein Konto, kein Cookie, keine Gerätekennung, kein Standortverlauf, "
        "kein Zugriffsprotokoll mit Ihrer Adresse.",
        "en": "Nothing about you is stored: no account, no cookie, no device identifier, no location history, "
        "no access log with your address.",
    },
    "privacy.data.address": {
        "de": "Wie jeder Webserver erhält der Server bei jedem Abruf Ihre IP-Adresse. Er nutzt sie nur im "
        "Arbeitsspeicher, als Prüfwert mit einem geheimen Schlüssel, der nur dort liegt, um zu viele Anfragen "
        "eines Absenders abzuwehren und den Knopf eines Aufrufs je Absender nur wenige Male in der Stunde zu "
        "zählen. Sie wird nicht gespeichert und nicht protokolliert.",
        "en": "Like every web server, the server receives your IP address with every request. It uses it only in "
        "memory, as a keyed hash whose secret key exists only there, to turn away too many requests from one "
        "sender and to count a request's button at most a few times an hour for one sender. It is neither stored "
        "nor logged.",
    },
    "privacy.data.position": {
        "de": "Wenn Sie in der Web-App Ihren Standort freigeben, wird Ihre Position an den Server gesendet, um die "
        "Einrichtungen in Ihrer Nähe zu finden. Sie wird für diese eine Antwort verwendet und nicht gespeichert. "
        "Was Sie in der App ausblenden, bleibt in Ihrem Browser und wird nie gesendet.",
        "en": "If you share your location in the web app, your position is sent to the server to find the "
        "organisations near you. It is used for that one answer and not stored. What you hide in the app stays in "
        "your browser and is never sent.",
    },
    "privacy.data.events": {
        "de": "Wenn Sie dem Knopf eines Aufrufs folgen, zählt der Server eins zur Zahl dieses Aufrufs in dieser "
        "Stunde. Gespeichert wird nur diese Zahl, ohne irgendetwas, das auf Sie schließen lässt.",
        "en": "When you follow a request's button, the server adds one to that request's count for the hour. "
        "Only that count is stored, with nothing that could point to you.",
    },
    "privacy.purpose": {"de": "4. Zweck und Rechtsgrundlage", "en": "4. Purposes and legal basis"},
    "privacy.purpose.text": {
        "de": "Zweck ist, Ihnen die Aufrufe dieser Einrichtung zu zeigen, der Einrichtung zu zeigen, wie oft sie "
        "gefolgt wurden, und den Dienst vor Überlastung zu schützen. Rechtsgrundlage ist Art. 6 Abs. 1 "
        "lit. f DSGVO (berechtigtes Interesse). Ohne Ihre IP-Adresse kann Ihnen keine Seite gesendet werden; "
        "eine Pflicht, Daten anzugeben, gibt es nicht.",
        "en": "The purposes are to show you this organisation's requests, to show the organisation how often they "
        "were followed, and to protect the service from overload. The legal basis is Art. 6(1)(f) GDPR "
        "(legitimate interests). Without your IP address no page can be sent to you; you are under no obligation "
        "to provide any data.",
    },
    "privacy.recipients": {"de": "5. Empfänger", "en": "5. Recipients"},
    "privacy.recipients.text": {
        "de": "Niemand. Die Daten verlassen den Server nicht und gehen nicht in Drittländer. Folgen Sie dem Knopf "
        "eines Aufrufs, öffnet Ihr Browser die verlinkte Seite; dort gelten deren Datenschutzhinweise.",
        "en": "Nobody. The data does not leave the server and goes to no third country. If you follow a request's "
        "button, your browser opens the linked page; its own privacy notice applies there.",
    },
    "privacy.retention": {"de": "6. Speicherdauer", "en": "6. How long data is kept"},
    "privacy.retention.text": {
        "de": "IP-Adressen und Positionen werden nicht gespeichert; der Prüfwert der Ratenbegrenzung liegt nur im "
        "Arbeitsspeicher und ist mit jedem Neustart fort. Die stündlichen Zahlen bleiben, solange es den Aufruf "
        "gibt; sie sind keine personenbezogenen Daten.",
        "en": "IP addresses and positions are not stored; the rate limit's hash lives only in memory and is gone "
        "with every restart. The hourly counts stay as long as the request exists; they are not personal data.",
    },
    "privacy.rights": {"de": "7. Ihre Rechte", "en": "7. Your rights"},
    "privacy.rights.text": {
        "de": "Sie haben das Recht auf Auskunft (Art. 15), Berichtigung (Art. 16), Löschung (Art. 17), "
        "Einschränkung (Art. 18) und Widerspruch (Art. 21 DSGVO), und das Recht, sich bei einer "
        "Datenschutz-Aufsichtsbehörde zu beschweren (Art. 77 DSGVO). Da über Sie nichts gespeichert ist, wird eine "
        "Auskunft ergeben, dass keine Daten über Sie vorliegen.",
        "en": "You have the right of access (Art. 15), rectification (Art. 16), erasure (Art. 17), restriction "
        "(Art. 18) and to object (Art. 21 GDPR), and the right to lodge a complaint with a data protection "
        "supervisory authority (Art. 77 GDPR). As nothing about you is stored, a request for access will find no "
        "data about you.",
    },
    "privacy.automated": {"de": "8. Automatisierte Entscheidungen", "en": "8. Automated decisions"},
    "privacy.automated.text": {
        "de": "Es gibt keine automatisierte Entscheidungsfindung und kein Profiling (Art. 22 DSGVO).",
        "en": "There is no automated decision-making and no profiling (Art. 22 GDPR).",
    },
    "privacy.back": {"de": "Zurück zur Seite der Einrichtung", "en": "Back to the organisation's page"},
}


def word(key: str, lang: str) -> str:
    """The text `key` in `lang` (a language of LANGUAGES); KeyError for a key nobody wrote."""
    return WORDS[key][lang]
