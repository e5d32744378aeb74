"""Hostile input against the real `nahbei-backend serve` process: the right 4xx, quickly, for ever.

Each hostile request is written byte for byte on its own connection to a backend process seeded with
the demo (rate limiting off, `body_timeout_s` 2 s). Every answer must be the expected 4xx as
problem details (aiohttp's own parser answers malformed HTTP itself, with a plain-text 400), within a
bound that only catches hangs; the answer times are recorded as figures. The process's resident
memory (VmRSS from /proc) is read after a warm-up round and after thousands more hostile requests:
it must not grow. Slow clients trickling headers or bodies a byte at a time, and hundreds of idle
connections, must not stop the server answering everyone else.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.backend_process import DemoServer, serve_demo
from tests.reliability import audit
from tests.reliability.figures import Figures, scaled
from tests.reliability.hostile_http import Answer, Trickle, exchange, percentile, request_bytes

BODY_TIMEOUT_S = 2.0
HANG_S = 10.0  # no hostile request may take this long to be answered: only catches hangs
MIB = 1024 * 1024
MAX_BODY = 4 * MIB  # the default cap, which the server runs with here

RESOLVE_OK = json.dumps({"observations": [{"beacon": "eddystone-uid:6e61686265692d746166:000000000001"}]})


@dataclass(frozen=True)
class Hostile:
    name: str
    body: bytes | None
    statuses: frozenset[int]  # the answers that are right
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    problem: bool = True  # answered by Nahbei as problem details, not by aiohttp's parser


def _hostile(name: str, body: bytes | None, *statuses: int, **kwargs: object) -> Hostile:
    return Hostile(name, body, frozenset(statuses), **kwargs)  # type: ignore[arg-type]


DIGITS = b"9" * 5001  # 10**5000: beyond Python's default int max str digits (4300)
HOSTILE_BODIES = [
    _hostile(
        "declared 1 GB, nothing sent",
        b"",
        413,
        headers=(("Content-Type", "application/json"), ("Content-Length", str(10**9))),
    ),
    _hostile("5 MiB body (cap 4 MiB)", b" " * (5 * MIB), 413),
    _hostile("100k nested arrays", b"[" * 100_000 + b"]" * 100_000, 400, 422),
    _hostile("100k nested objects", b'{"a":' * 100_000 + b"1" + b"}" * 100_000, 400, 422),
    _hostile(
        "invalid UTF-8", b'{"observations": [{"beacon": "\xff\xfe\xc3"}], "name": "\xed\xa0\x80"}', 400, 422
    ),
    _hostile("number 1e400", b'{"observations": [{"beacon": "x", "rssi": 1e400}], "lat": 1e400}', 400, 422),
    _hostile("a 5001-digit integer", b'{"observations": [], "lat": ' + DIGITS + b"}", 400, 422),
    _hostile("a 200k-digit integer", b'{"lat": -' + b"7" * 200_000 + b"}", 400, 422),
    _hostile(
        "NaN and Infinity", b'{"observations": [{"beacon": "x", "rssi": NaN}], "lat": Infinity}', 400, 422
    ),
    _hostile("text/plain", RESOLVE_OK.encode(), 415, headers=(("Content-Type", "text/plain"),)),
    _hostile("no Content-Type", RESOLVE_OK.encode(), 415, headers=()),
    _hostile(
        "form data",
        b"observations=1",
        415,
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
    ),
    _hostile("JSON but an array", b"[]", 422),
    _hostile(
        "duplicate keys, the last invalid",
        b'{"observations": [], "observations": 7, "name": 1, "name": 2}',
        422,
    ),
]
# Malformed HTTP itself: aiohttp's parser refuses it (plain text) before any handler runs.
MALFORMED_HTTP = [
    ("a header of 100 kB", b"GET /v1/regions HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"),
    ("300 headers", b"GET /v1/regions HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 300 + b"\r\n"),
    ("a request line of garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
]


def _targets(server: DemoServer) -> list[tuple[str, str, dict[str, str]]]:
    """One body operation of each kind of caller: the app's, an agent's and the staff's."""
    return [
        ("POST", "/v1/resolve", {}),
        ("POST", "/v1/agent/sightings", server.auth("agent")),
        ("POST", "/v1/admin/sites", server.auth("admin")),
    ]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    yield from serve_demo(tmp_path_factory.mktemp("hostile"), body_timeout_s=str(BODY_TIMEOUT_S))


