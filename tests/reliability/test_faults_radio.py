"""Radio faults: bluetoothd crashes, the adapter powers off and on, the system bus daemon restarts.

One real agent process (`python -m beacon_agent run`) scans through the fake BlueZ on a private bus
and advertises the iBeacon the backend assigns it. Each test breaks the radio stack in one way, with
nobody touching the agent, and measures from the moment the stack is back:

- scanning resumed: the fake adapter is discovering again, and every advertisement sent afterwards
  is stored by the backend exactly once (the sums of `count` equal what was sent);
- advertising resumed: the agent's LEAdvertisement1 is registered and on air again, with the frame
  of the assigned beacon.

The times are figures; the asserts hold a generous hang bound (`HANG_S`), not a speed target.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from beacon_agent.contract.frames import encode_ibeacon
from simulator.bluez.advertising import AdvertisementEvent, RegisteredAdvertisement
from simulator.bluez.bus import PrivateBus
from simulator.bluez.service import FakeBluez
from tests.agents import IB_UUID, PHONE, AgentProcess, Site, eventually, setup_site, stored, write_config
from tests.bluez_fixtures import fixture_bluez_bus, fixture_fake_bluez
from tests.conftest import Backend, BackendFactory
from tests.reliability.figures import Figures, scaled

__all__ = ["fixture_bluez_bus", "fixture_fake_bluez"]

# Far beyond any sane resume time (the agent's retry backoff is capped at 60 s): only a hang fails.
HANG_S = 90.0
TARGET_S = 30.0
ADVERTISED_MINOR = 2  # the beacon the agent advertises; the scanned one is minor 1
# The faults in a row per test, and how long the stack stays down each time.
CYCLES = int(scaled(1, 5))
DOWNTIME_S = scaled(1.0, 10.0)


@dataclass
class Radio:
    """The agent under test, its site, the fake radio stack, and what the agent has on air."""

    backend: Backend
    site: Site
    agent: AgentProcess
    fake: FakeBluez
    bus: PrivateBus
    on_air: dict[str, RegisteredAdvertisement] = field(default_factory=dict)

    def _handle_air(self, event: AdvertisementEvent, adv: RegisteredAdvertisement) -> None:
        if event == "removed":
            self.on_air.pop(adv.path, None)
        else:
            self.on_air[adv.path] = adv

    def advertising(self) -> bool:
        """The assigned beacon is on air, exactly once."""
        company, payload = encode_ibeacon(IB_UUID, 7, ADVERTISED_MINOR, -59)
        frames = [dict(adv.manufacturer_data) for adv in self.on_air.values()]
        return frames == [{company: payload}]

    async def scanned_exactly(self, times: int) -> None:
        """The beacon advertises `times` times; the backend then holds exactly what was ever sent."""
        await self.site.advertise(times)
        db = self.backend.settings.db
        await eventually(lambda: stored(db) == self.site.sent, HANG_S, f"all {self.site.sent} stored")

    async def seconds_until(self, condition: Callable[[], bool], since: float, what: str) -> float:
        await eventually(condition, HANG_S, what)
        return time.monotonic() - since


@pytest.fixture
async def radio(
    make_backend: BackendFactory, fake_bluez: FakeBluez, bluez_bus: PrivateBus, tmp_path: Path
) -> AsyncIterator[Radio]:
    """An agent scanning the site's iBeacon and advertising a second one, both working."""
    backend = await make_backend(real_clock=True)
    site = await setup_site(backend, fake_bluez)
    body = {"kind": "ibeacon", "uuid": IB_UUID, "major": 7, "minor": ADVERTISED_MINOR, "tx_power": -59}
    site_id = (await backend.json("GET", "/v1/admin/sites", 200))["sites"][0]["id"]
    beacon = (await backend.json("POST", f"/v1/admin/sites/{site_id}/beacons", 201, json=body))["id"]
    [agent_row] = (await backend.json("GET", f"/v1/admin/sites/{site_id}/agents", 200))["agents"]
    await backend.json(
        "PATCH",
        f"/v1/admin/sites/{site_id}/agents/{agent_row['id']}",
        200,
        json={"advertise_beacon_id": beacon},
    )
    url = str(backend.client.make_url("")).rstrip("/")
    agent = AgentProcess(
        write_config(tmp_path, url, site.token, advertise=True), bluez_bus, tmp_path / "agent.log"
    )
    radio = Radio(backend, site, agent, fake_bluez, bluez_bus)
    fake_bluez.add_advertisement_listener(radio._handle_air)
    agent.start()
    try:
        await eventually(lambda: fake_bluez.discovering and radio.advertising(), 30, "the agent at work")
        await radio.scanned_exactly(20)
        yield radio
    finally:
        if agent.running():
            # Not on this loop: the stopping agent unregisters its advertisement with the fake BlueZ here.
            assert await agent.stop() == 0, "the agent did not stop cleanly on SIGTERM"
    log = agent.log.read_text()
    assert "Traceback" not in log, "the agent logged a crash"
    assert PHONE not in log and PHONE.lower() not in log, "a radio address reached the agent's log"


