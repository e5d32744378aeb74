"""Organisations and their admin keys on PostgreSQL (the rules: `backend.storage.keys`)."""

from __future__ import annotations

from backend.storage import keys
from backend.storage.postgres.connection import PostgresBase


class AdminKeys(keys.AdminKeys, PostgresBase):
    NEW_ORG = "INSERT INTO orgs (name, created_at) VALUES (?, ?)"
