"""`serve --workers N`: N processes serving one port, and the parent that keeps N of them running.

The parent binds the port first (so a port in use is one line, and port 0 is picked once) without
listening on it, then forks the workers. It first binds it once without SO_REUSEPORT: else a second
`serve --workers` started by mistake on the same port would join the first one's group and take
half its connections. Each worker builds its own application and listens on its
own socket at that port with SO_REUSEPORT, so the kernel spreads new connections over them; nothing
in one worker's memory is shared with another (caches stay true through `backend.changes`, limits
are split by `backend.ratelimit.share`). The database was opened, and migrated, once by the caller
before the fork.

A worker that dies is started again, at once the first time and then after 0.5, 1, 2 … 30 s while
workers keep dying within `STEADY_S` of their start (a broken file or setting must not spin the
CPU). SIGTERM or SIGINT to the parent passes SIGTERM to every worker, each of which finishes the
requests in flight, and the parent returns when all are gone. A worker whose parent dies gets
SIGTERM from the kernel, so none is left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Final

import structlog
from aiohttp import web

from backend.config import Settings
from backend.http.serve import announce, listen, serve, url_of

log = structlog.get_logger(__name__)

# A worker that ran this long before dying died of something passing: the next restart is immediate.
STEADY_S: Final = 10.0
MAX_DELAY_S: Final = 30.0
_PR_SET_PDEATHSIG: Final = 1


def restart_delay(quick_deaths: int) -> float:
    """Seconds to wait before starting a worker again after `quick_deaths` deaths in a row, each
    within `STEADY_S` of its start: none for the first, then doubling from 0.5 s up to 30 s."""
    if quick_deaths <= 1:
        return 0.0
    return float(min(MAX_DELAY_S, 0.5 * 2 ** (quick_deaths - 2)))


def serve_workers(settings: Settings, create_app: Callable[[Settings], web.Application]) -> int:
    """Run `settings.workers` worker processes until SIGTERM or SIGINT; the exit status."""
    if settings.port:  # in use by anyone, even another `--workers` server, it is refused here
        for probe in listen(settings, listening=False):
            probe.close()
    held = listen(settings, reuse_port=True, listening=False)
    settings = settings.model_copy(update={"port": held[0].getsockname()[1]})

    def start() -> int:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the worker's side; it never returns
            _worker(settings, create_app, held)
        return pid

    announce(url_of(settings, held), settings, settings.workers)
    try:
        return Supervisor(settings.workers, start).run()
    finally:
        for sock in held:
            sock.close()


def _worker(
    settings: Settings, create_app: Callable[[Settings], web.Application], held: Sequence[socket.socket]
) -> None:
    """The forked worker: serve until told to stop, then leave without running the parent's exit code."""
    status = 1
    try:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        _die_with_parent()
        structlog.contextvars.bind_contextvars(worker=os.getpid())  # on each of its log lines
        for sock in held:
            sock.close()
        serve(settings, create_app(settings), listen(settings, reuse_port=True), worker=True)
        status = 0
    except BaseException:
        log.exception("worker failed")
    finally:
        os._exit(status)


def _die_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (elsewhere: nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    """Keeps `workers` processes from `start()` running until SIGTERM/SIGINT."""

    def __init__(
        self, workers: int, start: Callable[[], int], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.workers, self.start, self.clock = workers, start, clock
        self.children: dict[int, float] = {}  # pid -> when it started
        self.stopping = False
        self.quick_deaths = 0

    def run(self) -> int:
        before = {signum: signal.signal(signum, self._stop) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            return self._keep_running()
        finally:
            for signum, handler in before.items():
                signal.signal(signum, handler)

    def _keep_running(self) -> int:
        for _ in range(self.workers):
            self._spawn()
        while self.children:
            pid, status = os.wait()  # retried after a signal handler (PEP 475)
            started = self.children.pop(pid, None)
            if started is None or self.stopping:
                continue
            lived = self.clock() - started
            self.quick_deaths = self.quick_deaths + 1 if lived < STEADY_S else 1
            delay = restart_delay(self.quick_deaths)
            log.warning(
                "worker died, starting another",
                pid=pid,
                exit_status=os.waitstatus_to_exitcode(status),
                lived_s=round(lived, 1),
                in_s=delay,
            )
            self._pause(delay)
            if not self.stopping:
                self._spawn()
        log.info("all workers stopped")
        return 0

    def _spawn(self) -> None:
        pid = self.start()
        self.children[pid] = self.clock()
        if self.stopping:  # the signal came while it was being started
            self._signal(pid)

    def _pause(self, seconds: float) -> None:
        """Sleep, but return at once when told to stop."""
        until = self.clock() + seconds
        while not self.stopping and self.clock() < until:
            time.sleep(min(0.1, until - self.clock()))

    def _stop(self, signum: int, _: FrameType | None) -> None:
        if not self.stopping:
            log.info("stopping workers", signal=signal.Signals(signum).name, workers=len(self.children))
        self.stopping = True
        for pid in list(self.children):
            self._signal(pid)

    def _signal(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
