"""Reading a request body, capped in size and in time, so that a hostile client costs little.

aiohttp alone reads a body up to `client_max_size` before refusing it, and waits for it as long as
the client takes. Here a body whose declared Content-Length is over the cap is refused before a
byte of it is read, and a body that has not arrived within `body_timeout_s` is refused with 408: a
client trickling its body a byte a second cannot hold a connection and its buffer for ever.
(Headers trickled slowly are cut off by aiohttp's keep-alive timer, which starts with the
connection.)
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from backend.http.state import STATE


async def read_body(request: web.Request) -> bytes:
    settings = request.app[STATE].settings
    declared = request.content_length
    if declared is not None and declared > settings.max_body_bytes:
        raise web.HTTPRequestEntityTooLarge(max_size=settings.max_body_bytes, actual_size=declared)
    if request.content.is_eof():
        return await request.read()  # all here already (most requests): nothing to wait for or time
    try:
        async with asyncio.timeout(settings.body_timeout_s):
            return await request.read()
    except TimeoutError:
        raise web.HTTPRequestTimeout(
            text=f"the body did not arrive within {settings.body_timeout_s:g} s"
        ) from None
