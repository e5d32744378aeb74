"""Cheap requests stay cheap (issue "Hardening, round two"): other clients' p99 latency while an
attacker sends 6 resolves of 4 MB a second (2,000,000 zeros each), against their p99 without the
attack, measured in the same run (target ≤ 2x).

The clients are paced (20 of them, 5 resolves a second each, each on its own keep-alive
connection) so that the figure is the latency a phone sees, not a saturated server's queue. The
attacker is a separate process, so that its sending does not slow the clients' own event loop; each
of its bodies goes on a fresh connection, declared by Content-Length as a client would.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from benchmarks import servers
from benchmarks.http import lua, seed
from benchmarks.http.bench import ROUNDS, Result, _median_round, round_seconds

ATTACKS_PER_S = 6
CLIENTS = 20
CLIENT_RATE_PER_S = 5.0
ZEROS = b'{"observations": [' + b",".join([b"0"] * 2_000_000) + b"]}"


def _attack(host: str, port: int, seconds: float) -> None:
    """Send `ATTACKS_PER_S` 4 MB resolves a second for `seconds`, each on a new connection."""
    head = (
        f"POST /v1/resolve HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(ZEROS)}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    sent = 0
    while (now := time.monotonic()) - started < seconds:
        due = started + sent / ATTACKS_PER_S
        if now < due:
            time.sleep(due - now)
        sent += 1
        try:
            with socket.create_connection((host, port), timeout=30) as conn:
                conn.sendall(head + ZEROS)
                while conn.recv(65536):
                    pass
        except OSError:
            pass  # refused and hung up on mid-body: what a cap does


async def _clients(url: str, body: bytes, seconds: float) -> list[float]:
    """Each client's resolves, paced, for `seconds`: every answer's latency in seconds."""
    latencies: list[float] = []
    headers = {"Content-Type": "application/json"}

    async def client(offset: float) -> None:
        async with aiohttp.ClientSession() as session:
            await asyncio.sleep(offset)
            started = time.monotonic()
            n = 0
            while time.monotonic() - started < seconds:
                sent = time.perf_counter()
                async with session.post(url + "/v1/resolve", data=body, headers=headers) as answer:
                    await answer.read()
                    if answer.status != 200:
                        raise RuntimeError(f"a client's resolve was answered {answer.status}")
                latencies.append(time.perf_counter() - sent)
                n += 1
                await asyncio.sleep(max(0.0, started + n / CLIENT_RATE_PER_S - time.monotonic()))

    await asyncio.gather(*(client(i / (CLIENTS * CLIENT_RATE_PER_S)) for i in range(CLIENTS)))
    return latencies


def p99_ms(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000


def measure(url: str, seconds: float, attacked: bool) -> float:
    """The clients' p99 in ms over `seconds`, with or without the attacker running meanwhile."""
    body = lua.resolve_body(seed.ibeacon_key(0)).encode()
    attacker = None
    if attacked:
        parts = urlsplit(url)
        assert parts.hostname and parts.port
        attacker = multiprocessing.Process(target=_attack, args=(parts.hostname, parts.port, seconds))
        attacker.start()
    try:
        return p99_ms(asyncio.run(_clients(url, body, seconds)))
    finally:
        if attacker is not None:
            attacker.join(timeout=seconds + 60)


def run(db: Path, log: Path, seconds: float, say: Callable[[str], None]) -> Result:
    """`ROUNDS` interleaved rounds of the clients without and with the attack; the median round."""
    each = round_seconds(seconds)
    with servers.backend(db, log) as server:
        measure(server.url, 1.0, attacked=False)  # caches, connections
        quiet: list[float] = []
        attacked: list[float] = []
        for round_ in range(ROUNDS):
            say(f"  round {round_ + 1} of {ROUNDS}: {CLIENTS} clients at {CLIENT_RATE_PER_S:g}/s, {each} s")
            quiet.append(measure(server.url, each, attacked=False))
            attacked.append(measure(server.url, each, attacked=True))
            say(f"    p99 {quiet[-1]:.2f} ms without, {attacked[-1]:.2f} ms with {ATTACKS_PER_S} x 4 MB/s")
    ratios = [a / q for a, q in zip(attacked, quiet, strict=True)]
    i, rounds = _median_round(ratios)
    return Result(
        f"resolve p99 under {ATTACKS_PER_S} x 4 MB bodies/s vs without",
        round(attacked[i], 2),
        "ms p99",
        round(quiet[i], 2),
        round(ratios[i], 3),
        "<= 2",
        ratios[i] <= 2,
        f"baseline: the same clients without the attack; {rounds}",
    )
