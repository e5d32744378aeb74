"""The scanner with the real bleak over the fake BlueZ: data in, and resuming by itself after field failures.

Nothing is mocked: bleak scans through the fake bluetoothd on a private bus, and each failure is the
fake's own (restart, power, injected BlueZ errors). A simulated beacon advertises every 10 ms; each
healing test reports how long the scan took to resume (`pytest -s` shows it) and never asserts on it.
"""

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

from beacon_agent.advertiser import Advertiser
from beacon_agent.contract.eid import compute_eid
from beacon_agent.contract.frames import EddystoneEid, Frame, decode
from beacon_agent.contract.wire import AdvertiseEddystoneEid, ScannerState
from beacon_agent.scanner import BEACON_OR_PATTERNS, Scanner, or_patterns_for
from simulator.bluez.advertising import AdvertisementEvent, RegisteredAdvertisement
from simulator.bluez.bus import PrivateBus
from simulator.bluez.service import FakeBluez
from tests.bluez_fixtures import (  # noqa: F401  (the fixture_* functions are pytest fixtures)
    fixture_bleak_bluez,
    fixture_bluez_bus,
    fixture_fake_bluez,
    settle,
    wait_until,
)
from tests.conftest import Clock

BEACON = "AA:BB:CC:DD:EE:01"
PHONE = "11:22:33:44:55:66"
UUID = "e2c56db5dffb48d2b060d0f5a71096e0"
IBEACON = {0x004C: bytes.fromhex("0215" + UUID + "00070008c5")}
ALTBEACON = {0x0118: bytes.fromhex("beac" + UUID + "00010002c5" + "00")}
UID_FRAME = bytes.fromhex("00ee" + "00112233445566778899" + "aabbccddeeff" + "0000")
NOT_A_BEACON = {0x0006: bytes.fromhex("0109200231")}  # what a Windows laptop sends
# Short settings: restarts within tens of milliseconds, a watchdog that bites after 0.4 s of silence.
FAST: dict[str, Any] = {"retry_base_s": 0.05, "retry_cap_s": 0.5, "rng": random.Random(7)}


@dataclass
class Heard:
    """Everything the scanner handed on, with the (monotonic) time it arrived."""

    items: list[tuple[float, str, int, dict[int, bytes], dict[str, bytes]]] = field(default_factory=list)

    def __call__(self, address: str, rssi: int, mfg: Mapping[int, bytes], svc: Mapping[str, bytes]) -> None:
        self.items.append((time.monotonic(), address, rssi, dict(mfg), dict(svc)))

    def after(self, moment: float) -> int:
        return sum(1 for item in self.items if item[0] > moment)

    def frames(self) -> list[Frame]:
        return [frame for item in self.items for frame in decode(item[3], item[4])]


