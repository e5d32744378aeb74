"""The beacon agents of a simulation, in one of two forms with one contract.

- ``BleakAgents``: per scenario agent a private ``dbus-daemon`` and a ``FakeBluez`` in this process,
  and the real agent as a process (``python -m beacon_agent run --config agent-N.toml``) that scans
  through the real bleak. What the agent's position hears of each emission is handed to its fake
  BlueZ; the agent stamps sightings with its own (wall) clock.
- ``InlineAgents``: per scenario agent the agent's own ``AgentCore`` in this process, on the
  simulation's clock: it hears each reception (``frames.decode`` -> ``Aggregator.add``), is flushed
  every window into its ``Outbox`` (a file in the run's folder) and beats; its ``Reporter`` sends to
  the backend. The same assembly the agent runs, minus bleak, BlueZ and the advertiser.

``produced`` counts the advertisements a site's beacon put into the scanner of an agent of the same
site with an identity frame in them: exactly what the backend's ``sum(count)`` must reach (an agent
reports for its own site; the backend stores no other site's beacons). TLM-only advertisements are
left out (the agent attaches them to a sighting, they are no sighting of their own), and so are spoofs.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import random
import signal
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Final

import aiohttp

from beacon_agent.config import AgentConfig
from beacon_agent.contract.wire import ScannerState
from beacon_agent.core import AgentCore
from simulator.bluez.bus import SYSTEM_BUS_ENV, PrivateBus, find_dbus_daemon
from simulator.bluez.service import FakeBluez
from simulator.engine.backend import Seeded, SimClock, SimulationError
from simulator.world.beacons import Emission
from simulator.world.radio import derive_seed
from simulator.world.world import World

__all__ = ["NO_DBUS_DAEMON", "Agents", "BleakAgents", "InlineAgents", "poll"]

IDENTITY_KINDS: Final = frozenset({"ibeacon", "altbeacon", "eddystone-uid", "eddystone-eid"})
# Short windows: the run's end waits for the last window to reach the backend.
FLUSH_INTERVAL_S: Final = 2.0
HEARTBEAT_INTERVAL_S: Final = 5.0  # the agent's minimum: the site's health sees it at once
START_TIMEOUT_S: Final = 30.0  # from process start to bleak's StartDiscovery; a loaded CI runner is slow
STOP_TIMEOUT_S: Final = 30.0
DELIVERY_WAIT_S: Final = 10.0  # wall seconds an inline flush may take to reach the backend
NO_DBUS_DAEMON: Final = (
    "dbus-daemon is not installed: real agents scan through a fake BlueZ on a private D-Bus; "
    "install Debian's `dbus` package (apt-get install dbus) or use --agents inline"
)


class Agents(ABC):
    """Every agent of the world: hear emissions, keep time, stop; ``produced`` as described above."""

    scanner: str = ""

    def __init__(self, world: World) -> None:
        self.world = world
        self.produced = 0
        self._site_of = {b.id: b.site for b in world.beacons}  # None for a spoof

    @abstractmethod
    async def start(self, url: str, seeded: Seeded) -> None:
        """Bring the agents up; returns when every one is listening."""

    def hear(self, emissions: Sequence[Emission]) -> None:
        """Each agent hears the emissions its position receives (the world decides RSSI and loss)."""
        world = self.world
        for index, agent in enumerate(world.agents):
            for emission in emissions:
                rssi = world.rssi(emission, agent.position, agent.id)
                if rssi is None or not self._deliver(index, emission, rssi):
                    continue
                if emission.kind in IDENTITY_KINDS and self._site_of[emission.beacon] == agent.site:
                    self.produced += 1

    @abstractmethod
    def _deliver(self, index: int, emission: Emission, rssi: int) -> bool:
        """Put one reception into agent ``index``'s scanner; False when it did not take it."""

    @abstractmethod
    async def tick(self, world_s: float) -> None:
        """Called after every step's emissions, with the world time at the end of the step."""

    @abstractmethod
    async def flush(self) -> None:
        """Save the open window of every agent, at the end of a run."""

    @abstractmethod
    async def stop(self) -> dict[str, int]:
        """Stop every agent; the exit status of each agent process by agent id."""


