"""BlueZ over D-Bus for the agent's BLE edges: calls with BlueZ's error names, and a watch on bluetoothd.

bleak does not notice bluetoothd restarting or the adapter powering off: scanning just goes quiet.
`BluezWatch` listens on the system bus for what the scanner and the advertiser must react to, the
`org.bluez` name changing owner (NameOwnerChanged), the adapter object appearing or going
(InterfacesAdded/Removed) and its `Powered` property (PropertiesChanged), and turns them into
`BluezEvent`s; and it reports its own connection dropping (the bus daemon restarted or crashed), after
which no signal can come: the owner must reconnect. Its match rules name the adapter path exactly,
so the flood of device signals on a busy street never reaches it. The system bus is the one
`DBUS_SYSTEM_BUS_ADDRESS` names, as for bleak.

`LEAdvertisement` is the object the advertiser exports for `RegisterAdvertisement`, and `explain`
turns BlueZ's refusals of it into one line for the operator.
"""

# No `from __future__ import annotations`: dbus-fast reads D-Bus signatures from the annotations.

import asyncio
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Final

import structlog
from dbus_fast import BusType, Message, MessageType, PropertyAccess, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from beacon_agent.constants import ADVERTISE_MAX_INTERVAL_MS, ADVERTISE_MIN_INTERVAL_MS, BLUEZ_CALL_TIMEOUT_S

__all__ = [
    "ADAPTER_INTERFACE",
    "ADVERTISEMENT_INTERFACE",
    "ADVERTISING_MANAGER_INTERFACE",
    "BLUEZ_SERVICE",
    "MONITOR_MANAGER_INTERFACE",
    "BluezError",
    "BluezEvent",
    "BluezWatch",
    "LEAdvertisement",
    "adapter_path",
    "call",
    "connect_system_bus",
    "explain",
    "quiet_lost_bus_writes",
]

log = structlog.get_logger(__name__)

BLUEZ_SERVICE: Final = "org.bluez"
ADAPTER_INTERFACE: Final = "org.bluez.Adapter1"
ADVERTISING_MANAGER_INTERFACE: Final = "org.bluez.LEAdvertisingManager1"
ADVERTISEMENT_INTERFACE: Final = "org.bluez.LEAdvertisement1"
MONITOR_MANAGER_INTERFACE: Final = "org.bluez.AdvertisementMonitorManager1"
_OBJECT_MANAGER: Final = "org.freedesktop.DBus.ObjectManager"
_PROPERTIES: Final = "org.freedesktop.DBus.Properties"
_DBUS: Final = "org.freedesktop.DBus"
_DBUS_PATH: Final = "/org/freedesktop/DBus"

# Not D-Bus error names: what `call` reports when no answer came at all.
CONNECTION_LOST: Final = "nahbei.ConnectionLost"
TIMED_OUT: Final = "nahbei.TimedOut"
DBusStrings = Annotated[list[str], DBusSignature("as")]


def adapter_path(adapter: str) -> str:
    """`/org/bluez/hci0` for `hci0`."""
    return f"/org/bluez/{adapter}"


class BluezError(Exception):
    """An error reply (`name` is the D-Bus error name, e.g. `org.bluez.Error.NotReady`) or no reply."""

    def __init__(self, name: str, text: str = "") -> None:
        super().__init__(f"{name}: {text}" if text else name)
        self.name = name
        self.text = text


async def connect_system_bus() -> MessageBus:
    """A new connection to the system bus; raises `BluezError(CONNECTION_LOST)` when there is none."""
    try:
        return await MessageBus(bus_type=BusType.SYSTEM).connect()
    except Exception as exc:  # OSError, AuthError, a bad address: all mean "no system bus for us"
        raise BluezError(CONNECTION_LOST, f"cannot connect to the system D-Bus: {exc}") from exc


