"""A private, system-bus-like `dbus-daemon` for the fake BlueZ and the real bleak that scans through it.

`PrivateBus` writes a bus configuration into a temporary directory, starts `dbus-daemon --nofork
--print-address` on a unix socket there and hands out its address. Clients reach it by setting
`DBUS_SYSTEM_BUS_ADDRESS` to that address before they first connect: bleak builds its bus with
`MessageBus(bus_type=BusType.SYSTEM)` and dbus-fast reads the variable at that moment (bleak keeps
one connection per event loop afterwards, so the variable must be right before the loop's first scan).

The policy lets everyone own names, send and receive (the fake BlueZ needs to own `org.bluez`, which
the real system bus only lets root do). The memory limits stay at dbus-daemon's built-in defaults,
which Debian's `system.conf` keeps too, so a flood behaves as it would on the Pi: a receiver whose
queue outgrows `max_outgoing_bytes` (127 MiB) loses messages.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import structlog

log = structlog.get_logger(__name__)

DBUS_DAEMON: Final = "dbus-daemon"
# Debian installs it here; PATH may be trimmed under systemd or CI runners.
DBUS_DAEMON_FALLBACK: Final = "/usr/bin/dbus-daemon"
# The environment variable bleak (through dbus-fast) reads to find the system bus.
SYSTEM_BUS_ENV: Final = "DBUS_SYSTEM_BUS_ADDRESS"
# dbus-daemon prints its address within milliseconds; a loaded CI runner may need far longer.
START_TIMEOUT_S: Final = 10.0
STOP_TIMEOUT_S: Final = 5.0

_CONFIG_TEMPLATE: Final = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
"""


# dbus-daemon does not die with its parent: buses still running when the interpreter exits (a test
# run aborted in teardown, say) are stopped here rather than left behind.
_RUNNING: weakref.WeakSet[PrivateBus] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    for bus in list(_RUNNING):
        bus.stop()


class BusError(RuntimeError):
    """The private bus could not be started."""


def find_dbus_daemon() -> str | None:
    """Path of the `dbus-daemon` executable, or None when the Debian package `dbus` is missing."""
    found = shutil.which(DBUS_DAEMON)
    if found:
        return found
    return DBUS_DAEMON_FALLBACK if os.access(DBUS_DAEMON_FALLBACK, os.X_OK) else None


def write_config(directory: Path) -> Path:
    """Write the bus configuration into `directory` and return its path."""
    config = directory / "bus.conf"
    config.write_text(_CONFIG_TEMPLATE.format(socket=directory / "system_bus_socket"), encoding="utf-8")
    return config


class PrivateBus:
    """One `dbus-daemon` process with a system-bus-like policy, alive between `start()` and `stop()`.

    Use it as a context manager (`with PrivateBus() as bus:` or `async with`); `bus.address` is what
    goes into `DBUS_SYSTEM_BUS_ADDRESS`. Starting blocks for a few milliseconds; the async form runs
    it in a thread so an event loop keeps turning.
    """

    def __init__(self, executable: str | None = None) -> None:
        self._executable = executable
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._address: str | None = None

    @property
    def address(self) -> str:
        if self._address is None:
            raise BusError("the private bus is not running")
        return self._address

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def env(self) -> dict[str, str]:
        """Environment entries that point a child process (an agent under test) at this bus."""
        return {SYSTEM_BUS_ENV: self.address}

    def start(self) -> str:
        """Start the daemon and return its address."""
        if self._process is not None:
            return self.address
        executable = self._executable or find_dbus_daemon()
        if executable is None:
            raise BusError("dbus-daemon is not installed (Debian package `dbus`)")
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="nahbei-bus-")
        config = write_config(Path(self._tmp.name))
        try:
            self._process = subprocess.Popen(
                [
                    executable,
                    f"--config-file={config}",
                    "--nofork",
                    "--nopidfile",
                    "--nosyslog",
                    "--print-address",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            self._address = self._read_address(self._process)
        except BaseException:
            self.stop()
            raise
        _RUNNING.add(self)
        log.debug("private bus started", pid=self._process.pid)
        return self._address

    def restart(self, downtime: float = 0.0, *, graceful: bool = True) -> str:
        """The bus daemon restarts on the same socket path, as the Pi's system bus would: every
        connection to it drops, and clients that reconnect to the same address find a new, empty bus.
        Graceful is SIGTERM (`systemctl restart dbus`); otherwise SIGKILL, a crash."""
        self._end_process(signal.SIGTERM if graceful else signal.SIGKILL)
        time.sleep(downtime)
        return self.start()

    def stop(self) -> None:
        """Stop the daemon (SIGTERM, then SIGKILL) and remove its directory; safe to call twice."""
        self._end_process()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _end_process(self, how: signal.Signals = signal.SIGTERM) -> None:
        process, self._process, self._address = self._process, None, None
        _RUNNING.discard(self)
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(how)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    @staticmethod
    def _read_address(process: subprocess.Popen[bytes]) -> str:
        """Read the first stdout line, with a deadline: a daemon that hangs must not hang the tests."""
        assert process.stdout is not None
        stdout = process.stdout
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        address = line[0].decode().strip() if line else ""
        if not address:
            stderr = b""
            if process.poll() is not None and process.stderr is not None:
                stderr = process.stderr.read()
            raise BusError(f"dbus-daemon did not print its address: {stderr.decode(errors='replace')}")
        return address

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)


@contextlib.contextmanager
def system_bus_env(address: str) -> Iterator[None]:
    """Point this process's system bus at `address` for the duration (bleak reads it on connect)."""
    previous = os.environ.get(SYSTEM_BUS_ENV)
    os.environ[SYSTEM_BUS_ENV] = address
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(SYSTEM_BUS_ENV, None)
        else:
            os.environ[SYSTEM_BUS_ENV] = previous
