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
    "error.503": {
        "de": "Die Datenbank ist gerade nicht erreichbar. Versuchen Sie es in ein paar Sekunden noch einmal; "
        "es ist nichts verloren gegangen.",
        "en": "The database cannot be reached just now. Try again in a few seconds; nothing was lost.",
    },
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
    # --- staff pages: accounts, dashboard, members, admin keys ---
    "error.403": {
        "de": "Das dürfen Sie mit Ihrer Rolle nicht ändern. Fragen Sie eine Inhaberin oder einen Inhaber.",
        "en": "Your role does not allow this change. Ask an owner.",
    },
    "manage.nav": {"de": "Verwaltung", "en": "Management"},
    "manage.dashboard": {"de": "Übersicht", "en": "Overview"},
    "manage.members": {"de": "Mitglieder", "en": "Members"},
    "manage.keys": {"de": "API-Schlüssel", "en": "API keys"},
    "manage.logout": {"de": "Abmelden", "en": "Sign out"},
    "manage.problem": {"de": "Bitte prüfen", "en": "Please check"},
    "field.email": {"de": "E-Mail-Adresse", "en": "E-mail address"},
    "field.password": {"de": "Passwort", "en": "Password"},
    "field.new_password": {"de": "Neues Passwort", "en": "New password"},
    "field.repeat_password": {"de": "Passwort wiederholen", "en": "Repeat the password"},
    "field.role": {"de": "Rolle", "en": "Role"},
    "field.key_name": {"de": "Name", "en": "Name"},
    "login.title": {"de": "Anmelden", "en": "Sign in"},
    "login.submit": {"de": "Anmelden", "en": "Sign in"},
    "login.forgot": {"de": "Passwort vergessen?", "en": "Forgotten your password?"},
    "login.wrong": {
        "de": "E-Mail-Adresse oder Passwort stimmen nicht. Prüfen Sie beides und versuchen Sie es noch einmal.",
        "en": "The e-mail address or the password is not right. Check both and try again.",
    },
    "login.too_many": {
        "de": "Zu viele Versuche. Warten Sie ein paar Minuten und versuchen Sie es dann noch einmal.",
        "en": "Too many attempts. Wait a few minutes, then try again.",
    },
    "login.no_org": {
        "de": "Ihr Konto gehört zu keiner Einrichtung mehr. Bitten Sie eine Inhaberin um eine neue Einladung.",
        "en": "Your account no longer belongs to an organisation. Ask an owner for a new invitation.",
    },
    "forgot.title": {"de": "Passwort vergessen", "en": "Forgotten password"},
    "forgot.text": {
        "de": "Geben Sie Ihre E-Mail-Adresse ein. Wir schicken Ihnen einen Link, mit dem Sie ein neues "
        "Passwort wählen.",
        "en": "Enter your e-mail address. We will send you a link with which you choose a new password.",
    },
    "forgot.submit": {"de": "Link schicken", "en": "Send the link"},
    "forgot.sent": {
        "de": "Wenn es zu dieser Adresse ein Konto gibt, ist der Link unterwegs. Er gilt eine Stunde.",
        "en": "If there is an account for this address, the link is on its way. It is valid for one hour.",
    },
    "forgot.no_mail": {
        "de": "Dieser Server verschickt keine E-Mails. Bitten Sie die Person, die Nahbei für Sie betreibt, "
        "um einen Link für ein neues Passwort. Sie erstellt ihn mit diesem Befehl:",
        "en": "This server sends no e-mail. Ask the person who runs Nahbei for you for a link to choose a new "
        "password. They make it with this command:",
    },
    "forgot.back": {"de": "Zur Anmeldung", "en": "To the sign-in page"},
    "password.title.setup": {
        "de": "Willkommen! Wählen Sie Ihr Passwort",
        "en": "Welcome! Choose your password",
    },
    "password.title.invite": {"de": "Einladung annehmen", "en": "Accept the invitation"},
    "password.title.reset": {"de": "Neues Passwort wählen", "en": "Choose a new password"},
    "password.for": {"de": "Für das Konto", "en": "For the account"},
    "password.hint": {
        "de": "Mindestens 10 Zeichen. Ein Satz, den Sie sich merken können, ist ein gutes Passwort.",
        "en": "At least 10 characters. A sentence you can remember makes a good password.",
    },
    "password.submit": {"de": "Passwort speichern und anmelden", "en": "Save the password and sign in"},
    "password.too_short": {
        "de": "Das Passwort braucht mindestens 10 Zeichen.",
        "en": "The password needs at least 10 characters.",
    },
    "password.too_long": {
        "de": "Das Passwort darf höchstens 256 Zeichen haben.",
        "en": "The password may have at most 256 characters.",
    },
    "password.is_email": {
        "de": "Das Passwort darf nicht Ihre E-Mail-Adresse sein.",
        "en": "The password must not be your e-mail address.",
    },
    "password.differ": {
        "de": "Die beiden Passwörter sind nicht gleich. Geben Sie es zweimal gleich ein.",
        "en": "The two passwords differ. Type the same one twice.",
    },
    "link.gone.title": {"de": "Dieser Link gilt nicht mehr", "en": "This link is no longer valid"},
    "link.gone.text": {
        "de": "Er wurde schon benutzt oder ist abgelaufen. Bitten Sie um einen neuen Link, oder melden Sie sich "
        "an, wenn Sie schon ein Passwort haben.",
        "en": "It has been used or has expired. Ask for a new link, or sign in if you already have a password.",
    },
    "email.bad": {
        "de": "Das ist keine E-Mail-Adresse. Sie sieht so aus: name@beispiel.de",
        "en": "That is not an e-mail address. It looks like this: name@example.org",
    },
    "mail.failed": {
        "de": "Die E-Mail konnte nicht verschickt werden. Versuchen Sie es später noch einmal.",
        "en": "The e-mail could not be sent. Try again later.",
    },
    "mail.reset.subject": {"de": "Nahbei: neues Passwort", "en": "Nahbei: a new password"},
    "mail.reset.text": {
        "de": "Guten Tag,\n\nmit diesem Link wählen Sie ein neues Passwort für Nahbei (er gilt eine Stunde, "
        "einmal):\n\n{link}\n\nWenn Sie das nicht angefordert haben, können Sie diese E-Mail löschen.\n",
        "en": "Hello,\n\nwith this link you choose a new password for Nahbei (valid for one hour, once):"
        "\n\n{link}\n\nIf you did not ask for this, you can delete this e-mail.\n",
    },
    "mail.invite.subject": {"de": "Einladung zu Nahbei: {org}", "en": "Invitation to Nahbei: {org}"},
    "mail.invite.text": {
        "de": "Guten Tag,\n\nSie sind eingeladen, bei {org} in Nahbei mitzuarbeiten (Rolle: {role}). Mit "
        "diesem Link wählen Sie Ihr Passwort (er gilt 72 Stunden, einmal):\n\n{link}\n",
        "en": "Hello,\n\nyou are invited to work with {org} in Nahbei (role: {role}). With this link you "
        "choose your password (valid for 72 hours, once):\n\n{link}\n",
    },
    "role.owner": {"de": "Inhaber/in", "en": "Owner"},
    "role.editor": {"de": "Bearbeiter/in", "en": "Editor"},
    "role.viewer": {"de": "Lesezugriff", "en": "Viewer"},
    "role.bad": {"de": "Wählen Sie eine der Rollen.", "en": "Choose one of the roles."},
    "members.invite": {"de": "Kollegin oder Kollegen einladen", "en": "Invite a colleague"},
    "members.invite_submit": {"de": "Einladen", "en": "Invite"},
    "members.roles_hint": {
        "de": "Inhaber/innen verwalten auch Mitglieder und API-Schlüssel; Bearbeiter/innen ändern Standorte "
        "und Aufrufe; Lesezugriff sieht alles und ändert nichts.",
        "en": "Owners also manage members and API keys; editors change sites and prompts; viewers see "
        "everything and change nothing.",
    },
    "members.remove": {"de": "Entfernen", "en": "Remove"},
    "members.actions": {"de": "Aktionen", "en": "Actions"},
    "members.link": {
        "de": "Geben Sie diesen Einladungslink weiter an",
        "en": "Pass this invitation link on to",
    },
    "members.link_once": {
        "de": "Er wird nur jetzt angezeigt und gilt 72 Stunden, einmal. Wer ihn hat, kann das Konto einrichten: "
        "geben Sie ihn nur der eingeladenen Person.",
        "en": "It is shown only now and is valid for 72 hours, once. Whoever has it can set up the account: "
        "give it only to the person invited.",
    },
    "members.done.invited": {"de": "Die Einladung ist verschickt.", "en": "The invitation has been sent."},
    "members.done.removed": {"de": "Das Mitglied ist entfernt.", "en": "The member has been removed."},
    "member.last_owner": {
        "de": "Die letzte Inhaberin oder der letzte Inhaber kann nicht entfernt werden.",
        "en": "The last owner cannot be removed.",
    },
    "keys.text": {
        "de": "Mit einem API-Schlüssel greifen Programme auf die Daten Ihrer Einrichtung zu. Geben Sie jedem "
        "Programm einen eigenen, dann können Sie ihn einzeln sperren.",
        "en": "Programs use an API key to reach your organisation's data. Give each program its own, so you "
        "can revoke it alone.",
    },
    "keys.prefix": {"de": "Beginnt mit", "en": "Starts with"},
    "keys.state": {"de": "Zustand", "en": "State"},
    "keys.revoked": {"de": "Gesperrt am", "en": "Revoked on"},
    "keys.used": {"de": "Zuletzt benutzt am", "en": "Last used on"},
    "keys.never_used": {"de": "Noch nie benutzt", "en": "Never used"},
    "keys.rotate": {"de": "Erneuern", "en": "Rotate"},
    "keys.revoke": {"de": "Sperren", "en": "Revoke"},
    "keys.create": {"de": "Neuer Schlüssel", "en": "New key"},
    "keys.create_submit": {"de": "Schlüssel erstellen", "en": "Create the key"},
    "keys.name_hint": {
        "de": "Wofür ist er? Zum Beispiel: Import-Skript",
        "en": "What is it for? E.g. import script",
    },
    "keys.name_bad": {"de": "Geben Sie dem Schlüssel einen Namen.", "en": "Give the key a name."},
    "keys.made": {"de": "Der neue Schlüssel", "en": "The new key"},
    "keys.made_once": {
        "de": "Kopieren Sie ihn jetzt: er wird nie wieder angezeigt.",
        "en": "Copy it now: it will never be shown again.",
    },
    "keys.done.revoked": {"de": "Der Schlüssel ist gesperrt.", "en": "The key has been revoked."},
    "keys.revoked_already": {"de": "Dieser Schlüssel ist gesperrt.", "en": "This key is revoked."},
    "dashboard.signed_in_as": {"de": "Angemeldet als", "en": "Signed in as"},
    "dashboard.sites": {"de": "Standorte", "en": "Sites"},
    "dashboard.no_sites": {
        "de": "Noch keine Standorte. Sie legen sie bald hier an; bis dahin über die API.",
        "en": "No sites yet. You will soon add them here; until then through the API.",
    },
    "dashboard.ok": {"de": "In Ordnung", "en": "All well"},
    "dashboard.attention": {"de": "Bitte ansehen", "en": "Needs attention"},
    "dashboard.pages": {"de": "Seiten", "en": "Pages"},
    "dashboard.page": {"de": "Seite", "en": "Page"},
    "dashboard.previous": {"de": "Zurück", "en": "Previous"},
    "dashboard.next": {"de": "Weiter", "en": "Next"},
    "state.OK": {
        "de": "Alle Beacons in der letzten Stunde gehört.",
        "en": "All beacons heard in the last hour.",
    },
    "state.NO_BEACONS": {"de": "Noch keine Beacons eingetragen.", "en": "No beacons registered yet."},
    "advice.NO_BEACONS": {
        "de": "Tragen Sie den ersten Beacon ein, damit Vorbeigehende Ihre Aufrufe sehen.",
        "en": "Register the first beacon so that passers-by see your prompts.",
    },
    "state.NEVER_SEEN": {
        "de": "Beacon „{name}“ wurde noch nie gehört.",
        "en": "Beacon '{name}' has never been heard.",
    },
    "advice.NEVER_SEEN": {
        "de": "Ist er eingeschaltet und in Reichweite eines Agenten?",
        "en": "Is it switched on and within reach of an agent?",
    },
    "state.SILENT": {
        "de": "Beacon „{name}“ still seit {since}.",
        "en": "Beacon '{name}' silent since {since}.",
    },
    "advice.SILENT": {
        "de": "Sehen Sie nach, ob er noch an seinem Platz ist und Strom hat.",
        "en": "Check that it is still in place and has power.",
    },
    "state.LOW_BATTERY": {
        "de": "Batterie von Beacon „{name}“ schwach.",
        "en": "Battery of beacon '{name}' low.",
    },
    "advice.LOW_BATTERY": {"de": "Wechseln Sie die Batterie bald.", "en": "Replace the battery soon."},
    "state.AGENT_SILENT": {
        "de": "Agent „{name}“ offline seit {since}.",
        "en": "Agent '{name}' offline since {since}.",
    },
    "advice.AGENT_SILENT": {
        "de": "Prüfen Sie Strom und Netzwerk des kleinen Rechners am Standort.",
        "en": "Check the power and network of the small computer at the site.",
    },
    "state.AGENT_NEVER_HEARD": {
        "de": "Agent „{name}“ hat sich noch nie gemeldet.",
        "en": "Agent '{name}' has never reported.",
    },
    "advice.AGENT_NEVER_HEARD": {
        "de": "Ist er eingerichtet, eingeschaltet und mit dem Internet verbunden?",
        "en": "Is it installed, switched on and connected to the internet?",
    },
    "state.SCANNER_DOWN": {
        "de": "Agent „{name}“ hört keine Beacons.",
        "en": "Agent '{name}' hears no beacons.",
    },
    "advice.SCANNER_DOWN": {
        "de": "Starten Sie den Rechner neu; hilft das nicht, prüfen Sie Bluetooth.",
        "en": "Restart the computer; if that does not help, check its Bluetooth.",
    },
    "state.OUTBOX_FAILING": {
        "de": "Agent „{name}“ kann seine Daten nicht speichern.",
        "en": "Agent '{name}' cannot store its data.",
    },
    "advice.OUTBOX_FAILING": {
        "de": "Die Speicherkarte ist vielleicht voll oder defekt.",
        "en": "Its memory card may be full or failing.",
    },
    "state.OUTBOX_DROPPING": {
        "de": "Agent „{name}“ musste Daten verwerfen.",
        "en": "Agent '{name}' had to drop data.",
    },
    "advice.OUTBOX_DROPPING": {
        "de": "Er war lange ohne Netz; prüfen Sie seine Verbindung.",
        "en": "It was offline for long; check its connection.",
    },
    "state.BATCHES_SET_ASIDE": {
        "de": "Agent „{name}“ hat Daten zurückgestellt, die der Server ablehnte.",
        "en": "Agent '{name}' set aside data the server refused.",
    },
    "advice.BATCHES_SET_ASIDE": {
        "de": "Aktualisieren Sie den Agenten auf die neueste Version.",
        "en": "Update the agent to the newest version.",
    },
    "when.never": {"de": "nie", "en": "never"},
    "weekday.0": {"de": "Montag", "en": "Monday"},
    "weekday.1": {"de": "Dienstag", "en": "Tuesday"},
    "weekday.2": {"de": "Mittwoch", "en": "Wednesday"},
    "weekday.3": {"de": "Donnerstag", "en": "Thursday"},
    "weekday.4": {"de": "Freitag", "en": "Friday"},
    "weekday.5": {"de": "Samstag", "en": "Saturday"},
    "weekday.6": {"de": "Sonntag", "en": "Sunday"},
    # --- a site's pages and their tabs (backend/web/manage/site.py) ---
    "tab.nav": {"de": "Bereiche des Standorts", "en": "Parts of the site"},
    "tab.settings": {"de": "Einstellungen", "en": "Settings"},
    "tab.beacons": {"de": "Beacons", "en": "Beacons"},
    "tab.prompts": {"de": "Aufrufe", "en": "Prompts"},
    "tab.agents": {"de": "Agenten", "en": "Agents"},
    "tab.numbers": {"de": "Zahlen", "en": "Numbers"},
    "site.field.kind": {"de": "Art", "en": "Kind"},
    "site.field.address": {"de": "Adresse", "en": "Address"},
    "site.field.position": {"de": "Position", "en": "Position"},
    "site.field.timezone": {"de": "Zeitzone", "en": "Time zone"},
    # --- site settings and map (backend/web/manage/site.py) ---
    "site.field.name": {"de": "Name", "en": "Name"},
    "site.field.slug": {"de": "Adresse der öffentlichen Seite", "en": "Address of the public page"},
    "site.field.opening_hours": {"de": "Öffnungszeiten", "en": "Opening hours"},
    "site.field.lat": {"de": "Breitengrad", "en": "Latitude"},
    "site.field.lon": {"de": "Längengrad", "en": "Longitude"},
    "site.field.default_lang": {"de": "Hauptsprache", "en": "Main language"},
    "site.field.privacy_controller": {"de": "Verantwortliche Stelle", "en": "Controller"},
    "site.field.privacy_email": {"de": "E-Mail für Datenschutzfragen", "en": "E-mail for data questions"},
    "site.field.privacy_address": {
        "de": "Postanschrift der Verantwortlichen",
        "en": "Controller's postal address",
    },
    "site.field.privacy_dpo": {"de": "Datenschutzbeauftragte Person", "en": "Data protection officer"},
    "site.hint.name": {
        "de": "So steht es auf der öffentlichen Seite und dem Plakat.",
        "en": "As the public page and the poster show it.",
    },
    "site.hint.slug": {
        "de": (
            "Kleinbuchstaben, Ziffern und Bindestriche, 3\u201340 Zeichen. Leer: aus dem Namen gebildet. Steht auf "
            "Plakaten: eine Änderung macht die alte Adresse ungültig."
        ),
        "en": (
            "Lower-case letters, digits and hyphens, 3\u201340 characters. Empty: made from the name. Printed on "
            "posters: changing it makes the old address stop working."
        ),
    },
    "site.hint.opening_hours": {
        "de": "Eine kurze Zeile, z. B. „Mo\u2013Fr 9\u201317 Uhr“.",
        "en": "One short line, e.g. “Mon\u2013Fri 9am\u20135pm”.",
    },
    "site.hint.position": {
        "de": (
            "Klicken Sie auf die Karte, tippen Sie die Koordinaten ein (z. B. 52.5200 und 13.4050) oder nehmen Sie "
            "Ihre aktuelle Position, wenn Sie vor Ort sind."
        ),
        "en": (
            "Click the map, type the coordinates (e.g. 52.5200 and 13.4050), or use your current position when you "
            "are at the site."
        ),
    },
    "site.hint.timezone": {
        "de": "Ein Name wie Europe/Berlin; er bestimmt die Zeiten der Aufrufe.",
        "en": "A name such as Europe/Berlin; prompts' times are read in it.",
    },
    "site.hint.default_lang": {
        "de": "Sprachkürzel wie de oder en: Sprache von Plakat und Aufrufen, wenn nichts anderes passt.",
        "en": "A language code such as de or en: the poster's language, and the prompts' when none fits better.",
    },
    "site.hint.privacy": {
        "de": "Die Datenschutzhinweise des Standorts nennen diese Angaben. Leer: Name und Adresse des Standorts.",
        "en": "The site's privacy notice names these. Empty: the site's name and address.",
    },
    "site.legend.about": {"de": "Über den Standort", "en": "About the site"},
    "site.legend.where": {"de": "Wo er ist", "en": "Where it is"},
    "site.legend.privacy": {"de": "Kontakt für den Datenschutz", "en": "Contact for data protection"},
    "site.error.name": {
        "de": "Geben Sie einen Namen ein (bis 200 Zeichen).",
        "en": "Enter a name (up to 200 characters).",
    },
    "site.error.slug": {
        "de": "Nur Kleinbuchstaben, Ziffern und Bindestriche, 3\u201340 Zeichen, z. B. hospiz-am-park.",
        "en": "Only lower-case letters, digits and hyphens, 3\u201340 characters, e.g. hospice-in-the-park.",
    },
    "site.error.slug_taken": {
        "de": "Diese Adresse hat schon ein anderer Standort. Wählen Sie eine andere.",
        "en": "Another site has this address already. Choose another.",
    },
    "site.error.kind": {"de": "Wählen Sie eine Art aus der Liste.", "en": "Choose a kind from the list."},
    "site.error.address": {"de": "Eine Zeile, bis 500 Zeichen.", "en": "One line, up to 500 characters."},
    "site.error.opening_hours": {
        "de": "Eine Zeile, bis 200 Zeichen.",
        "en": "One line, up to 200 characters.",
    },
    "site.error.lat": {
        "de": "Eine Zahl von -90 bis 90, z. B. 52.5200.",
        "en": "A number from -90 to 90, e.g. 52.5200.",
    },
    "site.error.lon": {
        "de": "Eine Zahl von -180 bis 180, z. B. 13.4050.",
        "en": "A number from -180 to 180, e.g. 13.4050.",
    },
    "site.error.timezone": {
        "de": "Ein Zeitzonen-Name wie Europe/Berlin.",
        "en": "A time zone name such as Europe/Berlin.",
    },
    "site.error.default_lang": {
        "de": "Ein Sprachkürzel wie de oder en.",
        "en": "A language code such as de or en.",
    },
    "site.error.privacy_controller": {
        "de": "Eine Zeile, bis 200 Zeichen.",
        "en": "One line, up to 200 characters.",
    },
    "site.error.privacy_email": {
        "de": "Eine E-Mail-Adresse wie datenschutz@beispiel.de, oder leer.",
        "en": "An e-mail address such as privacy@example.org, or empty.",
    },
    "site.error.privacy_address": {
        "de": "Eine Zeile, bis 500 Zeichen.",
        "en": "One line, up to 500 characters.",
    },
    "site.error.privacy_dpo": {"de": "Eine Zeile, bis 500 Zeichen.", "en": "One line, up to 500 characters."},
    "site.problems": {"de": "Bitte korrigieren Sie diese Angaben:", "en": "Please correct these:"},
    "site.new": {"de": "Neuer Standort", "en": "New site"},
    "site.new_link": {"de": "Neuen Standort anlegen", "en": "Add a new site"},
    "site.create_submit": {"de": "Standort anlegen", "en": "Create the site"},
    "site.save_submit": {"de": "Änderungen speichern", "en": "Save the changes"},
    "site.done.created": {
        "de": "Der Standort ist angelegt. Als Nächstes: Beacons hinzufügen.",
        "en": "The site has been created. Next: add its beacons.",
    },
    "site.done.saved": {"de": "Die Änderungen sind gespeichert.", "en": "The changes have been saved."},
    "site.public_page": {"de": "Öffentliche Seite", "en": "Public page"},
    "site.read_only": {
        "de": "Sie können diese Angaben ansehen; ändern können sie Mitglieder mit der Rolle Bearbeiten oder Inhaber.",
        "en": "You can see these; members with the editor or owner role can change them.",
    },
    "site.map.label": {"de": "Karte: ein Klick setzt die Position", "en": "Map: a click sets the position"},
    "site.map.here": {"de": "Meine aktuelle Position verwenden", "en": "Use my current position"},
    "site.map.locating": {"de": "Position wird bestimmt …", "en": "Finding your position …"},
    "site.map.found": {
        "de": "Position übernommen. Prüfen Sie sie auf der Karte und speichern Sie.",
        "en": "Position filled in. Check it on the map, then save.",
    },
    "site.map.failed": {
        "de": "Die Position ließ sich nicht bestimmen. Erlauben Sie den Zugriff oder tippen Sie die Koordinaten ein.",
        "en": "Your position could not be found. Allow access or type the coordinates.",
    },
    "site.map.sites": {"de": "Karte der Standorte", "en": "Map of the sites"},
    "site.map.zoom_in": {"de": "Vergrößern", "en": "Zoom in"},
    "site.map.zoom_out": {"de": "Verkleinern", "en": "Zoom out"},
    "site.none": {"de": "\u2013", "en": "\u2013"},
    "dist.heading": {"de": "Entfernungen schätzen", "en": "Estimating distances"},
    "dist.text": {
        "de": (
            "Nahbei schätzt aus der Signalstärke, wie nah ein Telefon einem Beacon ist. Damit das an Ihrem Ort "
            "stimmt, sagen Sie hier, wie weit Ihre Agenten von den Beacons entfernt stehen; die Agenten lernen "
            "daraus selbst."
        ),
        "en": (
            "Nahbei estimates from the signal strength how near a phone is to a beacon. To make that right at your "
            "place, say here how far your agents stand from the beacons; the agents learn from it themselves."
        ),
    },
    "dist.exponent": {
        "de": "Dämpfung der Umgebung (Exponent n)",
        "en": "How the surroundings weaken the signal (exponent n)",
    },
    "dist.exponent_hint": {
        "de": "Von 1.5 (freie Sicht) bis 5 (Wände, viele Menschen). Leer: der Standardwert {default}.",
        "en": "From 1.5 (open view) to 5 (walls, crowds). Empty: the default {default}.",
    },
    "dist.power": {
        "de": "Signalstärke in 1 m von Beacon „{label}“ (dBm)",
        "en": "Signal strength at 1 m of beacon “{label}” (dBm)",
    },
    "dist.power_hint": {
        "de": "Wie der Hersteller sie angibt; meist um -59.",
        "en": "As the vendor states it; usually about -59.",
    },
    "dist.pairs": {
        "de": "Wie weit steht jeder Agent von jedem Beacon? (Meter, leer: unbekannt)",
        "en": "How far is each agent from each beacon? (metres, empty: unknown)",
    },
    "dist.pair": {
        "de": "Agent „{agent}“ bis Beacon „{beacon}“ (m)",
        "en": "Agent “{agent}” to beacon “{beacon}” (m)",
    },
    "dist.no_pairs": {
        "de": "Sobald der Standort Agenten und Beacons hat, können Sie hier ihre Abstände eintragen.",
        "en": "Once the site has agents and beacons, you can enter their distances here.",
    },
    "dist.submit": {"de": "Entfernungsmodell speichern", "en": "Save the distance model"},
    "dist.saved": {
        "de": "Das Entfernungsmodell ist gespeichert und neu angepasst.",
        "en": "The distance model has been saved and fitted again.",
    },
    "dist.in_use": {"de": "Im Einsatz: n = {n}", "en": "In use: n = {n}"},
    "dist.source.fitted": {"de": "von Ihren Agenten gelernt", "en": "learnt by your agents"},
    "dist.source.typed": {"de": "von Ihnen eingetragen", "en": "as you entered it"},
    "dist.source.street": {
        "de": "aus den Passanten zwischen Ihrem und den Nachbarorten gelernt",
        "en": "learnt from passers-by between your site and its neighbours",
    },
    "dist.source.default": {"de": "Standardwert", "en": "the default"},
    "dist.status.no_distances": {
        "de": "Noch nichts gelernt: tragen Sie ein, wie weit ein Agent von einem Beacon steht.",
        "en": "Nothing learnt yet: enter how far an agent stands from a beacon.",
    },
    "dist.status.too_few_windows": {
        "de": (
            "Die Agenten sammeln noch Messungen; nach etwa zehn Minuten mit dem Beacon in Reichweite gibt es ein "
            "Ergebnis."
        ),
        "en": (
            "The agents are still collecting measurements; after about ten minutes with the beacon in range there is "
            "a result."
        ),
    },
    "dist.status.too_near": {
        "de": "Die Agenten stehen zu nah an den Beacons (unter 2 m), um die Umgebung zu lernen.",
        "en": "The agents stand too near the beacons (under 2 m) to learn the surroundings.",
    },
    "dist.status.exponent": {
        "de": "Aus {windows} Messungen gelernt: n = {n}.",
        "en": "Learnt from {windows} measurements: n = {n}.",
    },
    "dist.status.exponent_and_power": {
        "de": "Aus {windows} Messungen in zwei Abständen gelernt: n = {n} und die Signalstärke der Beacons.",
        "en": "Learnt from {windows} measurements at two distances: n = {n} and the beacons' signal strength.",
    },
    "dist.sure.high": {
        "de": "Die Messungen stimmen gut überein (Streuung {spread} dB): das Ergebnis ist verlässlich.",
        "en": "The measurements agree well (spread {spread} dB): the result is reliable.",
    },
    "dist.sure.mid": {
        "de": "Die Messungen streuen etwas ({spread} dB): das Ergebnis ist brauchbar.",
        "en": "The measurements vary somewhat ({spread} dB): the result is usable.",
    },
    "dist.sure.low": {
        "de": "Die Messungen streuen stark ({spread} dB): Entfernungen sind nur grob geschätzt.",
        "en": "The measurements vary a lot ({spread} dB): distances are only a rough guess.",
    },
    "dist.fitted_power": {
        "de": "Gelernte Signalstärke in 1 m von Beacon „{label}“: {power} dBm.",
        "en": "Learnt signal strength at 1 m of beacon “{label}”: {power} dBm.",
    },
    "dist.moved": {
        "de": (
            "Beacon „{label}“ klingt seit der letzten Stunde anders: wurde er oder der Agent bewegt? Prüfen Sie den "
            "eingetragenen Abstand."
        ),
        "en": (
            "Beacon “{label}” has sounded different for the last hour: was it or the agent moved? Check the distance "
            "entered."
        ),
    },
    "dist.error.too_many": {
        "de": "Höchstens 200 Abstände je Standort: lassen Sie die Felder entfernter Paare leer.",
        "en": "At most 200 distances per site: leave the fields of pairs far apart empty.",
    },
    "dist.error.exponent": {
        "de": "Eine Zahl von 1.5 bis 5, oder leer.",
        "en": "A number from 1.5 to 5, or empty.",
    },
    "dist.error.power": {
        "de": "Eine ganze Zahl in dBm, z. B. -59.",
        "en": "A whole number in dBm, e.g. -59.",
    },
    "dist.error.distance": {
        "de": "Eine Zahl von 0.5 bis 100 Metern, oder leer.",
        "en": "A number from 0.5 to 100 metres, or empty.",
    },
    # --- beacons (backend/web/manage/beacons.py) ---
    "beacons.none": {
        "de": "Dieser Standort hat noch keine Beacons. Tragen Sie unten einen ein oder laden Sie eine Liste hoch.",
        "en": "This site has no beacons yet. Add one below or upload a list.",
    },
    "beacons.done.added": {"de": "Der Beacon ist eingetragen.", "en": "The beacon has been added."},
    "beacons.done.imported": {
        "de": "{count} Beacons aus der Datei sind eingetragen.",
        "en": "{count} beacons from the file have been added.",
    },
    "beacons.done.decommissioned": {
        "de": "Der Beacon ist außer Betrieb genommen. Seine Kennung ist wieder frei.",
        "en": "The beacon has been decommissioned. Its identifiers are free again.",
    },
    "beacons.done.advertiser": {"de": "Gespeichert.", "en": "Saved."},
    "beacons.import_failed": {"de": "Nichts importiert", "en": "Nothing imported"},
    "beacons.import_failed_text": {
        "de": "Korrigieren Sie diese Zeilen und laden Sie die Datei noch einmal hoch.",
        "en": "Correct these lines and upload the file again.",
    },
    "beacons.more_problems": {"de": "… und {count} weitere.", "en": "… and {count} more."},
    "beacons.identifiers": {"de": "Art und Kennung", "en": "Kind and identifiers"},
    "beacons.last_heard": {"de": "Zuletzt gehört", "en": "Last heard"},
    "beacons.battery": {"de": "Batterie", "en": "Battery"},
    "beacons.alerts": {"de": "Hinweise", "en": "Alerts"},
    "beacons.no_alerts": {"de": "keine", "en": "none"},
    "beacons.inactive": {"de": "pausiert", "en": "paused"},
    "beacons.advertised_by": {"de": "Gesendet von Agent", "en": "Advertised by agent"},
    "beacons.no_agent": {"de": "(keinem)", "en": "(none)"},
    "beacons.save_advertiser": {"de": "Speichern", "en": "Save"},
    "beacons.advertise_hint": {
        "de": "„Gesendet von Agent“: Statt eines gekauften Beacons kann einer Ihrer Agenten die Kennung selbst "
        "aussenden. Ein Agent sendet einen Beacon; wählen Sie ihn hier.",
        "en": "'Advertised by agent': instead of a bought beacon, one of your agents can send the identifiers "
        "itself. An agent sends one beacon; choose it here.",
    },
    "beacons.decommission": {"de": "Außer Betrieb nehmen", "en": "Decommission"},
    "beacons.confirm": {
        "de": "Beacon „{name}“ wirklich außer Betrieb nehmen?",
        "en": "Really decommission beacon '{name}'?",
    },
    "beacons.confirm_text": {
        "de": "Handys finden Ihren Standort dann nicht mehr über diesen Beacon. Seine Zahlen bleiben; seine "
        "Kennung wird frei und kann neu eingetragen werden.",
        "en": "Phones will no longer find your site through this beacon. Its numbers stay; its identifiers are "
        "freed and can be added again.",
    },
    "beacons.confirm_yes": {"de": "Ja, außer Betrieb nehmen", "en": "Yes, decommission"},
    "beacons.confirm_no": {"de": "Nein, zurück", "en": "No, go back"},
    "beacons.kind.ibeacon": {"de": "iBeacon", "en": "iBeacon"},
    "beacons.kind.altbeacon": {"de": "AltBeacon", "en": "AltBeacon"},
    "beacons.kind.eddystone-uid": {"de": "Eddystone-UID", "en": "Eddystone-UID"},
    "beacons.kind.eddystone-eid": {"de": "Eddystone-EID", "en": "Eddystone-EID"},
    "beacons.alert.NEVER_SEEN": {"de": "Noch nie gehört.", "en": "Never heard."},
    "beacons.advice.NEVER_SEEN": {
        "de": "Ist die Batterie drin und der Agent in der Nähe?",
        "en": "Is the battery in, and an agent nearby?",
    },
    "beacons.alert.SILENT": {"de": "Still.", "en": "Silent."},
    "beacons.advice.SILENT": {
        "de": "Prüfen Sie Batterie und Platz des Beacons.",
        "en": "Check the beacon's battery and place.",
    },
    "beacons.alert.LOW_BATTERY": {"de": "Batterie schwach.", "en": "Battery low."},
    "beacons.advice.LOW_BATTERY": {
        "de": "Wechseln Sie die Batterie bald.",
        "en": "Replace the battery soon.",
    },
    "beacons.alert.MOVED": {"de": "Anders zu hören als bisher.", "en": "Heard differently than before."},
    "beacons.advice.MOVED": {
        "de": "Wurde er oder der Agent versetzt? Dann tragen Sie den Abstand neu ein.",
        "en": "Was it or the agent moved? Then enter the distance again.",
    },
    "beacons.add": {"de": "Beacon eintragen", "en": "Add a beacon"},
    "beacons.add_text": {
        "de": "Wählen Sie die Art Ihres Beacons. Die Kennung steht meist auf dem Karton, auf einem Aufkleber "
        "am Gerät oder in der App des Herstellers.",
        "en": "Choose your beacon's kind. Its identifiers are usually printed on the box, on a sticker on the "
        "device, or shown in the vendor's app.",
    },
    "beacons.form.ibeacon": {"de": "iBeacon (UUID, Major, Minor)", "en": "iBeacon (UUID, major, minor)"},
    "beacons.form.altbeacon": {"de": "AltBeacon (ID1, ID2, ID3)", "en": "AltBeacon (ID1, ID2, ID3)"},
    "beacons.form.eddystone-uid": {
        "de": "Eddystone-UID (Namespace, Instance)",
        "en": "Eddystone-UID (namespace, instance)",
    },
    "beacons.form.eddystone-eid": {
        "de": "Eddystone-EID (wechselnde Kennung)",
        "en": "Eddystone-EID (rotating identifier)",
    },
    "beacons.form.allocate": {
        "de": "Nahbei eine iBeacon-Kennung vergeben lassen",
        "en": "Let Nahbei choose an iBeacon identity",
    },
    "beacons.where.ibeacon": {
        "de": "Hersteller wie Kontakt.io, Estimote oder Minew drucken UUID, Major und Minor auf den Karton "
        "oder zeigen sie in ihrer App (oft unter „iBeacon“ oder „Slot“).",
        "en": "Vendors such as Kontakt.io, Estimote or Minew print the UUID, major and minor on the box or "
        "show them in their app (often under 'iBeacon' or 'slot').",
    },
    "beacons.where.altbeacon": {
        "de": "ID1 sieht aus wie eine UUID, ID2 und ID3 sind Zahlen; die App des Herstellers zeigt sie.",
        "en": "ID1 looks like a UUID, ID2 and ID3 are numbers; the vendor's app shows them.",
    },
    "beacons.where.eddystone-uid": {
        "de": "Namespace (20 Zeichen) und Instance (12 Zeichen) stehen in der App des Herstellers unter "
        "„Eddystone-UID“, manchmal mit „0x“ davor: das dürfen Sie mit eintippen.",
        "en": "The namespace (20 characters) and instance (12 characters) are in the vendor's app under "
        "'Eddystone-UID', sometimes with '0x' in front: you may type that too.",
    },
    "beacons.where.eddystone-eid": {
        "de": "Ein EID-Beacon wechselt seine Kennung laufend. Beim Einrichten zeigt die App des Herstellers "
        "den Identitätsschlüssel, den Exponenten K und die Uhr des Beacons; tragen Sie sie sofort ein.",
        "en": "An EID beacon keeps changing its identifier. When you set it up, the vendor's app shows the "
        "identity key, the exponent K and the beacon's clock; enter them straight away.",
    },
    "beacons.where.allocate": {
        "de": "Für Beacons, die Sie selbst einstellen, oder die ein Agent sendet: Nahbei wählt UUID, Major und "
        "Minor so, dass Handys wenige Regionen beobachten müssen. Die Kennung steht danach in der Liste.",
        "en": "For beacons you set up yourself, or that an agent sends: Nahbei chooses the UUID, major and "
        "minor so that phones watch few regions. The identifiers then appear in the list.",
    },
    "beacons.field.kind": {"de": "Art", "en": "Kind"},
    "beacons.field.label": {"de": "Name", "en": "Name"},
    "beacons.field.tx_power": {"de": "Sendeleistung bei 1 m (dBm)", "en": "Power at 1 m (dBm)"},
    "beacons.field.uuid": {"de": "UUID", "en": "UUID"},
    "beacons.field.major": {"de": "Major", "en": "Major"},
    "beacons.field.minor": {"de": "Minor", "en": "Minor"},
    "beacons.field.id1": {"de": "ID1", "en": "ID1"},
    "beacons.field.id2": {"de": "ID2", "en": "ID2"},
    "beacons.field.id3": {"de": "ID3", "en": "ID3"},
    "beacons.field.namespace": {"de": "Namespace", "en": "Namespace"},
    "beacons.field.instance": {"de": "Instance", "en": "Instance"},
    "beacons.field.identity_key": {"de": "Identitätsschlüssel", "en": "Identity key"},
    "beacons.field.rotation_exponent": {"de": "Exponent K", "en": "Exponent K"},
    "beacons.field.initial_time": {"de": "Uhr des Beacons (Sekunden)", "en": "Beacon clock (seconds)"},
    "beacons.field.allocate": {"de": "Vergeben", "en": "Allocate"},
    "beacons.hint.label": {
        "de": "Wo er hängt, z. B. „Eingang“: so heißt er in Hinweisen.",
        "en": "Where it hangs, e.g. 'Entrance': alerts call it that.",
    },
    "beacons.hint.tx_power": {
        "de": "Leer lassen für -59. Steht im Datenblatt als „Measured Power“ oder „RSSI at 1 m“.",
        "en": "Leave empty for -59. The data sheet calls it 'measured power' or 'RSSI at 1 m'.",
    },
    "beacons.hint.uuid": {
        "de": "32 Hexadezimalzeichen, meist 8-4-4-4-12 mit Bindestrichen.",
        "en": "32 hexadecimal characters, usually 8-4-4-4-12 with hyphens.",
    },
    "beacons.hint.major": {"de": "Eine Zahl von 0 bis 65535.", "en": "A number from 0 to 65535."},
    "beacons.hint.minor": {"de": "Eine Zahl von 0 bis 65535.", "en": "A number from 0 to 65535."},
    "beacons.hint.id1": {
        "de": "32 Hexadezimalzeichen, meist 8-4-4-4-12 mit Bindestrichen.",
        "en": "32 hexadecimal characters, usually 8-4-4-4-12 with hyphens.",
    },
    "beacons.hint.id2": {"de": "Eine Zahl von 0 bis 65535.", "en": "A number from 0 to 65535."},
    "beacons.hint.id3": {"de": "Eine Zahl von 0 bis 65535.", "en": "A number from 0 to 65535."},
    "beacons.hint.namespace": {
        "de": "20 Hexadezimalzeichen (0-9, a-f).",
        "en": "20 hexadecimal characters (0-9, a-f).",
    },
    "beacons.hint.instance": {
        "de": "12 Hexadezimalzeichen (0-9, a-f).",
        "en": "12 hexadecimal characters (0-9, a-f).",
    },
    "beacons.hint.identity_key": {
        "de": "32 Hexadezimalzeichen. Geheim: er wird nie wieder angezeigt.",
        "en": "32 hexadecimal characters. Secret: it is never shown again.",
    },
    "beacons.hint.rotation_exponent": {
        "de": "0 bis 15: die Kennung wechselt alle 2^K Sekunden (10 heißt etwa alle 17 Minuten).",
        "en": "0 to 15: the identifier changes every 2^K seconds (10 means about every 17 minutes).",
    },
    "beacons.hint.initial_time": {
        "de": "Die Sekunden, die die Uhr des Beacons jetzt zeigt.",
        "en": "The seconds the beacon's clock shows now.",
    },
    "beacons.bad.kind": {
        "de": "Unbekannte Art. Erlaubt: ibeacon, altbeacon, eddystone-uid, eddystone-eid.",
        "en": "Unknown kind. Allowed: ibeacon, altbeacon, eddystone-uid, eddystone-eid.",
    },
    "beacons.bad.label": {
        "de": "Höchstens 200 Zeichen, ohne Steuerzeichen.",
        "en": "At most 200 characters, without control characters.",
    },
    "beacons.bad.tx_power": {
        "de": "Eine ganze Zahl in dBm, etwa zwischen -100 und 20, z. B. -59.",
        "en": "A whole number in dBm, between about -100 and 20, e.g. -59.",
    },
    "beacons.bad.uuid": {
        "de": "Das ist keine UUID. Sie sieht so aus: f7826da6-4fa2-4e98-8024-bc5b71e0893e",
        "en": "That is not a UUID. It looks like this: f7826da6-4fa2-4e98-8024-bc5b71e0893e",
    },
    "beacons.bad.major": {"de": "Eine ganze Zahl von 0 bis 65535.", "en": "A whole number from 0 to 65535."},
    "beacons.bad.minor": {"de": "Eine ganze Zahl von 0 bis 65535.", "en": "A whole number from 0 to 65535."},
    "beacons.bad.id1": {
        "de": "Das ist keine UUID. Sie sieht so aus: 2f234454-cf6d-4a0f-adf2-f4911ba9ffa6",
        "en": "That is not a UUID. It looks like this: 2f234454-cf6d-4a0f-adf2-f4911ba9ffa6",
    },
    "beacons.bad.id2": {"de": "Eine ganze Zahl von 0 bis 65535.", "en": "A whole number from 0 to 65535."},
    "beacons.bad.id3": {"de": "Eine ganze Zahl von 0 bis 65535.", "en": "A whole number from 0 to 65535."},
    "beacons.bad.namespace": {
        "de": "Genau 20 Hexadezimalzeichen (0-9, a-f), z. B. edd1ebeac04e5defa017.",
        "en": "Exactly 20 hexadecimal characters (0-9, a-f), e.g. edd1ebeac04e5defa017.",
    },
    "beacons.bad.instance": {
        "de": "Genau 12 Hexadezimalzeichen (0-9, a-f), z. B. 0123456789ab.",
        "en": "Exactly 12 hexadecimal characters (0-9, a-f), e.g. 0123456789ab.",
    },
    "beacons.bad.identity_key": {
        "de": "Genau 32 Hexadezimalzeichen (0-9, a-f).",
        "en": "Exactly 32 hexadecimal characters (0-9, a-f).",
    },
    "beacons.bad.rotation_exponent": {
        "de": "Eine ganze Zahl von 0 bis 15.",
        "en": "A whole number from 0 to 15.",
    },
    "beacons.bad.initial_time": {
        "de": "Eine ganze Zahl von Sekunden, 0 oder mehr (unter 4294967296).",
        "en": "A whole number of seconds, 0 or more (below 4294967296).",
    },
    "beacons.bad.allocate": {"de": "Ja oder nein.", "en": "Yes or no."},
    "beacons.problem.invalid": {
        "de": "Diese Angaben passen nicht zusammen.",
        "en": "These values do not fit together.",
    },
    "beacons.problem.missing": {"de": "Fehlt: diese Art braucht es.", "en": "Missing: this kind needs it."},
    "beacons.problem.not_for_kind": {
        "de": "Gehört nicht zu dieser Art von Beacon: lassen Sie die Zelle leer.",
        "en": "Does not belong to this kind of beacon: leave the cell empty.",
    },
    "beacons.problem.unknown_column": {
        "de": "Unbekannte Spalte. Die Spalten stehen über dem Formular.",
        "en": "Unknown column. The columns are listed above the form.",
    },
    "beacons.problem.repeated_column": {
        "de": "Diese Spalte steht zweimal da.",
        "en": "This column is there twice.",
    },
    "beacons.problem.no_kind_column": {
        "de": "Die erste Zeile muss die Spaltennamen nennen, darunter „kind“.",
        "en": "The first line must name the columns, among them 'kind'.",
    },
    "beacons.problem.too_many_cells": {
        "de": "Mehr Zellen als Spalten in der ersten Zeile.",
        "en": "More cells than the first line has columns.",
    },
    "beacons.problem.duplicate": {
        "de": "Derselbe Beacon wie in Zeile {other}.",
        "en": "The same beacon as on line {other}.",
    },
    "beacons.problem.taken": {
        "de": "Ein Beacon mit dieser Kennung ist schon eingetragen. Nehmen Sie den alten zuerst außer Betrieb.",
        "en": "A beacon with these identifiers is already registered. Decommission the old one first.",
    },
    "beacons.problem.exhausted": {
        "de": "Es sind keine iBeacon-Kennungen mehr frei. Bitte wenden Sie sich an den Betreiber.",
        "en": "No iBeacon identities are left. Please contact the operator.",
    },
    "beacons.problem.too_many_rows": {
        "de": "Zu viele Zeilen: höchstens 2000 Beacons je Datei. Teilen Sie die Datei.",
        "en": "Too many lines: at most 2000 beacons per file. Split the file.",
    },
    "beacons.problem.too_large": {
        "de": "Die Datei ist zu groß (höchstens 256 KB). Teilen Sie sie.",
        "en": "The file is too large (at most 256 KB). Split it.",
    },
    "beacons.problem.not_utf8": {
        "de": "Die Datei ist nicht in UTF-8. Speichern Sie sie in Excel als „CSV UTF-8“.",
        "en": "The file is not UTF-8. Save it from Excel as 'CSV UTF-8'.",
    },
    "beacons.problem.not_csv": {
        "de": "Hier ist die Datei keine gültige CSV-Datei (z. B. ein Anführungszeichen ohne Ende).",
        "en": "The file is not valid CSV here (e.g. a quote that never ends).",
    },
    "beacons.problem.empty": {
        "de": "Die Datei enthält keine Beacons: unter der Zeile mit den Spaltennamen fehlt eine Zeile je Beacon.",
        "en": "The file holds no beacons: below the line of column names, put one line per beacon.",
    },
    "beacons.csv.line": {"de": "Zeile {line}", "en": "Line {line}"},
    "beacons.add_submit": {"de": "Beacon eintragen", "en": "Add the beacon"},
    "beacons.import": {"de": "Viele Beacons aus einer CSV-Datei", "en": "Many beacons from a CSV file"},
    "beacons.import_text": {
        "de": "Hersteller liefern Listen. Die erste Zeile nennt die Spalten (in beliebiger Reihenfolge; nur "
        "„kind“ muss sein), danach eine Zeile je Beacon; Zellen, die nicht zur Art gehören, bleiben leer. "
        "Kommas oder Semikolons trennen die Zellen, die Datei ist UTF-8, höchstens {kib} KB und 2000 Zeilen. "
        "Ist eine Zeile falsch, wird nichts eingetragen.",
        "en": "Vendors ship lists. The first line names the columns (in any order; only 'kind' is required), "
        "then one line per beacon; cells that do not belong to its kind stay empty. Commas or semicolons "
        "separate the cells, the file is UTF-8, at most {kib} KB and 2000 lines. If any line is wrong, "
        "nothing is added.",
    },
    "beacons.example": {"de": "Beispieldatei herunterladen", "en": "Download an example file"},
    "beacons.file": {"de": "CSV-Datei", "en": "CSV file"},
    "beacons.file_hint": {
        "de": "Jede falsche Zeile wird mit Nummer und Grund genannt.",
        "en": "Every wrong line is named with its number and the reason.",
    },
    "beacons.import_submit": {"de": "Datei prüfen und eintragen", "en": "Check the file and add"},
    # --- agents (backend/web/manage/agents.py) ---
    "agents.text": {
        "de": "Ein Agent ist ein kleiner Rechner (ein Raspberry Pi) am Standort. Er hört Ihre Beacons und meldet "
        "sie; er kann auch selbst als Beacon senden.",
        "en": "An agent is a small computer (a Raspberry Pi) at the site. It hears your beacons and reports "
        "them; it can also send as a beacon itself.",
    },
    "agents.none": {
        "de": "Dieser Standort hat noch keinen Agenten. Legen Sie unten einen an.",
        "en": "This site has no agent yet. Create one below.",
    },
    "agents.name": {"de": "Name", "en": "Name"},
    "agents.state": {"de": "Zustand", "en": "State"},
    "agents.outbox": {"de": "Ausgangsspeicher", "en": "Outbox"},
    "agents.version": {"de": "Version", "en": "Version"},
    "agents.advertises": {"de": "Sendet als Beacon", "en": "Advertises"},
    "agents.advertises_nothing": {"de": "nichts", "en": "nothing"},
    "agents.online": {"de": "Online, zuletzt gemeldet {since}", "en": "Online, last heard {since}"},
    "agents.offline": {"de": "Offline seit {since}", "en": "Offline since {since}"},
    "agents.never": {"de": "Hat sich noch nie gemeldet", "en": "Never heard from"},
    "agents.revoked": {"de": "Gesperrt", "en": "Revoked"},
    "agents.outbox.empty": {"de": "Leer: alles gemeldet", "en": "Empty: everything reported"},
    "agents.outbox.waiting": {"de": "{n} Sichtungen warten", "en": "{n} sightings waiting"},
    "agents.outbox.dropped": {"de": "({n} verworfen)", "en": "({n} dropped)"},
    "agents.outbox.failing": {"de": "Kann nicht speichern: {error}", "en": "Cannot store: {error}"},
    "agents.revoke": {"de": "Sperren", "en": "Revoke"},
    "agents.done.revoked": {
        "de": "Der Agent ist gesperrt: sein Schlüssel gilt nicht mehr.",
        "en": "The agent has been revoked: its token no longer works.",
    },
    "agents.create": {"de": "Agenten anlegen", "en": "Create an agent"},
    "agents.name_hint": {
        "de": "Wo er steht, z. B. „Pi im Flur“.",
        "en": "Where it stands, e.g. 'Pi in the hall'.",
    },
    "agents.name_bad": {
        "de": "Geben Sie einen Namen mit 1 bis 200 Zeichen ein, ohne Steuerzeichen.",
        "en": "Enter a name of 1 to 200 characters, without control characters.",
    },
    "agents.name_taken": {
        "de": "Ein Agent dieses Standorts heißt schon „{name}“. Sein Schlüssel wurde nur beim Anlegen "
        "gezeigt: ist er verloren, sperren Sie diesen Agenten und legen Sie einen neuen an.",
        "en": "An agent of this site is already called “{name}”. Its token was shown only when it was "
        "made: if it is lost, revoke that agent and create a new one.",
    },
    "agents.create_submit": {"de": "Agenten anlegen", "en": "Create the agent"},
    "agents.made": {"de": "Angelegt:", "en": "Created:"},
    "agents.token": {"de": "Sein Schlüssel (Token):", "en": "Its token:"},
    "agents.made_once": {
        "de": "Schlüssel und Datei werden nur jetzt angezeigt: laden Sie die Datei jetzt herunter. Wer sie hat, "
        "kann im Namen dieses Agenten melden. Verloren? Sperren Sie den Agenten und legen Sie einen neuen an.",
        "en": "The token and the file are shown only now: download the file now. Whoever has it can report "
        "as this agent. Lost it? Revoke the agent and create a new one.",
    },
    "agents.download": {"de": "agent.toml herunterladen", "en": "Download agent.toml"},
    "agents.show_file": {"de": "Inhalt der Datei zeigen", "en": "Show the file's content"},
    "agents.install": {"de": "So richten Sie den Raspberry Pi ein", "en": "How to set up the Raspberry Pi"},
    "agents.install_text": {
        "de": "Kopieren Sie agent.toml auf den Pi (z. B. mit einem USB-Stick oder scp) und führen Sie im selben "
        "Ordner diese drei Befehle aus:",
        "en": "Copy agent.toml to the Pi (e.g. on a USB stick or with scp) and run these three commands in the "
        "same folder:",
    },
    "agents.install_after": {
        "de": "Der zweite Befehl prüft Datei, Verbindung und Bluetooth; danach läuft der Agent von selbst, auch "
        "nach einem Neustart. Auf dieser Seite erscheint er dann als „Online“.",
        "en": "The second command checks the file, the connection and Bluetooth; after the third the agent runs "
        "by itself, also after a restart. This page then shows it as 'Online'.",
    },
    # --- prompts (backend/web/manage/prompts.py) ---
    # The prompt card's own words (backend/web/card.py): the app, the public page and the preview.
    "card.more": {"de": "Mehr erfahren", "en": "Read more"},
    "card.dismiss": {"de": "Kein Interesse", "en": "Not interested"},
    "prompts.new": {"de": "Neuer Aufruf", "en": "New prompt"},
    "prompts.edit": {"de": "Aufruf bearbeiten", "en": "Edit prompt"},
    "prompts.list.hint": {
        "de": "Telefone zeigen nur veröffentlichte Aufrufe, und nur zu ihren Zeiten. Ein neuer Aufruf ist "
        "ein Entwurf, bis Sie ihn veröffentlichen.",
        "en": "Phones show only published prompts, and only at their times. A new prompt is a draft until "
        "you publish it.",
    },
    "prompts.list.none": {
        "de": "Dieser Standort hat noch keinen Aufruf.",
        "en": "This site has no prompt yet.",
    },
    "prompts.list.state": {"de": "Stand", "en": "State"},
    "prompts.list.actions": {"de": "Aktionen", "en": "Actions"},
    "prompts.status.draft": {"de": "Entwurf", "en": "Draft"},
    "prompts.status.published": {"de": "Veröffentlicht", "en": "Published"},
    "prompts.status.archived": {"de": "Archiviert", "en": "Archived"},
    "prompts.state.draft": {"de": "Telefone sehen ihn nicht.", "en": "Phones do not see it."},
    "prompts.state.archived": {"de": "Telefone sehen ihn nicht.", "en": "Phones do not see it."},
    "prompts.state.shown": {"de": "Telefone in der Nähe sehen ihn jetzt.", "en": "Phones nearby see it now."},
    "prompts.state.not_yet": {
        "de": "Noch nicht gültig: Telefone sehen ihn ab dem ersten Tag.",
        "en": "Not valid yet: phones see it from its first day.",
    },
    "prompts.state.over": {
        "de": "Abgelaufen: sein letzter Tag ist vorbei.",
        "en": "Over: its last day has passed.",
    },
    "prompts.state.outside_times": {
        "de": "Gerade außerhalb seiner Zeiten: Telefone sehen ihn zu den Wochenzeiten.",
        "en": "Outside its times just now: phones see it at its weekly times.",
    },
    "prompts.publish": {"de": "Veröffentlichen", "en": "Publish"},
    "prompts.withdraw": {"de": "Zurückziehen", "en": "Withdraw"},
    "prompts.done.created": {
        "de": "Der Aufruf ist gespeichert, als Entwurf: Telefone sehen ihn erst, wenn Sie ihn veröffentlichen.",
        "en": "The prompt is saved, as a draft: phones see it once you publish it.",
    },
    "prompts.done.saved": {"de": "Die Änderungen sind gespeichert.", "en": "Your changes are saved."},
    "prompts.done.published": {
        "de": "Der Aufruf ist veröffentlicht.",
        "en": "The prompt is published.",
    },
    "prompts.done.withdrawn": {
        "de": "Der Aufruf ist zurückgezogen: Telefone sehen ihn nicht mehr.",
        "en": "The prompt is withdrawn: phones no longer see it.",
    },
    "prompts.field.kind": {"de": "Art des Aufrufs", "en": "Kind of prompt"},
    "prompts.field.title": {"de": "Titel", "en": "Title"},
    "prompts.field.body": {"de": "Text", "en": "Text"},
    "prompts.field.action_label": {"de": "Beschriftung des Knopfs", "en": "Button label"},
    "prompts.field.action_url": {"de": "Link des Knopfs", "en": "Button link"},
    "prompts.field.max_distance_m": {"de": "Wie nah (Meter)", "en": "How near (metres)"},
    "prompts.field.schedule": {"de": "Wochenzeiten", "en": "Weekly times"},
    "prompts.field.valid_from": {"de": "Erster Tag", "en": "First day"},
    "prompts.field.valid_until": {"de": "Letzter Tag", "en": "Last day"},
    "prompts.field.priority": {"de": "Vorrang", "en": "Priority"},
    "prompts.field.cooldown_min": {"de": "Pause (Minuten)", "en": "Pause (minutes)"},
    "prompts.texts.de": {"de": "Auf Deutsch", "en": "In German"},
    "prompts.texts.en": {"de": "Auf Englisch", "en": "In English"},
    "prompts.texts.hint": {
        "de": "Eine Sprache genügt. Ein Telefon in einer Sprache ohne Text zeigt die Sprache des Standorts.",
        "en": "One language is enough. A phone in a language without text shows the site's language.",
    },
    "prompts.hint.action_label": {
        "de": "Leer: „{label}“. Worte, kein Link.",
        "en": "Empty: “{label}”. Words, not a link.",
    },
    "prompts.hint.action_url": {
        "de": "Eine https-Adresse, etwa Ihre Seite zum Mitmachen. Leer: kein Knopf.",
        "en": "An https address, such as your page for volunteers. Empty: no button.",
    },
    "prompts.hint.schedule": {
        "de": "Eine Zeile je Zeitraum, etwa „Mo-Fr 09:00-17:00“ oder „Sa, So 10:00-14:00“. Leer: immer.",
        "en": "One line per time, such as “Mon-Fri 09:00-17:00” or “Sat, Sun 10:00-14:00”. Empty: always.",
    },
    "prompts.hint.dates": {
        "de": "Beide Tage zählen ganz mit, in der Zeitzone des Standorts ({zone}). Leer: ohne Anfang, ohne Ende.",
        "en": "Both days count in full, in the site's time zone ({zone}). Empty: no start, no end.",
    },
    "prompts.hint.priority": {
        "de": "Zeigt ein Standort mehrere Aufrufe, kommt der mit dem höheren Vorrang zuerst. Üblich: 0.",
        "en": "When a site shows several prompts, the higher priority comes first. Usual: 0.",
    },
    "prompts.hint.cooldown_min": {
        "de": "So lange zeigt ein Telefon den Aufruf nicht noch einmal. 60 ist eine Stunde, 1440 ein Tag.",
        "en": "For this long a phone does not show the prompt again. 60 is an hour, 1440 a day.",
    },
    "prompts.hint.create": {
        "de": "Gespeichert wird ein Entwurf: veröffentlichen Sie ihn danach mit einem Knopf.",
        "en": "It is saved as a draft: publish it afterwards with one button.",
    },
    "prompts.hint.save": {
        "de": "Ein veröffentlichter Aufruf zeigt die Änderung sofort.",
        "en": "A published prompt shows the change at once.",
    },
    "prompts.create": {"de": "Als Entwurf speichern", "en": "Save as draft"},
    "prompts.save": {"de": "Änderungen speichern", "en": "Save changes"},
    "prompts.near.none": {
        "de": "Leer: ohne Grenze. Jedes Telefon, das einen Beacon hört, zeigt ihn, oft noch 50 bis 100 m entfernt.",
        "en": "Empty: no limit. Every phone that hears a beacon shows it, often 50 to 100 m away.",
    },
    "prompts.near.door": {
        "de": "Direkt an der Tür: nur wer vor dem Eingang steht.",
        "en": "At the door: only people standing at the entrance.",
    },
    "prompts.near.two_shops": {
        "de": "Etwa zwei Ladenfronten: wer auf Ihrer Straßenseite vorbeigeht.",
        "en": "About two shop fronts: people walking past on your side of the street.",
    },
    "prompts.near.across": {
        "de": "Etwa vier Ladenfronten; auch wer auf der anderen Straßenseite geht, sieht ihn.",
        "en": "About four shop fronts; people across the road see it too.",
    },
    "prompts.near.street": {
        "de": "Ein Stück Straße von etwa zwölf Ladenfronten, beide Seiten.",
        "en": "A stretch of street about a dozen shop fronts long, both sides.",
    },
    "prompts.near.block": {
        "de": "Bis zur nächsten Ecke und darüber hinaus: auch wer Ihre Tür nicht sieht.",
        "en": "To the next corner and beyond: people who cannot see your door too.",
    },
    "prompts.near.far": {
        "de": "Weiter, als ein Beacon meist reicht: praktisch jedes Telefon, das ihn hört.",
        "en": "Further than a beacon usually reaches: practically every phone that hears it.",
    },
    "prompts.preview": {"de": "Vorschau auf dem Telefon", "en": "Preview on a phone"},
    "prompts.preview.hint": {
        "de": "So zeigt die Nahbei-App den Aufruf; die Vorschau folgt Ihrer Eingabe.",
        "en": "This is how the Nahbei app shows the prompt; the preview follows what you type.",
    },
    "prompts.preview.jump": {"de": "Zur Vorschau auf dem Telefon", "en": "To the preview on a phone"},
    "prompts.preview.language": {"de": "Sprache des Telefons", "en": "Language of the phone"},
    "prompts.preview.empty": {
        "de": "Die Vorschau erscheint, sobald ein Titel da ist.",
        "en": "The preview appears once there is a title.",
    },
    "prompts.preview.fallback": {
        "de": "In dieser Sprache gibt es keinen Text: das Telefon zeigt eine andere.",
        "en": "There is no text in this language: the phone shows another.",
    },
    "prompts.error.no_text": {
        "de": "Geben Sie einen Titel ein, in mindestens einer Sprache.",
        "en": "Enter a title, in at least one language.",
    },
    "prompts.error.title": {
        "de": "Geben Sie einen Titel mit höchstens 120 Zeichen ein, ohne Steuerzeichen.",
        "en": "Enter a title of at most 120 characters, without control characters.",
    },
    "prompts.error.body": {
        "de": "Der Text ist zu lang oder enthält Steuerzeichen.",
        "en": "The text is too long or contains control characters.",
    },
    "prompts.error.action_label": {
        "de": "Die Beschriftung sind Worte mit höchstens 60 Zeichen, etwa „Mitmachen“, kein Link.",
        "en": "The label is words of at most 60 characters, such as “Join us”, not a link.",
    },
    "prompts.error.action_url": {
        "de": "Geben Sie eine öffentliche https-Adresse ein, etwa https://www.hospiz-am-park.de/helfen.",
        "en": "Enter a public https address, such as https://www.hospice.example/help.",
    },
    "prompts.error.link_domain": {
        "de": "Links dieser Einrichtung dürfen nur zu {domains} führen (oder deren Unterseiten).",
        "en": "This organisation's links may only go to {domains} (or their subdomains).",
    },
    "prompts.error.kind": {"de": "Wählen Sie eine Art des Aufrufs.", "en": "Choose a kind of prompt."},
    "prompts.error.max_distance_m": {
        "de": "Geben Sie eine Zahl von Metern ein, größer als 0 und höchstens 10000, oder lassen Sie das Feld leer.",
        "en": "Enter a number of metres above 0 and at most 10000, or leave the field empty.",
    },
    "prompts.error.schedule": {
        "de": "Zeile {line} ist nicht zu lesen: schreiben Sie Tage und Uhrzeiten wie „Mo-Fr 09:00-17:00“.",
        "en": "Line {line} cannot be read: write days and times such as “Mon-Fri 09:00-17:00”.",
    },
    "prompts.error.valid_from": {"de": "Geben Sie ein Datum ein.", "en": "Enter a date."},
    "prompts.error.valid_until": {"de": "Geben Sie ein Datum ein.", "en": "Enter a date."},
    "prompts.error.order": {
        "de": "Der letzte Tag darf nicht vor dem ersten liegen.",
        "en": "The last day cannot come before the first.",
    },
    "prompts.error.priority": {
        "de": "Geben Sie eine ganze Zahl von -1000 bis 1000 ein.",
        "en": "Enter a whole number from -1000 to 1000.",
    },
    "prompts.error.cooldown_min": {
        "de": "Geben Sie eine ganze Zahl von Minuten ein, von 0 bis 43200 (30 Tage).",
        "en": "Enter a whole number of minutes, from 0 to 43200 (30 days).",
    },
    # --- numbers and alerts (backend/web/manage/numbers.py, backend/alerts) ---
    "numbers.span": {"de": "Zeitraum", "en": "Period"},
    "numbers.last_days": {"de": "Letzte {days} Tage", "en": "Last {days} days"},
    "numbers.sightings": {"de": "Sichtungen", "en": "Sightings"},
    "numbers.sightings.title": {
        "de": "Sichtungen pro Stunde, letzte {days} Tage",
        "en": "Sightings per hour, last {days} days",
    },
    "numbers.sightings.hint": {
        "de": "Wie oft Ihre Agenten Ihre Beacons gehört haben: ein Zeichen, dass alles läuft.",
        "en": "How often your agents heard your beacons: a sign that everything is running.",
    },
    "numbers.sightings.desc": {
        "de": "{total} Sichtungen vom {first} bis {last}, pro Stunde als Balken.",
        "en": "{total} sightings from {first} to {last}, one bar per hour.",
    },
    "numbers.sightings.none": {"de": "Noch keine Sichtungen", "en": "No sightings yet"},
    "numbers.sightings.caption": {
        "de": "Sichtungen pro Stunde (Stunden ohne Sichtungen fehlen)",
        "en": "Sightings per hour (hours without sightings left out)",
    },
    "numbers.prompts.title": {
        "de": "Aufrufe pro Tag, letzte {days} Tage",
        "en": "Prompts per day, last {days} days",
    },
    "numbers.prompts.hint": {
        "de": "Wie oft Handys Ihre Aufrufe gezeigt haben, wie oft sie geöffnet wurden und wie oft "
        "jemand dem Link gefolgt ist.",
        "en": "How often phones showed your prompts, how often people opened them and how often "
        "someone followed the link.",
    },
    "numbers.prompts.desc": {
        "de": "{shown}-mal gezeigt, {opened}-mal geöffnet, {acted}-mal dem Link gefolgt, "
        "{dismissed}-mal weggeklickt; pro Tag als Balken.",
        "en": "Shown {shown} times, opened {opened} times, link followed {acted} times, "
        "dismissed {dismissed} times; one group of bars per day.",
    },
    "numbers.prompts.none": {"de": "Noch keine Aufrufe gezeigt", "en": "No prompts shown yet"},
    "numbers.prompts.caption": {"de": "Aufrufe pro Tag", "en": "Prompts per day"},
    "numbers.event.shown": {"de": "gezeigt", "en": "shown"},
    "numbers.event.opened": {"de": "geöffnet", "en": "opened"},
    "numbers.event.dismissed": {"de": "weggeklickt", "en": "dismissed"},
    "numbers.event.acted": {"de": "Link gefolgt", "en": "link followed"},
    "numbers.as_table": {"de": "Als Tabelle zeigen", "en": "Show as a table"},
    "numbers.hour": {"de": "Stunde", "en": "Hour"},
    "numbers.day": {"de": "Tag", "en": "Day"},
    "numbers.download": {"de": "Zahlen herunterladen", "en": "Download the numbers"},
    "numbers.download.hint": {
        "de": "Als CSV-Datei für eine Tabellenkalkulation, Zeiten in der Zeitzone des Standorts.",
        "en": "As a CSV file for a spreadsheet, times in the site's time zone.",
    },
    "numbers.download.hours": {
        "de": "Sichtungen pro Stunde, letzte {days} Tage (CSV)",
        "en": "Sightings per hour, last {days} days (CSV)",
    },
    "numbers.download.days": {
        "de": "Sichtungen und Aufrufe pro Tag, letzte {days} Tage (CSV)",
        "en": "Sightings and prompts per day, last {days} days (CSV)",
    },
    "alert.mail.subject.bad": {
        "de": "Nahbei: {site} braucht Aufmerksamkeit",
        "en": "Nahbei: {site} needs attention",
    },
    "alert.mail.subject.good": {
        "de": "Nahbei: {site} ist wieder in Ordnung",
        "en": "Nahbei: {site} is fine again",
    },
    "alert.mail.intro": {
        "de": "Guten Tag,\n\nam Standort „{site}“ hat sich etwas geändert (Stand {at}).",
        "en": "Hello,\n\nsomething has changed at the site '{site}' (as of {at}).",
    },
    "alert.mail.opened": {"de": "Neu, bitte kümmern Sie sich darum:", "en": "New, please see to it:"},
    "alert.mail.closed": {"de": "Wieder in Ordnung:", "en": "Fine again:"},
    "alert.mail.still": {"de": "Weiterhin offen:", "en": "Still open:"},
    "alert.mail.link": {
        "de": "Alles zum Standort sehen Sie hier: {link}",
        "en": "Everything about the site is here: {link}",
    },
    "alert.mail.why": {
        "de": "Sie bekommen diese Nachricht, weil Ihre Adresse bei diesem Standort für Warnungen "
        "eingetragen ist. Zu jedem Problem schreibt Nahbei einmal, wenn es beginnt, und einmal, wenn "
        "es vorbei ist. Austragen können Sie sich auf der Seite „Zahlen“ des Standorts.",
        "en": "You get this message because your address is entered for this site's alerts. Nahbei "
        "writes once when a problem starts and once when it is over. You can remove yourself on the "
        "site's 'Numbers' page.",
    },
    "alert.open.SILENT": {
        "de": "Beacon „{name}“ wird nicht mehr gehört.",
        "en": "Beacon '{name}' is no longer heard.",
    },
    "alert.advice.SILENT": {
        "de": "Was tun: Sehen Sie nach, ob er noch an seinem Platz ist und Strom hat.",
        "en": "What to do: check that it is still in place and has power.",
    },
    "alert.close.SILENT": {
        "de": "Beacon „{name}“ wird wieder gehört.",
        "en": "Beacon '{name}' is heard again.",
    },
    "alert.open.LOW_BATTERY": {
        "de": "Die Batterie von Beacon „{name}“ ist schwach.",
        "en": "The battery of beacon '{name}' is low.",
    },
    "alert.advice.LOW_BATTERY": {
        "de": "Was tun: Wechseln Sie die Batterie in den nächsten Tagen.",
        "en": "What to do: replace the battery in the next few days.",
    },
    "alert.close.LOW_BATTERY": {
        "de": "Die Batterie von Beacon „{name}“ ist wieder gut.",
        "en": "The battery of beacon '{name}' is good again.",
    },
    "alert.open.MOVED": {
        "de": "Beacon „{name}“ klingt anders als sonst: verschoben, verdeckt oder leiser gestellt?",
        "en": "Beacon '{name}' sounds different from usual: moved, covered or turned down?",
    },
    "alert.advice.MOVED": {
        "de": "Was tun: Bringen Sie ihn an seinen Platz zurück und nehmen Sie weg, was ihn verdeckt.",
        "en": "What to do: put it back in its place and remove whatever covers it.",
    },
    "alert.close.MOVED": {
        "de": "Beacon „{name}“ klingt wieder wie sonst.",
        "en": "Beacon '{name}' sounds as usual again.",
    },
    "alert.open.AGENT_SILENT": {
        "de": "Agent „{name}“ meldet sich nicht mehr (offline).",
        "en": "Agent '{name}' no longer reports (offline).",
    },
    "alert.advice.AGENT_SILENT": {
        "de": "Was tun: Prüfen Sie Strom und Netzwerk des kleinen Rechners am Standort; ziehen Sie "
        "notfalls kurz den Stecker und stecken Sie ihn wieder ein.",
        "en": "What to do: check the power and network of the small computer at the site; if need be, "
        "unplug it briefly and plug it in again.",
    },
    "alert.close.AGENT_SILENT": {
        "de": "Agent „{name}“ meldet sich wieder.",
        "en": "Agent '{name}' reports again.",
    },
    "alert.open.OUTBOX_FAILING": {
        "de": "Agent „{name}“ kann seine Daten nicht speichern.",
        "en": "Agent '{name}' cannot store its data.",
    },
    "alert.advice.OUTBOX_FAILING": {
        "de": "Was tun: Die Speicherkarte ist vielleicht voll oder defekt; fragen Sie, wer den Rechner "
        "eingerichtet hat.",
        "en": "What to do: its memory card may be full or failing; ask whoever set the computer up.",
    },
    "alert.close.OUTBOX_FAILING": {
        "de": "Agent „{name}“ speichert seine Daten wieder.",
        "en": "Agent '{name}' stores its data again.",
    },
    "alerts.title": {"de": "Benachrichtigungen", "en": "Alerts"},
    "alerts.text": {
        "de": "Wenn ein Beacon still ist, seine Batterie schwach wird, er verschoben scheint oder ein Agent "
        "offline ist oder seine Daten nicht speichern kann, schreibt Nahbei einmal, wenn das beginnt, und "
        "einmal, wenn es vorbei ist. Geprüft wird alle paar Minuten.",
        "en": "When a beacon is silent, its battery runs low or it seems to have moved, or when an agent is "
        "offline or cannot store its data, Nahbei writes once when that starts and once when it is over. "
        "It checks every few minutes.",
    },
    "alerts.done.contacts": {"de": "Die Kontakte sind gespeichert.", "en": "The contacts are saved."},
    "alerts.done.webhook_off": {
        "de": "Der Webhook ist entfernt; es werden keine mehr gesendet.",
        "en": "The webhook is removed; none will be sent any more.",
    },
    "alerts.contacts": {"de": "Per E-Mail", "en": "By e-mail"},
    "alerts.no_mail": {
        "de": "Dieser Server hat keinen Mailserver eingestellt und verschickt deshalb keine E-Mails. Fragen "
        "Sie, wer Nahbei betreibt, oder nutzen Sie einen Webhook.",
        "en": "This server has no mail server set up, so it sends no e-mail. Ask whoever runs Nahbei, or "
        "use a webhook.",
    },
    "alerts.contacts.field": {"de": "E-Mail-Adressen für Warnungen", "en": "E-mail addresses for alerts"},
    "alerts.contacts.hint": {
        "de": "Eine Adresse pro Zeile, höchstens 20. Leer lassen, wenn niemand E-Mails bekommen soll.",
        "en": "One address per line, at most 20. Leave empty if nobody should get e-mail.",
    },
    "alerts.contacts.save": {"de": "Kontakte speichern", "en": "Save the contacts"},
    "alerts.contacts.none": {"de": "Niemand bekommt E-Mails.", "en": "Nobody gets e-mail."},
    "alerts.contacts.bad": {
        "de": "Die Kontakte sind nicht gespeichert: bitte prüfen Sie die E-Mail-Adressen.",
        "en": "The contacts are not saved: please check the e-mail addresses.",
    },
    "alerts.contacts.bad_address": {
        "de": "„{address}“ ist keine E-Mail-Adresse.",
        "en": "'{address}' is not an e-mail address.",
    },
    "alerts.contacts.too_many": {"de": "Höchstens {most} Adressen.", "en": "At most {most} addresses."},
    "alerts.webhook": {
        "de": "Per Webhook (für Technikerinnen und Techniker)",
        "en": "By webhook (for technical staff)",
    },
    "alerts.webhook.hint": {
        "de": "Nahbei sendet dieselben Nachrichten als JSON an eine Adresse, unterschrieben mit einem "
        "Geheimnis (HMAC-SHA256); das Format steht in der Anleitung (README).",
        "en": "Nahbei sends the same messages as JSON to an address, signed with a secret (HMAC-SHA256); "
        "the format is in the manual (README).",
    },
    "alerts.webhook.current": {"de": "Jetzt an:", "en": "Now to:"},
    "alerts.webhook.none": {"de": "Kein Webhook eingerichtet.", "en": "No webhook set up."},
    "alerts.webhook.field": {"de": "Adresse des Webhooks", "en": "Webhook address"},
    "alerts.webhook.field_hint": {
        "de": "Beginnt mit https://. Beim Speichern entsteht ein neues Geheimnis; das alte gilt dann nicht mehr.",
        "en": "Starts with https://. Saving makes a new secret; the old one stops working.",
    },
    "alerts.webhook.save": {"de": "Speichern, neues Geheimnis erzeugen", "en": "Save and make a new secret"},
    "alerts.webhook.remove": {"de": "Webhook entfernen", "en": "Remove the webhook"},
    "alerts.webhook.bad": {
        "de": "Die Adresse des Webhooks muss mit http:// oder https:// beginnen, darf kein Passwort enthalten "
        "und muss öffentlich erreichbar sein (keine Adresse im Netz dieses Servers).",
        "en": "The webhook address must start with http:// or https://, must not contain a password and "
        "must be public (no address in this server's own network).",
    },
    "alerts.webhook.secret": {
        "de": "Das Geheimnis, mit dem Nahbei jede Nachricht an Ihren Webhook unterschreibt:",
        "en": "The secret with which Nahbei signs every message to your webhook:",
    },
    "alerts.webhook.secret_once": {
        "de": "Kopieren Sie es jetzt in Ihren Empfänger: Es wird nur dieses eine Mal gezeigt.",
        "en": "Copy it into your receiver now: it is shown this once only.",
    },
    # --- end of the staff pages' sections ---
}


def word(key: str, lang: str) -> str:
    """The text `key` in `lang` (a language of LANGUAGES); KeyError for a key nobody wrote."""
    return WORDS[key][lang]
