"""`org.bluez.Adapter1` at `/org/bluez/hci0`: power, discovery sessions and the devices they find.

The adapter answers bleak's calls the way bluetoothd does: `SetDiscoveryFilter` / `StartDiscovery` /
`StopDiscovery` per client (see `discovery.py`), `NotReady` while powered off, `Discovering` and
`Powered` announced with `PropertiesChanged`. Powering off ends every session and removes the
devices, which is how bleak notices it. The adapter owns the device registry; what happens elsewhere
when power or devices change (monitors, advertisements, counters) is its host's business.
"""

from typing import Annotated, Protocol

from dbus_fast import Message, PropertyAccess, Variant
from dbus_fast.annotations import DBusBool, DBusDict, DBusObjectPath, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from simulator.bluez.connection import current_caller
from simulator.bluez.defs import (
    ADAPTER_ADDRESS,
    ADAPTER_INTERFACE,
    ADAPTER_NAME,
    ADAPTER_PATH,
    ADAPTER_ROLES,
    Faults,
    does_not_exist,
    invalid_arguments,
    not_ready,
)
from simulator.bluez.device import DeviceRegistry, properties_changed
from simulator.bluez.discovery import FILTER_KEYS, DiscoveryState, parse_filter

DBusStrings = Annotated[list[str], DBusSignature("as")]
# The UUIDs a stock Raspberry Pi OS bluetoothd lists for its adapter (GAP, GATT, DI, A/V remote...).
ADAPTER_UUIDS = [
    "00001800-0000-1000-8000-00805f9b34fb",
    "00001801-0000-1000-8000-00805f9b34fb",
    "0000180a-0000-1000-8000-00805f9b34fb",
    "0000110e-0000-1000-8000-00805f9b34fb",
    "0000110c-0000-1000-8000-00805f9b34fb",
]
# Class of device: computer, uncategorised (what a headless Pi reports).
ADAPTER_CLASS = 0x000100


class AdapterHost(Protocol):
    """What the adapter needs from the fake bluetoothd around it."""

    faults: Faults

    def emit(self, msg: Message) -> None: ...

    def power_changed(self, powered: bool) -> None: ...

    def discovery_started(self, client: str) -> None: ...

    def device_removed(self, path: str) -> None: ...


