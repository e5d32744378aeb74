"""`org.bluez.LEAdvertisingManager1`: what clients (the agent) advertise through the fake adapter.

As in bluetoothd, `RegisterAdvertisement(path, options)` calls back the registering client's
`org.bluez.LEAdvertisement1` object (`Properties.GetAll`) and parses it: a bad or missing object is
`Failed "Failed to parse advertisement."`, a second registration of the same object `AlreadyExists`,
a sixth one `NotPermitted "Maximum advertisements reached"`, anything while powered off `NotReady`.
The client's later `PropertiesChanged` on that object updates the advertisement; a client leaving the
bus takes its advertisements with it. The decoded result is a `RegisteredAdvertisement`, which the
host hands to the simulator so other simulated receivers can hear it.
"""

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, Literal, Protocol

from dbus_fast import Message, MessageType, PropertyAccess, Variant
from dbus_fast.annotations import DBusByte, DBusDict, DBusObjectPath, DBusSignature
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from simulator.bluez.adv_data import (
    AddressType,
    Advertisement,
    ad_length,
    ad_structures,
    normalize_uuid,
)
from simulator.bluez.connection import BluezBus, current_caller
from simulator.bluez.defs import (
    ADVERTISEMENT_INTERFACE,
    ADVERTISING_MANAGER_INTERFACE,
    CLIENT_CALL_TIMEOUT_S,
    FLAGS_AD_LENGTH,
    MAX_LEGACY_AD_LENGTH,
    PROPERTIES_INTERFACE,
    SUPPORTED_ADVERTISING_INSTANCES,
    SUPPORTED_INCLUDES,
    SUPPORTED_SECONDARY_CHANNELS,
    Faults,
    already_exists,
    does_not_exist,
    failed,
    not_permitted,
    not_ready,
)
from simulator.bluez.device import properties_changed

DBusStrings = Annotated[list[str], DBusSignature("as")]
AdvertisementEvent = Literal["added", "changed", "removed"]
PARSE_FAILED: Final = "Failed to parse advertisement."
# "Includes": ["tx-power"] adds a TX Power Level structure: length, type, one byte.
_TX_POWER_AD_LENGTH: Final = 3
# Keeps fire-and-forget tasks alive until they finish (asyncio holds only weak references).
_BACKGROUND: set["asyncio.Future[None]"] = set()
_SIGNATURES: Final = {
    "Type": "s",
    "ServiceUUIDs": "as",
    "SolicitUUIDs": "as",
    "ManufacturerData": "a{qv}",
    "ServiceData": "a{sv}",
    "Data": "a{yv}",
    "Includes": "as",
    "LocalName": "s",
    "Appearance": "q",
    "Duration": "q",
    "Timeout": "q",
    "Discoverable": "b",
    "DiscoverableTimeout": "q",
    "SecondaryChannel": "s",
    "MinInterval": "u",
    "MaxInterval": "u",
    "TxPower": "n",
}


@dataclass(frozen=True, slots=True)
class RegisteredAdvertisement:
    """One client's advertisement, decoded: the manufacturer and service data dicts are bleak's shapes."""

    client: str
    path: str
    type: str
    manufacturer_data: Mapping[int, bytes] = field(default_factory=dict)
    service_data: Mapping[str, bytes] = field(default_factory=dict)
    service_uuids: tuple[str, ...] = ()
    local_name: str | None = None
    includes: tuple[str, ...] = ()
    tx_power: int | None = None
    discoverable: bool = False
    min_interval_ms: int | None = None
    max_interval_ms: int | None = None

    def heard_as(self, address: str, *, rssi: int, address_type: AddressType = "random") -> Advertisement:
        """This advertisement as another simulated receiver hears it from `address`."""
        return Advertisement.build(
            address,
            rssi=rssi,
            manufacturer_data=self.manufacturer_data,
            service_data=self.service_data,
            service_uuids=self.service_uuids,
            local_name=self.local_name,
            tx_power=self.tx_power if "tx-power" in self.includes else None,
            address_type=address_type,
        )


def _bytes(value: Any, what: str) -> bytes:
    if not isinstance(value, Variant) or value.signature != "ay":
        raise failed(PARSE_FAILED) from ValueError(f"{what} must be a variant of ay")
    return bytes(value.value)


