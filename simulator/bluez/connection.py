"""The fake BlueZ's own D-Bus connection: dbus-fast's `MessageBus`, made to survive floods.

dbus-fast 5.2's writer treats `EAGAIN` from `socket.send` as a dead connection and finalises the bus
(python-dbus-next issue 153): when the fake queues thousands of signals faster than dbus-daemon reads
them, the socket buffer fills and the fake silently drops off the bus. `BluezBus` fixes that on the
fake's side only: its socket is wrapped so `EAGAIN` means "0 bytes written, wait until writable",
which the writer already handles for partial writes. It also exposes the writer's backlog and a
`drain()` to pace senders, and it stops dbus-fast from announcing exported objects by itself, because
BlueZ announces them from its ObjectManager at `/` (the fake sends those signals itself).
"""

import asyncio
import contextlib
import socket
from collections import Counter
from contextvars import ContextVar
from typing import Any, Final

from dbus_fast import Message, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.constants import BusType, MessageType
from dbus_fast.service import ServiceInterface

# A bigger kernel buffer absorbs bursts while dbus-daemon is busy routing: fewer writer wake-ups.
SEND_BUFFER_BYTES: Final = 4 * 1024 * 1024
# Signals emitted in one loop turn leave in one write (one syscall instead of one per advertisement,
# which was half of the fake's cost per advertisement); a batch is cut at this size.
BATCH_BYTES: Final = 256 * 1024

# The unique bus name of the client whose method call is being handled. dbus-fast does not hand the
# calling message to `ServiceInterface` methods, but BlueZ keys discovery sessions, advertisements and
# monitors by caller; the bus sets this before dispatch, and async methods inherit it with their task.
_CALLER: ContextVar[str] = ContextVar("bluez_caller", default="")


def current_caller() -> str:
    """The unique name of the client calling the method that is running now."""
    return _CALLER.get()


def interface_properties(interface: ServiceInterface) -> dict[str, Variant]:
    """All readable properties of an exported interface, as GetManagedObjects and InterfacesAdded carry them."""
    return {
        prop.name: Variant(prop.signature, prop.prop_getter(interface))
        for prop in ServiceInterface._get_properties(interface)
        if not prop.disabled and prop.access.readable()
    }


class _EagainTolerantSocket:
    """Forwards to the real socket; a full send buffer is a zero-byte write instead of an error.

    dbus-fast's writer keeps its offset and waits for the socket to become writable when a write is
    short, so returning 0 turns the fatal `BlockingIOError` into ordinary back-pressure. The fake
    never passes file descriptors, so `sendmsg` (used only for those) is left as it is.
    """

    __slots__ = ("_sock",)

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def send(self, data: bytes | memoryview) -> int:
        try:
            return self._sock.send(data)
        except (BlockingIOError, InterruptedError):
            return 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class BluezBus(MessageBus):
    """A system-bus connection for the fake bluetoothd; `connect()` installs the flood protection."""

    def __init__(self, bus_address: str) -> None:
        super().__init__(bus_address=bus_address, bus_type=BusType.SYSTEM)
        self._last_sent: asyncio.Future[None] | None = None
        self._batch = bytearray()
        self._flush_handle: asyncio.Handle | None = None
        self.errors_sent: Counter[str] = Counter()
        self.add_message_handler(self._note_caller)

    @staticmethod
    def _note_caller(msg: Message) -> bool:
        if msg.message_type is MessageType.METHOD_CALL and msg.sender:
            _CALLER.set(msg.sender)
        return False

    async def connect(self) -> "BluezBus":
        await super().connect()
        writer = self._writer
        assert writer is not None and self._sock is not None
        with contextlib.suppress(OSError):
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        writer.sock = _EagainTolerantSocket(self._sock)  # type: ignore[assignment]
        return self

    def send(self, msg: Message) -> asyncio.Future[None]:  # type: ignore[override]
        """Every other message (replies, calls) leaves through here, after the signals emitted before it,
        so clients see BlueZ's order. Error replies are counted here, by BlueZ error name."""
        self._flush()
        if msg.message_type is MessageType.ERROR and msg.error_name:
            self.errors_sent[msg.error_name] += 1
        future: asyncio.Future[None] = super().send(msg)
        return future

    def emit(self, msg: Message) -> None:
        """Queue a signal; it leaves with the others of this loop turn (see `BATCH_BYTES`)."""
        if not self.connected:
            return
        msg.serial = self.next_serial()
        self._batch += msg._marshall(False)
        if len(self._batch) >= BATCH_BYTES:
            self._flush()
        elif self._flush_handle is None:
            self._flush_handle = self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Hand the batch to dbus-fast's writer as one buffer, as its own `schedule_write` would."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        writer, fd = self._writer, self._fd
        if not self._batch or writer is None or fd is None or not self.connected:
            self._batch.clear()
            return
        batch, self._batch = self._batch, bytearray()
        future: asyncio.Future[None] = self._loop.create_future()
        idle = writer.buf is None and not writer.messages
        writer.messages.append((batch, None, future))
        if idle:
            writer.write_callback(remove_writer=False)
        if writer.buf is not None or writer.messages:
            self._loop.add_writer(fd, writer.write_callback)
        self._last_sent = future

    @property
    def backlog(self) -> int:
        """Bytes of signals queued in this process, not yet handed to the kernel."""
        writer = self._writer
        if writer is None:
            return 0
        queued = sum(len(buf) for buf, _, _ in writer.messages)
        return len(self._batch) + queued + (len(writer.buf) - writer.offset if writer.buf is not None else 0)

    async def drain(self) -> None:
        """Wait until everything emitted so far has been written to the socket (or the bus died)."""
        self._flush()
        last = self._last_sent
        if last is None or last.done():
            return
        with contextlib.suppress(Exception):
            await asyncio.shield(last)

    async def close(self) -> None:
        """Disconnect and wait until the socket is closed, so the name is gone when this returns."""
        if self._disconnect_future.done():
            return
        self.disconnect()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(self._disconnect_future), 1.0)

    # dbus-fast emits InterfacesAdded/Removed from the exported object's own path on every export; BlueZ
    # emits them from `/` with all of an object's interfaces at once. The fake sends BlueZ's form itself.
    def _emit_interface_added(self, path: str, interface: ServiceInterface) -> None:
        return

    def _emit_interface_removed(self, path: str, removed_interfaces: list[str]) -> None:
        return
