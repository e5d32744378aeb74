"""`org.bluez.AdvertisementMonitorManager1`: passive scanning with `or_patterns` monitors.

bleak's passive scan registers an application path with `RegisterMonitor` and only then exports its
`org.bluez.AdvertisementMonitor1` object there, so, like bluetoothd's GDBusClient, the manager starts
watching the client's `InterfacesAdded` / `InterfacesRemoved` (sent from the application path) before
it replies, then also asks `GetManagedObjects` for monitors exported earlier. A valid `or_patterns`
monitor is told `Activate()`; an invalid one `Release()`. While powered, an advertisement that matches
an active monitor is delivered like a discovered one (device objects, `PropertiesChanged`) even
without a discovery session, and each monitor hears `DeviceFound` once per device and `DeviceLost`
when the device goes away. Monitors survive power cycles; clients leaving the bus take theirs along.
"""

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

from dbus_fast import Message, MessageFlag, MessageType, PropertyAccess, Variant
from dbus_fast.annotations import DBusObjectPath, DBusSignature
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from simulator.bluez.adv_data import OrPattern, matches_or_patterns, validate_or_patterns
from simulator.bluez.connection import BluezBus, current_caller
from simulator.bluez.defs import (
    MONITOR_INTERFACE,
    MONITOR_MANAGER_INTERFACE,
    OBJECT_MANAGER_INTERFACE,
    SUPPORTED_MONITOR_FEATURES,
    SUPPORTED_MONITOR_TYPES,
    Faults,
    already_exists,
    does_not_exist,
    invalid_arguments,
)

DBusStrings = Annotated[list[str], DBusSignature("as")]


@dataclass(slots=True)
class Monitor:
    client: str
    path: str
    patterns: list[OrPattern]
    found: set[str] = field(default_factory=set)


@dataclass(slots=True)
class MonitorApp:
    client: str
    root: str
    monitors: dict[str, Monitor] = field(default_factory=dict)

    @property
    def match_rule(self) -> str:
        """bluetoothd's GDBusClient watches the ObjectManager signals sent from the application path."""
        return (
            f"type='signal',sender='{self.client}',interface='{OBJECT_MANAGER_INTERFACE}',path='{self.root}'"
        )


class MonitorHost(Protocol):
    faults: Faults
    bus: BluezBus

    def monitor_registered(self, client: str) -> None: ...


