"""The baseline: a bare aiohttp handler returning a fixed small JSON body, same server settings as ours
(uvloop's event loop too where it is installed, as `backend.http.serve` uses)."""

from __future__ import annotations

import argparse

from aiohttp import web

BODY = b'{"sites":[]}'


async def fixed(_: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fixed)
    try:
        import uvloop
    except ImportError:
        loop = None  # aiohttp's default, asyncio's loop
    else:
        loop = uvloop.new_event_loop()
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()
