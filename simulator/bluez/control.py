"""Running the fake BlueZ in its own process: a JSON-lines control channel on the child's stdin/stdout.

`python -m simulator.bluez --address ADDR` serves `FakeBluez` on the bus at ADDR (or on a private bus
of its own without `--address`) and reads one request per line from stdin, answering on stdout:

    {"id": 1, "op": "advertise", "args": {"address": "AA:...", "rssi": -60,
                                          "manufacturer_data": {"76": "0215..."}}}
    {"id": 1, "ok": true, "result": true}

Byte strings are hex, company ids decimal strings (the shapes of `nahbei-agent decode`). Besides the
replies it writes events: `{"event": "ready", "address", "unique_name"}` first, then
`{"event": "advertisement", "kind": "added"|"changed"|"removed", "advertisement": {...}}` whenever a
client's advertisement goes on or off air. stdin closing stops the fake. `RemoteFakeBluez` is the
parent's side, with the same verbs as `FakeBluez` (async). A pipe, not D-Bus, carries control so that
a `restart()` of the fake bluetoothd does not cut the control channel and floods do not share a queue.
"""

import asyncio
import contextlib
import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict
from typing import Any, Final

from simulator.bluez.advertising import RegisteredAdvertisement
from simulator.bluez.bus import SYSTEM_BUS_ENV
from simulator.bluez.service import FakeBluez

# Plenty for a restart with its downtime; a hung child fails the caller instead of hanging it.
REPLY_TIMEOUT_S: Final = 30.0
# A line may carry a whole batch of advertisements.
LINE_LIMIT: Final = 64 * 1024 * 1024

RemoteListener = Callable[[str, dict[str, Any]], None]


def encode_advertisement(adv: RegisteredAdvertisement) -> dict[str, Any]:
    data = asdict(adv)
    data["manufacturer_data"] = {str(k): v.hex() for k, v in adv.manufacturer_data.items()}
    data["service_data"] = {k: v.hex() for k, v in adv.service_data.items()}
    data["service_uuids"] = list(adv.service_uuids)
    data["includes"] = list(adv.includes)
    return data


def decode_advertise_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """JSON arguments of `advertise` to `FakeBluez.advertise` keyword arguments."""
    decoded = dict(args)
    if "manufacturer_data" in args and args["manufacturer_data"] is not None:
        decoded["manufacturer_data"] = {
            int(k): bytes.fromhex(v) for k, v in args["manufacturer_data"].items()
        }
    if "service_data" in args and args["service_data"] is not None:
        decoded["service_data"] = {k: bytes.fromhex(v) for k, v in args["service_data"].items()}
    return decoded


def encode_advertise_args(**kwargs: Any) -> dict[str, Any]:
    encoded = dict(kwargs)
    if kwargs.get("manufacturer_data") is not None:
        encoded["manufacturer_data"] = {
            str(k): bytes(v).hex() for k, v in kwargs["manufacturer_data"].items()
        }
    if kwargs.get("service_data") is not None:
        encoded["service_data"] = {str(k): bytes(v).hex() for k, v in kwargs["service_data"].items()}
    return {k: v for k, v in encoded.items() if v is not None}


class ControlServer:
    """The child's side: executes requests on one FakeBluez and reports its advertisement events."""

    def __init__(self, fake: FakeBluez, write: Callable[[dict[str, Any]], None]) -> None:
        self._fake = fake
        self._write = write
        self._ops: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            "advertise": self._advertise,
            "advertise_many": self._advertise_many,
            "remove_device": self._remove_device,
            "set_powered": self._set_powered,
            "restart": self._restart,
            "drain": self._drain,
            "state": self._state,
        }
        fake.add_advertisement_listener(self._on_advertisement)

    def _on_advertisement(self, kind: str, adv: RegisteredAdvertisement) -> None:
        self._write({"event": "advertisement", "kind": kind, "advertisement": encode_advertisement(adv)})

    async def handle(self, line: str) -> None:
        try:
            request = json.loads(line)
        except ValueError as exc:
            self._write({"id": None, "ok": False, "error": f"not JSON: {exc}"})
            return
        op = self._ops.get(str(request.get("op"))) if isinstance(request, dict) else None
        if op is None:
            request_id = request.get("id") if isinstance(request, dict) else None
            self._write({"id": request_id, "ok": False, "error": f"unknown op; known: {sorted(self._ops)}"})
            return
        try:
            result = await op(request.get("args") or {})
        except Exception as exc:  # reported to the parent, which raises it there
            self._write({"id": request.get("id"), "ok": False, "error": f"{type(exc).__name__}: {exc}"})
        else:
            self._write({"id": request.get("id"), "ok": True, "result": result})

    async def _advertise(self, args: dict[str, Any]) -> bool:
        return self._fake.advertise(**decode_advertise_args(args))

    async def _advertise_many(self, args: dict[str, Any]) -> int:
        """A batch per line keeps the pipe from being the bottleneck; drains once at the end."""
        delivered = sum(self._fake.advertise(**decode_advertise_args(item)) for item in args["items"])
        await self._fake.drain()
        return delivered

    async def _remove_device(self, args: dict[str, Any]) -> bool:
        return self._fake.remove_device(args["address"])

    async def _set_powered(self, args: dict[str, Any]) -> None:
        self._fake.set_powered(bool(args["powered"]))

    async def _restart(self, args: dict[str, Any]) -> None:
        await self._fake.restart(**args)

    async def _drain(self, args: dict[str, Any]) -> None:
        await self._fake.drain()

    async def _state(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._fake.diagnostics(),
            "unique_name": self._fake.unique_name,
            "device_addresses": self._fake.devices,
            "advertisements": [encode_advertisement(a) for a in self._fake.registered_advertisements],
        }


