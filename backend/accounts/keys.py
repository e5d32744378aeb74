"""Admin keys: the rules the admin API, the CLI and the staff pages share.

A key is `nbk_` and 256 random bits, shown once; the store keeps its SHA-256 and, in clear, its
first 8 characters after `nbk_` so people can tell their keys apart.
"""

from __future__ import annotations

from backend import auth
from backend.accounts.records import AdminKey, AdminKeyCreated
from backend.storage import Storage


def _new() -> tuple[str, str, bytes]:
    secret = auth.new_secret(auth.ADMIN_PREFIX)
    return secret, auth.visible_prefix(secret), auth.secret_hash(secret)


def _shown_once(key: AdminKey, secret: str) -> AdminKeyCreated:
    return AdminKeyCreated(**key.model_dump(), secret=secret)


async def create_key(storage: Storage, org_id: int, name: str, now: float) -> AdminKeyCreated:
    secret, prefix, key_hash = _new()
    return _shown_once(await storage.create_admin_key(org_id, name, prefix, key_hash, now), secret)


async def rotate_key(storage: Storage, org_id: int, key_id: int, now: float) -> AdminKeyCreated:
    """A new secret under the same name; the old key is revoked in the same step."""
    secret, prefix, key_hash = _new()
    return _shown_once(await storage.rotate_admin_key(org_id, key_id, prefix, key_hash, now), secret)
