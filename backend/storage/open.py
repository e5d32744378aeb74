"""The one way in to the database: `open_storage(settings)` opens the store that `settings.db` names.

`settings.db` names a SQLite file, as a path or as a URL the way SQLAlchemy writes one:
``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``. Any other URL names a store
this backend does not have (PostgreSQL is yet to come): `UnsupportedDatabase`, naming the value,
before anything is opened or deleted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from backend.config import Settings

if TYPE_CHECKING:
    from backend.storage import Storage

SQLITE_URL = "sqlite:///"  # then the file's path: relative, or absolute with its own leading /


class UnsupportedDatabase(ValueError):
    """`settings.db` names no store this backend can open; `str()` is one line naming it."""


@asynccontextmanager
async def open_storage(settings: Settings, *, fresh: bool = False) -> AsyncIterator[Storage]:
    """The store `settings.db` names, opened, and closed when the block ends.

    `fresh`: start from an empty database, deleting any old one there first (the demo's seed).
    """
    storage = storage_for(settings, fresh=fresh)
    try:
        await storage.open()
        yield storage
    finally:
        await storage.close()  # also what a failed open had opened


def storage_for(settings: Settings, *, fresh: bool = False) -> Storage:
    """The store `settings.db` names, not yet opened: for the app, which opens it as it starts."""
    path = sqlite_path(settings.db)
    # Imported here: a store's module (and its driver) loads only when it is used, and the stores
    # import this package.
    from backend.storage.sqlite import SqliteStorage

    return SqliteStorage(path, fresh=fresh)


def sqlite_path(db: Path | str) -> Path:
    """The SQLite file `db` names (a path, or a ``sqlite:///`` URL); `UnsupportedDatabase` otherwise."""
    if isinstance(db, Path):
        return db
    scheme, sep, rest = db.partition("://")
    if not sep:
        return Path(db)
    if scheme.lower() != "sqlite":
        raise UnsupportedDatabase(
            f"cannot open database {_shown(db)}: {scheme}:// is not supported, "
            f"only SQLite, as a file path or a {SQLITE_URL}path URL"
        )
    file = rest[1:] if rest.startswith("/") else ""
    if not file or "?" in file:
        raise UnsupportedDatabase(
            f"cannot open database {_shown(db)}: a SQLite URL names one file, as "
            f"{SQLITE_URL}relative/path or {SQLITE_URL}/absolute/path, without options"
        )
    return Path(file)


def _shown(url: str) -> str:
    """`url` quoted for a message, without the password it may hold."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not even a URL's shape: show no more than its scheme
        return repr(url.partition("://")[0] + "://…")
    if parts.password:
        host = parts.netloc.rpartition("@")[2]
        url = urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
    return repr(url)
