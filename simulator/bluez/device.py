"""Remote devices under `/org/bluez/hci0`: their `org.bluez.Device1` state and the signals that carry it.

`DeviceRegistry` is sans-I/O: it turns advertisements into the messages BlueZ would emit (a new device
is `InterfacesAdded` on `/`; every further advertisement is one `PropertiesChanged` on the device that
always carries RSSI, because bleak makes one callback per signal), answers `Properties` and
`Introspectable` calls on device paths, and leaves sending to its caller. Devices are not dbus-fast
exports: BlueZ omits properties it has no value for (Name, RSSI, TxPower...), which a `ServiceInterface`
cannot, and thousands of advertisements a second should not pay for property introspection.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from dbus_fast import Message, Variant
from dbus_fast.constants import ErrorType

from simulator.bluez.adv_data import DEFAULT_FLAGS, Advertisement
from simulator.bluez.defs import (
    DEVICE_INTERFACE,
    INTROSPECTABLE_INTERFACE,
    OBJECT_MANAGER_INTERFACE,
    PROPERTIES_INTERFACE,
    ROOT_PATH,
    device_path,
)

# Interfaces every BlueZ device object lists in InterfacesAdded / GetManagedObjects.
STANDARD_INTERFACES: Final = (INTROSPECTABLE_INTERFACE, PROPERTIES_INTERFACE)
# RSSI and TxPower vanish when discovery ends (BlueZ's discovery_cleanup sets them invalid).
RADIO_PROPERTIES: Final = ["RSSI", "TxPower"]
_WRITABLE: Final = {"Alias": "s", "Trusted": "b", "Blocked": "b"}
_INTROSPECTION: Final = """<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node><interface name="org.bluez.Device1">
<method name="Connect"/><method name="Disconnect"/><method name="Pair"/><method name="CancelPairing"/>
<property name="Address" type="s" access="read"/><property name="AddressType" type="s" access="read"/>
<property name="Name" type="s" access="read"/><property name="Alias" type="s" access="readwrite"/>
<property name="Paired" type="b" access="read"/><property name="Bonded" type="b" access="read"/>
<property name="Trusted" type="b" access="readwrite"/><property name="Blocked" type="b" access="readwrite"/>
<property name="LegacyPairing" type="b" access="read"/><property name="RSSI" type="n" access="read"/>
<property name="TxPower" type="n" access="read"/><property name="Connected" type="b" access="read"/>
<property name="UUIDs" type="as" access="read"/><property name="Adapter" type="o" access="read"/>
<property name="ManufacturerData" type="a{qv}" access="read"/>
<property name="ServiceData" type="a{sv}" access="read"/>
<property name="ServicesResolved" type="b" access="read"/>
<property name="AdvertisingFlags" type="ay" access="read"/>
</interface></node>
"""


def _manufacturer_variant(data: Mapping[int, bytes]) -> Variant:
    return Variant("a{qv}", {company: Variant("ay", value) for company, value in data.items()})


def _service_variant(data: Mapping[str, bytes]) -> Variant:
    return Variant("a{sv}", {key: Variant("ay", value) for key, value in data.items()})


def properties_changed(
    path: str, interface: str, changed: dict[str, Variant], invalidated: list[str]
) -> Message:
    return Message.new_signal(
        path, PROPERTIES_INTERFACE, "PropertiesChanged", "sa{sv}as", [interface, changed, invalidated]
    )


def interfaces_added(path: str, interfaces: dict[str, dict[str, Variant]]) -> Message:
    return Message.new_signal(
        ROOT_PATH, OBJECT_MANAGER_INTERFACE, "InterfacesAdded", "oa{sa{sv}}", [path, interfaces]
    )


def interfaces_removed(path: str, interfaces: list[str]) -> Message:
    return Message.new_signal(
        ROOT_PATH, OBJECT_MANAGER_INTERFACE, "InterfacesRemoved", "oas", [path, interfaces]
    )


@dataclass(slots=True)
class Device:
    """What BlueZ knows about one remote address; data accumulates across advertisements, as in BlueZ."""

    address: str
    address_type: str
    path: str
    adapter_path: str
    last_seen: float
    name: str | None = None
    rssi: int | None = None
    tx_power: int | None = None
    manufacturer_data: dict[int, bytes] = field(default_factory=dict)
    service_data: dict[str, bytes] = field(default_factory=dict)
    uuids: list[str] = field(default_factory=list)
    alias: str | None = None
    trusted: bool = False
    blocked: bool = False

    @property
    def shown_alias(self) -> str:
        """BlueZ's Alias: set alias, else the name, else the address with dashes (bleak maps that to None)."""
        return self.alias or self.name or self.address.replace(":", "-")

    def properties(self) -> dict[str, Variant]:
        props = {
            "Address": Variant("s", self.address),
            "AddressType": Variant("s", self.address_type),
            "Alias": Variant("s", self.shown_alias),
            "Paired": Variant("b", False),
            "Bonded": Variant("b", False),
            "Trusted": Variant("b", self.trusted),
            "Blocked": Variant("b", self.blocked),
            "LegacyPairing": Variant("b", False),
            "Connected": Variant("b", False),
            "UUIDs": Variant("as", list(self.uuids)),
            "Adapter": Variant("o", self.adapter_path),
            "ServicesResolved": Variant("b", False),
            "AdvertisingFlags": Variant("ay", DEFAULT_FLAGS),
        }
        if self.name is not None:
            props["Name"] = Variant("s", self.name)
        if self.rssi is not None:
            props["RSSI"] = Variant("n", self.rssi)
        if self.tx_power is not None:
            props["TxPower"] = Variant("n", self.tx_power)
        if self.manufacturer_data:
            props["ManufacturerData"] = _manufacturer_variant(self.manufacturer_data)
        if self.service_data:
            props["ServiceData"] = _service_variant(self.service_data)
        return props

    def interfaces(self) -> dict[str, dict[str, Variant]]:
        return {DEVICE_INTERFACE: self.properties(), **{name: {} for name in STANDARD_INTERFACES}}


