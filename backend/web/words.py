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
    # --- beacons (backend/web/manage/beacons.py) ---
    # --- agents (backend/web/manage/agents.py) ---
    # --- prompts (backend/web/manage/prompts.py) ---
    # --- numbers and alerts (backend/web/manage/numbers.py, backend/alerts) ---
    # --- end of the staff pages' sections ---
}


def word(key: str, lang: str) -> str:
    """The text `key` in `lang` (a language of LANGUAGES); KeyError for a key nobody wrote."""
    return WORDS[key][lang]