class BleakAgents(Agents):
    scanner = "bleak/bluez-dbus"

    def __init__(self, world: World, folder: Path, stack: contextlib.AsyncExitStack) -> None:
        super().__init__(world)
        self._folder, self._stack = folder, stack
        self._fakes: list[FakeBluez] = []
        self._processes: list[asyncio.subprocess.Process] = []

    async def start(self, url: str, seeded: Seeded) -> None:
        if find_dbus_daemon() is None:
            raise SimulationError(NO_DBUS_DAEMON)
        for n, agent in enumerate(self.world.agents, 1):
            bus = await self._stack.enter_async_context(PrivateBus())
            fake = FakeBluez()
            await self._stack.enter_async_context(fake.serving(bus.address))
            config = self._folder / f"agent-{n}.toml"
            config.write_text(agent_config(url, self._folder / f"agent-{n}-outbox.sqlite3"), encoding="utf-8")
            env = {k: v for k, v in os.environ.items() if not k.startswith("NAHBEI_AGENT_")}
            # The token in the environment, as the agent's docs recommend; the file holds no secret.
            env |= {SYSTEM_BUS_ENV: bus.address, "NAHBEI_AGENT_BACKEND_TOKEN": seeded.tokens[agent.id]}
            with (self._folder / f"agent-{n}.log").open("ab") as log:
                process = await asyncio.create_subprocess_exec(
                    *(sys.executable, "-m", "beacon_agent", "run", "--config", str(config)),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=asyncio.subprocess.STDOUT,
                    env=env,
                )
            # Registered after the fake's exit: the exit stack ends the process first, then BlueZ, then the bus.
            self._stack.push_async_callback(_kill, process)
            self._fakes.append(fake)
            self._processes.append(process)
        await self._listening()

    async def _listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(fake.discovering for fake in self._fakes):
            for n, process in enumerate(self._processes, 1):
                if process.returncode is not None:
                    raise SimulationError(
                        f"agent {n} exited with status {process.returncode} before scanning; "
                        f"see {self._folder / f'agent-{n}.log'}"
                    )
            if time.monotonic() > deadline:
                raise SimulationError(f"the agents did not start scanning within {START_TIMEOUT_S:g} s")
            await asyncio.sleep(0.05)

    def _deliver(self, index: int, emission: Emission, rssi: int) -> bool:
        return self._fakes[index].advertise(
            emission.address,
            rssi=rssi,
            manufacturer_data=emission.manufacturer_data,
            service_data=emission.service_data,
            service_uuids=emission.service_uuids,
        )

    async def tick(self, world_s: float) -> None:
        # advertise() only queues: let the step's signals reach the bus before the next step.
        await asyncio.gather(*(fake.drain() for fake in self._fakes))

    async def flush(self) -> None:
        """Nothing to do: a real agent flushes every window by itself."""

    async def stop(self) -> dict[str, int]:
        codes: dict[str, int] = {}
        for agent, process in zip(self.world.agents, self._processes, strict=True):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            try:
                codes[agent.id] = await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                await _kill(process)
                codes[agent.id] = process.returncode if process.returncode is not None else -signal.SIGKILL
        return codes


async def poll(condition: Callable[[], bool | Awaitable[bool]], timeout_s: float, every_s: float) -> bool:
    """Wait until ``condition()`` holds (True) or ``timeout_s`` wall seconds pass (False); a condition
    that must ask a database may be a coroutine function."""
    deadline = time.monotonic() + timeout_s
    # Polling: the state is another task's or another process's (an outbox, a database).
    while not await _holds(condition):
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every_s)
    return True


async def _holds(condition: Callable[[], bool | Awaitable[bool]]) -> bool:
    held = condition()
    return bool(await held) if inspect.isawaitable(held) else bool(held)


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def agent_config(url: str, outbox: Path) -> str:
    """An agent's TOML file for a simulation: short windows and heartbeats, no advertising."""
    return "\n".join(
        [
            "[backend]",
            f"url = {json.dumps(url)}",
            "[scan]",
            f"flush_interval_s = {FLUSH_INTERVAL_S}",
            "[outbox]",
            f"path = {json.dumps(str(outbox))}",
            "[report]",
            f"heartbeat_interval_s = {HEARTBEAT_INTERVAL_S}",
            "[advertise]",
            "enabled = false  # no scenario asks an agent to advertise",
            "[log]",
            'format = "json"',
            'level = "info"',
            "",
        ]
    )


class InlineAgents(Agents):
    scanner = "inline (no radio stack)"

    def __init__(
        self, world: World, folder: Path, clock: SimClock, session: aiohttp.ClientSession, seed: int
    ) -> None:
        super().__init__(world)
        self._folder, self._clock, self._session, self._seed = folder, clock, session, seed
        self._cores: list[AgentCore] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._next_flush = FLUSH_INTERVAL_S
        self._next_beat = 0.0  # the real agent's first heartbeat goes out at once

    async def start(self, url: str, seeded: Seeded) -> None:
        clock = self._clock
        for n, agent in enumerate(self.world.agents, 1):
            # The defaults of a real agent; windows and heartbeats follow the simulation's schedule.
            outbox = self._folder / f"agent-{n}-outbox.sqlite3"
            config = AgentConfig.model_validate(
                {"backend": {"url": url, "token": seeded.tokens[agent.id]}, "outbox": {"path": outbox}}
            )
            core = AgentCore(
                config,
                self._session,
                clock=clock,
                monotonic=lambda: clock.world_s,
                rng=random.Random(derive_seed(self._seed, "agent", agent.id)),
                scanner_state=lambda: ScannerState.SCANNING,
            )
            await core.open()
            self._cores.append(core)
            self._tasks.append(asyncio.create_task(core.reporter.run(), name=f"reporter {agent.id}"))

    def _deliver(self, index: int, emission: Emission, rssi: int) -> bool:
        self._cores[index].hear(
            emission.address,
            rssi,
            emission.manufacturer_data,
            emission.service_data,
            at=self._clock.at(emission.time),
        )
        return True

    async def tick(self, world_s: float) -> None:
        if world_s >= self._next_flush:
            self._next_flush += FLUSH_INTERVAL_S
            await self.flush()
            await self._delivered()
        if world_s >= self._next_beat:
            self._next_beat += HEARTBEAT_INTERVAL_S
            await asyncio.gather(*(core.heartbeat() for core in self._cores))

    async def _delivered(self) -> None:
        """Wait until the reporters have sent what was flushed. A real agent's batch reaches the backend
        within a fraction of a second; a world running faster than the wall clock must not outrun it,
        or the backend would see beacons as silent that are not."""
        await poll(lambda: not any(core.outbox.depth for core in self._cores), DELIVERY_WAIT_S, 0.002)

    async def flush(self) -> None:
        for core in self._cores:
            await core.flush()

    async def stop(self) -> dict[str, int]:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for core in self._cores:
            await core.close()
        return {}
