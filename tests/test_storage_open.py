"""`open_storage(settings)`: the store `settings.db` names, as a path or a URL, or a clear refusal."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from backend.config import Settings, settings_from
from backend.storage import UnsupportedDatabase, open_storage, storage_for
from backend.storage.open import CannotOpenDatabase, sqlite_path
from backend.storage.sqlite import SqliteStorage


async def test_a_path_opens_the_sqlite_file_there(tmp_path: Path) -> None:
    db = tmp_path / "new" / "folder" / "nahbei.db"
    async with open_storage(Settings(db=db)) as storage:
        assert isinstance(storage, SqliteStorage)
        assert await storage.create_org("Tafel", b"k" * 32, time.time()) == 1
    assert db.is_file()
    async with open_storage(Settings(db=db)) as storage:  # closed and opened again: still there
        assert await storage.org_for_key(b"k" * 32) == 1


@pytest.mark.parametrize(
    ("url", "file"),
    [
        ("sqlite:///var/rel.db", "var/rel.db"),
        ("sqlite:////{tmp}/abs.db", "{tmp}/abs.db"),
        ("SQLite:///upper.db", "upper.db"),
    ],
)
async def test_a_sqlite_url_names_a_file_relative_or_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, file: str
) -> None:
    monkeypatch.chdir(tmp_path)
    tmp = str(tmp_path).lstrip("/")
    url, expected = url.format(tmp=tmp), Path(file.format(tmp="/" + tmp))
    settings = settings_from({"NAHBEI_DB": url})
    assert settings.db == url  # kept as written: the storage seam reads it
    assert sqlite_path(settings.db) == expected
    async with open_storage(settings) as storage:
        await storage.create_org("Tafel", b"k" * 32, time.time())
    assert (tmp_path / expected).is_file()


def test_a_path_given_as_text_is_a_path() -> None:
    for given in ("var/x.db", Path("var/x.db")):
        assert Settings(db=given).db == Path("var/x.db")
    assert settings_from({"NAHBEI_DB": "/srv/nahbei.db"}).db == Path("/srv/nahbei.db")


@pytest.mark.parametrize(
    ("db", "said"),
    [
        ("postgresql://nahbei:s3cret@[::1/x", "'postgresql://…'"),
        ("postgresql://nahbei:s3cret@db:99999/nahbei", "'postgresql://nahbei:***@db:99999/nahbei'"),
        ("mysql://x", "mysql:// is not supported"),
        ("sqlite://", "a SQLite URL names one file"),
        ("sqlite://host/x.db", "a SQLite URL names one file"),
        ("sqlite:///x.db?mode=ro", "without options"),
    ],
)
async def test_other_stores_are_refused_naming_the_value(tmp_path: Path, db: str, said: str) -> None:
    settings = Settings(db=db)
    with pytest.raises(UnsupportedDatabase, match="cannot open database") as refused:
        async with open_storage(settings):
            pass
    assert said in str(refused.value) and "\n" not in str(refused.value)
    assert "s3cret" not in str(refused.value)
    with pytest.raises(UnsupportedDatabase):
        storage_for(settings)  # the app's way in refuses before it starts


async def test_fresh_starts_from_an_empty_database(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "demo.db")
    async with open_storage(settings) as storage:
        await storage.create_org("Old", b"o" * 32, time.time())
    async with open_storage(settings, fresh=True) as storage:
        assert await storage.org_for_key(b"o" * 32) is None
        assert await storage.create_org("New", b"n" * 32, time.time()) == 1


async def test_an_open_that_fails_half_way_leaves_no_connection_thread_behind(tmp_path: Path) -> None:
    """A failure (or SIGTERM's cancellation) while migrating must close what was opened: aiosqlite's
    thread is not a daemon, and one left running kept a stopped backend from ever exiting."""
    path = tmp_path / "half.db"
    with sqlite3.connect(path) as db:  # migration 1 creates `meta`: here it is already, so it fails
        db.execute("CREATE TABLE meta (x)")
    before = {t.ident for t in threading.enumerate()}
    storage = storage_for(Settings(db=path))
    with pytest.raises(sqlite3.OperationalError, match="meta"):
        await storage.open()
    left = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    for thread in left:
        thread.join(timeout=5)
    assert not [t for t in left if t.is_alive()]


def test_a_postgresql_url_names_the_postgresql_store() -> None:
    from backend.storage.postgres import PostgresStorage

    for url in ("postgresql://nahbei:pw@db.example:5433/nahbei", "postgres://db.example/nahbei"):
        assert isinstance(storage_for(Settings(db=url)), PostgresStorage)


async def test_a_postgresql_server_that_does_not_answer_is_one_line_without_the_password() -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://nahbei:s3cret@127.0.0.1:{port}/nahbei"
    with pytest.raises(CannotOpenDatabase) as refused:
        async with open_storage(Settings(db=url)):
            pass
    said = str(refused.value)
    assert f"'postgresql://nahbei:***@127.0.0.1:{port}/nahbei'" in said and "is PostgreSQL running" in said
    assert "s3cret" not in said and "\n" not in said
