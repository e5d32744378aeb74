"""The fake BlueZ against the real, unmodified bleak: what the agent's scanner will meet in the simulator.

Every test starts a private dbus-daemon and the fake, then scans with `bleak.BleakScanner` (nothing
mocked). Besides the happy path they pin down what bleak 3.1 does when the adapter is powered off,
when bluetoothd restarts, and when BlueZ answers `InProgress`, and what a client must do to resume.
"""

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from bleak import BleakScanner
from bleak.args.bluez import BlueZScannerArgs, OrPattern
from bleak.assigned_numbers import AdvertisementDataType
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakBluetoothNotAvailableError, BleakDBusError
from dbus_fast import Message, MessageType, PropertyAccess, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusSignature, DBusStr
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from beacon_agent.bluez import add_match
from simulator.bluez.adv_data import Advertisement, advertisement_structures, matches_or_patterns
from simulator.bluez.advertising import RegisteredAdvertisement
from simulator.bluez.bus import PrivateBus
from simulator.bluez.connection import BluezBus
from simulator.bluez.control import RemoteFakeBluez
from simulator.bluez.defs import BluezError
from simulator.bluez.device import DeviceRegistry, properties_changed
from simulator.bluez.discovery import DiscoveryFilter, parse_filter
from simulator.bluez.service import FakeBluez
from tests.bluez_fixtures import (  # noqa: F401  (the fixture_* functions are pytest fixtures)
    fixture_bleak_bluez,
    fixture_bluez_bus,
    fixture_fake_bluez,
    reset_bleak_manager,
    settle,
    wait_until,
)

BEACON = "AA:BB:CC:DD:EE:FF"
OTHER = "11:22:33:44:55:66"
UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
APPLE = 0x004C
DEVICE_PATH = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"


def ibeacon(major: int = 1, minor: int = 2, tx: int = -59) -> bytes:
    return (
        bytes.fromhex("0215" + UUID.replace("-", ""))
        + major.to_bytes(2, "big")
        + minor.to_bytes(2, "big")
        + (tx & 0xFF).to_bytes(1, "big")
    )


Seen = list[tuple[BLEDevice, AdvertisementData]]


def recorder() -> tuple[Seen, Callable[[BLEDevice, AdvertisementData], None]]:
    """A detection callback that keeps every (device, advertisement) bleak reports."""
    seen: Seen = []

    def callback(device: BLEDevice, adv: AdvertisementData) -> None:
        seen.append((device, adv))

    return seen, callback


# --- scanning -------------------------------------------------------------------------------------


async def test_ibeacon_arrives_with_address_rssi_and_manufacturer_data(bleak_bluez: FakeBluez) -> None:
    seen, callback = recorder()
    async with BleakScanner(detection_callback=callback):
        assert bleak_bluez.discovering
        assert bleak_bluez.advertise(BEACON, rssi=-63, manufacturer_data={APPLE: ibeacon()})
        await wait_until(lambda: len(seen) == 1, what="the iBeacon")
    device, adv = seen[0]
    assert device.address == BEACON
    assert device.name is None  # BlueZ's Alias is the address with dashes, which bleak maps to None
    assert adv.rssi == -63
    assert adv.manufacturer_data == {APPLE: ibeacon()}
    assert adv.service_data == {}
    assert adv.tx_power is None
    assert bleak_bluez.counters.discovery_sessions == 1


async def test_eddystone_service_data_name_and_tx_power_arrive(bleak_bluez: FakeBluez) -> None:
    frame = bytes.fromhex("00e7") + bytes(range(16))
    seen, callback = recorder()
    async with BleakScanner(detection_callback=callback):
        bleak_bluez.advertise(
            OTHER,
            rssi=-70,
            service_data={"feaa": frame},
            service_uuids=["feaa"],
            local_name="door",
            tx_power=-4,
        )
        await wait_until(lambda: len(seen) == 1)
    device, adv = seen[0]
    assert device.name == "door" == adv.local_name
    assert adv.service_data == {"0000feaa-0000-1000-8000-00805f9b34fb": frame}
    assert adv.service_uuids == ["0000feaa-0000-1000-8000-00805f9b34fb"]
    assert adv.tx_power == -4