class Adapter(ServiceInterface):
    """One controller; starts powered, as bluetoothd's AutoEnable leaves a Pi's adapter."""

    def __init__(self, host: AdapterHost, *, powered: bool = True, path: str = ADAPTER_PATH) -> None:
        super().__init__(ADAPTER_INTERFACE)
        self.path = path
        self.discovery = DiscoveryState()
        self.devices = DeviceRegistry(path)
        self._host = host
        self._powered = powered
        self._alias: str | None = None
        self._discoverable = False
        self._pairable = True

    @property
    def powered(self) -> bool:
        return self._powered

    def set_powered(self, powered: bool) -> None:
        """Power on or off like `bluetoothctl power`: off ends discovery and removes the devices."""
        if powered == self._powered:
            return
        if not powered:
            if self.discovery.clear():
                self._emit({"Discovering": Variant("b", False)})
            for path in list(self.devices.devices):
                self.remove_device(path)
        self._powered = powered
        self._emit({"Powered": Variant("b", powered), "PowerState": Variant("s", self.PowerState)})
        self._host.power_changed(powered)

    def remove_device(self, path: str) -> bool:
        message = self.devices.remove(path)
        if message is None:
            return False
        self._host.device_removed(path)
        self._host.emit(message)
        return True

    def client_left(self, client: str) -> None:
        """A client left the bus: BlueZ's disconnect watch ends its discovery session."""
        if self.discovery.drop(client):
            self._discovery_ended()

    def _discovery_ended(self) -> None:
        self._emit({"Discovering": Variant("b", False)})
        for message in self.devices.invalidate_radio_properties():
            self._host.emit(message)

    def _emit(self, changed: dict[str, Variant]) -> None:
        self._host.emit(properties_changed(self.path, ADAPTER_INTERFACE, changed, []))

    def _check(self, method: str, *, needs_power: bool = True) -> None:
        if needs_power and not self._powered:
            raise not_ready()
        fault = self._host.faults.take(method)
        if fault is not None:
            raise fault

    @dbus_method()
    def SetDiscoveryFilter(self, properties: DBusDict) -> None:
        self._check("SetDiscoveryFilter")
        self.discovery.set_filter(current_caller(), parse_filter(properties))

    @dbus_method()
    def StartDiscovery(self) -> None:
        self._check("StartDiscovery")
        client = current_caller()
        if self.discovery.start(client):
            self._emit({"Discovering": Variant("b", True)})
        self._host.discovery_started(client)

    @dbus_method()
    def StopDiscovery(self) -> None:
        if not self._powered:
            raise not_ready()
        if self.discovery.stop(current_caller()):
            self._discovery_ended()
        # An injected fault comes after the session ended: when the kernel rejects a stop (InProgress,
        # bleak issue 2021) bluetoothd has already dropped the client's session.
        self._check("StopDiscovery", needs_power=False)

    @dbus_method()
    def RemoveDevice(self, device: DBusObjectPath) -> None:
        self._check("RemoveDevice", needs_power=False)
        if not device.startswith(f"{self.path}/dev_"):
            raise invalid_arguments()
        if not self.remove_device(device):
            raise does_not_exist()

    @dbus_method()
    def GetDiscoveryFilters(self) -> DBusStrings:
        return list(FILTER_KEYS)

    @dbus_property(PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return ADAPTER_ADDRESS

    @dbus_property(PropertyAccess.READ)
    def AddressType(self) -> DBusStr:
        return "public"

    @dbus_property(PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return ADAPTER_NAME

    @dbus_property()
    def Alias(self) -> DBusStr:
        return self._alias or ADAPTER_NAME

    @Alias.setter  # type: ignore[no-redef]  # mypy knows setters of builtins.property only
    def Alias(self, value: DBusStr) -> None:
        self._alias = value or None
        self._emit({"Alias": Variant("s", self.Alias)})

    @dbus_property(PropertyAccess.READ)
    def Class(self) -> DBusUInt32:
        return ADAPTER_CLASS

    @dbus_property()
    def Powered(self) -> DBusBool:
        return self._powered

    @Powered.setter  # type: ignore[no-redef]  # mypy knows setters of builtins.property only
    def Powered(self, value: DBusBool) -> None:
        self.set_powered(value)

    @dbus_property(PropertyAccess.READ)
    def PowerState(self) -> DBusStr:
        return "on" if self._powered else "off"

    @dbus_property()
    def Discoverable(self) -> DBusBool:
        return self._discoverable

    @Discoverable.setter  # type: ignore[no-redef]  # mypy knows setters of builtins.property only
    def Discoverable(self, value: DBusBool) -> None:
        if not self._powered:
            raise not_ready()
        self._discoverable = value
        self._emit({"Discoverable": Variant("b", value)})

    @dbus_property(PropertyAccess.READ)
    def DiscoverableTimeout(self) -> DBusUInt32:
        return 180

    @dbus_property()
    def Pairable(self) -> DBusBool:
        return self._pairable

    @Pairable.setter  # type: ignore[no-redef]  # mypy knows setters of builtins.property only
    def Pairable(self, value: DBusBool) -> None:
        self._pairable = value
        self._emit({"Pairable": Variant("b", value)})

    @dbus_property(PropertyAccess.READ)
    def PairableTimeout(self) -> DBusUInt32:
        return 0

    @dbus_property(PropertyAccess.READ)
    def Discovering(self) -> DBusBool:
        return self.discovery.discovering

    @dbus_property(PropertyAccess.READ)
    def UUIDs(self) -> DBusStrings:
        return list(ADAPTER_UUIDS)

    @dbus_property(PropertyAccess.READ)
    def Modalias(self) -> DBusStr:
        return "usb:v1D6Bp0246d0542"

    @dbus_property(PropertyAccess.READ)
    def Roles(self) -> DBusStrings:
        return list(ADAPTER_ROLES)
