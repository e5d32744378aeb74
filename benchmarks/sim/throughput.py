"""How many advertisements a second the fake BlueZ gets through to a real `BleakScanner` in another process.

    python -m benchmarks.sim.throughput [--duration 3] [--rates 1000,2000,4000] [--devices 50] [--json]

The script starts a private dbus-daemon and the fake in this process, and a child process that runs
an unmodified `BleakScanner` (active scan, bleak's defaults) and counts its detection callbacks. For
each rate it sends paced advertisements for `duration` seconds (`drain()` between ticks, so the fake
never floods its socket), waits `grace` seconds for stragglers, and counts what bleak saw. A rate
passes when bleak received at least 99.9 % of what was sent; the answer is the highest passing rate.
The benchmarks call `measure()`; the last line printed is JSON with the figures.
"""

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Final, TypeVar

from beacon_agent.contract import logs
from benchmarks.child import ReportingChild
from simulator.bluez.adv_data import Advertisement
from simulator.bluez.bus import SYSTEM_BUS_ENV, PrivateBus
from simulator.bluez.service import FakeBluez

T = TypeVar("T")

DEFAULT_RATES: Final = (1000, 2000, 5000, 10000, 15000, 20000, 25000, 30000, 40000, 50000, 60000, 80000)
# Distinct RSSI values per beacon, so consecutive advertisements of one beacon differ as on air.
RSSI_STEPS: Final = 40
# The bar the brief sets: a rate counts as sustained when no more than 0.1 % is lost.
MAX_LOSS: Final = 0.001
# One scheduling tick of the sender; short enough that bursts stay far below a socket buffer.
TICK_S: Final = 0.002
IBEACON_PREFIX: Final = bytes.fromhex("0215") + bytes.fromhex("e2c56db5dffb48d2b060d0f5a71096e0")


@dataclass(frozen=True, slots=True)
class RateResult:
    target_per_s: int
    sent: int
    received: int
    sent_per_s: float
    delivered_per_s: float
    lag_s: float
    loss: float
    bus_connected: bool

    @property
    def limited_by(self) -> str | None:
        """Why the round failed: the fake lost its bus, bleak lost advertisements, or the sender (this
        process) could not produce the target rate, which measures the sender rather than the path."""
        if not self.bus_connected:
            return "bus"
        if self.loss > MAX_LOSS:
            return "loss"
        if self.sent_per_s < 0.95 * self.target_per_s:
            return "sender"
        return None

    @property
    def passed(self) -> bool:
        return self.limited_by is None


@dataclass(frozen=True, slots=True)
class ThroughputResult:
    max_rate_per_s: int
    delivered_per_s: float
    loss: float
    limited_by: str | None
    rounds: list[RateResult]


class ScannerProcess(ReportingChild):
    """The child: a real BleakScanner that answers "report" on stdin with its callback count."""

    def __init__(self, bus_address: str) -> None:
        super().__init__(
            "benchmarks.sim.throughput", "--scanner", env={SYSTEM_BUS_ENV: bus_address}, reply_timeout_s=30
        )


async def run_scanner(clock: Callable[[], float] = time.monotonic) -> None:
    """Child side: scan until stdin closes, answering each "report" line with the callback count and
    the `clock` time of the last callback."""
    from bleak import BleakScanner  # here, so the parent process never loads bleak

    count = 0
    last = 0.0

    def detected(device: object, advertisement: object) -> None:
        nonlocal count, last
        count += 1
        last = clock()

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with BleakScanner(detection_callback=detected):
        print("ready", flush=True)
        while line := await reader.readline():
            if line.strip() == b"report":
                print(count, last, flush=True)


async def send_round(fake: FakeBluez, rate: int, duration: float, devices: int) -> tuple[int, float]:
    """Send `rate` advertisements a second for `duration` seconds; returns (sent, monotonic start)."""
    # Built once, as the simulator's radio does: the round measures the path to bleak, not the builder.
    prepared = [
        Advertisement.build(
            f"AA:BB:CC:DD:{i // 256:02X}:{i % 256:02X}",
            rssi=-40 - step,
            manufacturer_data={0x004C: IBEACON_PREFIX + i.to_bytes(2, "big") + bytes([0, 1, 0xC5])},
        )
        for step in range(RSSI_STEPS)
        for i in range(devices)
    ]
    return await paced(fake.deliver, fake.drain, prepared, rate, duration)