async def test_n_advertisements_give_n_callbacks_and_rssi_changes_are_seen(bleak_bluez: FakeBluez) -> None:
    # Identical data and identical RSSI still count: one advertisement, one callback (design note).
    rssis = [-60, -60, -60, -71, -55, -90, -90, *range(-80, -40)]
    seen, callback = recorder()
    async with BleakScanner(detection_callback=callback):
        for rssi in rssis:
            bleak_bluez.advertise(BEACON, rssi=rssi, manufacturer_data={APPLE: ibeacon()})
        await wait_until(lambda: len(seen) == len(rssis), what=f"{len(rssis)} callbacks")
        await settle(bleak_bluez)
    assert [adv.rssi for _, adv in seen] == rssis
    assert bleak_bluez.counters.devices_added == 1


async def test_advertisements_only_reach_clients_while_discovering(bleak_bluez: FakeBluez) -> None:
    assert not bleak_bluez.advertise(BEACON, rssi=-60, manufacturer_data={APPLE: ibeacon()})
    assert bleak_bluez.devices == []
    seen, callback = recorder()
    scanner = BleakScanner(detection_callback=callback)
    await scanner.start()
    assert bleak_bluez.advertise(BEACON, rssi=-60, manufacturer_data={APPLE: ibeacon()})
    await wait_until(lambda: len(seen) == 1)
    await scanner.stop()
    assert not bleak_bluez.discovering
    assert not bleak_bluez.advertise(BEACON, rssi=-61, manufacturer_data={APPLE: ibeacon()})
    await settle(bleak_bluez)
    assert len(seen) == 1
    assert bleak_bluez.counters.advertisements_filtered == 2


async def test_discovery_filter_uuids_and_rssi_are_honoured(bleak_bluez: FakeBluez) -> None:
    eddystone = "0000feaa-0000-1000-8000-00805f9b34fb"
    seen, callback = recorder()
    scanner = BleakScanner(callback, service_uuids=[eddystone], bluez=BlueZScannerArgs(filters={"RSSI": -80}))
    async with scanner:
        assert not bleak_bluez.advertise(BEACON, rssi=-60, manufacturer_data={APPLE: ibeacon()})
        tlm = {"feaa": b"\x20\x00"}
        assert not bleak_bluez.advertise(OTHER, rssi=-85, service_data=tlm, service_uuids=["feaa"])
        assert bleak_bluez.advertise(OTHER, rssi=-75, service_data=tlm, service_uuids=["feaa"])
        await wait_until(lambda: len(seen) == 1)
        await settle(bleak_bluez)
    assert [(device.address, adv.rssi) for device, adv in seen] == [(OTHER, -75)]


async def test_unheard_devices_are_removed_after_the_timeout(
    bluez_bus: PrivateBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    fake = FakeBluez(device_timeout=30.0, clock=lambda: now[0])
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bluez_bus.address)
    async with fake.serving(bluez_bus.address):
        try:
            scanner = BleakScanner()
            async with scanner:
                fake.advertise(BEACON, rssi=-60)
                await wait_until(lambda: len(scanner.discovered_devices) == 1)
                now[0] += 29
                assert fake.expire_devices() == 0
                now[0] += 1
                assert fake.expire_devices() == 1
                await wait_until(lambda: scanner.discovered_devices == [], what="bleak to drop the device")
            assert fake.counters.devices_removed == 1
        finally:
            await reset_bleak_manager()


# --- power, bluetoothd restarts, InProgress ---------------------------------------------------------


async def test_power_off_and_on_is_observable_and_needs_a_new_scan(bleak_bluez: FakeBluez) -> None:
    """What bleak does: powering off ends the discovery session and removes the devices (bleak drops
    them from `discovered_devices`) but raises nothing; scanning just goes quiet, and stays quiet after
    power returns. To resume, a client calls `stop()` (tolerated while off: BlueZ answers NotReady,
    which bleak ignores; once powered it raises BleakDBusError org.bluez.Error.Failed "No discovery
    started") and `start()` again (which raises BleakBluetoothNotAvailableError while still off)."""
    seen, callback = recorder()
    scanner = BleakScanner(detection_callback=callback)
    await scanner.start()
    bleak_bluez.advertise(BEACON, rssi=-60)
    await wait_until(lambda: len(scanner.discovered_devices) == 1)

    bleak_bluez.set_powered(False)
    await wait_until(lambda: scanner.discovered_devices == [], what="devices removed at power-off")
    assert not bleak_bluez.discovering
    assert not bleak_bluez.advertise(BEACON, rssi=-60)
    with pytest.raises(BleakBluetoothNotAvailableError):
        await BleakScanner().start()

    bleak_bluez.set_powered(True)
    assert not bleak_bluez.advertise(BEACON, rssi=-60)  # the old session did not come back
    with pytest.raises(BleakDBusError) as stopped:
        await scanner.stop()
    assert stopped.value.dbus_error == "org.bluez.Error.Failed"

    await scanner.start()
    assert bleak_bluez.advertise(BEACON, rssi=-58)
    await wait_until(lambda: seen[-1][1].rssi == -58, what="callbacks after the rescan")
    await scanner.stop()