class DeviceRegistry:
    """The devices of one adapter, keyed by object path."""

    def __init__(self, adapter_path: str) -> None:
        self.adapter_path = adapter_path
        self.devices: dict[str, Device] = {}

    def __len__(self) -> int:
        return len(self.devices)

    def get(self, address: str) -> Device | None:
        return self.devices.get(device_path(address, self.adapter_path))

    def update(self, adv: Advertisement, *, report_duplicates: bool, now: float) -> tuple[Device, Message]:
        """Apply one advertisement; returns the device and the one signal that reports it."""
        path = device_path(adv.address, self.adapter_path)
        device = self.devices.get(path)
        if device is None:
            device = Device(adv.address, adv.address_type, path, self.adapter_path, now)
            self._absorb(device, adv)
            self.devices[path] = device
            return device, interfaces_added(path, device.interfaces())
        device.last_seen = now
        changed = self._absorb(device, adv)
        if report_duplicates:
            # DuplicateData: BlueZ clears and re-adds the advertised data, so it is re-sent every time.
            if adv.manufacturer_data:
                changed["ManufacturerData"] = _manufacturer_variant(adv.manufacturer_data)
            if adv.service_data:
                changed["ServiceData"] = _service_variant(adv.service_data)
        # One advertisement, one signal, one bleak callback: RSSI is always there.
        changed["RSSI"] = Variant("n", adv.rssi)
        return device, properties_changed(path, DEVICE_INTERFACE, changed, [])

    @staticmethod
    def _absorb(device: Device, adv: Advertisement) -> dict[str, Variant]:
        """Merge the advertisement into the device; returns the properties whose value changed."""
        changed: dict[str, Variant] = {}
        device.rssi = adv.rssi
        if adv.tx_power is not None and adv.tx_power != device.tx_power:
            device.tx_power = adv.tx_power
            changed["TxPower"] = Variant("n", adv.tx_power)
        if adv.local_name is not None and adv.local_name != device.name:
            device.name = adv.local_name
            changed["Name"] = Variant("s", adv.local_name)
            changed["Alias"] = Variant("s", device.shown_alias)
        if any(device.manufacturer_data.get(k) != v for k, v in adv.manufacturer_data.items()):
            device.manufacturer_data.update(adv.manufacturer_data)
            changed["ManufacturerData"] = _manufacturer_variant(device.manufacturer_data)
        if any(device.service_data.get(k) != v for k, v in adv.service_data.items()):
            device.service_data.update(adv.service_data)
            changed["ServiceData"] = _service_variant(device.service_data)
        new_uuids = [u for u in adv.service_uuids if u not in device.uuids]
        if new_uuids:
            device.uuids.extend(new_uuids)
            changed["UUIDs"] = Variant("as", list(device.uuids))
        return changed

    def remove(self, path: str) -> Message | None:
        device = self.devices.pop(path, None)
        if device is None:
            return None
        return interfaces_removed(path, [DEVICE_INTERFACE, *STANDARD_INTERFACES])

    def remove_all(self) -> list[Message]:
        return [message for path in list(self.devices) if (message := self.remove(path)) is not None]

    def expired(self, now: float, timeout: float) -> list[str]:
        return [path for path, device in self.devices.items() if now - device.last_seen >= timeout]

    def invalidate_radio_properties(self) -> list[Message]:
        """Discovery ended: RSSI and TxPower become unknown, as BlueZ reports them."""
        messages = []
        for device in self.devices.values():
            invalidated = [
                name
                for name, value in zip(RADIO_PROPERTIES, (device.rssi, device.tx_power), strict=True)
                if value is not None
            ]
            if invalidated:
                device.rssi = device.tx_power = None
                messages.append(properties_changed(device.path, DEVICE_INTERFACE, {}, invalidated))
        return messages

    def managed_objects(self) -> dict[str, dict[str, dict[str, Variant]]]:
        return {path: device.interfaces() for path, device in self.devices.items()}

    def handle_call(self, msg: Message) -> tuple[Message, list[Message]] | None:
        """Answer a method call on a device path: (reply, signals to send after it), or None if not ours."""
        device = self.devices.get(msg.path or "")
        if device is None:
            return None
        if msg.interface == PROPERTIES_INTERFACE and msg.member == "Set" and msg.signature == "ssv":
            return self._set_property(device, msg, msg.body[1], msg.body[2])
        return self._answer(device, msg), []

    def _answer(self, device: Device, msg: Message) -> Message:
        if msg.interface == INTROSPECTABLE_INTERFACE and msg.member == "Introspect":
            return Message.new_method_return(msg, "s", [_INTROSPECTION])
        if msg.interface == PROPERTIES_INTERFACE:
            return self._properties_call(device, msg)
        if msg.interface in (DEVICE_INTERFACE, None) and msg.member in ("Connect", "Pair"):
            # Simulated beacons are broadcasters: a connection attempt times out like one to a beacon.
            return Message.new_error(msg, "org.bluez.Error.Failed", "le-connection-abort-by-local")
        if msg.interface in (DEVICE_INTERFACE, None) and msg.member == "Disconnect":
            return Message.new_error(msg, "org.bluez.Error.NotConnected", "Not Connected")
        if msg.interface in (DEVICE_INTERFACE, None) and msg.member == "CancelPairing":
            return Message.new_error(msg, "org.bluez.Error.DoesNotExist", "Does Not Exist")
        return Message.new_error(
            msg, ErrorType.UNKNOWN_METHOD.value, f"{msg.interface}.{msg.member} is unknown"
        )

    def _properties_call(self, device: Device, msg: Message) -> Message:
        body: list[Any] = msg.body
        if msg.member == "GetAll" and msg.signature == "s":
            props = device.properties() if body[0] == DEVICE_INTERFACE else {}
            return Message.new_method_return(msg, "a{sv}", [props])
        if msg.member == "Get" and msg.signature == "ss":
            value = device.properties().get(body[1]) if body[0] == DEVICE_INTERFACE else None
            if value is None:
                return Message.new_error(msg, ErrorType.INVALID_ARGS.value, "No such property")
            return Message.new_method_return(msg, "v", [value])
        return Message.new_error(msg, ErrorType.UNKNOWN_METHOD.value, f"Properties.{msg.member} is unknown")

    @staticmethod
    def _set_property(
        device: Device, msg: Message, name: str, value: Variant
    ) -> tuple[Message, list[Message]]:
        if name not in _WRITABLE:
            return Message.new_error(msg, ErrorType.PROPERTY_READ_ONLY.value, f"{name} is read-only"), []
        if value.signature != _WRITABLE[name]:
            return Message.new_error(msg, ErrorType.INVALID_ARGS.value, f"{name} needs {_WRITABLE[name]}"), []
        if name == "Alias":
            device.alias = value.value or None
            value = Variant("s", device.shown_alias)
        else:
            setattr(device, name.lower(), bool(value.value))
        return Message.new_method_return(msg), [
            properties_changed(device.path, DEVICE_INTERFACE, {name: value}, [])
        ]
