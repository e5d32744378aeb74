"""People and their one-time links and sessions: the rules the CLI and the staff pages share.

A link (setup, invitation, reset) is 256 random bits in a URL, stored as its SHA-256, usable once
and for a limited time. Whoever holds a link can choose the person's password, so a link goes only
to the person's mailbox, to the owner who invited them (shown once, when no mail is configured), or
to the operator of the instance (`nahbei-backend admin reset-link`): never to whoever typed an
e-mail address into a form.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Final

from backend.accounts.passwords import hash_password
from backend.accounts.records import Link, LinkKind, Role
from backend.config import Settings
from backend.storage import Storage

LINK_VALID_S: Final[dict[LinkKind, float]] = {"setup": 72 * 3600, "invite": 72 * 3600, "reset": 3600}
LINK_PATH: Final[dict[LinkKind, str]] = {"setup": "setup", "invite": "invite", "reset": "reset"}
SESSION_IDLE_S: Final = 12 * 3600
# A session's expiry is pushed on when it is used, but written at most this often.
SESSION_EXTEND_EVERY_S: Final = 300
MAX_EMAIL: Final = 254
_EMAIL: Final = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")


class BadEmail(ValueError):
    """Not an e-mail address Nahbei can send to; `str()` says so in one line."""


def normal_email(text: str) -> str:
    """The address as stored and compared: trimmed, lower case (people type their own in many ways)."""
    email = text.strip().lower()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise BadEmail(f"{text.strip()[:80]!r} is not an e-mail address")
    return email


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


async def new_link(
    storage: Storage,
    settings: Settings,
    kind: LinkKind,
    person_id: int,
    now: float,
    *,
    org_id: int | None = None,
    role: Role | None = None,
) -> str:
    """A fresh one-time link's full URL under `settings.base_url`."""
    token = secrets.token_urlsafe(32)
    link = Link(kind, person_id, org_id, role, now + LINK_VALID_S[kind], None)
    await storage.create_link(token_hash(token), link, now)
    return f"{settings.base_url}/manage/{LINK_PATH[kind]}/{token}"


async def owner_setup_link(storage: Storage, settings: Settings, org_id: int, email: str, now: float) -> str:
    """Make `email` the organisation's owner; the link with which they choose their password."""
    person_id = await storage.add_person(normal_email(email), now)
    await storage.add_member(org_id, person_id, "owner", now)
    return await new_link(storage, settings, "setup", person_id, now, org_id=org_id)


async def invite_link(
    storage: Storage, settings: Settings, org_id: int, email: str, role: Role, now: float
) -> str:
    """A link that makes `email` a member with `role` once they have followed it."""
    person_id = await storage.add_person(normal_email(email), now)
    return await new_link(storage, settings, "invite", person_id, now, org_id=org_id, role=role)


async def reset_link(storage: Storage, settings: Settings, email: str, now: float) -> str | None:
    """A link to choose a new password, or None when nobody has this address."""
    person = await storage.person_by_email(normal_email(email))
    if person is None:
        return None
    return await new_link(storage, settings, "reset", person.id, now)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: its id goes into the cookie, and only its hash into the store."""

    session_id: str
    person_id: int
    org_id: int


async def follow_link(storage: Storage, token: str, password: str, now: float) -> SignedIn | None:
    """Use the link: the password is set, an invitation joins, a reset ends every other session.

    None when the link is unknown, used or expired, or leads to no organisation."""
    link = await storage.use_link(token_hash(token), now)
    if link is None:
        return None
    await storage.set_password(link.person_id, hash_password(password))
    if link.kind == "invite" and link.org_id is not None and link.role is not None:
        await storage.add_member(link.org_id, link.person_id, link.role, now)
    await storage.end_sessions(link.person_id, now)
    return await start_session(storage, link.person_id, link.org_id, now)


async def start_session(storage: Storage, person_id: int, org_id: int | None, now: float) -> SignedIn | None:
    """A new session in `org_id`, else in the person's first organisation; None if they have none."""
    orgs = [m.org_id for m in await storage.memberships(person_id)]
    if org_id not in orgs:
        if not orgs:
            return None
        org_id = orgs[0]
    assert org_id is not None
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    await storage.create_session(token_hash(session_id), person_id, org_id, csrf, now, now + SESSION_IDLE_S)
    return SignedIn(session_id, person_id, org_id)
