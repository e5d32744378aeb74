"""Abuse of the public API: one client cannot crowd out the others, nor inflate a prompt's figures.

Clients are told apart the way production does it, by their address: the tests connect from
different loopback addresses (127.0.0.2, 127.0.0.3, ...) to a real server with the default limits
(20 requests/s per client, bursts of 100) and a real clock.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

from tests.conftest import SITE, Backend, BackendFactory, prompt_body
from tests.reliability.figures import Figures, scaled
from tests.reliability.hostile_http import Answer, exchange, percentile, request_bytes

HAMMERER = "127.0.0.2"
NEIGHBOURS = [f"127.0.0.{n}" for n in range(3, 8)]
RATE_PER_S, BURST = 20.0, 100


def _address(backend: Backend) -> tuple[str, int]:
    port = backend.client.port
    assert port is not None
    return backend.client.host, port


async def _site_with_prompt(backend: Backend) -> tuple[int, int, str]:
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    beacon = await backend.json(
        "POST", f"/v1/admin/sites/{site}/beacons", 201, json={"kind": "ibeacon", "allocate": True}
    )
    prompt = (await backend.json("POST", f"/v1/admin/sites/{site}/prompts", 201, json=prompt_body()))["id"]
    return site, prompt, beacon["key"]


BURST_BEHIND_PROXY = 10
Send = Callable[[list[str], str], Awaitable[Answer]]


async def _resolver_behind_proxy(make_backend: BackendFactory) -> Send:
    """A backend whose clients get a burst of `BURST_BEHIND_PROXY` and hardly any refill, and a way to
    send it a resolve with the given `X-Forwarded-For` lines, one line each, from a source address."""
    backend = await make_backend(real_clock=True, rate_limit_per_s=0.01, rate_limit_burst=BURST_BEHIND_PROXY)
    _, _, key = await _site_with_prompt(backend)
    host, port = _address(backend)
    body = json.dumps({"observations": [{"beacon": key, "rssi": -60}]}).encode()

    async def send(forwarded_for: list[str], source: str) -> Answer:
        lines = [("X-Forwarded-For", line) for line in forwarded_for]
        request = request_bytes("POST", "/v1/resolve", body, {"Content-Type": "application/json"}, lines)
        return await exchange(host, port, request, source=source)

    return send


async def test_a_client_hammering_resolve_gets_429_while_others_are_served(
    make_backend: BackendFactory, figure: Figures
) -> None:
    """For a few seconds (a minute in the full run) one address sends resolves as fast as 8
    connections allow, while five others each send 5 a second. The hammerer must get 429s with
    Retry-After and problem details, and no more 200s than its burst plus the rate allows; every
    request of the others must be answered 200."""
    backend = await make_backend(real_clock=True, rate_limit_per_s=RATE_PER_S, rate_limit_burst=BURST)
    _, _, key = await _site_with_prompt(backend)
    host, port = _address(backend)
    resolve = request_bytes(
        "POST", "/v1/resolve", json.dumps({"observations": [{"beacon": key, "rssi": -60}]}).encode(),
        {"Content-Type": "application/json"},
    )  # fmt: skip
    duration = scaled(3.0, 60.0)
    started = time.monotonic()
    hammered: list[Answer] = []
    served: list[Answer] = []

    async def hammer() -> None:
        while time.monotonic() - started < duration:
            hammered.append(await exchange(host, port, resolve, source=HAMMERER))

    async def neighbour(address: str) -> None:
        while time.monotonic() - started < duration:
            served.append(await exchange(host, port, resolve, source=address))
            await asyncio.sleep(0.2)

    await asyncio.gather(*(hammer() for _ in range(8)), *(neighbour(a) for a in NEIGHBOURS))
    elapsed = time.monotonic() - started
    refused = [a for a in hammered if a.status == 429]
    allowed = sum(a.status == 200 for a in hammered)
    assert refused and allowed + len(refused) == len(hammered)
    for answer in refused[:50]:
        assert int(answer.headers["retry-after"]) >= 1
        answer.problem()
    assert allowed <= BURST + RATE_PER_S * elapsed + 5, (allowed, elapsed)
    assert [a.status for a in served if a.status != 200] == []
    times = [a.seconds for a in served]
    figure(
        "abuse",
        f"one client hammering resolve for {elapsed:.0f} s: share answered 429 (limit 20/s, burst 100)",
        f"{len(refused) / len(hammered):.0%} of {len(hammered):,}",
        "> 0, with Retry-After",
        bool(refused),
    )
    figure(
        "abuse",
        "meanwhile, five other clients at 5 requests/s each: served, p99 latency",
        f"{len(served)} of {len(served)} answered 200, p99 {percentile(times, 0.99) * 1000:.0f} ms",
        "all 200",
        True,
    )


async def test_fake_events_cannot_push_a_prompts_counts_beyond_the_per_client_cap(
    make_backend: BackendFactory, figure: Figures
) -> None:
    """One address sends many 'shown' events for a prompt, another a few: each is answered 204, but
    the hour's stored count is at most `max_event_rate_per_hour` (120) from the first, plus all of
    the second's (read back from the site's stats)."""
    cap = 120
    backend = await make_backend(
        real_clock=True, rate_limit_per_s=10_000, rate_limit_burst=10_000, max_event_rate_per_hour=cap
    )
    site, prompt, _ = await _site_with_prompt(backend)
    host, port = _address(backend)
    event = request_bytes(
        "POST", f"/v1/prompts/{prompt}/events", b'{"type": "shown"}', {"Content-Type": "application/json"}
    )
    faked, honest = int(scaled(400, 5000)), 30
    for source, times in ((HAMMERER, faked), (NEIGHBOURS[0], honest)):
        for _ in range(times):
            assert (await exchange(host, port, event, source=source)).status == 204
    stats = await backend.json("GET", f"/v1/admin/sites/{site}/stats", 200)
    counted = sum(e["count"] for e in stats["prompt_events"] if e["type"] == "shown")
    figure(
        "abuse",
        f"'shown' events counted from one client sending {faked:,} in a burst (and another sending {honest})",
        f"{counted} ({counted - honest} from the first)",
        f"≤ {cap} per client per hour",
        counted == cap + honest,
    )
    assert counted == cap + honest


async def test_behind_our_reverse_proxy_each_visitor_has_its_own_budget_and_a_forged_header_helps_no_one(
    make_backend: BackendFactory, figure: Figures
) -> None:
    """Requests from the trusted proxy (127.0.0.1 by default) carry `X-Forwarded-For`: a visitor who
    spent its burst gets 429 while a second visitor behind the same proxy is served. A client that
    connects from elsewhere (127.0.0.2) and forges the header is still counted by its own address."""
    burst = BURST_BEHIND_PROXY
    send = await _resolver_behind_proxy(make_backend)
    first = [await send(["198.51.100.1"], "127.0.0.1") for _ in range(burst + 5)]
    second = await send(["198.51.100.2"], "127.0.0.1")
    forged = [await send([f"198.51.100.{n}"], HAMMERER) for n in range(10, 10 + burst + 5)]
    assert [a.status for a in first] == [200] * burst + [429] * 5
    assert second.status == 200
    assert [a.status for a in forged] == [200] * burst + [429] * 5
    figure(
        "abuse",
        "behind the reverse proxy: a second visitor served after the first spent its burst; forged "
        "X-Forwarded-For from elsewhere",
        f"second visitor {second.status}; forger refused after {burst} like anyone",
        "200; refused",
        True,
    )


async def test_a_second_forwarded_for_line_does_not_let_a_visitor_choose_who_it_is(
    make_backend: BackendFactory, figure: Figures
) -> None:
    """HAProxy adds its own `X-Forwarded-For` line after the visitor's: one visitor sends every
    request with a fresh made-up address in its own line, behind the trusted proxy (127.0.0.1) that
    adds the visitor's real address as a second line. The limiter must count the real address: the
    visitor is refused after its burst, as if it had sent no header."""
    burst = BURST_BEHIND_PROXY
    send = await _resolver_behind_proxy(make_backend)
    answers = [await send([f"203.0.113.{n}", "198.51.100.1"], "127.0.0.1") for n in range(burst + 5)]
    statuses = [a.status for a in answers]
    figure(
        "abuse",
        f"behind HAProxy (two X-Forwarded-For lines), a visitor forging a new address in its own line "
        f"for each of {len(answers)} requests",
        f"refused after {statuses.count(200)}",
        f"refused after its burst ({burst})",
        statuses == [200] * burst + [429] * 5,
    )
    assert statuses == [200] * burst + [429] * 5


async def test_ipv6_addresses_of_one_64_share_one_budget(
    make_backend: BackendFactory, figure: Figures
) -> None:
    """A visitor with an IPv6 /64 (what one subscriber line gets) sends each request from another
    address of it, named by the trusted proxy in `X-Forwarded-For`: it is refused after one burst.
    A visitor in the next /64, and an IPv4 visitor written as IPv4-mapped IPv6 beside the same one
    as plain IPv4, are counted apart and together as they should be."""
    burst = BURST_BEHIND_PROXY
    send = await _resolver_behind_proxy(make_backend)

    async def resolve(forwarded_for: str) -> int:
        return (await send([forwarded_for], "127.0.0.1")).status

    one_64 = [await resolve(f"2001:db8:1:2:{n:x}::{n + 1:x}") for n in range(burst + 5)]
    neighbour = await resolve("2001:db8:1:3::1")
    mapped = [await resolve(f) for f in ["198.51.100.9"] * (burst // 2) + ["::ffff:198.51.100.9"] * 6]
    figure(
        "abuse",
        f"one IPv6 /64 sending {len(one_64)} requests, each from another address of it",
        f"refused after {one_64.count(200)}; the next /64 {neighbour}",
        f"refused after its burst ({burst}); 200",
        one_64 == [200] * burst + [429] * 5 and neighbour == 200,
    )
    assert one_64 == [200] * burst + [429] * 5
    assert neighbour == 200
    assert mapped == [200] * burst + [429]
