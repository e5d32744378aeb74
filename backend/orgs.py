"""Organisations: created with an admin key that is shown once and stored only as its hash.

The design leaves creating an organisation to the operator (`nahbei-backend admin create-org`);
the simulator and the tests create theirs here too.
"""

from __future__ import annotations

import time

from backend import auth
from backend.config import Settings
from backend.link_domains import parse_domains
from backend.models import Org
from backend.storage import open_storage

MAX_NAME = 200


class BadOrgName(ValueError):
    """The organisation's name is empty or too long; `str()` says so in one line."""


async def create_org(settings: Settings, name: str) -> tuple[int, str]:
    """A new organisation in the database `settings.db` names: its id and its admin key.

    The name is trimmed and must then be 1-200 characters (`BadOrgName`).
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise BadOrgName(f"the organisation name must be 1-{MAX_NAME} characters")
    key = auth.new_secret(auth.ADMIN_PREFIX)
    async with open_storage(settings) as storage:
        org_id = await storage.create_org(
            name, auth.secret_hash(key), time.time(), key_prefix=auth.visible_prefix(key)
        )
    return org_id, key


async def link_domains(settings: Settings, org_id: int, domains: str | None) -> Org:
    """Set the organisation's link domains from `"a.org,b.de"` ("" clears them), or with None only read them.

    `backend.link_domains.BadDomain` for a domain that is none; `backend.errors.NotFound` for no such organisation.
    """
    async with open_storage(settings) as storage:
        if domains is None:
            return await storage.org(org_id)
        return await storage.set_link_domains(org_id, parse_domains(domains))
