"""`python -m simulator.bluez [--address ADDR]`: the fake BlueZ in its own process, controlled over stdio.

Without `--address` it starts a private dbus-daemon of its own and reports the address in its
`ready` event. Logs go to stderr; stdout carries only the control channel (see `control.py`).
"""

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Sequence

from beacon_agent.contract import logs
from simulator.bluez.bus import PrivateBus
from simulator.bluez.control import serve_stdio
from simulator.bluez.defs import DEVICE_TIMEOUT_S
from simulator.bluez.service import FakeBluez


async def run(address: str | None, *, powered: bool, device_timeout: float | None) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if address is None:
            address = (await stack.enter_async_context(PrivateBus())).address
        fake = FakeBluez(powered=powered, device_timeout=device_timeout)
        await stack.enter_async_context(fake.serving(address))
        serving = asyncio.ensure_future(serve_stdio(fake, address))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, serving.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await serving


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator.bluez",
        description="The fake BlueZ in its own process, controlled with JSON lines on stdin/stdout.",
    )
    parser.add_argument("--address", help="D-Bus address to serve on (default: start a private bus)")
    parser.add_argument("--unpowered", action="store_true", help="start with the adapter powered off")
    parser.add_argument(
        "--device-timeout",
        type=float,
        default=DEVICE_TIMEOUT_S,
        help=f"seconds before an unheard device is removed; 0 keeps devices (default {DEVICE_TIMEOUT_S})",
    )
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    logs.configure("auto", args.log_level)
    asyncio.run(run(args.address, powered=not args.unpowered, device_timeout=args.device_timeout or None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
