"""Talking to a server in bytes no polite HTTP client would send: the hostile-input and abuse tests.

`exchange` writes a request exactly as given on a fresh connection and reads one answer; `Trickle`
holds a connection open sending a byte at a time. Addresses other than 127.0.0.1 (the whole of
127.0.0.0/8 is loopback on Linux) let tests act as different clients of the rate limiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

PROBLEM = "application/problem+json"
# Only there so that a server that stopped answering fails the test instead of hanging it.
PATIENCE_S = 60.0


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    seconds: float  # from the first byte sent to the last byte of the answer read

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()

    def problem(self) -> dict[str, Any]:
        """The RFC 9457 document of this answer, checked for its required members."""
        assert self.media_type == PROBLEM, (self.status, self.headers, self.body[:200])
        doc = json.loads(self.body)
        assert isinstance(doc, dict) and doc["status"] == self.status, doc
        assert isinstance(doc["type"], str) and isinstance(doc["title"], str) and doc["title"], doc
        return doc


def request_bytes(
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    lines: list[tuple[str, str]] | None = None,
) -> bytes:
    """An HTTP/1.1 request that closes its connection; Content-Length is the body's unless given.

    `lines` are header lines sent after `headers`, as they are, a name repeated if it is."""
    fields = [*{"Host": "127.0.0.1", "Connection": "close", **(headers or {})}.items(), *(lines or [])]
    if body is not None and not any(k.lower() == "content-length" for k, _ in fields):
        fields.append(("Content-Length", str(len(body))))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields)
    return head.encode("latin-1") + b"\r\n" + (body or b"")


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    body = await (reader.readexactly(int(length)) if length is not None else reader.read())
    return status, headers, body


async def exchange(host: str, port: int, request: bytes, *, source: str | None = None) -> Answer:
    """Send `request` as it is on a new connection (from address `source`) and read one answer."""
    async with asyncio.timeout(PATIENCE_S):
        reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0) if source else None)
        try:
            started = time.perf_counter()
            writer.write(request)
            # The server may answer (413) and stop reading before all of a big body is written.
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            status, headers, body = await _read_answer(reader)
            return Answer(status, headers, body, time.perf_counter() - started)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


class Trickle:
    """A slow client: sends the first `at_once` bytes of `request`, then one byte every `interval_s`;
    `answer` is what came back, if anything, once the server answered or hung up."""

    def __init__(self, host: str, port: int, request: bytes, interval_s: float, at_once: int = 0) -> None:
        self.host, self.port, self.request, self.interval_s = host, port, request, interval_s
        self.at_once = at_once
        self.answer: Answer | None = None
        self.closed_after_s: float | None = None  # when the server answered or hung up
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        started = time.perf_counter()
        try:
            reading = asyncio.create_task(_read_answer(reader))
            writer.write(self.request[: self.at_once])
            for byte in self.request[self.at_once :]:
                if reading.done():
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.wait([reading], timeout=self.interval_s)
            status, headers, body = await reading
            self.closed_after_s = time.perf_counter() - started
            self.answer = Answer(status, headers, body, self.closed_after_s)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.closed_after_s = time.perf_counter() - started  # hung up without an answer
        finally:
            writer.close()

    async def finished(self, within: float) -> None:
        assert self._task is not None
        async with asyncio.timeout(within):
            await asyncio.shield(self._task)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
