"""People, memberships, sessions and one-time links (see the SQLite store's `people.py` for the rules)."""

from __future__ import annotations

from backend.accounts.records import Link, Member, Membership, Person, Role, Session
from backend.errors import Conflict, NotFound
from backend.storage.postgres.connection import PostgresBase
from backend.storage.sqlite.people import LINK, SESSION


class People(PostgresBase):
    # --- people and memberships ------------------------------------------------------------------

    async def person_by_email(self, email: str) -> Person | None:
        row = await self._one("SELECT id, email, password_hash FROM people WHERE email = $1", email)
        return None if row is None else Person(*row)

    async def person(self, person_id: int) -> Person | None:
        row = await self._one("SELECT id, email, password_hash FROM people WHERE id = $1", person_id)
        return None if row is None else Person(*row)

    async def add_person(self, email: str, now: float) -> int:
        """The person with this (normalised) e-mail address, created without a password if new."""
        async with self._tx() as db:
            person_id = await db.fetchval(
                "INSERT INTO people (email, created_at) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING"
                " RETURNING id",
                email, now,
            )  # fmt: skip
            if person_id is None:
                person_id = await db.fetchval("SELECT id FROM people WHERE email = $1", email)
        return int(person_id)

    async def set_password(self, person_id: int, password_hash: str) -> None:
        async with self._tx() as db:
            await db.execute("UPDATE people SET password_hash = $1 WHERE id = $2", password_hash, person_id)

    async def add_member(self, org_id: int, person_id: int, role: Role, now: float) -> None:
        """Join `person_id` to the organisation with `role` (a member already keeps the new role)."""
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO memberships (person_id, org_id, role, created_at) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (person_id, org_id) DO UPDATE SET role = excluded.role",
                person_id, org_id, role, now,
            )  # fmt: skip

    async def members(self, org_id: int) -> list[Member]:
        rows = await self._all(
            "SELECT p.id, p.email, m.role, m.created_at FROM memberships m JOIN people p ON p.id = m.person_id"
            " WHERE m.org_id = $1 ORDER BY p.email",
            org_id,
        )
        return [Member(*row) for row in rows]

    async def memberships(self, person_id: int) -> list[Membership]:
        rows = await self._all(
            "SELECT o.id, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id"
            " WHERE m.person_id = $1 ORDER BY o.id",
            person_id,
        )
        return [Membership(*row) for row in rows]

    async def remove_member(self, org_id: int, person_id: int) -> None:
        """The person leaves the organisation; their sessions in it end. The last owner stays."""
        async with self._tx() as db:
            # Locked: two owners removing each other at once must not leave none.
            roles = {
                row[0]: row[1]
                for row in await db.fetch(
                    "SELECT person_id, role FROM memberships WHERE org_id = $1 FOR UPDATE", org_id
                )
            }
            role = roles.get(person_id)
            if role is None:
                raise NotFound(f"member {person_id} not found")
            if role == "owner" and list(roles.values()).count("owner") == 1:
                raise Conflict("the last owner cannot be removed")
            await db.execute(
                "DELETE FROM memberships WHERE org_id = $1 AND person_id = $2", org_id, person_id
            )
            await db.execute("DELETE FROM sessions WHERE org_id = $1 AND person_id = $2", org_id, person_id)

    # --- sessions --------------------------------------------------------------------------------

    async def create_session(
        self, id_hash: bytes, person_id: int, org_id: int, csrf: str, now: float, expires_at: float
    ) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO sessions (id_hash, person_id, org_id, csrf, created_at, last_seen, expires_at)"
                " VALUES ($1, $2, $3, $4, $5, $5, $6)",
                id_hash, person_id, org_id, csrf, now, expires_at,
            )  # fmt: skip

    async def session(self, id_hash: bytes, now: float) -> Session | None:
        """The session if it has not expired and its person is still a member of its organisation."""
        row = await self._one(
            f"SELECT {SESSION.sql} FROM sessions s JOIN memberships m"
            " ON m.person_id = s.person_id AND m.org_id = s.org_id WHERE s.id_hash = $1 AND s.expires_at > $2",
            id_hash, now,
        )  # fmt: skip
        return None if row is None else Session(*row)

    async def extend_session(self, id_hash: bytes, now: float, expires_at: float) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE sessions SET last_seen = $1, expires_at = $2 WHERE id_hash = $3",
                now,
                expires_at,
                id_hash,
            )

    async def end_session(self, id_hash: bytes) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM sessions WHERE id_hash = $1", id_hash)

    async def end_sessions(self, person_id: int, now: float) -> None:
        """Every session of the person ends, and expired ones of anyone are cleared away."""
        async with self._tx() as db:
            await db.execute("DELETE FROM sessions WHERE person_id = $1 OR expires_at <= $2", person_id, now)

    # --- one-time links --------------------------------------------------------------------------

    async def create_link(self, token_hash: bytes, link: Link, now: float) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO links (token_hash, kind, person_id, org_id, role, created_at, expires_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                token_hash, link.kind, link.person_id, link.org_id, link.role, now, link.expires_at,
            )  # fmt: skip

    async def link(self, token_hash: bytes) -> Link | None:
        row = await self._one(f"SELECT {LINK.sql} FROM links l WHERE l.token_hash = $1", token_hash)
        return None if row is None else Link(*row)

    async def use_link(self, token_hash: bytes, now: float) -> Link | None:
        """The link, marked used, if it was unused and unexpired; None otherwise (it can be used once)."""
        async with self._tx() as db:
            row = await db.fetchrow(
                "UPDATE links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1"
                f" RETURNING {', '.join(LINK.fields)}",
                now, token_hash,
            )  # fmt: skip
        return None if row is None else Link(*row)
