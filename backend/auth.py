"""Secrets: admin keys and agent tokens are random, shown once, and stored only as SHA-256 hashes.

They carry 256 bits of randomness, so a fast hash is enough (no password stretching), and lookup is
by hash: comparing hashes in the database reveals nothing about which prefix of a guess was right.
"""

from __future__ import annotations

import hashlib
import secrets

ADMIN_PREFIX = "nbk_"
AGENT_PREFIX = "nba_"


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def visible_prefix(secret: str) -> str:
    """What may be shown of a secret to tell it from others: 8 of its ~43 random characters."""
    return secret.partition("_")[2][:8]


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    return token
