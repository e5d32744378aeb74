"""The app shell is lean (issue 14): what a phone downloads to open `/app/` the first time.

Every file the service worker keeps, plus the worker itself, fetched from a real backend the way a
browser does (`Accept-Encoding: gzip`), counted as the bytes of the bodies on the wire. The budget
is 50 KB; a typical progressive web app ships ten times that.
"""

from __future__ import annotations

import asyncio
import gzip
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

import aiohttp
from aiohttp.test_utils import TestServer

from backend.config import Settings
from backend.http.app import create_app
from backend.web.app import SHELL, WORKER
from benchmarks.http.bench import Result

SHELL_PATHS: Final = (*(f"/app/{path}" for path in SHELL), f"/app/{WORKER}")
BUDGET_BYTES: Final = 50 * 1024


async def transfer_sizes(base_url: str) -> dict[str, tuple[int, int]]:
    """Each shell file's (bytes on the wire, bytes unpacked) as a browser fetches it from `base_url`."""
    sizes: dict[str, tuple[int, int]] = {}
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        for path in SHELL_PATHS:
            async with session.get(
                base_url + path, headers={"Accept-Encoding": "gzip, deflate, br"}
            ) as response:
                response.raise_for_status()
                body = await response.read()
            packed = response.headers.get("Content-Encoding") == "gzip"
            sizes[path] = (len(body), len(gzip.decompress(body)) if packed else len(body))
    return sizes


async def _measure() -> dict[str, tuple[int, int]]:
    with tempfile.TemporaryDirectory() as folder:
        server = TestServer(create_app(Settings(db=Path(folder) / "shell.db")), host="127.0.0.1")
        await server.start_server()
        try:
            return await transfer_sizes(str(server.make_url("")).rstrip("/"))
        finally:
            await server.close()


def run(say: Callable[[str], None]) -> Result:
    """The shell's transfer size against its budget; each file's share is printed."""
    sizes = asyncio.run(_measure())
    wire = sum(sent for sent, _ in sizes.values())
    unpacked = sum(size for _, size in sizes.values())
    for path, (sent, size) in sizes.items():
        say(f"  {path:<28} {sent:>7,} bytes gzipped ({size:,} unpacked)")
    return Result(
        name="app shell, first visit (gzip)",
        figure=wire / 1024,
        unit="KB",
        baseline=BUDGET_BYTES / 1024,
        ratio=wire / BUDGET_BYTES,
        target="<= 50 KB",
        met=wire <= BUDGET_BYTES,
        note=f"page, style, script, manifest, icon and service worker; {unpacked:,} bytes unpacked; "
        "baseline is the budget",
    )