async def call(
    bus: MessageBus,
    path: str,
    interface: str,
    member: str,
    signature: str = "",
    body: Sequence[Any] = (),
    *,
    destination: str = BLUEZ_SERVICE,
    timeout_s: float = BLUEZ_CALL_TIMEOUT_S,
) -> list[Any]:
    """One method call; the reply's body, or `BluezError` carrying the error name."""
    message = Message(
        destination=destination,
        path=path,
        interface=interface,
        member=member,
        signature=signature,
        body=list(body),
    )
    try:
        async with asyncio.timeout(timeout_s):
            reply = await bus.call(message)
    except TimeoutError:
        raise BluezError(TIMED_OUT, f"{member} got no answer within {timeout_s:g} s") from None
    except Exception as exc:  # dbus-fast raises a plain Exception when the connection fails mid-call
        raise BluezError(CONNECTION_LOST, f"{member}: {exc}") from exc
    if reply.message_type is MessageType.ERROR:
        text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
        raise BluezError(reply.error_name or "", text)
    return list(reply.body)


async def add_match(bus: MessageBus, rule: str) -> None:
    """Ask the bus daemon to route the signals `rule` matches to this connection."""
    await call(bus, _DBUS_PATH, _DBUS, "AddMatch", "s", [rule], destination=_DBUS)


class BluezEvent(StrEnum):
    """What happened to bluetoothd or the adapter; the value is the log text."""

    GONE = "bluetoothd left the bus"
    BACK = "bluetoothd started"
    ADAPTER_ADDED = "the adapter appeared"
    ADAPTER_REMOVED = "the adapter disappeared"
    POWERED_ON = "the adapter was powered on"
    POWERED_OFF = "the adapter was powered off"
    BUS_LOST = "the connection to the system D-Bus was lost"

    @property
    def ready(self) -> bool:
        """Does this event make the adapter usable again (worth retrying at once)? Not BACK: a new
        bluetoothd announces its adapter a moment later (ADAPTER_ADDED), trying before is futile."""
        return self in (BluezEvent.ADAPTER_ADDED, BluezEvent.POWERED_ON)


