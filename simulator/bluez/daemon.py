"""One life of the fake bluetoothd on the bus: its connection, the name `org.bluez` and its objects.

`BluezDaemon.start()` connects (a new unique name, as a new bluetoothd process gets), exports the
adapter's interfaces at `/org/bluez/hci0`, takes `org.bluez` and announces the adapter with
`InterfacesAdded` from the ObjectManager at `/`. Its message router answers what dbus-fast cannot:
`GetManagedObjects` on `/` (adapter plus devices, which are not dbus-fast exports), calls on device
paths, and the signals bluetoothd listens to (clients leaving the bus, advertisement objects changing,
monitor objects appearing). `stop()` ends the life, gracefully (objects removed first, as on SIGTERM)
or not (as on a crash). Restarting bluetoothd means a new `BluezDaemon`.
"""

import asyncio
from collections.abc import Coroutine
from typing import Any, Protocol

from dbus_fast import Message, MessageType, Variant
from dbus_fast.constants import ErrorType, NameFlag, RequestNameReply

from simulator.bluez.adapter import Adapter
from simulator.bluez.advertising import AdvertisementEvent, AdvertisingManager, RegisteredAdvertisement
from simulator.bluez.connection import BluezBus, interface_properties
from simulator.bluez.defs import (
    ADAPTER_INTERFACE,
    ADAPTER_PATH,
    ADVERTISING_MANAGER_INTERFACE,
    BLUEZ_SERVICE,
    DBUS_PATH,
    DBUS_SERVICE,
    MONITOR_MANAGER_INTERFACE,
    OBJECT_MANAGER_INTERFACE,
    ROOT_PATH,
    Faults,
)
from simulator.bluez.device import STANDARD_INTERFACES, interfaces_added, interfaces_removed
from simulator.bluez.monitor import MonitorManager

_NAME_OWNER_RULE = (
    f"type='signal',sender='{DBUS_SERVICE}',interface='{DBUS_SERVICE}',member='NameOwnerChanged'"
    f",path='{DBUS_PATH}'"
)


class DaemonEvents(Protocol):
    """What the control side (FakeBluez) wants to hear about; it outlives every daemon."""

    faults: Faults

    def power_changed(self, powered: bool) -> None: ...

    def discovery_started(self, client: str) -> None: ...

    def device_removed(self, path: str) -> None: ...

    def advertisement_event(self, event: AdvertisementEvent, adv: RegisteredAdvertisement) -> None: ...

    def monitor_registered(self, client: str) -> None: ...


class BluezStartError(RuntimeError):
    """The fake bluetoothd could not take its place on the bus."""


