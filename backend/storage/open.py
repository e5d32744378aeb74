"""The one way in to the database: `open_storage(settings)` opens the store that `settings.db` names.

`settings.db` names a SQLite file, as a path or as a URL the way SQLAlchemy writes one:
``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``; or a PostgreSQL database, as
libpq's URL ``postgresql://user:password@host:port/database`` (``postgres://`` too). Any other URL
names a store this backend does not have: `UnsupportedDatabase`, naming the value, before anything
is opened or deleted. A database that cannot be opened (a SQLite folder, a folder that cannot be made
or written, a file that is no database; a PostgreSQL server that does not answer or refuses) is
`CannotOpenDatabase`, in a line that says what to do, never with the password.

With `settings.read_db` (a streaming replica of a PostgreSQL `db`) the store is a
`backend.storage.replica.ReplicaStorage`: the public reads from the replica, the rest from `db`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from backend.config import POSTGRES_SCHEMES, Settings

if TYPE_CHECKING:
    from backend.storage import Storage

WRITABLE = "the backend must be able to write the file and its folder"
SQLITE_URL = "sqlite:///"  # then the file's path: relative, or absolute with its own leading /


class UnsupportedDatabase(ValueError):
    """`settings.db` names no store this backend can open; `str()` is one line naming it."""


class CannotOpenDatabase(ValueError):
    """The database `settings.db` names cannot be opened; `str()` is one line naming it and why."""


@asynccontextmanager
async def open_storage(settings: Settings, *, fresh: bool = False) -> AsyncIterator[Storage]:
    """The store `settings.db` names, opened, and closed when the block ends.

    `fresh`: start from an empty database, deleting any old one there first (the demo's seed).
    """
    storage = storage_for(settings, fresh=fresh)
    if (dsn := postgres_dsn(settings.db)) is not None:
        try:
            try:
                await storage.open()
            except CannotOpenDatabase:  # the read replica's, which names it
                raise
            except Exception as exc:  # asyncpg's and the network's errors have no common base
                raise CannotOpenDatabase(f"cannot open database {_shown(dsn)}: {_pg_why(exc)}") from exc
            yield storage
        finally:
            await storage.close()
        return
    if (path := sqlite_path(settings.db)).is_dir():  # SQLite would only say "unable to open"
        raise CannotOpenDatabase(
            f"cannot open database {str(settings.db)!r}: it is a folder; name a file in it, "
            f"e.g. {str(path / 'nahbei.db')!r}"
        )
    try:
        try:
            _writable(path)
            await storage.open()
        except (OSError, sqlite3.Error) as exc:
            raise CannotOpenDatabase(f"cannot open database {str(settings.db)!r}: {_why(exc)}") from exc
        yield storage
    finally:
        await storage.close()  # also what a failed open had opened


def storage_for(settings: Settings, *, fresh: bool = False) -> Storage:
    """The store `settings.db` names, not yet opened: for the app, which opens it as it starts."""
    # Imported here: a store's module (and its driver) loads only when it is used, and the stores
    # import this package.
    if (dsn := postgres_dsn(settings.db)) is not None:
        try:
            from backend.storage.postgres import PostgresStorage
        except ImportError as exc:  # the driver is the `postgres` extra
            raise UnsupportedDatabase(
                f"cannot open database {_shown(dsn)}: the PostgreSQL driver is not installed "
                "(pip install 'nahbei[postgres]')"
            ) from exc

        primary = PostgresStorage(dsn, fresh=fresh)
        if not settings.read_db:
            return primary
        from backend.storage.postgres.standby import Standby
        from backend.storage.replica import ReplicaStorage

        read_dsn = postgres_dsn(settings.read_db)
        assert read_dsn is not None, "Settings accept only a postgresql:// read_db"
        return ReplicaStorage(primary, Standby(read_dsn))
    path = sqlite_path(settings.db)
    from backend.storage.sqlite import SqliteStorage

    return SqliteStorage(path, fresh=fresh)


def postgres_dsn(db: Path | str) -> str | None:
    """The PostgreSQL URL `db` is, or None when it names no PostgreSQL database."""
    if isinstance(db, Path) or db.partition("://")[0].lower() not in POSTGRES_SCHEMES:
        return None
    try:
        urlsplit(db).port  # noqa: B018 - a malformed host or port raises here, not deep in asyncpg
    except ValueError as exc:
        raise UnsupportedDatabase(
            f"cannot open database {_shown(db)}: it is not a valid URL ({exc})"
        ) from exc
    return db


def sqlite_path(db: Path | str) -> Path:
    """The SQLite file `db` names (a path, or a ``sqlite:///`` URL); `UnsupportedDatabase` otherwise."""
    if isinstance(db, Path):
        return db
    scheme, sep, rest = db.partition("://")
    if not sep:
        return Path(db)
    if scheme.lower() != "sqlite":
        raise UnsupportedDatabase(
            f"cannot open database {_shown(db)}: {scheme}:// is not supported, only SQLite, "
            f"as a file path or a {SQLITE_URL}path URL, or PostgreSQL, as a postgresql://host/database URL"
        )
    file = rest[1:] if rest.startswith("/") else ""
    if not file or "?" in file:
        raise UnsupportedDatabase(
            f"cannot open database {_shown(db)}: a SQLite URL names one file, as "
            f"{SQLITE_URL}relative/path or {SQLITE_URL}/absolute/path, without options"
        )
    return Path(file)


def _writable(path: Path) -> None:
    """`OSError` naming the place unless the file (and its folder) can be made and written.

    Tried here, by creating the folder and opening the file to append (which creates nothing but an
    empty file, itself an empty SQLite database): SQLite itself only says "unable to open".
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab"):
        pass


def _why(exc: OSError | sqlite3.Error) -> str:
    """What went wrong opening a SQLite file, in words that say what to do."""
    if isinstance(exc, OSError):
        where = f"cannot write {str(exc.filename)!r}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}; {WRITABLE}"
    text = str(exc)
    if "not a database" in text:
        return "it is not a Nahbei database (not SQLite at all); name a new file or a Nahbei one"
    if "readonly" in text:
        return f"it is read-only; {WRITABLE}"
    if "unable to open" in text:
        return f"SQLite cannot open it or write beside it; {WRITABLE}"
    return text


def _pg_why(exc: Exception) -> str:
    """Why a PostgreSQL database could not be opened, in a line without the password."""
    if isinstance(exc, OSError | TimeoutError):
        return (
            f"the server does not answer ({exc.strerror or type(exc).__name__}); is PostgreSQL running there?"
        )
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "postgis" in text.lower():
        return f"{text}; PostGIS must be installed and created in the database (see the README)"
    return text


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
