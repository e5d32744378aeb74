"""Running the agent as shipped (`python -m beacon_agent run`) in tests: its process, its config, a
site with one iBeacon that the fake BlueZ makes advertise, and counting what the backend stored.

Shared by the agent's end-to-end tests and the reliability suite.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from beacon_agent.contract.frames import encode_ibeacon
from simulator.bluez.bus import SYSTEM_BUS_ENV, PrivateBus
from simulator.bluez.service import FakeBluez
from tests.conftest import SITE, Backend
from tests.stored import value

IB_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
ROOT = Path(__file__).resolve().parents[1]
PHONE = "4C:3F:11:22:33:44"  # a random other device: must never reach the backend


class AgentProcess:
    """`python -m beacon_agent run` with its own config, on the given private bus."""

    def __init__(self, config: Path, bus: PrivateBus, log: Path) -> None:
        self.config, self.bus, self.log = config, bus, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, SYSTEM_BUS_ENV: self.bus.address}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "beacon_agent", "run", "--config", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
            )

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the agent and wait for it without blocking the loop: the fake BlueZ the agent says
        goodbye to on SIGTERM runs in this loop, and a blocked loop makes it wait for a D-Bus timeout."""
        assert self.process is not None
        process, self.process = self.process, None
        process.send_signal(sig)
        return await asyncio.to_thread(process.wait, 30)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def write_config(
    folder: Path, url: str, token: str, *, advertise: bool = False, **sections: dict[str, object]
) -> Path:
    """A test agent's config: flushes every second, outbox in `folder`; `sections` override or add
    settings, e.g. ``outbox={"max_sightings": 100}``."""
    settings: dict[str, dict[str, object]] = {
        "backend": {"url": url, "token": token},
        "scan": {"flush_interval_s": 1, "watchdog_quiet_s": 10, "expect_beacons": False},
        "outbox": {"path": str(folder / "outbox.sqlite3")},
        "report": {"heartbeat_interval_s": 5},
        "advertise": {"enabled": advertise},
        "log": {"format": "json"},
    }
    for name, values in sections.items():
        settings.setdefault(name, {}).update(values)
    lines: list[str] = []
    for name, values in settings.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in values.items())
    path = folder / "agent.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def eventually(condition: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.1)


def stored(db: Path | str, sql: str = "SELECT COALESCE(SUM(count), 0) FROM sightings") -> int:
    return int(value(db, sql))


class Site:
    """A site with one iBeacon and an agent, and a way to make the beacon advertise N times."""

    def __init__(self, backend: Backend, token: str, minor: int, fake: FakeBluez) -> None:
        self.backend, self.token, self.minor, self.fake = backend, token, minor, fake
        company, payload = encode_ibeacon(IB_UUID, 7, minor, -59)
        self.manufacturer_data = {company: payload}
        self.sent = 0

    async def advertise(self, times: int) -> None:
        for i in range(times):
            assert self.fake.advertise(
                "AA:BB:CC:00:00:01", rssi=-60 - i % 10, manufacturer_data=self.manufacturer_data
            )
            # A phone nearby advertising something else: it must leave no trace.
            self.fake.advertise(PHONE, rssi=-50, manufacturer_data={0x0075: b"\x01\x02\x03"})
            self.sent += 1
            if i % 50 == 49:
                await self.fake.drain()
        await self.fake.drain()


async def setup_site(backend: Backend, fake: FakeBluez, minor: int = 1) -> Site:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    body = {"kind": "ibeacon", "uuid": IB_UUID, "major": 7, "minor": minor}
    await backend.json("POST", f"/v1/admin/sites/{site}/beacons", 201, json=body)
    token = (await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": "Pi"}))["token"]
    return Site(backend, token, minor, fake)
