"""Organisations and their admin keys: several per organisation, named, each revocable at once.

A key is looked up by the SHA-256 of its secret among the keys not revoked, on every admin request,
without a cache in between: a revoked key fails on the next request in every process. Shared by
both stores; each names only how it inserts an organisation (`NEW_ORG`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from backend.accounts.records import AdminKey
from backend.errors import Conflict, NotFound
from backend.storage.columns import Columns
from backend.storage.statements import Change, Store

KEY = Columns.of("k", AdminKey.model_fields)
FIRST_KEY_NAME = "admin key"


def _key(row: Any) -> AdminKey:
    return AdminKey.model_validate(KEY.record(row))  # Unix seconds become aware UTC datetimes


class AdminKeys(Store):
    # The INSERT of an organisation's name and creation time (?, ?).
    NEW_ORG: ClassVar[str]

    async def create_org(self, name: str, key_hash: bytes, now: float, *, key_prefix: str = "") -> int:
        async with self._change() as db:
            org_id = await db.insert(self.NEW_ORG, name, now)
            await _insert_key(db, org_id, FIRST_KEY_NAME, key_prefix, key_hash, now)
        return org_id

    async def org_name(self, org_id: int) -> str:
        name = await self._lookup_value("SELECT name FROM orgs WHERE id = ?", org_id)
        if name is None:
            raise NotFound(f"organisation {org_id} not found")
        return str(name)

    async def org_for_key(self, key_hash: bytes) -> int | None:
        org_id = await self._lookup_value(
            "SELECT org_id FROM admin_keys WHERE key_hash = ? AND revoked_at IS NULL", key_hash
        )
        return None if org_id is None else int(org_id)

    async def key_used(self, key_hash: bytes, now: float) -> None:
        async with self._change() as db:
            await db.execute("UPDATE admin_keys SET last_used_at = ? WHERE key_hash = ?", now, key_hash)

    async def list_admin_keys(self, org_id: int) -> list[AdminKey]:
        rows = await self._fetch_rows(
            f"SELECT {KEY.sql} FROM admin_keys k WHERE k.org_id = ? ORDER BY k.revoked_at IS NOT NULL, k.id",
            org_id,
        )
        return [_key(r) for r in rows]

    async def get_admin_key(self, org_id: int, key_id: int) -> AdminKey:
        row = await self._fetch_row(
            f"SELECT {KEY.sql} FROM admin_keys k WHERE k.id = ? AND k.org_id = ?", key_id, org_id
        )
        if row is None:
            raise NotFound(f"key {key_id} not found")
        return _key(row)

    async def create_admin_key(
        self, org_id: int, name: str, prefix: str, key_hash: bytes, now: float
    ) -> AdminKey:
        async with self._change() as db:
            key_id = await _insert_key(db, org_id, name, prefix, key_hash, now)
        return await self.get_admin_key(org_id, key_id)

    async def rotate_admin_key(
        self, org_id: int, key_id: int, prefix: str, key_hash: bytes, now: float
    ) -> AdminKey:
        """A new key with the old one's name; the old one revoked in the same transaction."""
        old = await self.get_admin_key(org_id, key_id)
        if old.revoked_at is not None:
            raise Conflict(f"key {key_id} is revoked; create a new one")
        async with self._change() as db:
            await _revoke(db, org_id, key_id, now)
            new_id = await _insert_key(db, org_id, old.name, prefix, key_hash, now)
        return await self.get_admin_key(org_id, new_id)

    async def revoke_admin_key(self, org_id: int, key_id: int, now: float) -> None:
        await self.get_admin_key(org_id, key_id)
        async with self._change() as db:
            await _revoke(db, org_id, key_id, now)


async def _insert_key(db: Change, org_id: int, name: str, prefix: str, key_hash: bytes, now: float) -> int:
    return await db.insert(
        "INSERT INTO admin_keys (org_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
        org_id, name, prefix, key_hash, now,
    )  # fmt: skip


async def _revoke(db: Change, org_id: int, key_id: int, now: float) -> None:
    await db.execute(
        "UPDATE admin_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND org_id = ?",
        now, key_id, org_id,
    )  # fmt: skip
