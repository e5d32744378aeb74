"""Passwords: Argon2id (argon2-cffi's defaults, RFC 9106's second recommendation), never stored or logged in clear."""

from __future__ import annotations

from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH: Final = 10
# Hashing cost grows with length: a bound keeps one login attempt cheap for the server.
MAX_LENGTH: Final = 256

_hasher = PasswordHasher()
# Compared against when no such person exists, so that both answers take as long.
_NOBODY: Final = _hasher.hash("nobody has this password")


def password_problem(password: str, email: str) -> str | None:
    """Why a new password will not do (a key into the pages' words), or None."""
    if len(password) < MIN_LENGTH:
        return "password.too_short"
    if len(password) > MAX_LENGTH:
        return "password.too_long"
    if password.strip().lower() == email.lower():
        return "password.is_email"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether `password` is the one `stored` was made from; as slow for no account as for one."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _NOBODY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
