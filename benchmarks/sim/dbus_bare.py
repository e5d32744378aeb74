"""The baseline of the simulator's delivery figure: the bare dbus-daemon round trip, no BlueZ, no bleak.

    python -m benchmarks.sim.dbus_bare [--duration 3]     # prints the ladder, then one JSON line

A sender in this process emits `PropertiesChanged` signals shaped like the fake BlueZ's steady-state
ones (a `Device1` path, a changed RSSI) onto a private dbus-daemon; a receiver in another process
(`--receiver`) subscribes with one match rule on a plain dbus-fast `MessageBus` and counts them. What
the fake BlueZ adds (device objects, discovery filters) and what bleak adds (property caches,
`AdvertisementData`, callbacks) are absent; the bus, the marshalling on both sides and the pacing are
the same. The sender is the fake's own flood-proof connection (`simulator.bluez.connection.BluezBus`:
dbus-fast 5.2 drops a connection on EAGAIN otherwise), driven exactly as
`benchmarks.sim.throughput.send_round` drives the fake: `TICK_S` slices with a `drain()` after each.
Rounds, the rate ladder and the pass rule (≤ 0.1 % lost, sender within 5 % of the target) are
`benchmarks.sim.throughput`'s, so `measure()` here and there can be read side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Final

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.constants import BusType

from beacon_agent.bluez import add_match
from benchmarks.child import ReportingChild
from benchmarks.sim.throughput import RSSI_STEPS, RateResult, ThroughputResult, climb, paced
from simulator.bluez.bus import SYSTEM_BUS_ENV, PrivateBus
from simulator.bluez.connection import BluezBus

PROPERTIES: Final = "org.freedesktop.DBus.Properties"
MATCH_RULE: Final = f"type='signal',interface='{PROPERTIES}',member='PropertiesChanged'"


def signals(devices: int) -> list[Message]:
    """One signal per device and RSSI step, as the fake sends for an advertisement it has seen before."""
    return [
        Message(
            message_type=MessageType.SIGNAL,
            path=f"/org/bluez/hci0/dev_AA_BB_CC_DD_{i // 256:02X}_{i % 256:02X}",
            interface=PROPERTIES,
            member="PropertiesChanged",
            signature="sa{sv}as",
            body=["org.bluez.Device1", {"RSSI": Variant("n", -40 - step)}, []],
        )
        for step in range(RSSI_STEPS)
        for i in range(devices)
    ]


async def run_receiver() -> None:
    """Child side: count matching signals until stdin closes; "report" answers count and last time."""
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    count, last = 0, 0.0

    def handle(message: Message) -> None:
        nonlocal count, last
        if message.member == "PropertiesChanged":
            count += 1
            last = time.monotonic()

    bus.add_message_handler(handle)
    await add_match(bus, MATCH_RULE)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print("ready", flush=True)
    while line := await reader.readline():
        if line.strip() == b"report":
            print(count, last, flush=True)
    bus.disconnect()


class Receiver(ReportingChild):
    """The parent's handle on the receiving process."""

    def __init__(self, address: str) -> None:
        super().__init__(
            "benchmarks.sim.dbus_bare", "--receiver", env={SYSTEM_BUS_ENV: address}, reply_timeout_s=30
        )


async def send_round(bus: BluezBus, prepared: list[Message], rate: int, duration: float) -> tuple[int, float]:
    """`rate` signals a second for `duration` seconds; returns (sent, monotonic start)."""
    return await paced(bus.emit, bus.drain, prepared, rate, duration)


async def measure(
    rates: Sequence[int], duration: float = 3.0, devices: int = 50, grace: float = 1.0, say: bool = True
) -> ThroughputResult:
    """Step through `rates` until one fails, by the same rule as `benchmarks.sim.throughput`."""
    prepared = signals(devices)
    async with PrivateBus() as private, Receiver(private.address) as receiver:
        bus = BluezBus(private.address)
        await bus.connect()
        try:
            return await climb(
                rates,
                lambda rate: send_round(bus, prepared, rate, duration),
                receiver.count,
                lambda: bus.connected,
                grace,
                _say if say else None,
            )
        finally:
            await bus.close()


def _say(result: RateResult) -> None:
    verdict = "ok" if result.passed else f"FAIL ({result.limited_by})"
    print(
        f"    bare D-Bus {result.target_per_s:>7,}/s: sent {result.sent_per_s:>9,.0f}/s, received "
        f"{result.delivered_per_s:>9,.0f}/s, lag {result.lag_s:.2f} s, loss {result.loss:.3%} {verdict}",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.sim.throughput import DEFAULT_RATES

    parser = argparse.ArgumentParser(prog="python -m benchmarks.sim.dbus_bare", description=__doc__)
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per rate (default 3)")
    args = parser.parse_args(argv)
    if args.receiver:
        asyncio.run(run_receiver())
        return 0
    result = asyncio.run(measure(DEFAULT_RATES, args.duration))
    print(json.dumps({**asdict(result), "rounds": [asdict(r) for r in result.rounds]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