async def serve_stdio(fake: FakeBluez, address: str) -> None:
    """Serve requests from stdin until it closes; requests run one after another, in order."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def write(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    server = ControlServer(fake, write)
    write({"event": "ready", "address": address, "unique_name": fake.unique_name})
    while line := await reader.readline():
        if line.strip():
            await server.handle(line.decode())


class RemoteError(RuntimeError):
    """The fake in the child process refused or failed a request."""


class RemoteFakeBluez:
    """The parent's handle on a fake BlueZ in a child process; start it with `async with`."""

    def __init__(self, bus_address: str | None = None, *, extra_args: tuple[str, ...] = ()) -> None:
        self._bus_address = bus_address
        self._extra_args = extra_args
        self._proc: asyncio.subprocess.Process | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._next_id = 0
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._listeners: list[RemoteListener] = []
        self.advertisements: dict[tuple[str, str], dict[str, Any]] = {}
        self.address = bus_address or ""

    async def __aenter__(self) -> "RemoteFakeBluez":
        args = ["--address", self._bus_address] if self._bus_address else []
        self._ready = asyncio.get_running_loop().create_future()
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "simulator.bluez",
            *args,
            *self._extra_args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
        )
        self._reader_task = asyncio.create_task(self._read())
        ready = await asyncio.wait_for(self._ready, REPLY_TIMEOUT_S)
        self.address = ready["address"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), REPLY_TIMEOUT_S)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        if self._reader_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task

    def env(self) -> dict[str, str]:
        """Environment entries for an agent process that should scan through this fake."""
        return {SYSTEM_BUS_ENV: self.address}

    def add_advertisement_listener(self, listener: RemoteListener) -> None:
        self._listeners.append(listener)

    async def advertise(self, address: str, *, rssi: int, **fields: Any) -> bool:
        result: bool = await self._request(
            "advertise", encode_advertise_args(address=address, rssi=rssi, **fields)
        )
        return result

    async def advertise_many(self, items: list[dict[str, Any]]) -> int:
        """Each item holds `advertise()`'s keyword arguments (bytes values allowed)."""
        delivered: int = await self._request(
            "advertise_many", {"items": [encode_advertise_args(**i) for i in items]}
        )
        return delivered

    async def remove_device(self, address: str) -> bool:
        removed: bool = await self._request("remove_device", {"address": address})
        return removed

    async def set_powered(self, powered: bool) -> None:
        await self._request("set_powered", {"powered": powered})

    async def restart(self, *, graceful: bool = True) -> None:
        await self._request("restart", {"graceful": graceful})

    async def drain(self) -> None:
        await self._request("drain", {})

    async def state(self) -> dict[str, Any]:
        """Diagnostics, counters, device addresses and registered advertisements of the child's fake."""
        state: dict[str, Any] = await self._request("state", {})
        return state

    async def _request(self, op: str, args: dict[str, Any]) -> Any:
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise RemoteError("the fake BlueZ process is not running")
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        proc.stdin.write(json.dumps({"id": self._next_id, "op": op, "args": args}).encode() + b"\n")
        await proc.stdin.drain()
        return await asyncio.wait_for(future, REPLY_TIMEOUT_S)

    async def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while line := await self._proc.stdout.readline():
            message = json.loads(line)
            if "event" in message:
                self._on_event(message)
                continue
            future = self._pending.pop(message.get("id") or 0, None)
            if future is None or future.done():
                continue
            if message["ok"]:
                future.set_result(message.get("result"))
            else:
                future.set_exception(RemoteError(message.get("error", "unknown error")))
        for future in self._pending.values():
            if not future.done():
                future.set_exception(RemoteError("the fake BlueZ process exited"))
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(RemoteError("the fake BlueZ process exited before it was ready"))

    def _on_event(self, message: dict[str, Any]) -> None:
        if message["event"] == "ready" and self._ready is not None and not self._ready.done():
            self._ready.set_result(message)
        elif message["event"] == "advertisement":
            adv = message["advertisement"]
            key = (adv["client"], adv["path"])
            if message["kind"] == "removed":
                self.advertisements.pop(key, None)
            else:
                self.advertisements[key] = adv
            for listener in list(self._listeners):
                listener(message["kind"], adv)
