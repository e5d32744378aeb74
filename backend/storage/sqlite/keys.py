"""Organisations and their admin keys on SQLite (the rules: `backend.storage.keys`)."""

from __future__ import annotations

from backend.storage import keys
from backend.storage.sqlite.connection import SqliteBase


class AdminKeys(keys.AdminKeys, SqliteBase):
    # orgs.key_hash is a placeholder since migration 2 (see schema.py): keys live in admin_keys.
    NEW_ORG = "INSERT INTO orgs (name, key_hash, created_at) VALUES (?, randomblob(32), ?)"