class BluezDaemon:
    """The objects of one bluetoothd process; the host protocols of adapter and managers point here."""

    def __init__(self, bus_address: str, events: DaemonEvents, *, powered: bool = True) -> None:
        self.bus = BluezBus(bus_address)
        self.faults = events.faults
        self._events = events
        self.adapter = Adapter(self, powered=powered)
        self.advertising = AdvertisingManager(self, ADAPTER_PATH)
        self.monitors = MonitorManager(self)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def powered(self) -> bool:
        return self.adapter.powered

    @property
    def unique_name(self) -> str | None:
        return self.bus.unique_name

    async def start(self) -> None:
        await self.bus.connect()
        for interface in (self.adapter, self.advertising, self.monitors):
            self.bus.export(ADAPTER_PATH, interface)
        self.bus.add_message_handler(self._route)
        await self._dbus_call("AddMatch", _NAME_OWNER_RULE)
        reply = await self.bus.request_name(BLUEZ_SERVICE, NameFlag.DO_NOT_QUEUE)
        if reply is not RequestNameReply.PRIMARY_OWNER:
            self.bus.disconnect()
            raise BluezStartError(f"{BLUEZ_SERVICE} is already owned on this bus ({reply.name})")
        self.emit(interfaces_added(ADAPTER_PATH, self.adapter_interfaces()))

    async def stop(self, *, graceful: bool = True) -> None:
        """End this life. Graceful: remove devices and adapter first, as bluetoothd does on SIGTERM."""
        for path in self.adapter.devices.devices:
            self._events.device_removed(path)
        if graceful and self.bus.connected:
            for message in self.adapter.devices.remove_all():
                self.emit(message)
            self.emit(interfaces_removed(ADAPTER_PATH, list(self.adapter_interfaces())))
            await self.bus.drain()
        for adv in list(self.advertising.registered.values()):
            self._events.advertisement_event("removed", adv)
        self.advertising.registered.clear()
        for task in list(self._tasks):
            task.cancel()
        await self.bus.close()

    def adapter_interfaces(self) -> dict[str, dict[str, Variant]]:
        return {
            ADAPTER_INTERFACE: interface_properties(self.adapter),
            ADVERTISING_MANAGER_INTERFACE: interface_properties(self.advertising),
            MONITOR_MANAGER_INTERFACE: interface_properties(self.monitors),
            **{name: {} for name in STANDARD_INTERFACES},
        }

    def managed_objects(self) -> dict[str, dict[str, dict[str, Variant]]]:
        return {ADAPTER_PATH: self.adapter_interfaces(), **self.adapter.devices.managed_objects()}

    # Host protocols of Adapter, AdvertisingManager and MonitorManager.

    def emit(self, msg: Message) -> None:
        if self.bus.connected:
            self.bus.emit(msg)

    def power_changed(self, powered: bool) -> None:
        self._events.power_changed(powered)

    def discovery_started(self, client: str) -> None:
        self._events.discovery_started(client)

    def device_removed(self, path: str) -> None:
        self.monitors.device_lost(path)
        self._events.device_removed(path)

    def advertisement_event(self, event: AdvertisementEvent, adv: RegisteredAdvertisement) -> None:
        self._events.advertisement_event(event, adv)

    def monitor_registered(self, client: str) -> None:
        self._events.monitor_registered(client)

    # Routing of what dbus-fast's ServiceInterface dispatch does not cover.

    def _route(self, msg: Message) -> Message | bool:
        if msg.message_type is MessageType.METHOD_CALL:
            return self._route_call(msg)
        if msg.message_type is MessageType.SIGNAL:
            self._route_signal(msg)
        return False

    def _route_call(self, msg: Message) -> Message | bool:
        if msg.interface == OBJECT_MANAGER_INTERFACE and msg.member == "GetManagedObjects":
            if msg.path != ROOT_PATH:  # BlueZ has one ObjectManager, at the root
                return Message.new_error(msg, ErrorType.UNKNOWN_METHOD.value, "No ObjectManager here")
            return Message.new_method_return(msg, "a{oa{sa{sv}}}", [self.managed_objects()])
        answered = self.adapter.devices.handle_call(msg)
        if answered is None:
            return False
        reply, signals = answered
        self.bus.send(reply)
        for signal in signals:
            self.emit(signal)
        return True

    def _route_signal(self, msg: Message) -> None:
        if msg.member == "NameOwnerChanged" and msg.sender == DBUS_SERVICE:
            name, _old, new = msg.body
            if name.startswith(":") and not new and name != self.bus.unique_name:
                self._client_left(name)
        elif msg.member in ("InterfacesAdded", "InterfacesRemoved"):
            self.monitors.handle_signal(msg)
        elif msg.member == "PropertiesChanged" and self.advertising.watches(msg):
            self._spawn(self.advertising.handle_signal(msg))

    def _client_left(self, client: str) -> None:
        """bluetoothd's disconnect watches: the client's sessions, advertisements and monitors end."""
        self.adapter.client_left(client)
        self.advertising.client_left(client)
        self.monitors.client_left(client)

    async def _dbus_call(self, member: str, rule: str) -> None:
        await self.bus.call(
            Message(
                destination=DBUS_SERVICE,
                path=DBUS_PATH,
                interface=DBUS_SERVICE,
                member=member,
                signature="s",
                body=[rule],
            )
        )

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
