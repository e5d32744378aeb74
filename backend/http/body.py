"""Reading a request body, capped in size and in time, so that a hostile client costs little.

aiohttp alone reads a body up to `client_max_size` before refusing it, and waits for it as long as
the client takes. Here a body whose declared Content-Length is over the cap is refused before a
byte of it is read, a chunked body is read only up to the cap, and a body that has not arrived within
`body_timeout_s` is refused with 408: a client trickling its body a byte a second cannot hold a
connection and its buffer for ever. (Headers trickled slowly are cut off by aiohttp's keep-alive
timer, which starts with the connection.)

Anyone may send the public bodies, so they are capped at what the contract needs rather than at
`max_body_bytes`: a 4 MB resolve of zeros cost ~156 ms of CPU to parse before it was refused.
"""

from __future__ import annotations

import asyncio
import json
from typing import Final

from aiohttp import web

from backend.config import Settings
from beacon_agent.contract.wire import MAX_OBSERVATIONS

# The longest observation the contract takes (an 80-character key, both powers), pretty-printed:
# ~130 bytes, so 50 of them are ~6.5 KB. Twice that and more leaves room for fields a newer app adds
# (ignored), and 16 KB is still parsed in well under a millisecond.
LONGEST_OBSERVATION: Final = len(json.dumps({"beacon": "k" * 80, "rssi": -100, "tx_power": -100}, indent=1))
RESOLVE_BODY_BYTES: Final = 16 * 1024
# `{"type": "dismissed"}` is 21 bytes.
EVENT_BODY_BYTES: Final = 1024
PUBLIC_BODY_BYTES: Final = {
    "/v1/resolve": RESOLVE_BODY_BYTES,
    "/v1/prompts/{prompt_id}/events": EVENT_BODY_BYTES,
}
if RESOLVE_BODY_BYTES < 2 * MAX_OBSERVATIONS * LONGEST_OBSERVATION:
    raise AssertionError("the resolve cap leaves no margin over the contract's largest resolve")


def body_cap(path: str, settings: Settings) -> int:
    """The largest body the operation at `path` reads: its public cap, else `max_body_bytes`."""
    return min(PUBLIC_BODY_BYTES.get(path, settings.max_body_bytes), settings.max_body_bytes)


def _too_large(cap: int, size: int) -> web.HTTPRequestEntityTooLarge:
    return web.HTTPRequestEntityTooLarge(max_size=cap, actual_size=size)


def body_at_hand(request: web.Request, cap: int) -> bytes | None:
    """The whole body if it has all arrived (nearly every request), else None: no waiting, no coroutine.

    `await request.read()` costs several microseconds more, a tenth of a cached `resolve`.
    """
    declared = request.content_length
    if declared is not None and declared > cap:
        raise _too_large(cap, declared)
    content = request.content
    if not content.is_eof():
        return None
    raw = content.read_nowait()
    if len(raw) > cap:  # chunked: there was no Content-Length to check first
        raise _too_large(cap, len(raw))
    return raw


async def await_body(request: web.Request, cap: int, timeout_s: float) -> bytes:
    """The rest of a body `body_at_hand` found still arriving, for up to `timeout_s`; reading stops
    as soon as it passes `cap`."""
    parts: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout_s):
            while chunk := await request.content.read(cap + 1 - size):
                parts.append(chunk)
                size += len(chunk)
                if size > cap:
                    raise _too_large(cap, size)
    except TimeoutError:
        raise web.HTTPRequestTimeout(text=f"the body did not arrive within {timeout_s:g} s") from None
    return b"".join(parts)
