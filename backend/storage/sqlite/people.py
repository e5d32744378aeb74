"""People, their memberships in organisations, their sessions and their one-time links.

Session ids and link tokens are stored only as SHA-256 hashes, like admin keys: whoever reads the
database cannot sign in with what it holds.
"""

from __future__ import annotations

from typing import Any

from backend.accounts.records import Link, Member, Membership, Person, Role, Session
from backend.errors import Conflict, NotFound
from backend.storage.columns import Columns
from backend.storage.sqlite.connection import SqliteBase, execute, fetch_all, fetch_value, insert

SESSION = Columns("s.person_id", "s.org_id", "s.csrf", "s.last_seen", "s.expires_at")
LINK = Columns("l.kind", "l.person_id", "l.org_id", "l.role", "l.expires_at", "l.used_at")


class People(SqliteBase):
    # --- people and memberships ------------------------------------------------------------------

    async def person_by_email(self, email: str) -> Person | None:
        return await _person(self._r, "email = ?", email)

    async def person(self, person_id: int) -> Person | None:
        return await _person(self._r, "id = ?", person_id)

    async def add_person(self, email: str, now: float) -> int:
        """The person with this (normalised) e-mail address, created without a password if new."""
        async with self._write() as db:
            found = await fetch_value(db, "SELECT id FROM people WHERE email = ?", (email,))
            if found is not None:
                return int(found)
            return await insert(db, "INSERT INTO people (email, created_at) VALUES (?, ?)", (email, now))

    async def set_password(self, person_id: int, password_hash: str) -> None:
        async with self._write() as db:
            await execute(db, "UPDATE people SET password_hash = ? WHERE id = ?", (password_hash, person_id))

    async def add_member(self, org_id: int, person_id: int, role: Role, now: float) -> None:
        """Join `person_id` to the organisation with `role` (a member already keeps the new role)."""
        async with self._write() as db:
            await execute(
                db,
                "INSERT INTO memberships (person_id, org_id, role, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (person_id, org_id) DO UPDATE SET role = excluded.role",
                (person_id, org_id, role, now),
            )

    async def members(self, org_id: int) -> list[Member]:
        rows = await fetch_all(
            self._r,
            "SELECT p.id, p.email, m.role, m.created_at FROM memberships m JOIN people p ON p.id = m.person_id"
            " WHERE m.org_id = ? ORDER BY p.email",
            (org_id,),
        )
        return [Member(*row) for row in rows]

    async def memberships(self, person_id: int) -> list[Membership]:
        rows = await fetch_all(
            self._r,
            "SELECT o.id, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id"
            " WHERE m.person_id = ? ORDER BY o.id",
            (person_id,),
        )
        return [Membership(*row) for row in rows]

    async def remove_member(self, org_id: int, person_id: int) -> None:
        """The person leaves the organisation; their sessions in it end. The last owner stays."""
        async with self._write() as db:
            role = await fetch_value(
                db, "SELECT role FROM memberships WHERE org_id = ? AND person_id = ?", (org_id, person_id)
            )
            if role is None:
                raise NotFound(f"member {person_id} not found")
            owners = await fetch_value(
                db, "SELECT COUNT(*) FROM memberships WHERE org_id = ? AND role = 'owner'", (org_id,)
            )
            if role == "owner" and owners == 1:
                raise Conflict("the last owner cannot be removed")
            await execute(
                db, "DELETE FROM memberships WHERE org_id = ? AND person_id = ?", (org_id, person_id)
            )
            await execute(db, "DELETE FROM sessions WHERE org_id = ? AND person_id = ?", (org_id, person_id))

    # --- sessions --------------------------------------------------------------------------------

    async def create_session(
        self, id_hash: bytes, person_id: int, org_id: int, csrf: str, now: float, expires_at: float
    ) -> None:
        async with self._write() as db:
            await execute(
                db,
                "INSERT INTO sessions (id_hash, person_id, org_id, csrf, created_at, last_seen, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (id_hash, person_id, org_id, csrf, now, now, expires_at),
            )

    async def session(self, id_hash: bytes, now: float) -> Session | None:
        """The session if it has not expired and its person is still a member of its organisation."""
        row = self._one(
            f"SELECT {SESSION.sql} FROM sessions s JOIN memberships m"
            " ON m.person_id = s.person_id AND m.org_id = s.org_id WHERE s.id_hash = ? AND s.expires_at > ?",
            (id_hash, now),
        )
        return None if row is None else Session(*row)

    async def extend_session(self, id_hash: bytes, now: float, expires_at: float) -> None:
        async with self._write() as db:
            await execute(
                db,
                "UPDATE sessions SET last_seen = ?, expires_at = ? WHERE id_hash = ?",
                (now, expires_at, id_hash),
            )

    async def end_session(self, id_hash: bytes) -> None:
        async with self._write() as db:
            await execute(db, "DELETE FROM sessions WHERE id_hash = ?", (id_hash,))

    async def end_sessions(self, person_id: int, now: float) -> None:
        """Every session of the person ends, and expired ones of anyone are cleared away."""
        async with self._write() as db:
            await execute(db, "DELETE FROM sessions WHERE person_id = ? OR expires_at <= ?", (person_id, now))

    # --- one-time links --------------------------------------------------------------------------

    async def create_link(
        self,
        token_hash: bytes,
        link: Link,
        now: float,
    ) -> None:
        async with self._write() as db:
            await execute(
                db,
                "INSERT INTO links (token_hash, kind, person_id, org_id, role, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (token_hash, link.kind, link.person_id, link.org_id, link.role, now, link.expires_at),
            )

    async def link(self, token_hash: bytes) -> Link | None:
        row = self._one(f"SELECT {LINK.sql} FROM links l WHERE l.token_hash = ?", (token_hash,))
        return None if row is None else Link(*row)

    async def use_link(self, token_hash: bytes, now: float) -> Link | None:
        """The link, marked used, if it was unused and unexpired; None otherwise (it can be used once)."""
        async with (
            self._write() as db,
            db.execute(
                "UPDATE links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?"
                f" RETURNING {', '.join(LINK.fields)}",
                (now, token_hash, now),
            ) as cur,
        ):
            row = await cur.fetchone()
        return None if row is None else Link(*row)


async def _person(db: Any, where: str, value: object) -> Person | None:
    async with db.execute(f"SELECT id, email, password_hash FROM people WHERE {where}", (value,)) as cur:
        row = await cur.fetchone()
    return None if row is None else Person(*row)