class BluezWatch:
    """bluetoothd's presence and one adapter's interfaces and power, kept current from signals."""

    def __init__(self, bus: MessageBus, adapter: str, on_event: Callable[[BluezEvent], None]) -> None:
        self.adapter = adapter
        self.owner: str | None = None
        self.interfaces: frozenset[str] = frozenset()
        self.powered: bool | None = None
        self._bus = bus
        self._path = adapter_path(adapter)
        self._on_event = on_event
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self._disconnect: asyncio.Future[None] | None = None

    @property
    def connected(self) -> bool:
        return self._bus.connected

    async def start(self) -> None:
        """Subscribe, then read the current state (in this order, so no change falls in between)."""
        self._bus.add_message_handler(self._handle_message)
        # Not cancelled by close(): dbus-fast's own disconnect future would be cancelled with it. The
        # owner disconnects the bus right after close(), which ends it.
        self._disconnect = asyncio.ensure_future(self._bus.wait_for_disconnect())  # type: ignore[no-untyped-call]
        self._disconnect.add_done_callback(self._handle_disconnect)
        owner_rule = f"type='signal',sender='{_DBUS}',member='NameOwnerChanged',arg0='{BLUEZ_SERVICE}'"
        await add_match(self._bus, owner_rule)
        await add_match(
            self._bus,
            f"type='signal',sender='{BLUEZ_SERVICE}',interface='{_OBJECT_MANAGER}',arg0path='{self._path}'",
        )
        await add_match(
            self._bus,
            f"type='signal',sender='{BLUEZ_SERVICE}',interface='{_PROPERTIES}',member='PropertiesChanged'"
            f",path='{self._path}',arg0='{ADAPTER_INTERFACE}'",
        )
        try:
            [owner] = await call(
                self._bus, _DBUS_PATH, _DBUS, "GetNameOwner", "s", [BLUEZ_SERVICE], destination=_DBUS
            )
        except BluezError:  # NameHasNoOwner: bluetoothd is not running (yet)
            return
        self.owner = owner
        await self._refresh(emit=False)

    def close(self) -> None:
        self._closed = True
        self._bus.remove_message_handler(self._handle_message)
        for task in self._tasks:
            task.cancel()

    def problem(self) -> str | None:
        """Why the adapter cannot be used now, as far as the signals tell; None when it can."""
        if self.owner is None:
            return "bluetoothd is not running (no org.bluez on the system bus)"
        if ADAPTER_INTERFACE not in self.interfaces:
            return f"adapter {self.adapter} not found (see `bluetoothctl list`)"
        if self.powered is False:
            return f"adapter {self.adapter} is powered off (`bluetoothctl power on`; check `rfkill list`)"
        return None

    def snapshot(self) -> dict[str, Any]:
        return {
            "bluetoothd": self.owner is not None,
            "adapter_found": ADAPTER_INTERFACE in self.interfaces,
            "powered": self.powered,
        }

    def _handle_message(self, msg: Message) -> None:
        if msg.message_type is not MessageType.SIGNAL:
            return
        if msg.member == "NameOwnerChanged" and msg.sender == _DBUS and msg.body[0] == BLUEZ_SERVICE:
            self._handle_owner(msg.body[2])
        elif msg.interface == _OBJECT_MANAGER and msg.body and msg.body[0] == self._path:
            if msg.member == "InterfacesAdded":
                self._handle_interfaces(msg.body[1], ())
            elif msg.member == "InterfacesRemoved":
                self._handle_interfaces({}, msg.body[1])
        elif (
            msg.member == "PropertiesChanged" and msg.path == self._path and msg.body[0] == ADAPTER_INTERFACE
        ):
            powered = msg.body[1].get("Powered")
            if isinstance(powered, Variant):
                self._handle_powered(bool(powered.value))

    def _handle_disconnect(self, done: "asyncio.Future[None]") -> None:
        if not done.cancelled():
            done.exception()  # EOFError, BrokenPipeError...: retrieved, the event says it all
        if self._closed:
            return
        self.owner, self.interfaces, self.powered = None, frozenset(), None
        self._on_event(BluezEvent.BUS_LOST)

    def _handle_owner(self, new_owner: str) -> None:
        self.interfaces = frozenset()
        self.powered = None
        if not new_owner:
            self.owner = None
            self._on_event(BluezEvent.GONE)
            return
        self.owner = new_owner
        self._on_event(BluezEvent.BACK)
        # The new bluetoothd may have announced its adapter before we knew its name: ask once.
        task = asyncio.create_task(self._refresh(emit=True))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _handle_interfaces(self, added: Mapping[str, Mapping[str, Variant]], removed: Sequence[str]) -> None:
        had_adapter = ADAPTER_INTERFACE in self.interfaces
        self.interfaces = (self.interfaces | set(added)) - set(removed)
        powered = added.get(ADAPTER_INTERFACE, {}).get("Powered")
        if isinstance(powered, Variant):
            self.powered = bool(powered.value)
        has_adapter = ADAPTER_INTERFACE in self.interfaces
        if has_adapter and not had_adapter:
            self._on_event(BluezEvent.ADAPTER_ADDED)
        elif had_adapter and not has_adapter:
            self.powered = None
            self._on_event(BluezEvent.ADAPTER_REMOVED)

    def _handle_powered(self, powered: bool) -> None:
        if powered != self.powered:
            self.powered = powered
            self._on_event(BluezEvent.POWERED_ON if powered else BluezEvent.POWERED_OFF)

    async def _refresh(self, *, emit: bool) -> None:
        try:
            [objects] = await call(self._bus, "/", _OBJECT_MANAGER, "GetManagedObjects")
        except BluezError as exc:
            log.debug("could not read BlueZ's objects", error=str(exc))
            return
        interfaces: dict[str, dict[str, Variant]] = objects.get(self._path, {})
        if emit:
            self._handle_interfaces(interfaces, ())
            return
        self.interfaces = frozenset(interfaces)
        powered = interfaces.get(ADAPTER_INTERFACE, {}).get("Powered")
        self.powered = bool(powered.value) if isinstance(powered, Variant) else None


