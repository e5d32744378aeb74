"""Load and soak: the companion apps' mixed traffic for wrk, the backend's memory, and a fleet of agents.

- `mixed_script` writes a wrk Lua script that draws each request at random from what a seeded database
  (`benchmarks.http.seed`) holds, in the proportions of `MIX`, and counts the answers by status class into
  a JSON file when wrk is done (wrk itself only counts "non-2xx").
- `Memory` reads a process's resident memory, and `growth` judges its trend.
- `Fleet` runs real agent processes (`python -m beacon_agent run`), each scanning with bleak through its
  own fake BlueZ on its own private bus, and makes the beacons of their sites advertise; it counts what
  it gave each agent that the backend must store.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from beacon_agent.contract.frames import encode_ibeacon
from benchmarks.http.seed import UUID, Area
from simulator.bluez.bus import PrivateBus
from simulator.bluez.service import FakeBluez
from tests.agents import IB_UUID, AgentProcess, write_config

# Percent of requests: an app resolves whenever it hears a beacon, asks what is nearby when opened, opens
# a site now and then, and reports a few events per prompt it shows.
MIX: Final = {"resolve": 55, "nearby": 20, "site": 10, "events": 15}
NEARBY_RADIUS_M: Final = 2000  # about twenty sites at the seeded density: a town centre
EVENT_TYPES: Final = ("shown", "opened", "dismissed", "acted")
# What each agent hears per tick of `TICK_S`: its own site's beacon, and on every other tick the next
# site's beacon through the wall, a beacon nobody registered, and always a phone that is no beacon.
TICK_S: Final = 0.5
PHONE_DATA: Final = {0x004C: bytes([0x10, 0x05, 0x01, 0x1C, 0x0F, 0x2A, 0x3B])}  # Apple Nearby Info


def mixed_script(folder: Path, sites: int, counts: Path) -> Path:
    """A wrk script for the database `benchmarks.http.seed.database(folder, sites)`; answers go to `counts`."""
    area = Area.for_sites(sites)
    resolve, nearby, site = MIX["resolve"], MIX["resolve"] + MIX["nearby"], 100 - MIX["events"]
    types = ", ".join(f'"{t}"' for t in EVENT_TYPES)
    script = f"""
local counter = 0
local threads = {{}}
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() * 100 + id)
  ok, limited, client_error, server_error, other = 0, 0, 0, 0, 0
