"""`FakeBluez`: the control side of the fake bluetoothd, for tests and the simulator (same process, async).

The fake owns `org.bluez` on a (private) bus and shows advertisements to the real, unmodified bleak:

    async with PrivateBus() as bus:
        fake = FakeBluez()
        await fake.start(bus.address)
        fake.advertise("AA:BB:CC:DD:EE:FF", rssi=-60, manufacturer_data={0x004C: frame})

An advertisement reaches clients only while the adapter is powered and someone discovers (or a passive
monitor matches), as with BlueZ. `set_powered()` and `restart()` reproduce the two field failures the
agent must heal from. `registered_advertisements` and `add_advertisement_listener()` show what clients
put on air through `LEAdvertisingManager1`. `drain()` is the flow control for senders that produce
thousands of advertisements a second: `advertise()` only queues.
"""

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import structlog

from simulator.bluez.adv_data import AddressType, Advertisement, advertisement_structures
from simulator.bluez.advertising import AdvertisementEvent, RegisteredAdvertisement
from simulator.bluez.daemon import BluezDaemon
from simulator.bluez.defs import (
    DEVICE_SWEEP_INTERVAL_S,
    DEVICE_TIMEOUT_S,
    MAX_SEND_BACKLOG,
    RESTART_DOWNTIME_S,
    Faults,
    device_path,
)

log = structlog.get_logger(__name__)

AdvertisementListener = Callable[[AdvertisementEvent, RegisteredAdvertisement], None]


@dataclass(slots=True)
class Counters:
    """What the fake did since `start()`; survives restarts. Plain data, for reports and assertions."""

    advertisements_offered: int = 0
    advertisements_delivered: int = 0
    advertisements_filtered: int = 0
    advertisements_dropped: int = 0
    devices_added: int = 0
    devices_removed: int = 0
    discovery_sessions: int = 0
    monitors_registered: int = 0
    advertisements_registered: int = 0
    restarts: int = 0
    errors_by_name: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        """BlueZ error replies sent to clients."""
        return sum(self.errors_by_name.values())