async def test_stop_while_powered_off_is_tolerated_by_bleak(bleak_bluez: FakeBluez) -> None:
    scanner = BleakScanner()
    await scanner.start()
    bleak_bluez.set_powered(False)
    await settle(bleak_bluez)
    await scanner.stop()  # NotReady, which bleak swallows
    assert bleak_bluez.counters.errors_by_name["org.bluez.Error.NotReady"] == 1


@pytest.mark.parametrize("graceful", [True, False], ids=["sigterm", "crash"])
async def test_bluez_restart_stops_scanning_until_the_client_starts_again(
    bleak_bluez: FakeBluez, graceful: bool
) -> None:
    """What bleak does: it does not watch `org.bluez` leaving the bus. After a graceful restart the
    devices are gone from `discovered_devices` (InterfacesRemoved); after a crash they linger. Either
    way the discovery session died with bluetoothd, callbacks stop, and nothing is raised until the
    client calls `stop()`: BleakDBusError org.bluez.Error.Failed "No discovery started" (so `async
    with BleakScanner()` raises on exit). To resume: `stop()` (ignore that error), then `start()`;
    advertisements and monitors must be registered again too."""
    seen, callback = recorder()
    scanner = BleakScanner(detection_callback=callback)
    await scanner.start()
    bleak_bluez.advertise(BEACON, rssi=-60)
    await wait_until(lambda: len(seen) == 1)
    before = bleak_bluez.unique_name

    await bleak_bluez.restart(graceful=graceful)
    assert bleak_bluez.unique_name != before
    assert not bleak_bluez.discovering
    assert not bleak_bluez.advertise(BEACON, rssi=-61)
    await settle(bleak_bluez)
    assert len(seen) == 1
    assert (scanner.discovered_devices == []) is graceful

    with pytest.raises(BleakDBusError) as stopped:
        await scanner.stop()
    assert stopped.value.dbus_error == "org.bluez.Error.Failed"
    await scanner.start()
    assert bleak_bluez.advertise(BEACON, rssi=-62)
    await wait_until(lambda: len(seen) == 2, what="callbacks after the restart")
    assert seen[-1][1].rssi == -62
    await scanner.stop()
    assert bleak_bluez.counters.restarts == 1


async def test_second_active_scanner_in_one_process_gets_in_progress(bleak_bluez: FakeBluez) -> None:
    """BlueZ allows one discovery session per D-Bus connection, and bleak shares one connection per
    event loop: a second scanner's start() raises InProgress (and its SetDiscoveryFilter has replaced
    the first scanner's filter). The agent must run a single scanner."""
    first = BleakScanner()
    await first.start()
    with pytest.raises(BleakDBusError) as second:
        await BleakScanner().start()
    assert second.value.dbus_error == "org.bluez.Error.InProgress"
    assert bleak_bluez.discovering
    await first.stop()


async def test_stop_answered_in_progress_is_recovered_by_bleak(bleak_bluez: FakeBluez) -> None:
    """bleak 3.1 meets a StopDiscovery rejected with InProgress (the kernel race of bleak issue 2021) by
    calling StartDiscovery and StopDiscovery once more; stop() then succeeds and nothing is left on."""
    scanner = BleakScanner()
    await scanner.start()
    bleak_bluez.faults.inject("StopDiscovery", "org.bluez.Error.InProgress", "Operation already in progress")
    await scanner.stop()
    assert not bleak_bluez.discovering
    counters = bleak_bluez.counters
    assert counters.errors_by_name["org.bluez.Error.InProgress"] == 1
    assert counters.discovery_sessions == 2  # bleak's own start, then its recovery start


# --- passive scanning ------------------------------------------------------------------------------


