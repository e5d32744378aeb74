"""A fake BlueZ (bluetoothd) on a private D-Bus, so the real, unmodified bleak scans simulated radios.

Read in this order: `bus` (the private dbus-daemon), `service` (`FakeBluez`, the control API), then
the bluetoothd side: `daemon` (one bluetoothd life on the bus), `adapter` (Adapter1 and discovery),
`device` (Device1 objects and their signals), `advertising` (LEAdvertisingManager1), `monitor`
(AdvertisementMonitorManager1, passive scans); the pure rules in `discovery` and `adv_data`;
`connection` (dbus-fast made flood-proof); `control` and `__main__` (the fake in its own process).
Its throughput rig is a benchmark: `benchmarks/sim/throughput.py`.
"""

from simulator.bluez.adv_data import Advertisement
from simulator.bluez.advertising import RegisteredAdvertisement
from simulator.bluez.bus import SYSTEM_BUS_ENV, PrivateBus, find_dbus_daemon, system_bus_env
from simulator.bluez.control import RemoteFakeBluez
from simulator.bluez.service import Counters, FakeBluez

__all__ = [
    "SYSTEM_BUS_ENV",
    "Advertisement",
    "Counters",
    "FakeBluez",
    "PrivateBus",
    "RegisteredAdvertisement",
    "RemoteFakeBluez",
    "find_dbus_daemon",
    "system_bus_env",
]