class LEAdvertisement(ServiceInterface):
    """An `org.bluez.LEAdvertisement1` to export for `RegisterAdvertisement`; BlueZ reads it with GetAll.

    Type "broadcast" (non-connectable, as beacons are: BlueZ then adds no Flags). UUIDs go on air in
    the width of their spelling (BlueZ's bt_string_to_uuid), so 16-bit ones must be given short."""

    def __init__(
        self,
        manufacturer_data: Mapping[int, bytes],
        service_data: Mapping[str, bytes],
        service_uuids: Sequence[str],
        on_release: Callable[[], None],
    ) -> None:
        super().__init__(ADVERTISEMENT_INTERFACE)
        self._manufacturer_data = dict(manufacturer_data)
        self._service_data = dict(service_data)
        self._service_uuids = list(service_uuids)
        self._on_release = on_release

    @dbus_method()
    def Release(self) -> None:
        """bluetoothd dropped the advertisement (clean exit, adapter gone); it is no longer registered."""
        self._on_release()

    @dbus_property(PropertyAccess.READ)
    def Type(self) -> DBusStr:
        return "broadcast"

    @dbus_property(PropertyAccess.READ)
    def ManufacturerData(self) -> Annotated[dict[int, Variant], DBusSignature("a{qv}")]:
        return {company: Variant("ay", payload) for company, payload in self._manufacturer_data.items()}

    @dbus_property(PropertyAccess.READ)
    def ServiceData(self) -> Annotated[dict[str, Variant], DBusSignature("a{sv}")]:
        return {uuid: Variant("ay", payload) for uuid, payload in self._service_data.items()}

    @dbus_property(PropertyAccess.READ)
    def ServiceUUIDs(self) -> DBusStrings:
        return list(self._service_uuids)

    @dbus_property(PropertyAccess.READ)
    def Includes(self) -> DBusStrings:
        return []  # beacon frames carry their own calibrated power; "tx-power" would only cost 3 bytes

    @dbus_property(PropertyAccess.READ)
    def MinInterval(self) -> DBusUInt32:
        return ADVERTISE_MIN_INTERVAL_MS

    @dbus_property(PropertyAccess.READ)
    def MaxInterval(self) -> DBusUInt32:
        return ADVERTISE_MAX_INTERVAL_MS


def explain(error: BluezError, adapter: str) -> tuple[bool, str]:
    """(passes by itself?, one log line: what happened and what to do) for a refused registration."""
    name, detail = error.name, f"{error.name}: {error.text}" if error.text else error.name
    if name == "org.bluez.Error.NotReady":
        return True, (
            f"adapter {adapter} is powered off: advertising starts when it is powered on "
            "(`bluetoothctl power on`; check `rfkill list`)"
        )
    if name in (CONNECTION_LOST, TIMED_OUT) or name.endswith(
        (".ServiceUnknown", ".NameHasNoOwner", ".NoReply")
    ):
        return True, (
            f"bluetoothd is not answering ({detail}): advertising starts when it runs "
            "(`systemctl status bluetooth`)"
        )
    if name.endswith((".UnknownObject", ".UnknownMethod", ".UnknownInterface")):
        return False, (
            f"this adapter cannot advertise: {adapter} has no {ADVERTISING_MANAGER_INTERFACE} ({detail}); "
            "check the adapter name with `bluetoothctl list` and that it is a Bluetooth LE adapter"
        )
    if name == "org.bluez.Error.NotPermitted" and "Maximum" in error.text:
        return False, (
            f"adapter {adapter} has no free advertising slot ({error.text}): stop the other programs "
            "advertising on it, or give the agent an adapter of its own"
        )
    if name in ("org.bluez.Error.NotPermitted", "org.freedesktop.DBus.Error.AccessDenied"):
        return False, (
            f"BlueZ does not let the agent advertise ({detail}): run nahbei-agent as root or as a user "
            "in the `bluetooth` group, as the shipped systemd unit does"
        )
    return False, f"BlueZ refused the advertisement ({detail}); please report it with `bluetoothd --version`"


def quiet_lost_bus_writes(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The agent's event-loop exception handler.

    When the system bus daemon goes away, dbus-fast fails the write it had in flight (EBADF, EPIPE)
    on a future nobody awaits, and asyncio logs "Future exception was never retrieved" with a
    traceback, as if the agent had crashed. It has not: the scanner and the advertiser notice the
    lost bus and reconnect. So that case is one warning line; anything else goes to asyncio's
    default handler as before.
    """
    exc = context.get("exception")
    if isinstance(exc, OSError) and _raised_in_dbus_fast(exc):
        log.warning("a D-Bus write failed: the bus went away", error=str(exc))
        return
    loop.default_exception_handler(context)


def _raised_in_dbus_fast(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if "dbus_fast" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False