async def resumes_after(radio: Radio, fault: str, break_and_restore: Awaitable[None]) -> tuple[float, float]:
    """Break the stack (the awaitable returns once it is back), then time scanning and advertising."""
    await break_and_restore
    back = time.monotonic()
    scan_s = await radio.seconds_until(lambda: radio.fake.discovering, back, f"scanning after {fault}")
    advertise_s = await radio.seconds_until(radio.advertising, back, f"advertising after {fault}")
    await radio.scanned_exactly(50)
    assert radio.agent.running()
    return scan_s, advertise_s


async def run_cycles(radio: Radio, figure: Figures, fault: str, cycle: Callable[[], Awaitable[None]]) -> None:
    """`CYCLES` faults in a row; the slowest resume of each kind becomes the figure."""
    scans, adverts = [], []
    for _ in range(CYCLES):
        scan_s, advertise_s = await resumes_after(radio, fault, cycle())
        scans.append(scan_s)
        adverts.append(advertise_s)
    for what, times in (("scanning", scans), ("advertising", adverts)):
        worst = max(times)
        figure(
            "faults",
            f"time for {what} to resume after {fault} (worst of {CYCLES})",
            f"{worst:.1f} s",
            f"< {TARGET_S:.0f} s",
            worst < TARGET_S,
        )
        assert worst < HANG_S


async def test_bluetoothd_crashes_and_returns(radio: Radio, figure: Figures) -> None:
    """bluetoothd dies without a goodbye (its connection just drops), stays away `DOWNTIME_S`, and a
    fresh one takes `org.bluez` with no devices and no registrations. Timed from its return."""

    async def crash() -> None:
        await radio.fake.restart(graceful=False, downtime=DOWNTIME_S)

    await run_cycles(radio, figure, "bluetoothd crashed", crash)


async def test_adapter_powers_off_and_on(radio: Radio, figure: Figures) -> None:
    """`bluetoothctl power off`, `DOWNTIME_S`, `power on`: BlueZ keeps the advertisement registered
    but off air meanwhile; the scan must be started again. Timed from power-on."""

    async def power_cycle() -> None:
        radio.fake.set_powered(False)
        await eventually(lambda: not radio.on_air, 10, "the advertisement off air")
        await asyncio.sleep(DOWNTIME_S)
        radio.fake.set_powered(True)

    await run_cycles(radio, figure, "the adapter powered off and on", power_cycle)


async def test_system_bus_daemon_restarts(radio: Radio, figure: Figures) -> None:
    """The system bus daemon restarts on the same socket (as `systemctl restart dbus` on the Pi):
    every connection drops, bleak's and the advertiser's included; bluetoothd, which dies with the
    bus, comes back once the bus is up. Timed from bluetoothd's return."""

    async def bus_restart() -> None:
        await asyncio.to_thread(radio.bus.restart, DOWNTIME_S, graceful=False)
        await radio.fake.restart(graceful=False, downtime=0)

    await run_cycles(radio, figure, "the system bus daemon restarted", bus_restart)
