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
    # --- numbers and alerts (backend/web/manage/numbers.py, backend/alerts) ---
    # --- end of the staff pages' sections ---
}


def word(key: str, lang: str) -> str:
    """The text `key` in `lang` (a language of LANGUAGES); KeyError for a key nobody wrote."""
    return WORDS[key][lang]
