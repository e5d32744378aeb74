"""`serve(settings, app)`: run the application until SIGINT or SIGTERM, as `nahbei-backend serve` does
(and the benchmarks' floor server).

The listening sockets are bound first, by `listen(settings)`: a port in use or an address this machine
does not have is then one line (`CannotListen`) before anything else happens — the demo binds before
it seeds and prints its keys — and with port 0 the port the system picked is known, to be said.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import sys
from collections.abc import Callable, Sequence

import structlog
from aiohttp import web

from backend.config import Settings

log = structlog.get_logger(__name__)

BACKLOG = 128  # asyncio's own default for `create_server`
_WHY: dict[int, str] = {
    errno.EADDRINUSE: "the port is in use (is Nahbei already running?); stop what uses it or choose "
    "another with --port",
    errno.EADDRNOTAVAIL: "this machine has no such address; choose one of its own with --host "
    "(0.0.0.0 for all)",
    errno.EACCES: "not allowed (ports below 1024 need privileges); choose another with --port",
}


class CannotListen(OSError):
    """The address cannot be listened on; `str()` is one line saying where and why."""


def listen(settings: Settings, *, reuse_port: bool = False, listening: bool = True) -> list[socket.socket]:
    """Sockets listening on every address `settings.host` names, at `settings.port` (0: one the system
    picks, the same for all of them).

    `reuse_port`: with SO_REUSEPORT, so that several worker processes each listen on their own socket
    at the same port and the kernel spreads the connections between them. `listening=False` only
    binds: the parent of the workers holds the port (and learns a picked one) without taking any
    connection itself."""
    where = _address(settings.host, settings.port)
    try:
        addresses = socket.getaddrinfo(
            settings.host or None, settings.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise CannotListen(f"cannot listen on {where}: no such host or address ({exc.strerror})") from None
    sockets: list[socket.socket] = []
    port = settings.port
    try:
        for family, kind, proto, _, address in dict.fromkeys(addresses):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6:  # as asyncio does: each address family on its own socket
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((address[0], port, *address[2:]))
            if listening:
                sock.listen(BACKLOG)
            port = sock.getsockname()[1]
    except OSError as exc:
        for sock in sockets:
            sock.close()
        why = _WHY.get(exc.errno or 0, exc.strerror or str(exc))
        raise CannotListen(f"cannot listen on {where}: {why}") from None
    return sockets


def port_of(sockets: Sequence[socket.socket]) -> int:
    """The port `sockets` listen on: the one the system picked when the setting was 0."""
    port: int = sockets[0].getsockname()[1]
    return port


def serve(
    settings: Settings,
    app: web.Application,
    sockets: Sequence[socket.socket] | None = None,
    *,
    worker: bool = False,
) -> None:
    """Serve `app` on `sockets` (by default `listen(settings)`) until SIGINT/SIGTERM.

    `worker`: one of several processes (`backend.http.workers`), whose parent says where it serves."""
    sockets = listen(settings) if sockets is None else sockets
    url = url_of(settings, sockets)
    web.run_app(app, sock=sockets, access_log=None, print=_announce(url, settings, worker), loop=new_loop())


def new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (the backend extra brings it), else asyncio's: the
    same server spends less time per request in the loop and its transports."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def announce(url: str, settings: Settings, workers: int = 1) -> None:
    """Where the backend serves: one log line of ours and one line on stdout."""
    log.info("serving", url=url, db=str(settings.db), workers=workers)
    also = f" with {workers} worker processes" if workers > 1 else ""
    print(f"Serving on {url}{also}", file=sys.stdout, flush=True)


def url_of(settings: Settings, sockets: Sequence[socket.socket]) -> str:
    return f"http://{_address(settings.host, port_of(sockets))}"


def _announce(url: str, settings: Settings, worker: bool) -> Callable[[str], None]:
    """aiohttp's "running on" line, said our way, naming the port that was bound (the one the system
    picked for port 0); a worker only logs it."""

    def say(_: str) -> None:
        if worker:
            log.info("worker serving", url=url)
        else:
            announce(url, settings)

    return say


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