def parse_advertisement(client: str, path: str, props: Mapping[str, Variant]) -> RegisteredAdvertisement:
    """Decode LEAdvertisement1 properties like bluetoothd's parse_advertisement; raises BluezError."""
    values: dict[str, Any] = {}
    for name, variant in props.items():
        if name in _SIGNATURES:
            if variant.signature != _SIGNATURES[name]:
                raise failed(PARSE_FAILED)
            values[name] = variant.value
    kind = values.get("Type")
    if kind not in ("broadcast", "peripheral"):
        raise failed(PARSE_FAILED)
    includes = tuple(values.get("Includes", ()))
    if any(item not in SUPPORTED_INCLUDES for item in includes):
        raise failed(PARSE_FAILED)
    try:
        manufacturer = {
            int(k): _bytes(v, "ManufacturerData") for k, v in values.get("ManufacturerData", {}).items()
        }
        service = {
            normalize_uuid(k): _bytes(v, "ServiceData") for k, v in values.get("ServiceData", {}).items()
        }
        uuids = tuple(normalize_uuid(u) for u in values.get("ServiceUUIDs", ()))
    except ValueError as exc:
        raise failed(PARSE_FAILED) from exc
    if values.get("SecondaryChannel", "1M") not in SUPPORTED_SECONDARY_CHANNELS:
        raise failed(PARSE_FAILED)
    adv = RegisteredAdvertisement(
        client=client,
        path=path,
        type=kind,
        manufacturer_data=manufacturer,
        service_data=service,
        service_uuids=uuids,
        local_name=values.get("LocalName"),
        includes=includes,
        tx_power=values.get("TxPower"),
        discoverable=bool(values.get("Discoverable", False)),
        min_interval_ms=values.get("MinInterval"),
        max_interval_ms=values.get("MaxInterval"),
    )
    if advertising_data_length(adv) > MAX_LEGACY_AD_LENGTH:
        raise failed("Advertising data too long")
    return adv


def advertising_data_length(adv: RegisteredAdvertisement) -> int:
    """Bytes of the advertising PDU; the local name goes into the scan response, as bluetoothd puts it."""
    length = ad_length(
        ad_structures(
            manufacturer_data=adv.manufacturer_data,
            service_data=adv.service_data,
            service_uuids=adv.service_uuids,
            flags=None,
        )
    )
    if adv.type == "peripheral" or adv.discoverable:
        length += FLAGS_AD_LENGTH
    if "tx-power" in adv.includes:
        length += _TX_POWER_AD_LENGTH
    return length


class AdvertisingHost(Protocol):
    """What the advertising manager needs from the fake bluetoothd around it."""

    faults: Faults
    bus: BluezBus

    @property
    def powered(self) -> bool: ...

    def emit(self, msg: Message) -> None: ...

    def advertisement_event(self, event: AdvertisementEvent, adv: RegisteredAdvertisement) -> None: ...