class MonitorManager(ServiceInterface):
    """Monitor applications of one adapter, keyed by (client unique name, application path)."""

    def __init__(self, host: MonitorHost) -> None:
        super().__init__(MONITOR_MANAGER_INTERFACE)
        self._host = host
        self.apps: dict[tuple[str, str], MonitorApp] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def active(self) -> list[Monitor]:
        return [monitor for app in self.apps.values() for monitor in app.monitors.values()]

    @dbus_method()
    async def RegisterMonitor(self, application: DBusObjectPath) -> None:
        key = (current_caller(), application)
        fault = self._host.faults.take("RegisterMonitor")
        if fault is not None:
            raise fault
        if key in self.apps:
            raise already_exists()
        app = self.apps[key] = MonitorApp(*key)
        await self._dbus("AddMatch", app.match_rule)
        self._host.monitor_registered(app.client)
        self._spawn(self._load_existing(app))

    @dbus_method()
    def UnregisterMonitor(self, application: DBusObjectPath) -> None:
        fault = self._host.faults.take("UnregisterMonitor")
        if fault is not None:
            raise fault
        app = self.apps.pop((current_caller(), application), None)
        if app is None:
            raise does_not_exist()
        self._spawn(self._dbus("RemoveMatch", app.match_rule))

    @dbus_property(PropertyAccess.READ)
    def SupportedMonitorTypes(self) -> DBusStrings:
        return list(SUPPORTED_MONITOR_TYPES)

    @dbus_property(PropertyAccess.READ)
    def SupportedFeatures(self) -> DBusStrings:
        return list(SUPPORTED_MONITOR_FEATURES)

    def client_left(self, client: str) -> None:
        for key in [key for key in self.apps if key[0] == client]:
            del self.apps[key]

    def matching(self, structures: Iterable[tuple[int, bytes]]) -> list[Monitor]:
        materialised = list(structures)
        return [m for m in self.active if matches_or_patterns(m.patterns, materialised)]

    def device_found(self, monitors: Iterable[Monitor], device_path: str) -> None:
        for monitor in monitors:
            if device_path not in monitor.found:
                monitor.found.add(device_path)
                self._notify(monitor, "DeviceFound", device_path)

    def device_lost(self, device_path: str) -> None:
        for monitor in self.active:
            if device_path in monitor.found:
                monitor.found.discard(device_path)
                self._notify(monitor, "DeviceLost", device_path)

    def handle_signal(self, msg: Message) -> None:
        """InterfacesAdded / InterfacesRemoved from a registered application."""
        app = self.apps.get((msg.sender or "", msg.path or ""))
        if app is None:
            return
        if msg.member == "InterfacesAdded":
            path, interfaces = msg.body
            if MONITOR_INTERFACE in interfaces:
                self._add_monitor(app, path, interfaces[MONITOR_INTERFACE])
        elif msg.member == "InterfacesRemoved":
            path, interfaces = msg.body
            if MONITOR_INTERFACE in interfaces:
                app.monitors.pop(path, None)

    def _add_monitor(self, app: MonitorApp, path: str, props: dict[str, Variant]) -> None:
        if path in app.monitors or not (path == app.root or path.startswith(app.root.rstrip("/") + "/")):
            return
        kind = props.get("Type")
        patterns = props.get("Patterns")
        try:
            if kind is None or kind.value not in SUPPORTED_MONITOR_TYPES or patterns is None:
                raise invalid_arguments("monitor needs Type or_patterns and Patterns")
            checked = validate_or_patterns(patterns.value)
        except Exception:  # ValueError from the patterns, BluezError from the type: both mean Release
            self._call(app.client, path, "Release", "", [])
            return
        monitor = app.monitors[path] = Monitor(app.client, path, checked)
        self._call(monitor.client, monitor.path, "Activate", "", [])

    async def _load_existing(self, app: MonitorApp) -> None:
        """Monitors exported before RegisterMonitor are found through the client's ObjectManager."""
        call = Message(
            destination=app.client,
            path=app.root,
            interface=OBJECT_MANAGER_INTERFACE,
            member="GetManagedObjects",
        )
        with contextlib.suppress(Exception):
            reply = await self._host.bus.call(call)
            if reply is not None and reply.message_type is MessageType.METHOD_RETURN:
                objects: dict[str, dict[str, dict[str, Variant]]] = reply.body[0]
                for path, interfaces in objects.items():
                    if MONITOR_INTERFACE in interfaces and self.apps.get((app.client, app.root)) is app:
                        self._add_monitor(app, path, interfaces[MONITOR_INTERFACE])

    def _notify(self, monitor: Monitor, member: str, device_path: str) -> None:
        self._call(monitor.client, monitor.path, member, "o", [device_path])

    def _call(self, client: str, path: str, member: str, signature: str, body: list[Any]) -> None:
        """bluetoothd calls monitors without waiting for replies; so does the fake."""
        if not self._host.bus.connected:
            return
        self._host.bus.send(
            Message(
                destination=client,
                path=path,
                interface=MONITOR_INTERFACE,
                member=member,
                signature=signature,
                body=body,
                flags=MessageFlag.NO_REPLY_EXPECTED,
            )
        )

    async def _dbus(self, member: str, rule: str) -> None:
        call = Message(
            destination="org.freedesktop.DBus",
            path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus",
            member=member,
            signature="s",
            body=[rule],
        )
        with contextlib.suppress(Exception):
            await self._host.bus.call(call)

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
