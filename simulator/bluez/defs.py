"""Names and numbers of the fake BlueZ: D-Bus interfaces, object paths, BlueZ error names and tunables.

Every tunable is `Final` with the reason for its value. `BluezError` is the one exception type the
D-Bus methods raise; dbus-fast turns it into an error reply with the BlueZ error name, which is what
bleak (`BleakDBusError.dbus_error`) and the agent's advertiser look at.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Final

from dbus_fast import DBusError

BLUEZ_SERVICE: Final = "org.bluez"
ROOT_PATH: Final = "/"
ADAPTER_PATH: Final = "/org/bluez/hci0"

OBJECT_MANAGER_INTERFACE: Final = "org.freedesktop.DBus.ObjectManager"
PROPERTIES_INTERFACE: Final = "org.freedesktop.DBus.Properties"
INTROSPECTABLE_INTERFACE: Final = "org.freedesktop.DBus.Introspectable"
ADAPTER_INTERFACE: Final = "org.bluez.Adapter1"
DEVICE_INTERFACE: Final = "org.bluez.Device1"
ADVERTISING_MANAGER_INTERFACE: Final = "org.bluez.LEAdvertisingManager1"
ADVERTISEMENT_INTERFACE: Final = "org.bluez.LEAdvertisement1"
MONITOR_MANAGER_INTERFACE: Final = "org.bluez.AdvertisementMonitorManager1"
MONITOR_INTERFACE: Final = "org.bluez.AdvertisementMonitor1"

DBUS_SERVICE: Final = "org.freedesktop.DBus"
DBUS_PATH: Final = "/org/freedesktop/DBus"

ERROR_ALREADY_EXISTS: Final = "org.bluez.Error.AlreadyExists"
ERROR_DOES_NOT_EXIST: Final = "org.bluez.Error.DoesNotExist"
ERROR_FAILED: Final = "org.bluez.Error.Failed"
ERROR_IN_PROGRESS: Final = "org.bluez.Error.InProgress"
ERROR_INVALID_ARGUMENTS: Final = "org.bluez.Error.InvalidArguments"
ERROR_NOT_PERMITTED: Final = "org.bluez.Error.NotPermitted"
ERROR_NOT_READY: Final = "org.bluez.Error.NotReady"

# A Raspberry Pi's controller; any public address will do, but tests compare it.
ADAPTER_ADDRESS: Final = "B8:27:EB:00:00:01"
ADAPTER_NAME: Final = "nahbei-sim"
# What a Pi 4 / 5 controller reports (btmgmt info: 5 advertising instances on the CYW43455).
SUPPORTED_ADVERTISING_INSTANCES: Final = 5
SUPPORTED_INCLUDES: Final = ("tx-power", "appearance", "local-name", "rsi")
SUPPORTED_SECONDARY_CHANNELS: Final = ("1M", "2M", "Coded")
SUPPORTED_MONITOR_TYPES: Final = ("or_patterns",)
# BlueZ lists "controller-patterns" only when the controller filters in hardware; the Pi's does not.
SUPPORTED_MONITOR_FEATURES: Final[tuple[str, ...]] = ()
ADAPTER_ROLES: Final = ("central", "peripheral")
# Legacy advertising PDUs carry at most 31 bytes of AD structures; the Flags structure takes 3 of them.
MAX_LEGACY_AD_LENGTH: Final = 31
FLAGS_AD_LENGTH: Final = 3

# BlueZ's main.conf TemporaryTimeout default: a device not seen for this long is removed.
DEVICE_TIMEOUT_S: Final = 30.0
# The sweep only needs to be a fraction of the timeout late; it is cheap (one dict walk).
DEVICE_SWEEP_INTERVAL_S: Final = 1.0
# Bytes of signals queued in the fake's own process before `advertise()` starts dropping (counted)
# instead of queueing more: ~50,000 advertisements, far more than a sender that calls `drain()` builds.
MAX_SEND_BACKLOG: Final = 16 * 1024 * 1024
# How long bluetoothd stays away during `restart()`; long enough for clients to see the name vanish.
RESTART_DOWNTIME_S: Final = 0.05
# A client that registers an advertisement must answer our property read quickly; BlueZ waits 25 s.
CLIENT_CALL_TIMEOUT_S: Final = 5.0


class BluezError(DBusError):
    """An error reply with a BlueZ error name, e.g. `org.bluez.Error.NotReady`."""

    def __init__(self, name: str, text: str) -> None:
        super().__init__(name, text)
        self.name = name
        self.text = text


def not_ready() -> BluezError:
    return BluezError(ERROR_NOT_READY, "Resource Not Ready")


def in_progress() -> BluezError:
    return BluezError(ERROR_IN_PROGRESS, "Operation already in progress")


def invalid_arguments(text: str = "Invalid arguments in method call") -> BluezError:
    return BluezError(ERROR_INVALID_ARGUMENTS, text)


def failed(text: str) -> BluezError:
    return BluezError(ERROR_FAILED, text)


def does_not_exist(text: str = "Does Not Exist") -> BluezError:
    return BluezError(ERROR_DOES_NOT_EXIST, text)


def already_exists(text: str = "Already Exists") -> BluezError:
    return BluezError(ERROR_ALREADY_EXISTS, text)


def not_permitted(text: str) -> BluezError:
    return BluezError(ERROR_NOT_PERMITTED, text)


def device_path(address: str, adapter_path: str = ADAPTER_PATH) -> str:
    """`/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF` for `aa:bb:cc:dd:ee:ff`, as BlueZ names device objects."""
    return f"{adapter_path}/dev_{address.upper().replace(':', '_')}"


class Faults:
    """Errors queued for the next calls of a BlueZ method, so tests can meet the failures the field has."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[BluezError]] = {}
        # (time.monotonic(), method, error name) of each fault answered: tests time recovery from it.
        self.answered: list[tuple[float, str, str]] = []

    def inject(self, method: str, error: str, text: str = "Injected failure", count: int = 1) -> None:
        """The next `count` calls of `method` (e.g. "StopDiscovery") answer `error` (a BlueZ error name)."""
        self._queued.setdefault(method, deque()).extend(BluezError(error, text) for _ in range(count))

    def take(self, method: str) -> BluezError | None:
        queued = self._queued.get(method)
        if not queued:
            return None
        error = queued.popleft()
        self.answered.append((time.monotonic(), method, error.name))
        return error

    def clear(self) -> None:
        self._queued.clear()