end
local json = {{["Content-Type"] = "application/json"}}
local types = {{{types}}}
function request()
  local pick = math.random(100)
  local i = math.random(0, {sites - 1})
  if pick <= {resolve} then
    local major = math.floor(i / 65535) + 1
    local minor = i % 65535 + 1
    local body = '{{"observations":[{{"beacon":"ibeacon:{UUID}:' .. major .. ':' .. minor ..
      '","rssi":-67,"tx_power":-59}}],"lang":"de"}}'
    return wrk.format("POST", "/v1/resolve", json, body)
  elseif pick <= {nearby} then
    local lat = {area.min_lat} + math.random() * {area.max_lat - area.min_lat}
    local lon = {area.min_lon} + math.random() * {area.max_lon - area.min_lon}
    return wrk.format("GET", string.format("/v1/nearby?lat=%.6f&lon=%.6f&radius_m={NEARBY_RADIUS_M}", lat, lon))
  elseif pick <= {site} then
    return wrk.format("GET", "/v1/sites/" .. (i + 1))
  else
    local body = '{{"type":"' .. types[math.random(#types)] .. '"}}'
    return wrk.format("POST", "/v1/prompts/" .. (i + 1) .. "/events", json, body)
  end
end
function response(status, headers, body)
  if status < 300 then ok = ok + 1
  elseif status == 429 then limited = limited + 1
  elseif status >= 500 then server_error = server_error + 1
  elseif status >= 400 then client_error = client_error + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local total = {{ok = 0, limited = 0, client_error = 0, server_error = 0, other = 0}}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(total) do total[name] = total[name] + thread:get(name) end
  end
  local out = io.open({json.dumps(str(counts))}, "w")
  out:write(string.format('{{"requests": %d, "ok": %d, "limited": %d, "client_error": %d, ' ..
    '"server_error": %d, "other": %d}}', summary.requests, total.ok, total.limited, total.client_error,
    total.server_error, total.other))
  out:close()
end
"""
    path = folder / "mixed.lua"
    path.write_text(script)
    return path


@dataclass(frozen=True)
class Answers:
    """What wrk's mixed load was answered, by status class."""

    requests: int
    ok: int  # 2xx
    limited: int  # 429
    client_error: int  # other 4xx
    server_error: int  # 5xx
    other: int  # 1xx, 3xx

    @classmethod
    def read(cls, path: Path) -> Answers:
        return cls(**json.loads(path.read_text()))

    @property
    def unexpected(self) -> int:
        """Every answer but 2xx: the load sends only valid requests, and the rate limits are raised."""
        return self.requests - self.ok


@dataclass(frozen=True)
class Memory:
    """A process's resident memory in MiB: all of it, and the anonymous part (its heap).

    The backend maps its SQLite file into memory (``mmap_size``), so its RSS also counts the pages of a
    database that grows with every sighting; a leak lives in the anonymous part.
    """

    rss: float
    anon: float

    @classmethod
    def of(cls, pid: int) -> Memory:
        """Read from /proc/PID/status (Linux)."""
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
        return cls(*(int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "RssAnon")))


def growth(samples: Sequence[float]) -> float:
    """How much the last third of `samples` peaks above the first third, as a fraction (0.05 = 5 %).

    Peaks, not means: a garbage collector's saw-tooth moves means around; a leak lifts every peak.
    """
    if len(samples) < 3:
        raise ValueError("at least three samples are needed for a trend")
    third = len(samples) // 3
    return max(samples[-third:]) / max(samples[:third]) - 1


@dataclass
class FleetAgent:
    """One agent of the fleet: its process, its fake BlueZ, what it was given to hear."""

    agent_id: int
    folder: Path  # its config, log and outbox
    process: AgentProcess
    fake: FakeBluez
    own: dict[int, bytes]  # its site's iBeacon
    neighbour: dict[int, bytes]  # the next site's iBeacon, registered too
    phone: str
    produced: int = 0  # advertisements of registered beacons the fake passed on to bleak
    sent: int = 0  # every advertisement, counted or not


@dataclass
class Fleet:
    """Real agents, one per seeded site, each with its own private bus and fake BlueZ."""

    folder: Path
    agents: list[FleetAgent] = field(default_factory=list)

    async def start(
        self, stack: contextlib.AsyncExitStack, url: str, agents: Sequence[tuple[int, str, int]], sites: int
    ) -> None:
        """Start one agent per (agent id, token, site index); each hears its site's beacon."""
        for n, (agent_id, token, index) in enumerate(agents):
            folder = self.folder / f"agent-{n + 1}"
            folder.mkdir()
            bus = stack.enter_context(PrivateBus())
            fake = await stack.enter_async_context(FakeBluez().serving(bus.address))
            config = write_config(folder, url, token, scan={"watchdog_quiet_s": 30})
            process = AgentProcess(config, bus, folder / "agent.log")
            process.start()
            stack.push_async_callback(_kill, process)  # before the fake and the bus go away
            self.agents.append(
                FleetAgent(
                    agent_id,
                    folder,
                    process,
                    fake,
                    _ibeacon(index),
                    _ibeacon((index + 1) % sites),
                    f"5A:{n:02X}:11:22:33:44",
                )
            )

    @property
    def outboxes(self) -> list[Path]:
        return [agent.folder / "outbox.sqlite3" for agent in self.agents]

    @property
    def scanning(self) -> bool:
        return all(agent.fake.discovering for agent in self.agents)

    def exited(self) -> list[int]:
        """Agents (by id) whose process has ended."""
        return [agent.agent_id for agent in self.agents if not agent.process.running()]

    async def tick(self, n: int) -> None:
        """Tick `n`: every agent hears what `TICK_S` of its street sends (see the constants above)."""
        foreign = encode_ibeacon(IB_UUID, 9, 9, -59)
        for i, agent in enumerate(self.agents):
            rssi = -60 - (n + i) % 20
            heard = [("C0:00:00:00:00:01", agent.own, True), (agent.phone, PHONE_DATA, False)]
            if n % 2 == 0:
                heard += [("C0:00:00:00:00:02", agent.neighbour, True)]
                heard += [("C0:00:00:00:00:03", {foreign[0]: foreign[1]}, False)]
            for address, data, counted in heard:
                if agent.fake.advertise(address, rssi=rssi, manufacturer_data=data):
                    agent.sent += 1
                    agent.produced += counted
        for agent in self.agents:
            await agent.fake.drain()

    async def stop(self) -> dict[int, int]:
        """SIGTERM every agent at once (each saves its window and exits); the exit status by agent id."""
        codes = await asyncio.gather(*(agent.process.stop(signal.SIGTERM) for agent in self.agents))
        return {agent.agent_id: code for agent, code in zip(self.agents, codes, strict=True)}


def _ibeacon(index: int) -> dict[int, bytes]:
    """The manufacturer data of the seeded database's iBeacon `index` (`benchmarks.http.seed.ibeacon_key`)."""
    major, minor = divmod(index, 65535)
    company, payload = encode_ibeacon(UUID, major + 1, minor + 1, -59)
    return {company: payload}


async def _kill(process: AgentProcess) -> None:
    if process.running():
        await process.stop(signal.SIGKILL)
