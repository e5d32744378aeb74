"""What site staff change on PostgreSQL (the rules: `backend.storage.admin`); a site's PostGIS point
is a generated column, so no index of where sites are is kept here."""

from __future__ import annotations

import asyncpg

from backend.storage import admin
from backend.storage.postgres.connection import PostgresBase


class AdminWrites(admin.AdminWrites, PostgresBase):
    TAKEN = asyncpg.UniqueViolationError
