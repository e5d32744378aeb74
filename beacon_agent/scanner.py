"""The agent's scanner: bleak's real `BleakScanner`, kept scanning through BlueZ's field failures.

`run()` scans until cancelled and hands every advertisement to `on_advertisement(address, rssi,
manufacturer_data, service_data)`, called from bleak's callback (so it must be quick). Bluetooth
trouble never escapes `run()`; it restarts bleak instead:

| trouble                                       | noticed by                                  |
| --------------------------------------------- | ------------------------------------------- |
| bluetoothd restarts or crashes                | `org.bluez` changing owner (`BluezWatch`)   |
| adapter powered off and on, removed and added | Adapter1 signals (`BluezWatch`)             |
| the system bus daemon restarts or crashes     | the watch's connection drops (`BluezWatch`) |
| start() refused: NotReady, Failed, ...        | the exception                               |
| start() refused: InProgress                   | the exception; retried at once (see below)  |
| no advertisement for `watchdog_quiet_s`       | the watchdog, when `expect_beacons` is true |

bleak 3.1 raises nothing when bluetoothd restarts or the adapter powers off: its discovery session is
simply gone. A restart is `stop()` with its errors ignored (BlueZ answers Failed "No discovery
started" after a restart, NotReady while powered off), then, after `backoff_delay(attempt)`, a new
`start()`. Signals that the adapter is usable again cut the wait short; `attempt` grows only while
restarts do not bring advertisements back, so nothing spins. `StartDiscovery` answered InProgress
means bluetoothd still holds a discovery session for bleak's connection (a stop it lost, or its stuck
"discovering" flag, bleak issue 2021); waiting does not clear that, so, as Home Assistant's habluetooth
does, the scanner sends `StopDiscovery` on bleak's connection and starts again at once, up to
`IN_PROGRESS_RETRIES` times in a row before backing off as for any refusal. bleak shares one D-Bus connection per
event loop and BlueZ gives a connection one discovery session: one `Scanner` per process.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import structlog
from bleak import BleakScanner
from bleak.args.bluez import BlueZScannerArgs, OrPattern, OrPatternLike
from bleak.assigned_numbers import AdvertisementDataType
from bleak.backends.bluezdbus.manager import get_global_bluez_manager
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakDBusError, BleakError
from dbus_fast.aio import MessageBus

from beacon_agent import constants as c
from beacon_agent.backoff import backoff_delay
from beacon_agent.bluez import (
    ADAPTER_INTERFACE,
    MONITOR_MANAGER_INTERFACE,
    BluezError,
    BluezEvent,
    BluezWatch,
    adapter_path,
    call,
    connect_system_bus,
)
from beacon_agent.contract.wire import ScannerState

__all__ = ["BACKEND", "BEACON_OR_PATTERNS", "OnAdvertisement", "Scanner", "or_patterns_for"]

log = structlog.get_logger(__name__)

OnAdvertisement = Callable[[str, int, Mapping[int, bytes], Mapping[str, bytes]], None]
Sleep = Callable[[float], Awaitable[object]]

BACKEND: Final = "bleak/bluez-dbus"
# BlueZ invalidates a device's RSSI (bleak then reports -127) when discovery stops: nothing was heard.
RSSI_INVALID: Final = -127

_MANUFACTURER = AdvertisementDataType.MANUFACTURER_SPECIFIC_DATA
_IBEACON: Final = OrPattern(0, _MANUFACTURER, b"\x4c\x00\x02\x15")  # Apple's company id, then 02 15
_ALTBEACON: Final = OrPattern(2, _MANUFACTURER, b"\xbe\xac")  # after any company id
_EDDYSTONE: Final = OrPattern(0, AdvertisementDataType.SERVICE_DATA_UUID16, b"\xaa\xfe")  # UUID 0xFEAA
_PATTERNS: Final = {
    "ibeacon": _IBEACON,
    "altbeacon": _ALTBEACON,
    "eddystone-uid": _EDDYSTONE,
    "eddystone-eid": _EDDYSTONE,
}


def or_patterns_for(kinds: Iterable[str]) -> list[OrPattern]:
    """Passive-scan patterns letting through the given beacon kinds (config `scan.kinds`); TLM rides
    on the Eddystone pattern."""
    return list(dict.fromkeys(_PATTERNS[kind] for kind in kinds if kind in _PATTERNS))


BEACON_OR_PATTERNS: Final = or_patterns_for(_PATTERNS)

# RegisterMonitor answers that mean "this BlueZ has no passive scanning": started without
# --experimental (no AdvertisementMonitorManager1) or a kernel without advertisement monitors.
_PASSIVE_REFUSALS: Final = frozenset(
    {
        "org.freedesktop.DBus.Error.UnknownMethod",
        "org.freedesktop.DBus.Error.UnknownInterface",
        "org.bluez.Error.NotSupported",
    }
)
_PASSIVE_HELP: Final = (
    "passive scanning needs BlueZ >= 5.56 started with --experimental and Linux >= 5.10; "
    'scanning actively instead (set scan.mode = "active" to silence this)'
)
_IN_PROGRESS: Final = "org.bluez.Error.InProgress"
_RETRYABLE: Final = frozenset({_IN_PROGRESS, "org.bluez.Error.Failed"})
# Immediate stop-and-start rounds after InProgress before backing off: a stale session clears in one,
# a bluetoothd that answers InProgress to everything must not be hammered.
IN_PROGRESS_RETRIES: Final = 5
_START_ERRORS: Final = (BleakError, BluezError, OSError, EOFError, TimeoutError)
# Which Scanner runs in this process (see the module docstring: one at a time).
_RUNNING: set[Scanner] = set()


class Scanner:
    """Scans with bleak until cancelled and heals itself; its health is plain data."""

    def __init__(
        self,
        on_advertisement: OnAdvertisement,
        *,
        mode: Literal["active", "passive"],
        adapter: str,
        watchdog_quiet_s: float,
        expect_beacons: bool,
        or_patterns: Sequence[OrPatternLike] | None = None,
        kinds: Iterable[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        retry_base_s: float = c.SCANNER_RETRY_BASE_S,
        retry_cap_s: float = c.SCANNER_RETRY_CAP_S,
    ) -> None:
        """Passive mode's `or_patterns` default to `or_patterns_for(kinds)`; no kinds means every kind."""
        patterns = list(or_patterns if or_patterns is not None else or_patterns_for(kinds or _PATTERNS))
        if mode == "passive" and not patterns:
            raise ValueError("passive scanning needs at least one or_pattern")
        self.state = ScannerState.STOPPED
        self.mode: Literal["active", "passive"] = mode  # what runs: passive may have fallen back
        self.last_advertisement: float | None = None
        self.advertisements = 0
        self.restarts = 0
        self.start_failures = 0
        self.problem: str | None = None
        self.last_restart_reason: str | None = None
        self.last_recovery_s: float | None = None
        self._on_advertisement = on_advertisement
        self._requested_mode = mode
        self._adapter = adapter
        self._watchdog_quiet_s = watchdog_quiet_s
        self._expect_beacons = expect_beacons
        self._or_patterns = patterns
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._retry_base_s = retry_base_s
        self._retry_cap_s = retry_cap_s
        self._check_interval_s = min(c.WATCHDOG_CHECK_INTERVAL_S, watchdog_quiet_s / 4)
        self._scanner: BleakScanner | None = None
        self._watch: BluezWatch | None = None
        self._watch_bus: MessageBus | None = None
        self._watch_warned = False
        self._no_bus = False  # the last try found no system bus at all
        self._trouble: str | None = None
        self._trouble_event = asyncio.Event()
        self._ready = asyncio.Event()
        self._started_at = 0.0
        self._trouble_at: float | None = None
        self._heard_since_start = False
        self._callback_errors = 0
        self._in_progress_retries = 0  # in a row, since the last start that worked

    async def run(self) -> None:
        """Scan until cancelled; every trouble in the module docstring's table ends in a restart."""
        if _RUNNING:
            raise RuntimeError(
                "one Scanner per process: bleak shares one D-Bus connection, BlueZ gives it one scan"
            )
        _RUNNING.add(self)
        attempt = 0  # restarts in a row that did not bring advertisements back
        try:
            while True:
                self._ready.clear()
                await self._ensure_watch()
                if await self._start():
                    reason = await self._until_trouble()
                    await self._restart(reason)
                    attempt = 0 if self._heard_since_start else attempt + 1
                else:
                    attempt += 1
                await self._pause(c.BUS_RETRY_S if self._no_bus else self._retry_delay(attempt))
        finally:
            _RUNNING.discard(self)
            await self._stop()
            self._close_watch()
            self._set_state(ScannerState.STOPPED, None)

    def diagnostics(self) -> dict[str, Any]:
        """A snapshot for the heartbeat, logs and reports: plain JSON-ready data."""
        last = self.last_advertisement
        return {
            "backend": BACKEND,
            "state": self.state.value,
            "adapter": self._adapter,
            "mode": self.mode,
            "requested_mode": self._requested_mode,
            "advertisements": self.advertisements,
            "last_advertisement_age_s": None if last is None else round(self._clock() - last, 3),
            "restarts": self.restarts,
            "start_failures": self.start_failures,
            "last_restart_reason": self.last_restart_reason,
            "last_recovery_s": self.last_recovery_s,
            "problem": self.problem,
            "watchdog_quiet_s": self._watchdog_quiet_s,
            "expect_beacons": self._expect_beacons,
            "callback_errors": self._callback_errors,
            "bluez": self._watch.snapshot() if self._watch is not None else None,
        }

    # One scan's life: start, wait for trouble, restart.

    async def _start(self) -> bool:
        problem = self._watch.problem() if self._watch is not None else None
        if problem is not None:
            self._set_state(ScannerState.NO_ADAPTER, problem)
            return False
        watch = self._watch
        if self.mode == "passive" and watch is not None and MONITOR_MANAGER_INTERFACE not in watch.interfaces:
            self._fall_back_to_active(f"adapter {self._adapter} has no {MONITOR_MANAGER_INTERFACE}")
        self._trouble = None  # cleared before start(): trouble arriving during start() is kept
        self._trouble_event.clear()
        scanner = self._new_bleak_scanner()
        try:
            async with asyncio.timeout(c.BLUEZ_CALL_TIMEOUT_S):
                await scanner.start()
        except _START_ERRORS as exc:
            if self.mode == "passive" and _refuses_passive(exc):
                self._fall_back_to_active(_describe(exc))
                return await self._start()
            self.start_failures += 1
            self._set_state(_state_after(exc), f"scanning did not start: {_describe(exc)}")
            if _is_in_progress(exc) and self._in_progress_retries < IN_PROGRESS_RETRIES:
                self._in_progress_retries += 1
                await self._stop_stale_discovery()
                return await self._start()
            return False
        self._in_progress_retries = 0
        self._scanner = scanner
        self._started_at = self._clock()
        self._heard_since_start = False
        self._set_state(ScannerState.SCANNING, None)
        return True

    async def _until_trouble(self) -> str:
        while True:
            if self._trouble is not None:
                return self._trouble
            if self._expect_beacons:
                quiet = self._clock() - max(self.last_advertisement or self._started_at, self._started_at)
                if quiet >= self._watchdog_quiet_s:
                    return f"no advertisement for {quiet:.1f} s (watchdog)"
            await self._wait(self._trouble_event, self._check_interval_s)

    async def _restart(self, reason: str) -> None:
        self.restarts += 1
        self.last_restart_reason = reason
        self._trouble_at = self._clock()
        self._set_state(ScannerState.RESTARTING, f"restarting the scan: {reason}")
        await self._stop()

    async def _stop(self) -> None:
        scanner, self._scanner = self._scanner, None
        if scanner is None:
            return
        try:
            async with asyncio.timeout(c.BLUEZ_CALL_TIMEOUT_S):
                await scanner.stop()
        except _START_ERRORS as exc:  # the session died with bluetoothd or the power: nothing to stop
            log.debug("stopping the scan was refused; ignored", error=_describe(exc))

    async def _stop_stale_discovery(self) -> None:
        """`StopDiscovery` from bleak's own connection: BlueZ keys discovery sessions by connection.
        bleak has no public call for it; its manager's bus is the connection its scans use."""
        try:
            bus = (await get_global_bluez_manager())._bus
            if bus is not None:
                await call(bus, adapter_path(self._adapter), ADAPTER_INTERFACE, "StopDiscovery")
        except _START_ERRORS as exc:  # "No discovery started" is the usual answer
            log.debug("stopping a stale discovery was refused; ignored", error=_describe(exc))

    def _new_bleak_scanner(self) -> BleakScanner:
        bluez: BlueZScannerArgs = {"adapter": self._adapter}
        if self.mode == "passive":
            bluez["or_patterns"] = self._or_patterns
        return BleakScanner(self._handle_detection, scanning_mode=self.mode, bluez=bluez)

    def _fall_back_to_active(self, why: str) -> None:
        self.mode = "active"
        log.warning(f"{_PASSIVE_HELP} ({why})", adapter=self._adapter)

    # Waiting.

    def _retry_delay(self, attempt: int) -> float:
        delay = backoff_delay(attempt, self._rng, base_s=self._retry_base_s, cap_s=self._retry_cap_s)
        return max(self._retry_base_s * c.RETRY_FLOOR_FRACTION, delay)

    async def _pause(self, seconds: float) -> None:
        """Wait before the next start, less if BlueZ says the adapter is usable again."""
        await self._wait(self._ready, seconds)

    async def _wait(self, event: asyncio.Event, seconds: float) -> None:
        if event.is_set():
            return
        waiter = asyncio.ensure_future(event.wait())
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            sleeper.cancel()

    # Watching bluetoothd (a connection of our own: bleak's is private to bleak).

    async def _ensure_watch(self) -> None:
        if self._watch is not None and self._watch.connected:
            return
        self._close_watch()
        bus: MessageBus | None = None
        try:
            bus = await connect_system_bus()
            self._no_bus = False
            watch = BluezWatch(bus, self._adapter, self._handle_bluez_event)
            await watch.start()
        except BluezError as exc:
            if bus is None:
                self._no_bus = True
            else:
                bus.disconnect()
            if not self._watch_warned:
                self._watch_warned = True
                log.warning("cannot watch bluetoothd; only the watchdog guards the scan", error=str(exc))
            return
        self._watch, self._watch_bus = watch, bus

    def _close_watch(self) -> None:
        if self._watch is not None:
            self._watch.close()
        if self._watch_bus is not None:
            self._watch_bus.disconnect()
        self._watch = self._watch_bus = None

    # Callbacks.

    def _handle_bluez_event(self, event: BluezEvent) -> None:
        if self._trouble is None:
            self._trouble = event.value
            self._trouble_event.set()
        if event.ready:
            self._ready.set()

    def _handle_detection(self, device: BLEDevice, adv: AdvertisementData) -> None:
        if adv.rssi == RSSI_INVALID:
            return
        now = self._clock()
        self.last_advertisement = now
        self.advertisements += 1
        if not self._heard_since_start:
            self._heard_since_start = True
            if self._trouble_at is not None:
                self.last_recovery_s = round(now - self._trouble_at, 3)
                self._trouble_at = None
                log.info("scan resumed", after_s=self.last_recovery_s, restarts=self.restarts)
        try:
            self._on_advertisement(device.address, adv.rssi, adv.manufacturer_data, adv.service_data)
        except Exception:  # a consumer's bug must not stop bleak's dispatch
            self._callback_errors += 1
            if self._callback_errors & (self._callback_errors - 1) == 0:  # 1, 2, 4, 8...: seen yet bounded
                log.exception("on_advertisement failed", errors=self._callback_errors)

    def _set_state(self, state: ScannerState, problem: str | None) -> None:
        if problem is not None and problem != self.problem:
            log.warning(problem, adapter=self._adapter, state=state.value)
        elif state is ScannerState.SCANNING and self.state is not ScannerState.SCANNING:
            log.info("scanning", adapter=self._adapter, mode=self.mode, restarts=self.restarts)
        self.state = state
        self.problem = problem


def _refuses_passive(exc: BaseException) -> bool:
    if isinstance(exc, BleakDBusError):
        return exc.dbus_error in _PASSIVE_REFUSALS
    # bleak turns RegisterMonitor's UnknownMethod into a plain BleakError that names passive scanning.
    return type(exc) is BleakError and "passive" in str(exc)


def _is_in_progress(exc: BaseException) -> bool:
    return isinstance(exc, BleakDBusError) and exc.dbus_error == _IN_PROGRESS


def _state_after(exc: BaseException) -> ScannerState:
    """A refused start means no usable adapter, unless BlueZ was only busy."""
    busy = isinstance(exc, BleakDBusError) and exc.dbus_error in _RETRYABLE
    return ScannerState.RESTARTING if busy or isinstance(exc, TimeoutError) else ScannerState.NO_ADAPTER


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BleakDBusError):
        return f"{exc.dbus_error}: {exc.dbus_error_details or ''}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