@contextlib.asynccontextmanager
async def running(scanner: Scanner) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(scanner.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert scanner.state is ScannerState.STOPPED


@contextlib.asynccontextmanager
async def beacon(fake: FakeBluez, every_s: float = 0.01) -> AsyncIterator[None]:
    """A beacon in range, advertising an iBeacon frame; the fake drops what nobody can hear."""

    async def advertise() -> None:
        while True:
            fake.advertise(BEACON, rssi=-60, manufacturer_data=IBEACON)
            await asyncio.sleep(every_s)

    task = asyncio.create_task(advertise())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def scanner_for(heard: Heard, mode: Literal["active", "passive"] = "active", **overrides: Any) -> Scanner:
    settings: dict[str, Any] = {"watchdog_quiet_s": 30.0, "expect_beacons": True, **FAST, **overrides}
    return Scanner(heard, mode=mode, adapter="hci0", **settings)


# --- advertisements in ---------------------------------------------------------------------------


async def test_advertisements_arrive_with_address_rssi_and_data(bleak_bluez: FakeBluez) -> None:
    heard = Heard()
    scanner = scanner_for(heard)
    async with running(scanner):
        await wait_until(lambda: scanner.state is ScannerState.SCANNING, what="scanning")
        assert scanner.mode == "active" and bleak_bluez.discovering
        bleak_bluez.advertise(BEACON, rssi=-127, manufacturer_data=IBEACON)  # BlueZ's "no RSSI": ignored
        bleak_bluez.advertise(BEACON, rssi=-61, manufacturer_data=IBEACON)
        bleak_bluez.advertise(PHONE, rssi=-70, service_data={"feaa": UID_FRAME}, service_uuids=["feaa"])
        await wait_until(lambda: len(heard.items) == 2, what="two advertisements")
        await settle(bleak_bluez)
        assert scanner.diagnostics()["bluez"] == {"bluetoothd": True, "adapter_found": True, "powered": True}
    assert [item[1:] for item in heard.items] == [
        (BEACON, -61, IBEACON, {}),
        (PHONE, -70, {}, {"0000feaa-0000-1000-8000-00805f9b34fb": UID_FRAME}),
    ]
    diagnostics = scanner.diagnostics()
    assert diagnostics["backend"] == "bleak/bluez-dbus"
    assert diagnostics["advertisements"] == 2 and diagnostics["restarts"] == 0
    assert diagnostics["state"] == "stopped" and diagnostics["bluez"] is None


async def test_passive_scan_delivers_beacon_frames_and_filters_out_others(bleak_bluez: FakeBluez) -> None:
    heard = Heard()
    scanner = scanner_for(heard, "passive")
    async with running(scanner):
        # bleak exports its monitor after RegisterMonitor returns; BlueZ activates it when it sees it.
        await wait_until(
            lambda: bleak_bluez.advertise(BEACON, rssi=-60, manufacturer_data=IBEACON), what="the monitor"
        )
        assert not bleak_bluez.discovering  # no discovery session: the monitor does the work
        assert bleak_bluez.advertise("AA:BB:CC:DD:EE:02", rssi=-61, manufacturer_data=ALTBEACON)
        uid = {"feaa": UID_FRAME}
        assert bleak_bluez.advertise("AA:BB:CC:DD:EE:03", rssi=-62, service_data=uid, service_uuids=["feaa"])
        assert not bleak_bluez.advertise(PHONE, rssi=-50, manufacturer_data=NOT_A_BEACON)
        await wait_until(lambda: len(heard.items) == 3, what="three beacons")
        await settle(bleak_bluez)
    assert [item[2] for item in heard.items] == [-60, -61, -62]
    assert [frame.kind for frame in heard.frames()] == ["ibeacon", "altbeacon", "eddystone-uid"]
    assert scanner.mode == "passive"


def test_or_patterns_follow_the_configured_kinds() -> None:
    assert or_patterns_for(["ibeacon"]) == [(0, 0xFF, b"\x4c\x00\x02\x15")]
    assert or_patterns_for(["eddystone-uid", "eddystone-eid"]) == [(0, 0x16, b"\xaa\xfe")]
    assert len(BEACON_OR_PATTERNS) == 3


async def test_passive_refused_by_bluez_falls_back_to_active(bleak_bluez: FakeBluez) -> None:
    """BlueZ without --experimental has no AdvertisementMonitorManager1: RegisterMonitor is UnknownMethod."""
    bleak_bluez.faults.inject("RegisterMonitor", "org.freedesktop.DBus.Error.UnknownMethod", "No such method")
    heard = Heard()
    scanner = scanner_for(heard, "passive")
    async with running(scanner), beacon(bleak_bluez):
        await wait_until(lambda: len(heard.items) > 0, what="advertisements after the fallback")
        assert scanner.mode == "active" and bleak_bluez.discovering
    assert scanner.diagnostics()["requested_mode"] == "passive"
    assert scanner.start_failures == 0


# --- healing: each failure, and the time the scan took to resume --------------------------------------


async def _restart_graceful(fake: FakeBluez) -> float:
    started = time.monotonic()
    await fake.restart(graceful=True)
    return started


async def _restart_crash(fake: FakeBluez) -> float:
    started = time.monotonic()
    await fake.restart(graceful=False)
    return started


async def _power_cycle(fake: FakeBluez) -> float:
    fake.set_powered(False)
    await asyncio.sleep(0.1)
    fake.set_powered(True)
    return time.monotonic()  # resuming is measured from power-on: nothing can be heard before it


async def _stall(fake: FakeBluez) -> float:
    """The field's silent failure: the scan (discovery session or passive monitor) is gone and BlueZ
    says nothing about it. The fake has no public stall; its discovery and monitor state is plain data."""
    daemon = fake._daemon
    assert daemon is not None
    daemon.adapter.discovery.clear()
    daemon.monitors.apps.clear()
    return time.monotonic()


Fault = Callable[[FakeBluez], Awaitable[float]]
FAULTS: dict[str, tuple[Fault, str, float]] = {
    # fault, the restart reason expected, watchdog_quiet_s (long where the watchdog must not be the cure)
    # A clean exit removes the adapter object (InterfacesRemoved) before the name goes.
    "bluetoothd-sigterm": (_restart_graceful, "the adapter disappeared", 30.0),
    "bluetoothd-crash": (_restart_crash, "bluetoothd left the bus", 30.0),
    "power-off-on": (_power_cycle, "the adapter was powered off", 30.0),
    "quiet-period": (_stall, "watchdog", 0.4),
}


@pytest.mark.parametrize("mode", ["active", "passive"])
@pytest.mark.parametrize("name", list(FAULTS))
async def test_scan_resumes_by_itself(
    bleak_bluez: FakeBluez, name: str, mode: Literal["active", "passive"]
) -> None:
    fault, reason, quiet_s = FAULTS[name]
    heard = Heard()
    scanner = scanner_for(heard, mode, watchdog_quiet_s=quiet_s)
    async with running(scanner), beacon(bleak_bluez):
        await wait_until(lambda: len(heard.items) > 0, what="the first advertisement")
        since = await fault(bleak_bluez)
        await wait_until(lambda: heard.after(since) > 0, within=10, what=f"advertisements after {name}")
        resumed = next(item[0] for item in heard.items if item[0] > since)
        print(f"\nscan resumed {resumed - since:.3f} s after {name} ({mode}); {scanner.diagnostics()}")
        assert scanner.state is ScannerState.SCANNING
    assert scanner.restarts >= 1
    assert scanner.last_restart_reason is not None and reason in scanner.last_restart_reason


async def test_scan_resumes_after_the_bus_daemon_crashes(
    bleak_bluez: FakeBluez, bluez_bus: PrivateBus
) -> None:
    """No signal can tell of the bus dying (it carries them): the watch's connection dropping must."""
    heard = Heard()
    scanner = scanner_for(heard)
    async with running(scanner), beacon(bleak_bluez):
        await wait_until(lambda: len(heard.items) > 0, what="the first advertisement")
        await asyncio.to_thread(bluez_bus.restart, 0.2, graceful=False)
        await bleak_bluez.restart(graceful=False, downtime=0)  # bluetoothd dies with the bus, then returns
        since = time.monotonic()
        await wait_until(
            lambda: heard.after(since) > 0, within=10, what="advertisements after the bus restart"
        )
        assert scanner.state is ScannerState.SCANNING
    assert scanner.last_restart_reason == "the connection to the system D-Bus was lost"


async def test_in_progress_at_start_is_retried(bleak_bluez: FakeBluez) -> None:
    bleak_bluez.faults.inject(
        "StartDiscovery", "org.bluez.Error.InProgress", "Operation already in progress", 2
    )
    heard = Heard()
    scanner = scanner_for(heard)
    started = time.monotonic()
    async with running(scanner), beacon(bleak_bluez):
        await wait_until(lambda: len(heard.items) > 0, within=10, what="advertisements after InProgress")
        print(f"\nscan started {heard.items[0][0] - started:.3f} s after two InProgress refusals")
    assert scanner.start_failures == 2
    assert bleak_bluez.counters.errors_by_name["org.bluez.Error.InProgress"] == 2


async def test_in_progress_during_a_restart_stops_and_starts_again_at_once(bleak_bluez: FakeBluez) -> None:
    """Three InProgress answers in a row: a stop and a new start each time, no backoff. The backoff here
    is long (at least 3 s per refusal), so "resumed within 2 s" tells the two behaviours apart."""
    heard = Heard()
    scanner = scanner_for(heard, retry_base_s=30.0, retry_cap_s=60.0)
    async with running(scanner), beacon(bleak_bluez):
        await wait_until(lambda: len(heard.items) > 0, what="the first advertisement")
        bleak_bluez.faults.inject(
            "StartDiscovery", "org.bluez.Error.InProgress", "Operation already in progress", 3
        )
        since = await _restart_crash(bleak_bluez)
        await wait_until(lambda: heard.after(since) > 0, within=20, what="advertisements after the restart")
        first_refusal = bleak_bluez.faults.answered[0][0]
        resumed = next(item[0] for item in heard.items if item[0] > since) - first_refusal
        print(f"\nscan resumed {resumed:.3f} s after the first of three InProgress answers")
        assert resumed < 2.0, "InProgress was answered with a backoff, not a stop and a new start"
    assert scanner.start_failures == 3 and scanner.restarts == 1
    assert bleak_bluez.counters.errors_by_name["org.bluez.Error.InProgress"] == 3


async def test_powered_off_at_start_waits_for_power(bleak_bluez: FakeBluez) -> None:
    bleak_bluez.set_powered(False)
    heard = Heard()
    scanner = scanner_for(heard)
    async with running(scanner), beacon(bleak_bluez):
        await wait_until(lambda: scanner.state is ScannerState.NO_ADAPTER, what="no adapter")
        assert scanner.problem is not None and "powered off" in scanner.problem
        await asyncio.sleep(0.3)
        attempts = bleak_bluez.counters.discovery_sessions
        assert attempts == 0  # a known powered-off adapter is not asked to scan
        bleak_bluez.set_powered(True)
        await wait_until(lambda: len(heard.items) > 0, what="advertisements at power-on")


async def test_one_scanner_per_process(bleak_bluez: FakeBluez) -> None:
    first = scanner_for(Heard())
    async with running(first):
        await wait_until(lambda: first.state is ScannerState.SCANNING, what="the first scanner")
        with pytest.raises(RuntimeError, match="one Scanner per process"):
            await asyncio.wait_for(scanner_for(Heard()).run(), 5)


# --- the agent hears itself: an advertising Advertiser seen by the Scanner ----------------------------


async def test_an_advertising_agent_is_heard_through_the_fake_radio(bleak_bluez: FakeBluez) -> None:
    """What the simulator does: whatever an agent puts on air reaches the other receivers in range."""
    on_air: dict[str, RegisteredAdvertisement] = {}

    def carry(event: AdvertisementEvent, adv: RegisteredAdvertisement) -> None:
        if event == "removed":
            on_air.pop(adv.path, None)
        else:
            on_air[adv.path] = adv

    async def radio() -> None:
        while True:
            for adv in list(on_air.values()):
                bleak_bluez.deliver(adv.heard_as("C0:FF:EE:00:00:01", rssi=-55))
            await asyncio.sleep(0.01)

    bleak_bluez.add_advertisement_listener(carry)
    clock = Clock(start=10_000.0)
    key = bytes.fromhex("00112233445566778899aabbccddeeff")
    instruction = AdvertiseEddystoneEid(
        kind="eddystone-eid", identity_key=key.hex(), rotation_exponent=2, beacon_time=4000, tx_power=-60
    )
    first = EddystoneEid(compute_eid(key, 2, 4000).hex(), -19)
    second = EddystoneEid(compute_eid(key, 2, 4004).hex(), -19)
    heard = Heard()
    carrier = asyncio.create_task(radio())
    try:
        async with (
            running(scanner_for(heard)),
            Advertiser("hci0", clock, check_interval_s=0.01) as advertiser,
        ):
            await advertiser.apply(instruction)
            await wait_until(lambda: first in heard.frames(), what="the agent's first EID")
            clock.advance(4)
            await wait_until(lambda: second in heard.frames(), what="the rotated EID")
    finally:
        carrier.cancel()
    assert {item[1] for item in heard.items} == {"C0:FF:EE:00:00:01"}
    assert heard.frames()[-1] == second
    assert first.key != second.key