def _address(server: DemoServer) -> tuple[str, int]:
    parts = urlsplit(server.base)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


async def _one_round(server: DemoServer) -> list[tuple[str, Answer]]:
    """Every hostile body against every target, and the malformed HTTP, a few connections at a time."""
    host, port = _address(server)
    gate = asyncio.Semaphore(8)

    async def send(name: str, raw: bytes) -> tuple[str, Answer]:
        async with gate:
            return name, await exchange(host, port, raw)

    jobs = [
        send(
            f"{h.name} -> {method} {path}",
            request_bytes(method, path, h.body, {**dict(h.headers), **auth}),
        )
        for h in HOSTILE_BODIES
        for method, path, auth in _targets(server)
    ]
    jobs += [send(name, raw) for name, raw in MALFORMED_HTTP]
    return await asyncio.gather(*jobs)


def _check(answers: list[tuple[str, Answer]]) -> None:
    expected = {
        f"{h.name} -> {method} {path}": h.statuses
        for h in HOSTILE_BODIES
        for method, path, _ in [
            ("POST", "/v1/resolve", 0),
            ("POST", "/v1/agent/sightings", 0),
            ("POST", "/v1/admin/sites", 0),
        ]
    }
    for name, answer in answers:
        if name in expected:
            # resolve's body is capped at what 50 observations need: the large hostile ones are 413
            right = expected[name] | ({413} if name.endswith("/v1/resolve") else set())
            assert answer.status in right, (name, answer.status, answer.body[:300])
            answer.problem()
        else:  # malformed HTTP: refused by aiohttp's parser, not by Nahbei
            assert answer.status == 400, (name, answer)
        assert answer.seconds < HANG_S, (name, answer.seconds)


async def test_hostile_bodies_are_refused_quickly_with_the_right_4xx(
    server: DemoServer, figure: Figures
) -> None:
    """One round of every hostile body against a public, an agent and an admin operation."""
    answers = await _one_round(server)
    _check(answers)
    slowest_name, slowest = max(answers, key=lambda a: a[1].seconds)
    times = [a.seconds for _, a in answers]
    figure(
        "hostile input",
        f"{len(answers)} hostile requests (oversized, 100k-deep, bad UTF-8, 1e400, 10**5000, NaN, "
        "wrong types, malformed HTTP): answered with the right 4xx",
        f"{len(answers)} of {len(answers)}, p50 {percentile(times, 0.5) * 1000:.1f} ms, "
        f"slowest {slowest.seconds * 1000:.0f} ms ({slowest_name})",
        "all; each < 1 s",
        slowest.seconds < 1.0,
    )
    assert server.errors_logged() == []
    # Hostile bytes are not the service's error, and its log names no client and quotes none of them.
    log = server.log.read_bytes()
    assert b'"level": "error"' not in log
    assert audit.search("server.log", log, allowed=[server.base]) == []


async def test_a_declared_oversized_body_is_refused_before_it_is_read(server: DemoServer) -> None:
    """The 413 comes back while the client has sent none of the gigabyte it announced."""
    host, port = _address(server)
    raw = request_bytes(
        "POST", "/v1/resolve", b"", {"Content-Type": "application/json", "Content-Length": str(10**9)}
    )
    answer = await exchange(host, port, raw)
    assert answer.status == 413 and answer.seconds < HANG_S
    assert "larger" in answer.problem()["detail"]


async def test_memory_does_not_grow_under_thousands_of_hostile_requests(
    server: DemoServer, figure: Figures
) -> None:
    """VmRSS of the server process after a warm-up round, then after each of many more rounds: the
    last must not exceed the first by more than a few MiB (a leak of even a few hundred bytes per
    request would show as a steady climb over the rounds)."""
    _check(await _one_round(server))  # warm-up: buffers, caches and the allocator's arenas fill once
    rounds = int(scaled(25, 500))
    rss = [server.rss_kib()]
    sent = 0
    for _ in range(rounds):
        answers = await _one_round(server)
        _check(answers)
        sent += len(answers)
        rss.append(server.rss_kib())
    growth_mib = (rss[-1] - rss[0]) / 1024
    peak_mib = (max(rss) - rss[0]) / 1024
    figure(
        "hostile input",
        f"backend RSS across {sent:,} hostile requests",
        f"{rss[0] / 1024:.0f} MiB -> {rss[-1] / 1024:.0f} MiB ({growth_mib:+.1f} MiB; peak {peak_mib:+.1f})",
        "growth < 16 MiB",
        growth_mib < 16,
    )
    assert growth_mib < 16, rss
    assert server.errors_logged() == []


