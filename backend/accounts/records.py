"""What the store keeps of accounts and admin keys, as the rules and the API read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, Field

from backend.models import Name, Strict

Role = Literal["owner", "editor", "viewer"]
ROLES: Final[tuple[Role, ...]] = ("owner", "editor", "viewer")
LinkKind = Literal["setup", "invite", "reset"]


class AdminKey(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters after `nbk_`, kept in clear to tell keys apart.")
    created_at: datetime
    last_used_at: datetime | None = Field(description="To the minute: use is recorded once a minute.")
    revoked_at: datetime | None = Field(description="A revoked key is refused at once.")


class AdminKeyCreated(AdminKey):
    secret: str = Field(description="Shown once; only its hash is stored.")


class AdminKeyList(BaseModel):
    keys: list[AdminKey]


class AdminKeyIn(Strict):
    name: Name = Field(description="What the key is for, e.g. 'Import script'.")


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    email: str
    password_hash: str | None


@dataclass(frozen=True, slots=True)
class Member:
    person_id: int
    email: str
    role: Role
    since: float


@dataclass(frozen=True, slots=True)
class Membership:
    org_id: int
    org_name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Session:
    person_id: int
    org_id: int
    csrf: str
    last_seen: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class Link:
    kind: LinkKind
    person_id: int
    org_id: int | None
    role: Role | None
    expires_at: float
    used_at: float | None
