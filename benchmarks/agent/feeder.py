"""The processes around a scanner under test: the feeder (the fake BlueZ) and the bare scanner.

    python -m benchmarks.agent.feeder --address BUS    # the fake BlueZ on BUS, fed with `traffic.schedule()`
    python -m benchmarks.agent.feeder --scanner        # a bare BleakScanner on $DBUS_SYSTEM_BUS_ADDRESS

The feeder is `FakeBluez` in a process of its own, so that feeding costs the scanner under test
nothing but what real BlueZ would cost it. It builds the traffic once and, asked `{"op": "feed",
"rate", "seconds"}` on stdin, delivers it paced (`TICK_S` slices, `drain()` after each, as
`benchmarks.sim.throughput` does, so the fake never floods its socket), then sends the marker iBeacon
and answers one JSON line: advertisements sent, how many the agent counts, and the wall-clock times.

The bare scanner is the baseline of the agent's CPU per advertisement: bleak's `BleakScanner`
(active, bleak's defaults, as the agent scans) whose detection callback only counts. Asked "report"
on stdin it answers its callback count and the `time.time()` of the last callback.

`Feeder` and `BareScanner` are the parent's handles (async context managers); `cpu_seconds()` and
`peak_rss_mb()` read a child's CPU time and peak resident memory from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from benchmarks.child import LineChild, ReportingChild

MODULE: Final = "benchmarks.agent.feeder"
SYSTEM_BUS_ENV: Final = "DBUS_SYSTEM_BUS_ADDRESS"
# One scheduling slice of the sender, as in benchmarks.sim.throughput.
TICK_S: Final = 0.002
REPLY_TIMEOUT_S: Final = 120.0
# The bar the brief sets for a sustained rate: at most 0.1 % lost...
MAX_LOSS: Final = 0.001
# ...and the receiver no further behind the feed when the round ends than this share of the round
# (a receiver handling 98 % of the rate ends 2 % behind), or than MIN_LAG_S on very short rounds.
MAX_LAG_SHARE: Final = 0.02
MIN_LAG_S: Final = 0.1


def cpu_seconds(pid: int) -> float:
    """CPU time process `pid` has used so far, summed over its live threads (Linux /proc schedstat).

    Nanosecond accounting rather than /proc/PID/stat's 10 ms ticks, which would make a 3 s round at
    1,000/s (about 0.15 CPU-seconds) uncertain by 7 %. Threads that have exited are not counted; the
    processes measured here keep theirs (bleak's loop, aiosqlite's and the executor's, paho's)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread ending while we read
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of process `pid`, in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no VmHWM for process {pid}")


@dataclass(frozen=True, slots=True)
class FeedRound:
    rate: int
    sent: int
    counted: int
    dropped: int
    started: float  # time.time() at the first advertisement
    took: float  # seconds from the first to the last advertisement
    marker_at: float  # time.time() when the marker left the fake

    @property
    def sent_per_s(self) -> float:
        return self.sent / self.took if self.took > 0 else 0.0


@dataclass(frozen=True)
class Round:
    """One paced feed at `rate` and what the scanner under test made of it."""

    who: str
    rate: int
    sent: int  # advertisements the fake delivered: the scanner's callbacks
    expected: int  # what the receiver should count: beacon identity frames (agent), everything (bare)
    received: int
    cpu_s: float
    lag_s: float  # the receiver heard the marker this long after it was sent
    sent_per_s: float

    @property
    def loss(self) -> float:
        return max(0.0, 1 - self.received / self.expected) if self.expected else 1.0

    @property
    def max_lag_s(self) -> float:
        return max(MIN_LAG_S, MAX_LAG_SHARE * self.sent / self.sent_per_s) if self.sent_per_s else MIN_LAG_S

    @property
    def kept_up(self) -> bool:
        """Nothing lost and not behind, whether or not the feeder reached the rate asked."""
        return self.limited_by in (None, "feeder")

    @property
    def limited_by(self) -> str | None:
        """Why the round failed: the receiver lost advertisements or fell behind, or the feeder could
        not send the rate (which says nothing about the receiver); None when it passed."""
        if self.loss > MAX_LOSS:
            return "loss"
        if self.lag_s > self.max_lag_s:
            return "lag"
        if self.sent_per_s < 0.95 * self.rate:
            return "feeder"
        return None

    @property
    def passed(self) -> bool:
        return self.limited_by is None

    @property
    def cpu_us(self) -> float:
        return self.cpu_s / self.sent * 1e6

    def line(self) -> str:
        verdict = "ok" if self.passed else f"FAIL ({self.limited_by})"
        return (
            f"    {self.who} {self.rate:>6,}/s: sent {self.sent:,} ({self.sent_per_s:,.0f}/s), received "
            f"{self.received:,}/{self.expected:,} (loss {self.loss:.3%}), lag {self.lag_s:.3f} s, "
            f"{self.cpu_us:.1f} µs CPU/adv {verdict}"
        )