async def _served_while(server: DemoServer, requests: int) -> list[float]:
    """Times of `requests` ordinary resolves, each on a new connection, all of which must be 200."""
    host, port = _address(server)
    times = []
    for _ in range(requests):
        answer = await exchange(
            host,
            port,
            request_bytes("POST", "/v1/resolve", RESOLVE_OK.encode(), {"Content-Type": "application/json"}),
        )
        assert answer.status == 200, answer
        times.append(answer.seconds)
    return times


async def test_slow_clients_and_idle_connections_do_not_stop_others_being_served(
    server: DemoServer, figure: Figures
) -> None:
    """Slow clients trickle a byte every 0.2 s: some their headers, some their body; hundreds more
    connections send nothing. Meanwhile ordinary resolves must all be answered 200, and the body
    tricklers get 408 once `body_timeout_s` (2 s here) has passed."""
    host, port = _address(server)
    body = RESOLVE_OK.encode()
    slow_body = request_bytes("POST", "/v1/resolve", body, {"Content-Type": "application/json"})
    slow_head = request_bytes("GET", "/v1/regions", None, {"X-Padding": "p" * 500})
    tricklers = int(scaled(20, 200))
    head_length = slow_body.index(b"\r\n\r\n") + 4  # the headers go at once; only the body trickles
    body_trickles = [Trickle(host, port, slow_body, 0.2, at_once=head_length) for _ in range(tricklers)]
    head_trickles = [Trickle(host, port, slow_head, 0.2) for _ in range(tricklers)]
    idle = [await asyncio.open_connection(host, port) for _ in range(int(scaled(300, 3000)))]
    try:
        for t in body_trickles + head_trickles:
            t.start()
        times = await _served_while(server, int(scaled(100, 2000)))
        for t in body_trickles:
            await t.finished(within=BODY_TIMEOUT_S + HANG_S)
            assert t.answer is not None and t.answer.status == 408, t.answer
            t.answer.problem()
        cut_after = max(t.closed_after_s or 0 for t in body_trickles)
    finally:
        for t in body_trickles + head_trickles:
            t.stop()
        for _, writer in idle:
            writer.close()
    figure(
        "hostile input",
        f"resolves served while {tricklers} clients trickle headers, {tricklers} trickle bodies and "
        f"{len(idle)} connections sit idle",
        f"{len(times)} of {len(times)} answered 200, p99 {percentile(times, 0.99) * 1000:.0f} ms",
        "all 200",
        True,
    )
    figure(
        "hostile input",
        "a body trickled 1 byte per 0.2 s is cut off with 408 (body_timeout_s = 2 s here, 10 s by default)",
        f"after at most {cut_after:.1f} s",
        f"≈ {BODY_TIMEOUT_S:g} s",
        cut_after < BODY_TIMEOUT_S + 3,
    )


@pytest.mark.long
async def test_slow_headers_and_idle_connections_are_closed_by_the_keepalive_timer(
    server: DemoServer, figure: Figures
) -> None:
    """aiohttp's keep-alive timer (75 s with `web.run_app`) starts with the connection, so a client
    that never finishes its headers, or never sends anything, is hung up on after it."""
    host, port = _address(server)
    slow = Trickle(host, port, request_bytes("GET", "/v1/regions", None, {"X-Padding": "p" * 1000}), 0.5)
    slow.start()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        await slow.finished(within=120)
        async with asyncio.timeout(120):
            assert await reader.read() == b""  # closed by the server, without an answer
    finally:
        slow.stop()
        writer.close()
    assert slow.closed_after_s is not None
    figure(
        "hostile input",
        "a client trickling its headers 1 byte per 0.5 s is hung up on",
        f"after {slow.closed_after_s:.0f} s",
        "≤ 75 s (aiohttp keep-alive) + 5",
        slow.closed_after_s < 80,
    )
    assert slow.closed_after_s < 80
