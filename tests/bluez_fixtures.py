"""Pytest fixtures for tests that scan with the real bleak through the fake BlueZ on a private bus.

Import them into a test module (`from tests.bluez_fixtures import fixture_bleak_bluez, ...`); pytest
knows them by their short names, which keeps test arguments from shadowing the imports:

- `bluez_bus`: a private `dbus-daemon` (skips the test, with the reason, when `dbus-daemon` is absent);
- `fake_bluez`: a running `FakeBluez` on it (no bleak involved, e.g. for advertising clients);
- `bleak_bluez`: the same fake, with `DBUS_SYSTEM_BUS_ADDRESS` pointing bleak at it. bleak keeps one
  BlueZ manager (and one bus connection) per event loop in a module-level dict; the fixture removes
  this loop's manager and closes its connection afterwards, so the next test's bleak connects afresh
  and no dead connection keeps collecting signals on a stopped bus.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import pytest_asyncio

from simulator.bluez.bus import SYSTEM_BUS_ENV, PrivateBus, find_dbus_daemon
from simulator.bluez.service import FakeBluez

NO_DBUS_DAEMON = "dbus-daemon is not installed (Debian package `dbus`); the fake BlueZ needs a private bus"


@pytest.fixture(name="bluez_bus")
def fixture_bluez_bus() -> Iterator[PrivateBus]:
    if find_dbus_daemon() is None:
        pytest.skip(NO_DBUS_DAEMON)
    with PrivateBus() as bus:
        yield bus


@pytest_asyncio.fixture(name="fake_bluez")
async def fixture_fake_bluez(bluez_bus: PrivateBus) -> AsyncIterator[FakeBluez]:
    fake = FakeBluez()
    async with fake.serving(bluez_bus.address):
        yield fake


@pytest_asyncio.fixture(name="bleak_bluez")
async def fixture_bleak_bluez(
    fake_bluez: FakeBluez, bluez_bus: PrivateBus, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeBluez]:
    """The fake, with bleak in this process pointed at its bus."""
    monkeypatch.setenv(SYSTEM_BUS_ENV, bluez_bus.address)
    await reset_bleak_manager()
    try:
        yield fake_bluez
    finally:
        await reset_bleak_manager()


async def reset_bleak_manager() -> None:
    """Drop bleak's BlueZ manager for the running loop and close its bus connection quietly."""
    from bleak.backends.bluezdbus import manager

    instance = manager._global_instances.pop(asyncio.get_running_loop(), None)
    if instance is None:
        return
    watcher = instance._bus_watcher_task
    if watcher is not None:
        # Its job is to log "connection lost" and reset state; neither is wanted for a planned close.
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    bus = instance._bus
    if bus is not None:
        bus.disconnect()
        # The watcher owned the disconnect future (cancelling it cancelled that too): poll instead.
        with contextlib.suppress(AssertionError):
            await wait_until(lambda: bus._disconnected, 1.0, "bleak's bus to close")


async def wait_until(condition: Callable[[], bool], within: float = 5.0, what: str = "condition") -> None:
    """Poll `condition` on the loop until it holds; signals need a few loop turns to arrive."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.005)


async def settle(fake: FakeBluez, seconds: float = 0.05) -> None:
    """Let queued signals reach the bus and the clients handle them (for asserting that nothing came)."""
    await fake.drain()
    await asyncio.sleep(seconds)
