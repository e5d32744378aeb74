"""Advertise mode: the agent itself is a beacon, through BlueZ's `LEAdvertisingManager1`.

`apply(instruction)` puts what the backend's heartbeat asks for on air: it exports an
`org.bluez.LEAdvertisement1` (see `bluez.LEAdvertisement`) and calls `RegisterAdvertisement`; a changed
instruction replaces it, `None` unregisters. What BlueZ does (src/advertising.c) and how this follows:

- it keeps a registration across power cycles, and drops it when bluetoothd exits (calling `Release`
  only on a clean exit) or our D-Bus connection closes: the advertiser re-registers when the adapter
  powers on, bluetoothd comes back, `Release` arrives or, after the bus daemon restarted, on a new
  connection (retried with backoff until the bus and bluetoothd are back);
- current BlueZ re-reads a registered advertisement on PropertiesChanged, but re-registering needs
  nothing else and works with any version, so an EID rotation re-registers, as the design says;
- a UUID goes on air in the width of its spelling: Eddystone's must be given as "FEAA".

Each registration gets a fresh object path, so a stale one can never pass for the current one. A
background task follows the EID's rotation, BlueZ's signals and the retries (with backoff). Refusals
become `state` plus one log line saying what to do, never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, Final, Self

import structlog
from dbus_fast.aio import MessageBus

from beacon_agent import constants as c
from beacon_agent.backoff import backoff_delay
from beacon_agent.bluez import (
    ADVERTISING_MANAGER_INTERFACE,
    BluezError,
    BluezEvent,
    BluezWatch,
    LEAdvertisement,
    adapter_path,
    call,
    connect_system_bus,
    explain,
)
from beacon_agent.contract.distance import EDDYSTONE_0M_TO_1M_DB
from beacon_agent.contract.eid import compute_eid
from beacon_agent.contract.frames import (
    AltBeacon,
    EddystoneEid,
    EddystoneUid,
    EddystoneUrl,
    IBeacon,
    advertisement,
)
from beacon_agent.contract.wire import (
    Advertise,
    AdvertiseAltBeacon,
    AdvertiseEddystoneEid,
    AdvertiseEddystoneUid,
    AdvertiseIBeacon,
)

__all__ = [
    "AdvertiseUrl",
    "AdvertisementData",
    "Advertiser",
    "AdvertiserState",
    "BeaconClock",
    "advertisement_data",
    "eid_rotation_in",
]

log = structlog.get_logger(__name__)

_PATH_PREFIX: Final = "/org/nahbei/advertisement"
# BlueZ sends a UUID in the width of its spelling: the short one gives Eddystone's 16-bit AD types.
EDDYSTONE_UUID16: Final = "FEAA"


# What goes on air: pure functions of the instruction and the beacon clock.


@dataclass(frozen=True, slots=True)
class AdvertiseUrl:
    """The agent's own `advertise.url`: the site's page as an Eddystone-URL frame, beside the beacon
    the backend asks for (BlueZ keeps several advertisements and takes turns on air)."""

    url: str
    tx_power: int = c.EDDYSTONE_URL_TX_POWER_0M


Instruction = Advertise | AdvertiseUrl


@dataclass(frozen=True, slots=True)
class AdvertisementData:
    """One registration's content in LEAdvertisement1's terms; `key` names the beacon in logs."""

    kind: str
    key: str
    manufacturer_data: tuple[tuple[int, bytes], ...] = ()
    service_data: tuple[tuple[str, bytes], ...] = ()
    service_uuids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BeaconClock:
    """The beacon's seconds counter: `beacon_time` when the agent's clock read `at`, counting on."""

    beacon_time: float
    at: float

    def now(self, clock_now: float) -> float:
        return self.beacon_time + (clock_now - self.at)


def eid_rotation_in(beacon_now: float, rotation_exponent: int) -> float:
    """Seconds until the EID changes: the next multiple of 2^K on the beacon clock."""
    period = 1 << rotation_exponent
    return (beacon_now // period + 1) * period - beacon_now


def beacon_frame(
    instruction: Instruction, beacon_time: int
) -> IBeacon | AltBeacon | EddystoneUid | EddystoneEid | EddystoneUrl:
    """The frame `instruction` asks for; `beacon_time` matters for EID only. ValueError for bad fields.

    Eddystone frames carry the power at 0 m, the wire the power at 1 m: 41 dB apart (constants)."""
    i = instruction
    match i:
        case AdvertiseIBeacon():
            return IBeacon(i.uuid, i.major, i.minor, i.tx_power)
        case AdvertiseAltBeacon():
            return AltBeacon(c.ALTBEACON_COMPANY_ID, i.id1, i.id2, i.id3, i.tx_power, 0)
        case AdvertiseEddystoneUid():
            return EddystoneUid(i.namespace.lower(), i.instance.lower(), i.tx_power + EDDYSTONE_0M_TO_1M_DB)
        case AdvertiseEddystoneEid():
            eid = compute_eid(bytes.fromhex(i.identity_key), i.rotation_exponent, beacon_time & 0xFFFF_FFFF)
            return EddystoneEid(eid.hex(), i.tx_power + EDDYSTONE_0M_TO_1M_DB)
        case AdvertiseUrl():
            return EddystoneUrl(i.url, i.tx_power)
    raise ValueError(f"cannot advertise {type(i).__name__}")


def advertisement_data(instruction: Instruction, beacon_time: int) -> AdvertisementData:
    """What to register for `instruction` at `beacon_time`; ValueError when no frame can carry it."""
    frame = beacon_frame(instruction, beacon_time)
    manufacturer, service = advertisement(frame)  # also range-checks every field
    key = frame.url if isinstance(frame, EddystoneUrl) else frame.key
    if not service:
        return AdvertisementData(frame.kind, key, manufacturer_data=tuple(manufacturer.items()))
    [payload] = service.values()
    return AdvertisementData(
        frame.kind,
        key,
        service_data=((EDDYSTONE_UUID16, payload),),
        service_uuids=(EDDYSTONE_UUID16,),
    )


class AdvertiserState(StrEnum):
    IDLE = "idle"  # nothing to advertise
    ADVERTISING = "advertising"  # registered with BlueZ and on air
    WAITING = "waiting"  # bluetoothd away or the adapter powered off: resumes by itself
    REFUSED = "refused"  # BlueZ or the instruction said no: a person must act; retried slowly


@dataclass(frozen=True, slots=True)
class _Registration:
    path: str
    obj: LEAdvertisement
    data: AdvertisementData


class Advertiser:
    """Keeps BlueZ advertising what the last `apply()` asked for, through rotations and restarts."""

    def __init__(
        self,
        adapter: str,
        clock: Callable[[], float] = time.time,
        *,
        rng: random.Random | None = None,
        check_interval_s: float = c.EID_CHECK_INTERVAL_S,
        retry_base_s: float = c.ADVERTISE_RETRY_BASE_S,
        retry_cap_s: float = c.ADVERTISE_RETRY_CAP_S,
    ) -> None:
        self.state = AdvertiserState.IDLE
        self.problem: str | None = None
        self.registrations = 0
        self.failures = 0
        self._adapter = adapter
        self._path = adapter_path(adapter)
        self._clock = clock
        self._rng = rng or random.Random()
        self._check_interval_s = check_interval_s
        self._retry_base_s = retry_base_s
        self._retry_cap_s = retry_cap_s
        self._instruction: Instruction | None = None
        self._beacon_clock: BeaconClock | None = None
        self._bus: MessageBus | None = None
        self._watch: BluezWatch | None = None
        self._registered: _Registration | None = None
        self._stale: str | None = None  # why the registration may be off air and must be renewed
        self._generation = 0
        self._attempt = 0
        self._retry_in: float | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def apply(self, instruction: Instruction | None) -> None:
        """Advertise `instruction` from now on (None: stop); returns once BlueZ has answered."""
        if instruction is None:
            await self.close()
            return
        self._set_instruction(instruction)
        await self._reconcile()
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        """Unregister, stop watching and leave the bus."""
        self._instruction = self._beacon_clock = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._reconcile()
        self._disconnect()

    def diagnostics(self) -> dict[str, Any]:
        data = self._registered.data if self._registered is not None else None
        return {
            "state": self.state.value,
            "adapter": self._adapter,
            "problem": self.problem,
            "beacon": data.key if data is not None else None,
            "registrations": self.registrations,
            "failures": self.failures,
            "retry_in_s": self._retry_in,
            "bluez": self._watch.snapshot() if self._watch is not None else None,
        }

    # Keeping BlueZ in line with the instruction.

    def _set_instruction(self, instruction: Instruction) -> None:
        now = self._clock()
        anchor = None
        if isinstance(instruction, AdvertiseEddystoneEid):
            anchor = BeaconClock(instruction.beacon_time, now)
            old, current = self._instruction, self._beacon_clock
            same = isinstance(old, AdvertiseEddystoneEid) and old.model_dump(
                exclude={"beacon_time"}
            ) == instruction.model_dump(exclude={"beacon_time"})
            if same and current is not None:
                drift = anchor.now(now) - current.now(now)
                if abs(drift) <= c.EID_CLOCK_TOLERANCE_S:
                    anchor = current
                else:
                    log.info("beacon clock corrected", by_s=round(drift, 3))
        self._instruction, self._beacon_clock = instruction, anchor

    def _desired(self) -> AdvertisementData | None:
        if self._instruction is None:
            return None
        beacon_now = self._beacon_clock.now(self._clock()) if self._beacon_clock is not None else 0.0
        return advertisement_data(self._instruction, int(beacon_now))

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            await self._reconcile()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._next_check())

    def _next_check(self) -> float | None:
        waits = [self._retry_in] if self._retry_in is not None else []
        if self._beacon_clock is not None and isinstance(self._instruction, AdvertiseEddystoneEid):
            until = eid_rotation_in(
                self._beacon_clock.now(self._clock()), self._instruction.rotation_exponent
            )
            waits.append(min(self._check_interval_s, until))
        return min(waits) if waits else None

    async def _reconcile(self) -> None:
        async with self._lock:
            try:
                desired = self._desired()
            except ValueError as exc:  # fields no frame can carry: nothing to retry until the next apply()
                desired, self._retry_in = None, None
                self._set_state(
                    AdvertiserState.REFUSED, f"the backend's advertise instruction is unusable: {exc}"
                )
            current = self._registered
            if current is not None and not (self._bus is not None and self._bus.connected):
                self._stale = "the D-Bus connection closed"  # BlueZ dropped our advertisements with it
            if current is not None and self._stale is None and current.data == desired:
                self._settle()
                return
            reason, self._stale = self._stale or "content changed", None
            if current is not None:
                await self._unregister(current)
            if desired is None:
                if self._instruction is None:
                    self._retry_in = None
                    self._set_state(AdvertiserState.IDLE, None)
                return
            try:
                problem = (await self._ensure_watch()).problem()
                if problem is not None:
                    self._fail(AdvertiserState.WAITING, f"not advertising: {problem}")
                    return
                await self._register(desired)
            except BluezError as exc:
                passes, problem = explain(exc, self._adapter)
                self._fail(AdvertiserState.WAITING if passes else AdvertiserState.REFUSED, problem)
                return
            if current is None or current.data.kind != desired.kind:
                log.info("advertising", beacon=desired.key, adapter=self._adapter)
            else:
                log.debug("advertisement renewed", beacon=desired.key, reason=reason)
            self._attempt, self._retry_in = 0, None
            self._settle()

    def _settle(self) -> None:
        """Registered: advertising, unless the adapter is known to be off (BlueZ keeps it until then)."""
        problem = self._watch.problem() if self._watch is not None else None
        if problem is None:
            self._set_state(AdvertiserState.ADVERTISING, None)
        else:
            self._set_state(AdvertiserState.WAITING, f"registered but off air: {problem}")

    async def _register(self, data: AdvertisementData) -> None:
        self._generation += 1
        path = f"{_PATH_PREFIX}{self._generation}"
        release = lambda: self._handle_release(path)  # noqa: E731
        obj = LEAdvertisement(
            dict(data.manufacturer_data), dict(data.service_data), data.service_uuids, release
        )
        assert self._bus is not None  # _ensure_watch() connected it
        self._bus.export(path, obj)
        try:
            await self._call_manager("RegisterAdvertisement", "oa{sv}", [path, {}])
        except BluezError:
            self._bus.unexport(path, obj)
            raise
        self._registered = _Registration(path, obj, data)
        self.registrations += 1

    async def _unregister(self, registration: _Registration) -> None:
        self._registered = None
        if self._bus is None or not self._bus.connected:
            return
        try:
            await self._call_manager("UnregisterAdvertisement", "o", [registration.path])
        except BluezError as exc:  # DoesNotExist after a restart, ServiceUnknown while away: already gone
            log.debug("unregistering was refused; ignored", error=str(exc))
        self._bus.unexport(registration.path, registration.obj)

    async def _call_manager(self, member: str, signature: str, body: list[Any]) -> None:
        assert self._bus is not None
        await call(self._bus, self._path, ADVERTISING_MANAGER_INTERFACE, member, signature, body)

    def _fail(self, state: AdvertiserState, problem: str) -> None:
        self.failures += 1
        if self._bus is None or not self._bus.connected:  # no system bus at all: see BUS_RETRY_S
            self._retry_in = c.BUS_RETRY_S
        else:
            self._retry_in = max(
                self._retry_base_s * c.RETRY_FLOOR_FRACTION,
                backoff_delay(self._attempt, self._rng, base_s=self._retry_base_s, cap_s=self._retry_cap_s),
            )
            self._attempt += 1
        self._set_state(state, problem)

    def _set_state(self, state: AdvertiserState, problem: str | None) -> None:
        if problem is not None and problem != self.problem:
            log.warning(problem, adapter=self._adapter)
        self.state, self.problem = state, problem

    # The bus, and what BlueZ tells us on it.

    async def _ensure_watch(self) -> BluezWatch:
        """Our own connection (BlueZ ties registrations to it) and the watch on it."""
        if self._bus is not None and self._bus.connected and self._watch is not None:
            return self._watch
        self._disconnect()
        bus = await connect_system_bus()
        watch = BluezWatch(bus, self._adapter, self._handle_bluez_event)
        try:
            await watch.start()
        except BluezError:
            bus.disconnect()
            raise
        self._bus, self._watch = bus, watch
        return watch

    def _disconnect(self) -> None:
        if self._watch is not None:
            self._watch.close()
        if self._bus is not None:
            self._bus.disconnect()
        self._watch = self._bus = None

    def _handle_bluez_event(self, event: BluezEvent) -> None:
        if event is not BluezEvent.POWERED_OFF:  # BlueZ keeps registrations while powered off
            self._stale = event.value
        if event is not BluezEvent.BACK:  # its adapter follows (ADAPTER_ADDED): register then
            self._wake.set()

    def _handle_release(self, path: str) -> None:
        if self._registered is not None and self._registered.path == path:
            self._stale = "BlueZ released the advertisement"
            self._wake.set()
