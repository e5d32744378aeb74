"""A process the benchmarks run beside themselves, asked one line at a time on stdin and answering
one line on stdout: the feeder, the bare bleak scanner, the bare D-Bus receiver.

One implementation of starting, asking and stopping, so each child differs only in what it says.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Self

from benchmarks.servers import ROOT


class LineChild:
    """`python -m module *args`, run from the checkout with `env` added to ours."""

    def __init__(
        self,
        module: str,
        *args: str,
        env: dict[str, str] | None = None,
        reply_timeout_s: float = 120.0,
        stop_timeout_s: float = 15.0,
    ) -> None:
        self._command = (module, *args)
        self._env = env or {}
        self._reply_timeout_s, self._stop_timeout_s = reply_timeout_s, stop_timeout_s
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    async def start(self) -> str:
        """Start the child; its first line (it says when it is ready) is returned."""
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            *self._command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, **self._env},
            limit=1 << 20,
        )
        return await self.readline()

    async def stop(self) -> None:
        """Close its stdin (the child ends on that) and wait; kill it if it does not end in time."""
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), self._stop_timeout_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()

    async def ask(self, line: str) -> str:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(line.encode() + b"\n")
        await self._proc.stdin.drain()
        return await self.readline()

    async def readline(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        line = await asyncio.wait_for(self._proc.stdout.readline(), self._reply_timeout_s)
        if not line:
            raise RuntimeError(f"{' '.join(self._command)} exited")
        return line.decode().strip()


class ReportingChild(LineChild):
    """A child that says "ready", then answers each "report" with "<callbacks> <monotonic time of the
    last one>" (the monotonic clock is system-wide on Linux, so the parent can compare it)."""

    async def __aenter__(self) -> Self:
        ready = await self.start()
        if ready != "ready":
            raise RuntimeError(f"{' '.join(self._command)} did not start: {ready!r}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def count(self) -> tuple[int, float]:
        count, last = (await self.ask("report")).split()
        return int(count), float(last)