# --- the children ----------------------------------------------------------------------------------


async def _feed(
    fake: Any, prepared: list[tuple[Any, bool]], marker: Any, rate: int, seconds: float
) -> dict[str, Any]:
    total, offered, delivered, counted, position = int(rate * seconds), 0, 0, 0, 0
    dropped_before = fake.counters.advertisements_dropped
    started_wall, start = time.time(), time.monotonic()
    while offered < total:
        due = min(total, int(rate * (time.monotonic() - start)) + 1)
        while offered < due:
            adv, counts = prepared[position]
            position = (position + 1) % len(prepared)
            if fake.deliver(adv):  # False only when no one discovers or the backlog is full
                delivered += 1
                counted += counts
            offered += 1
        await fake.drain()
        await asyncio.sleep(TICK_S)
    took = time.monotonic() - start
    marker_at = time.time()
    fake.deliver(marker)
    await fake.drain()
    dropped = fake.counters.advertisements_dropped - dropped_before
    return {
        "sent": delivered,
        "counted": counted,
        "dropped": dropped,
        "started": started_wall,
        "took": took,
        "marker_at": marker_at,
    }


async def run_feeder(address: str) -> None:
    from benchmarks.agent import traffic
    from simulator.bluez.adv_data import Advertisement
    from simulator.bluez.service import FakeBluez

    def build(ad: traffic.Ad) -> Advertisement:
        return Advertisement.build(
            ad.address,
            rssi=ad.rssi,
            manufacturer_data=ad.manufacturer_data,
            service_data=ad.service_data,
            local_name=ad.local_name,
        )

    # Built once, as the simulator's radio does: the rounds measure the scanner, not the builder.
    prepared = [(build(ad), ad.counted) for ad in traffic.schedule()]
    marker = build(traffic.marker())
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    fake = FakeBluez()
    async with fake.serving(address):
        print(json.dumps({"event": "ready"}), flush=True)
        while line := await reader.readline():
            request = json.loads(line)
            if request["op"] == "feed":
                answer = await _feed(fake, prepared, marker, int(request["rate"]), float(request["seconds"]))
            else:
                answer = {**fake.diagnostics(), "connected": fake.connected}
            print(json.dumps(answer), flush=True)


# --- the parent's handles --------------------------------------------------------------------------


class Feeder(LineChild):
    """The fake BlueZ in its own process, on the bus at `address`, with the benchmark traffic."""

    def __init__(self, address: str) -> None:
        super().__init__(MODULE, "--address", address, reply_timeout_s=REPLY_TIMEOUT_S)

    async def __aenter__(self) -> Feeder:
        ready = await self.start()
        if json.loads(ready).get("event") != "ready":
            raise RuntimeError(f"the feeder did not start: {ready!r}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def feed(self, rate: int, seconds: float) -> FeedRound:
        answer = json.loads(await self.ask(json.dumps({"op": "feed", "rate": rate, "seconds": seconds})))
        return FeedRound(rate=rate, **answer)

    async def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(await self.ask(json.dumps({"op": "state"})))
        return state

    async def wait_discovering(self, within: float = 60.0) -> None:
        """Until a scanner has started discovery (the fake passes advertisements on only then)."""
        deadline = time.monotonic() + within
        while not (await self.state())["discovering"]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no scanner started discovery within {within:g} s")
            await asyncio.sleep(0.2)


class BareScanner(ReportingChild):
    """A bare `BleakScanner` in its own process, scanning through the bus at `address`."""

    def __init__(self, address: str) -> None:
        super().__init__(MODULE, "--scanner", env={SYSTEM_BUS_ENV: address}, reply_timeout_s=REPLY_TIMEOUT_S)
        self.counted = 0  # the count of the latest report

    async def count(self) -> tuple[int, float]:
        """Callbacks so far, and the wall-clock time of the last one."""
        self.counted, last = await super().count()
        return self.counted, last


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.agent.feeder", description=__doc__)
    parser.add_argument("--address", help="the private bus to serve the fake BlueZ on")
    parser.add_argument("--scanner", action="store_true", help="run the bare BleakScanner instead")
    args = parser.parse_args(argv)
    from beacon_agent.contract import logs

    logs.configure("json", "warning")  # stdout is the control channel; logs go to stderr
    if args.scanner:
        from benchmarks.sim.throughput import run_scanner

        # Wall-clock times, to compare with the sightings' timestamps the backend stores.
        asyncio.run(run_scanner(clock=time.time))
    elif args.address:
        asyncio.run(run_feeder(args.address))
    else:
        parser.error("give --address BUS or --scanner")
    return 0


if __name__ == "__main__":
    sys.exit(main())