async def paced(
    emit: Callable[[T], object],
    drain: Callable[[], Awaitable[None]],
    prepared: Sequence[T],
    rate: int,
    duration: float,
) -> tuple[int, float]:
    """`emit` `rate` items a second (cycling through `prepared`) for `duration` seconds, draining
    every tick; returns (sent, monotonic start). Shared by the fake-BlueZ and bare D-Bus rounds, so
    both figures are paced alike."""
    total, sent, start = int(rate * duration), 0, time.monotonic()
    while sent < total:
        due = min(total, int(rate * (time.monotonic() - start)) + 1)
        while sent < due:
            emit(prepared[sent % len(prepared)])
            sent += 1
        await drain()
        await asyncio.sleep(TICK_S)
    return sent, start


Counter = Callable[[], Awaitable[tuple[int, float]]]


async def climb(
    rates: Sequence[int],
    send: Callable[[int], Awaitable[tuple[int, float]]],
    count: Counter,
    connected: Callable[[], bool],
    grace: float,
    say: Callable[[RateResult], None] | None = None,
) -> ThroughputResult:
    """Step through `rates` (ascending) until one fails; report the highest that passed.

    `send(rate)` sends one round and answers (sent, monotonic start); `count()` answers the receiver's
    (callbacks so far, monotonic time of the last one). Shared by this script and the bare D-Bus
    baseline in `benchmarks`, so both are judged by the same rule.
    """
    rounds: list[RateResult] = []
    for rate in rates:
        before, _ = await count()
        sent, start = await send(rate)
        took = time.monotonic() - start
        await asyncio.sleep(grace)
        after, last = await count()
        received = after - before
        # The receiver may lag behind the sender (dbus-daemon queues for it): rate up to its last callback.
        result = RateResult(
            target_per_s=rate,
            sent=sent,
            received=received,
            sent_per_s=sent / took,
            delivered_per_s=received / max(took, last - start),
            lag_s=max(0.0, last - start - took),
            loss=max(0.0, 1 - received / sent) if sent else 1.0,
            bus_connected=connected(),
        )
        rounds.append(result)
        if say is not None:
            say(result)
        if not result.passed:
            break
    best = max((r for r in rounds if r.passed), key=lambda r: r.target_per_s, default=None)
    limit = next((r.limited_by for r in rounds if not r.passed), None)
    if best is None:
        return ThroughputResult(0, 0.0, 1.0, limit, rounds)
    return ThroughputResult(best.target_per_s, best.delivered_per_s, best.loss, limit, rounds)


def _print_round(result: RateResult) -> None:
    print(
        f"rate {result.target_per_s:>6}/s: sent {result.sent:>7} ({result.sent_per_s:8.0f}/s) received "
        f"{result.received:>7} ({result.delivered_per_s:8.0f}/s) lag {result.lag_s:5.2f} s "
        f"loss {result.loss:.4%} {'ok' if result.passed else f'FAIL ({result.limited_by})'}",
        flush=True,
    )


async def measure(
    rates: Sequence[int] = DEFAULT_RATES, duration: float = 3.0, devices: int = 50, grace: float = 1.0
) -> ThroughputResult:
    """Step through `rates` (ascending) until one fails; report the highest that passed."""
    async with PrivateBus() as bus:
        fake = FakeBluez()
        async with fake.serving(bus.address), ScannerProcess(bus.address) as scanner:
            return await climb(
                rates,
                lambda rate: send_round(fake, rate, duration, devices),
                scanner.count,
                lambda: fake.connected,
                grace,
                _print_round,
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scanner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per rate (default 3)")
    parser.add_argument(
        "--rates", default=",".join(map(str, DEFAULT_RATES)), help="comma-separated, ascending"
    )
    parser.add_argument("--devices", type=int, default=50, help="distinct beacon addresses (default 50)")
    parser.add_argument("--grace", type=float, default=1.0, help="seconds to wait for stragglers")
    args = parser.parse_args(argv)
    logs.configure("auto", "warning")  # stdout carries the results (and the child's counts) only
    if args.scanner:
        asyncio.run(run_scanner())
        return 0
    rates = [int(r) for r in args.rates.split(",") if r.strip()]
    result = asyncio.run(measure(rates, args.duration, args.devices, args.grace))
    print(
        json.dumps(
            {
                "max_rate_per_s": result.max_rate_per_s,
                "delivered_per_s": round(result.delivered_per_s, 1),
                "loss": result.loss,
                "limited_by": result.limited_by,
                "rounds": [asdict(r) for r in result.rounds],
            }
        )
    )
    return 0 if result.max_rate_per_s else 1


if __name__ == "__main__":
    raise SystemExit(main())