async def test_passive_scan_with_or_patterns(
    bleak_bluez: FakeBluez, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bleak.backends.bluezdbus.advertisement_monitor")
    pattern = OrPattern(0, AdvertisementDataType.MANUFACTURER_SPECIFIC_DATA, b"\x4c\x00\x02\x15")
    seen, callback = recorder()
    scanner = BleakScanner(callback, scanning_mode="passive", bluez=BlueZScannerArgs(or_patterns=[pattern]))
    await scanner.start()
    await wait_until(lambda: "Activate" in caplog.messages, what="the monitor to be activated")
    assert not bleak_bluez.discovering  # passive: no discovery session, the monitor does the work

    assert bleak_bluez.advertise(BEACON, rssi=-60, manufacturer_data={APPLE: ibeacon()})
    assert bleak_bluez.advertise(BEACON, rssi=-59, manufacturer_data={APPLE: ibeacon()})
    assert not bleak_bluez.advertise(OTHER, rssi=-60, manufacturer_data={0x0059: ibeacon()})
    await wait_until(lambda: len(seen) == 2)
    await settle(bleak_bluez)
    assert [(d.address, a.rssi) for d, a in seen] == [(BEACON, -60), (BEACON, -59)]
    assert caplog.messages.count("DeviceFound /org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF") == 1

    await scanner.stop()
    await settle(bleak_bluez)
    assert not bleak_bluez.advertise(BEACON, rssi=-60, manufacturer_data={APPLE: ibeacon()})
    assert bleak_bluez.counters.monitors_registered == 1


def test_or_patterns_match_raw_ad_structures() -> None:
    adv = Advertisement.build(
        BEACON, rssi=-60, manufacturer_data={APPLE: ibeacon()}, service_data={"feaa": b"\x00"}
    )
    structures = advertisement_structures(adv)
    assert matches_or_patterns([(0, 0xFF, b"\x4c\x00\x02\x15")], structures)
    assert matches_or_patterns([(2, 0xFF, b"\x02\x15")], structures)
    assert matches_or_patterns([(0, 0x16, b"\xaa\xfe")], structures)
    assert not matches_or_patterns([(0, 0xFF, b"\x59\x00")], structures)
    assert not matches_or_patterns([(20, 0x16, b"\x00")], structures)


def test_every_advertisement_is_one_signal_carrying_rssi() -> None:
    """Without DuplicateData (bleak's default) unchanged data is left out but RSSI never is; with it,
    the advertised data is re-sent every time, as BlueZ does."""
    registry = DeviceRegistry("/org/bluez/hci0")
    adv = Advertisement.build(BEACON, rssi=-60, manufacturer_data={APPLE: ibeacon()})
    _, added = registry.update(adv, report_duplicates=False, now=0.0)
    assert added.member == "InterfacesAdded" and added.path == "/"
    assert added.body[1]["org.bluez.Device1"]["Alias"].value == "AA-BB-CC-DD-EE-FF"
    _, again = registry.update(adv, report_duplicates=False, now=1.0)
    assert again.member == "PropertiesChanged" and set(again.body[1]) == {"RSSI"}
    _, duplicate = registry.update(adv, report_duplicates=True, now=2.0)
    assert set(duplicate.body[1]) == {"RSSI", "ManufacturerData"}
    [invalidated] = registry.invalidate_radio_properties()
    assert invalidated.body[2] == ["RSSI"]


def test_discovery_filters_parse_like_bluez() -> None:
    assert parse_filter({}) is None
    parsed = parse_filter(
        {"UUIDs": Variant("as", ["FEAA"]), "RSSI": Variant("n", -70), "DuplicateData": Variant("b", True)}
    )
    assert parsed == DiscoveryFilter(
        uuids=frozenset({"0000feaa-0000-1000-8000-00805f9b34fb"}), rssi=-70, duplicate_data=True
    )
    for bad in (
        {"RSSI": Variant("n", -70), "Pathloss": Variant("q", 10)},
        {"Transport": Variant("s", "x")},
        {"X": 1},
    ):
        with pytest.raises(BluezError) as raised:
            parse_filter(bad)
        assert raised.value.name == "org.bluez.Error.InvalidArguments"


# --- advertising through LEAdvertisingManager1 --------------------------------------------------------


class IBeaconAdvertisement(ServiceInterface):
    """The smallest LEAdvertisement1 a client can export, shaped like the agent's advertiser."""

    def __init__(self, frame: bytes) -> None:
        super().__init__("org.bluez.LEAdvertisement1")
        self.frame = frame

    @dbus_method()
    def Release(self) -> None:
        return None

    @dbus_property(PropertyAccess.READ)
    def Type(self) -> DBusStr:
        return "broadcast"

    @dbus_property(PropertyAccess.READ)
    def ManufacturerData(self) -> Annotated[dict[int, Variant], DBusSignature("a{qv}")]:
        return {APPLE: Variant("ay", self.frame)}

    @dbus_property(PropertyAccess.READ)
    def Includes(self) -> Annotated[list[str], DBusSignature("as")]:
        return ["tx-power"]


async def call_manager(bus: MessageBus, member: str, signature: str, body: list[Any]) -> str | None:
    """Call LEAdvertisingManager1; returns the error name, None on success."""
    reply = await bus.call(
        Message(
            destination="org.bluez",
            path="/org/bluez/hci0",
            interface="org.bluez.LEAdvertisingManager1",
            member=member,
            signature=signature,
            body=body,
        )
    )
    assert reply is not None
    return reply.error_name if reply.message_type is MessageType.ERROR else None


async def test_registered_advertisement_is_decoded_and_errors_are_bluez_errors(
    fake_bluez: FakeBluez, bluez_bus: PrivateBus
) -> None:
    events: list[tuple[str, RegisteredAdvertisement]] = []
    fake_bluez.add_advertisement_listener(lambda kind, adv: events.append((kind, adv)))
    client = await MessageBus(bus_address=bluez_bus.address).connect()
    try:
        advertisement = IBeaconAdvertisement(ibeacon(7, 8))
        client.export("/org/nahbei/advertisement0", advertisement)
        assert (
            await call_manager(client, "RegisterAdvertisement", "oa{sv}", ["/org/nahbei/advertisement0", {}])
            is None
        )
        [registered] = fake_bluez.registered_advertisements
        assert registered.client == client.unique_name
        assert registered.type == "broadcast"
        assert registered.manufacturer_data == {APPLE: ibeacon(7, 8)}
        assert registered.includes == ("tx-power",)
        assert [kind for kind, _ in events] == ["added"]

        advertisement.frame = ibeacon(7, 9)  # e.g. a rotated identifier
        advertisement.emit_properties_changed(
            {"ManufacturerData": {APPLE: Variant("ay", advertisement.frame)}}
        )
        await wait_until(lambda: len(events) == 2, what="the change to reach the fake")
        assert events[-1][0] == "changed"
        assert fake_bluez.registered_advertisements[0].manufacturer_data == {APPLE: ibeacon(7, 9)}

        register = ["/org/nahbei/advertisement0", {}]
        assert (
            await call_manager(client, "RegisterAdvertisement", "oa{sv}", register)
            == "org.bluez.Error.AlreadyExists"
        )
        missing = ["/org/nahbei/nothing", {}]
        assert (
            await call_manager(client, "RegisterAdvertisement", "oa{sv}", missing) == "org.bluez.Error.Failed"
        )
        for i in range(1, 5):
            client.export(f"/org/nahbei/advertisement{i}", IBeaconAdvertisement(ibeacon(i)))
            assert (
                await call_manager(
                    client, "RegisterAdvertisement", "oa{sv}", [f"/org/nahbei/advertisement{i}", {}]
                )
                is None
            )
        client.export("/org/nahbei/advertisement5", IBeaconAdvertisement(ibeacon(5)))
        sixth = ["/org/nahbei/advertisement5", {}]
        assert (
            await call_manager(client, "RegisterAdvertisement", "oa{sv}", sixth)
            == "org.bluez.Error.NotPermitted"
        )

        assert (
            await call_manager(client, "UnregisterAdvertisement", "o", ["/org/nahbei/advertisement0"]) is None
        )
        gone = ["/org/nahbei/advertisement0"]
        assert (
            await call_manager(client, "UnregisterAdvertisement", "o", gone) == "org.bluez.Error.DoesNotExist"
        )

        fake_bluez.set_powered(False)
        assert (
            await call_manager(client, "RegisterAdvertisement", "oa{sv}", register)
            == "org.bluez.Error.NotReady"
        )
        assert len(fake_bluez.registered_advertisements) == 4  # registrations survive power-off ...
        assert events[-1][0] == "removed"  # ... but are off air
        fake_bluez.set_powered(True)
        assert events[-1][0] == "added"
    finally:
        client.disconnect()
    await wait_until(
        lambda: fake_bluez.registered_advertisements == [], what="the client's advertisements to go"
    )
    assert fake_bluez.counters.errors == 5


# --- throughput and process separation --------------------------------------------------------------


async def test_a_flood_of_5000_advertisements_does_not_drop_the_bus(bleak_bluez: FakeBluez) -> None:
    seen, callback = recorder()
    async with BleakScanner(detection_callback=callback):
        for i in range(5000):  # no pacing at all: the unpatched dbus-fast writer dies on EAGAIN here
            bleak_bluez.advertise(f"AA:BB:CC:DD:{i // 256 % 256:02X}:{i % 50:02X}", rssi=-40 - i % 50)
        assert bleak_bluez.connected
        await bleak_bluez.drain()
        await wait_until(lambda: len(seen) == 5000, within=20, what="5000 callbacks")
    assert bleak_bluez.connected
    assert bleak_bluez.counters.advertisements_delivered == 5000


async def test_the_fakes_connection_survives_a_full_socket_buffer(bluez_bus: PrivateBus) -> None:
    """dbus-fast 5.2 drops a connection whose socket answers EAGAIN (python-dbus-next issue 153).
    With a 4 KiB send buffer the stock writer dies within a few hundred messages; the fake's does not."""
    receiver = await MessageBus(bus_address=bluez_bus.address).connect()
    sender = await BluezBus(bluez_bus.address).connect()
    received = 0

    def count(msg: Message) -> None:
        nonlocal received
        received += msg.member == "PropertiesChanged"

    try:
        receiver.add_message_handler(count)
        await add_match(receiver, "type='signal',member='PropertiesChanged'")
        assert sender._sock is not None
        sender._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        for rssi in range(5000):
            signal = properties_changed(
                DEVICE_PATH, "org.bluez.Device1", {"RSSI": Variant("n", -rssi % 100)}, []
            )
            sender.send(signal)  # one write per message: dbus-fast's own path, no batching
        await wait_until(lambda: received == 5000 or not sender.connected, within=20, what="5000 signals")
        assert sender.connected
    finally:
        sender.disconnect()
        receiver.disconnect()


async def test_fake_in_its_own_process(bluez_bus: PrivateBus, monkeypatch: pytest.MonkeyPatch) -> None:
    """The agent under test may run in another process than the fake; here bleak is the other side."""
    async with RemoteFakeBluez(bluez_bus.address) as remote:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", remote.address)
        seen, callback = recorder()
        try:
            async with BleakScanner(detection_callback=callback):
                assert await remote.advertise(BEACON, rssi=-66, manufacturer_data={APPLE: ibeacon()})
                assert await remote.advertise_many([{"address": OTHER, "rssi": -70}] * 10) == 10
                await wait_until(lambda: len(seen) == 11)
            state = await remote.state()
            assert state["advertisements_delivered"] == 11
            assert sorted(state["device_addresses"]) == sorted([BEACON, OTHER])
            assert seen[0][1].manufacturer_data == {APPLE: ibeacon()}
        finally:
            await reset_bleak_manager()


async def test_adapter_looks_like_bluez_to_a_plain_dbus_client(
    fake_bluez: FakeBluez, bluez_bus: PrivateBus
) -> None:
    client = await MessageBus(bus_address=bluez_bus.address).connect()
    try:
        reply = await client.call(
            Message(
                destination="org.bluez",
                path="/",
                interface="org.freedesktop.DBus.ObjectManager",
                member="GetManagedObjects",
            )
        )
        assert reply is not None and reply.message_type is MessageType.METHOD_RETURN
        adapter = reply.body[0]["/org/bluez/hci0"]
        assert adapter["org.bluez.Adapter1"]["Powered"].value is True
        assert adapter["org.bluez.Adapter1"]["Roles"].value == ["central", "peripheral"]
        assert adapter["org.bluez.LEAdvertisingManager1"]["SupportedInstances"].value == 5
        assert adapter["org.bluez.AdvertisementMonitorManager1"]["SupportedMonitorTypes"].value == [
            "or_patterns"
        ]
    finally:
        client.disconnect()
    await asyncio.sleep(0)