class FakeBluez:
    """The fake bluetoothd: one adapter (`hci0`), its devices, advertising and monitor managers."""

    def __init__(
        self,
        *,
        powered: bool = True,
        device_timeout: float | None = DEVICE_TIMEOUT_S,
        max_backlog: int = MAX_SEND_BACKLOG,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.faults = Faults()
        self._initially_powered = powered
        self._device_timeout = device_timeout
        self._max_backlog = max_backlog
        self._clock = clock
        self._address: str | None = None
        self._daemon: BluezDaemon | None = None
        self._counters = Counters()
        self._listeners: list[AdvertisementListener] = []
        self._sweeper: asyncio.Task[None] | None = None

    # Life cycle.

    async def start(self, bus_address: str) -> None:
        """Take `org.bluez` on the bus at `bus_address`; the adapter appears powered unless told otherwise."""
        if self._daemon is not None:
            raise RuntimeError("FakeBluez is already running")
        self._address = bus_address
        await self._spawn_daemon(self._initially_powered)
        if self._device_timeout is not None:
            self._sweeper = asyncio.create_task(self._sweep(self._device_timeout))

    async def stop(self) -> None:
        """Leave the bus (gracefully: clients see the devices and the adapter go)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        await self._end_daemon(graceful=True)
        self._address = None

    @contextlib.asynccontextmanager
    async def serving(self, bus_address: str) -> AsyncIterator["FakeBluez"]:
        await self.start(bus_address)
        try:
            yield self
        finally:
            await self.stop()

    async def restart(self, *, graceful: bool = True, downtime: float = RESTART_DOWNTIME_S) -> None:
        """bluetoothd restarts: the name `org.bluez` goes away with every object and client registration,
        then a fresh daemon (new unique name, powered adapter, no devices) takes it again. Graceful
        means SIGTERM (InterfacesRemoved first), not graceful a crash (the connection just drops)."""
        if self._address is None:
            raise RuntimeError("FakeBluez is not running")
        await self._end_daemon(graceful=graceful)
        self._counters.restarts += 1
        await asyncio.sleep(downtime)
        await self._spawn_daemon(True)

    async def _spawn_daemon(self, powered: bool) -> None:
        assert self._address is not None
        daemon = BluezDaemon(self._address, self, powered=powered)
        await daemon.start()
        self._daemon = daemon
        log.debug("fake bluetoothd up", unique_name=daemon.unique_name, powered=powered)

    async def _end_daemon(self, *, graceful: bool) -> None:
        daemon, self._daemon = self._daemon, None
        if daemon is not None:
            await daemon.stop(graceful=graceful)
            self._counters.errors_by_name.update(daemon.bus.errors_sent)

    # The radio: advertisements heard by the adapter.

    def advertise(
        self,
        address: str,
        *,
        rssi: int,
        manufacturer_data: Mapping[int, bytes] | None = None,
        service_data: Mapping[str, bytes] | Mapping[int, bytes] | None = None,
        local_name: str | None = None,
        tx_power: int | None = None,
        service_uuids: Iterable[str | int] | None = None,
        address_type: AddressType = "random",
    ) -> bool:
        """The adapter hears one advertisement; True when it was passed on to clients."""
        adv = Advertisement.build(
            address,
            rssi=rssi,
            manufacturer_data=manufacturer_data,
            service_data=service_data,
            service_uuids=service_uuids,
            local_name=local_name,
            tx_power=tx_power,
            address_type=address_type,
        )
        return self.deliver(adv)

    def deliver(self, adv: Advertisement) -> bool:
        """`advertise()` for a prepared `Advertisement` (the simulator builds them once per beacon)."""
        counters = self._counters
        counters.advertisements_offered += 1
        daemon = self._daemon
        if daemon is None or not daemon.adapter.powered or not daemon.bus.connected:
            counters.advertisements_filtered += 1
            return False
        adapter = daemon.adapter
        matched = daemon.monitors.matching(advertisement_structures(adv)) if daemon.monitors.apps else []
        if not matched and not adapter.discovery.accepts(adv):
            counters.advertisements_filtered += 1
            return False
        if daemon.bus.backlog >= self._max_backlog:
            counters.advertisements_dropped += 1
            return False
        known = len(adapter.devices)
        device, message = adapter.devices.update(
            adv, report_duplicates=adapter.discovery.report_duplicates, now=self._clock()
        )
        daemon.emit(message)
        counters.devices_added += len(adapter.devices) - known
        if matched:
            daemon.monitors.device_found(matched, device.path)
        counters.advertisements_delivered += 1
        return True

    async def drain(self) -> None:
        """Wait until every queued signal has left this process; call it between bursts."""
        if self._daemon is not None:
            await self._daemon.bus.drain()

    @property
    def backlog(self) -> int:
        """Bytes of signals queued in this process; a sender that calls `drain()` keeps this small."""
        return self._daemon.bus.backlog if self._daemon is not None else 0

    def remove_device(self, address: str) -> bool:
        """Forget a device, as BlueZ does when it times out (InterfacesRemoved)."""
        daemon = self._daemon
        return daemon is not None and daemon.adapter.remove_device(device_path(address))

    def expire_devices(self, now: float | None = None) -> int:
        """Remove devices not heard for `device_timeout` seconds; the sweeper calls this every second."""
        daemon = self._daemon
        if daemon is None or self._device_timeout is None:
            return 0
        expired = daemon.adapter.devices.expired(self._clock() if now is None else now, self._device_timeout)
        return sum(daemon.adapter.remove_device(path) for path in expired)

    async def _sweep(self, device_timeout: float) -> None:
        interval = min(DEVICE_SWEEP_INTERVAL_S, device_timeout / 4)
        while True:
            await asyncio.sleep(interval)
            self.expire_devices()

    # The adapter, as the control side sees it.

    def set_powered(self, powered: bool) -> None:
        """Power the adapter on or off, as `bluetoothctl power off` would (clients see it)."""
        if self._daemon is None:
            raise RuntimeError("FakeBluez is not running")
        self._daemon.adapter.set_powered(powered)

    @property
    def running(self) -> bool:
        return self._daemon is not None

    @property
    def connected(self) -> bool:
        """False when the fake's connection died (it must not, even under a flood)."""
        return self._daemon is not None and self._daemon.bus.connected

    @property
    def powered(self) -> bool:
        return self._daemon is not None and self._daemon.adapter.powered

    @property
    def discovering(self) -> bool:
        return self._daemon is not None and self._daemon.adapter.discovery.discovering

    @property
    def unique_name(self) -> str | None:
        """The current bluetoothd's unique bus name; it changes with every restart."""
        return self._daemon.unique_name if self._daemon is not None else None

    @property
    def devices(self) -> list[str]:
        """Addresses of the device objects that exist now."""
        if self._daemon is None:
            return []
        return [device.address for device in self._daemon.adapter.devices.devices.values()]

    @property
    def counters(self) -> Counters:
        """A snapshot, including the error replies of the running daemon."""
        snapshot = Counters(**{k: v for k, v in asdict(self._counters).items() if k != "errors_by_name"})
        snapshot.errors_by_name = Counter(self._counters.errors_by_name)
        if self._daemon is not None:
            snapshot.errors_by_name.update(self._daemon.bus.errors_sent)
        return snapshot

    def diagnostics(self) -> dict[str, Any]:
        counters = self.counters
        return {
            "running": self.running,
            "powered": self.powered,
            "discovering": self.discovering,
            "devices": len(self.devices),
            "backlog": self.backlog,
            "registered_advertisements": len(self.registered_advertisements),
            **{k: v for k, v in asdict(counters).items() if k != "errors_by_name"},
            "errors": counters.errors,
            "errors_by_name": dict(counters.errors_by_name),
        }

    # What clients advertise.

    @property
    def registered_advertisements(self) -> list[RegisteredAdvertisement]:
        if self._daemon is None:
            return []
        return list(self._daemon.advertising.registered.values())

    def add_advertisement_listener(self, listener: AdvertisementListener) -> Callable[[], None]:
        """Hear what goes on air and off air ("added" / "changed" / "removed"); returns the unsubscriber.

        Powering off takes advertisements off air without unregistering them (BlueZ keeps the
        registrations and re-enables them at power-on), so listeners get "removed" then "added".
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _tell(self, event: AdvertisementEvent, adv: RegisteredAdvertisement) -> None:
        for listener in list(self._listeners):
            try:
                listener(event, adv)
            except Exception:  # a broken simulator hook must not take bluetoothd down
                log.exception("advertisement listener failed", event=event)

    # DaemonEvents: what the daemons report.

    def power_changed(self, powered: bool) -> None:
        for adv in self.registered_advertisements:
            self._tell("added" if powered else "removed", adv)

    def discovery_started(self, client: str) -> None:
        self._counters.discovery_sessions += 1

    def device_removed(self, path: str) -> None:
        self._counters.devices_removed += 1

    def advertisement_event(self, event: AdvertisementEvent, adv: RegisteredAdvertisement) -> None:
        if event == "added":
            self._counters.advertisements_registered += 1
        if self.powered or event == "removed":
            self._tell(event, adv)

    def monitor_registered(self, client: str) -> None:
        self._counters.monitors_registered += 1
