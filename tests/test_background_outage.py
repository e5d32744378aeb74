"""The backend's background passes outlive a database that is away for a moment: the retention
purge and the alert check meet `Unavailable`, say so in one warning line (no traceback, as it is
expected during a restart), and run again. Before, a purge that met a restarting database ended the
purge task for good, and sightings were kept past their retention time."""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

from backend.errors import Unavailable
from backend.http import app as backend_app
from backend.storage.postgres import PostgresStorage
from backend.storage.sqlite import SqliteStorage
from tests.bluez_fixtures import wait_until
from tests.conftest import BackendFactory

STORES = (SqliteStorage, PostgresStorage)


def away_once(calls: list[float], answer: Any) -> Any:
    """A storage method that finds the database away on its first call and answers after."""

    async def method(self: Any, *args: Any) -> Any:
        calls.append(args[0])
        if len(calls) == 1:
            raise Unavailable("the database test is unreachable", retry_after_s=5)
        return answer

    return method


async def test_a_purge_that_finds_the_database_away_is_tried_again(
    make_backend: BackendFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    for store in STORES:
        monkeypatch.setattr(store, "purge_sightings", away_once(calls, 0))
    monkeypatch.setattr(backend_app, "PURGE_RETRY_S", 0.05)
    with capture_logs() as logs:
        await make_backend()
        await wait_until(lambda: len(calls) >= 2, what="the purge to run again")
    assert [e["event"] for e in logs if e["log_level"] == "warning"].count("purge postponed") == 1
    assert not [e for e in logs if e["log_level"] in ("error", "critical")], logs


async def test_an_alert_check_that_finds_the_database_away_warns_and_runs_again(
    make_backend: BackendFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    for store in STORES:
        monkeypatch.setattr(store, "due_deliveries", away_once(calls, []))
    with capture_logs() as logs:
        await make_backend(alert_check_every_s=0.05)
        await wait_until(lambda: len(calls) >= 2, what="the alert check to run again")
    skipped = [e for e in logs if e["event"] == "alert check skipped"]
    assert len(skipped) == 1 and skipped[0]["log_level"] == "warning", logs
    assert "unreachable" in skipped[0]["reason"]
    assert not [e for e in logs if e["log_level"] in ("error", "critical")], logs