class AdvertisingManager(ServiceInterface):
    """The LE advertising instances of one adapter, keyed by (client unique name, object path)."""

    def __init__(self, host: AdvertisingHost, adapter_path: str) -> None:
        super().__init__(ADVERTISING_MANAGER_INTERFACE)
        self._host = host
        self._adapter_path = adapter_path
        self.registered: dict[tuple[str, str], RegisteredAdvertisement] = {}
        self._pending: set[tuple[str, str]] = set()

    @dbus_method()
    async def RegisterAdvertisement(self, advertisement: DBusObjectPath, options: DBusDict) -> None:
        key = (current_caller(), advertisement)
        fault = self._host.faults.take("RegisterAdvertisement")
        if fault is not None:
            raise fault
        if not self._host.powered:
            raise not_ready()
        if key in self.registered or key in self._pending:
            raise already_exists()
        if len(self.registered) + len(self._pending) >= SUPPORTED_ADVERTISING_INSTANCES:
            raise not_permitted("Maximum advertisements reached")
        self._pending.add(key)
        try:
            adv = parse_advertisement(*key, await self._read(*key))
            await self._watch(*key, add=True)
            if key not in self._pending:
                raise failed("Client left during registration")
        finally:
            self._pending.discard(key)
        self.registered[key] = adv
        self._instances_changed()
        self._host.advertisement_event("added", adv)

    @dbus_method()
    def UnregisterAdvertisement(self, advertisement: DBusObjectPath) -> None:
        fault = self._host.faults.take("UnregisterAdvertisement")
        if fault is not None:
            raise fault
        if not self._drop((current_caller(), advertisement)):
            raise does_not_exist()

    def client_left(self, client: str) -> None:
        self._pending = {key for key in self._pending if key[0] != client}
        for key in [key for key in self.registered if key[0] == client]:
            self._drop(key, watching=False)

    def _drop(self, key: tuple[str, str], *, watching: bool = True) -> bool:
        adv = self.registered.pop(key, None)
        if adv is None:
            return False
        if watching:
            task = asyncio.ensure_future(self._watch(*key, add=False))
            _BACKGROUND.add(task)
            task.add_done_callback(_BACKGROUND.discard)
        self._instances_changed()
        self._host.advertisement_event("removed", adv)
        return True

    def watches(self, msg: Message) -> bool:
        """Is this PropertiesChanged about a registered advertisement object?"""
        key = (msg.sender or "", msg.path or "")
        return key in self.registered and bool(msg.body) and msg.body[0] == ADVERTISEMENT_INTERFACE

    async def handle_signal(self, msg: Message) -> None:
        """A registered object changed its properties: read them again, as bluetoothd's proxy does."""
        key = (msg.sender or "", msg.path or "")
        if not self.watches(msg):
            return
        try:
            adv = parse_advertisement(*key, await self._read(*key))
        except Exception:  # the client broke its own object: keep advertising the last good data
            return
        if key in self.registered and adv != self.registered[key]:
            self.registered[key] = adv
            self._host.advertisement_event("changed", adv)

    async def _read(self, client: str, path: str) -> Mapping[str, Variant]:
        call = Message(
            destination=client,
            path=path,
            interface=PROPERTIES_INTERFACE,
            member="GetAll",
            signature="s",
            body=[ADVERTISEMENT_INTERFACE],
        )
        try:
            reply = await asyncio.wait_for(self._host.bus.call(call), CLIENT_CALL_TIMEOUT_S)
        except Exception as exc:  # timeout, unknown object, client gone: all one failure to BlueZ
            raise failed(PARSE_FAILED) from exc
        if reply is None or reply.message_type is not MessageType.METHOD_RETURN or not reply.body[0]:
            raise failed(PARSE_FAILED)
        props: Mapping[str, Variant] = reply.body[0]
        return props

    async def _watch(self, client: str, path: str, *, add: bool) -> None:
        rule = f"type='signal',sender='{client}',path='{path}',interface='{PROPERTIES_INTERFACE}'"
        rule += ",member='PropertiesChanged'"
        call = Message(
            destination="org.freedesktop.DBus",
            path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus",
            member="AddMatch" if add else "RemoveMatch",
            signature="s",
            body=[rule],
        )
        if self._host.bus.connected:
            with contextlib.suppress(Exception):  # the bus went away with bluetoothd: nothing to undo
                await self._host.bus.call(call)

    def _instances_changed(self) -> None:
        changed = {"ActiveInstances": Variant("y", self.ActiveInstances)}
        changed["SupportedInstances"] = Variant("y", self.SupportedInstances)
        self._host.emit(properties_changed(self._adapter_path, ADVERTISING_MANAGER_INTERFACE, changed, []))

    @dbus_property(PropertyAccess.READ)
    def ActiveInstances(self) -> DBusByte:
        return len(self.registered)

    @dbus_property(PropertyAccess.READ)
    def SupportedInstances(self) -> DBusByte:
        """BlueZ counts the instances still free, not the controller's total."""
        return SUPPORTED_ADVERTISING_INSTANCES - len(self.registered)

    @dbus_property(PropertyAccess.READ)
    def SupportedIncludes(self) -> DBusStrings:
        return list(SUPPORTED_INCLUDES)

    @dbus_property(PropertyAccess.READ)
    def SupportedSecondaryChannels(self) -> DBusStrings:
        return list(SUPPORTED_SECONDARY_CHANNELS)

    @dbus_property(PropertyAccess.READ)
    def SupportedCapabilities(self) -> DBusDict:
        return {
            "MaxAdvLen": Variant("y", MAX_LEGACY_AD_LENGTH),
            "MaxScnRspLen": Variant("y", MAX_LEGACY_AD_LENGTH),
            "MinTxPower": Variant("n", -21),
            "MaxTxPower": Variant("n", 10),
        }
