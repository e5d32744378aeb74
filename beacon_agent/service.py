"""The running agent: one scanner feeding the aggregator, flushes into the outbox, a reporter sending
it, heartbeats, and the advertiser doing what the backend asks.

A sighting's path through the agent, in files: `scanner` (bleak's callback) → `frames.decode` →
`aggregate.Aggregator.add` → every flush window `Aggregator.flush` → `outbox.Outbox.put_all` →
`reporter.Reporter` → `POST /v1/agent/sightings`.

SIGTERM (systemd's stop) ends `run`: the window so far is flushed into the outbox before the agent
exits, so a restart loses nothing that was heard.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import structlog

from beacon_agent.aggregate import Aggregator
from beacon_agent.config import AgentConfig
from beacon_agent.constants import MAX_UNSAVED_SIGHTINGS
from beacon_agent.contract import version
from beacon_agent.contract.frames import decode
from beacon_agent.contract.wire import Heartbeat, ScannerState, Sighting
from beacon_agent.outbox import Outbox, OutboxError
from beacon_agent.reporter import Reporter
from beacon_agent.scanner import Scanner

if TYPE_CHECKING:
    from beacon_agent.advertiser import Advertiser

log = structlog.get_logger(__name__)


class Agent:
    def __init__(
        self,
        config: AgentConfig,
        session: aiohttp.ClientSession,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._monotonic = monotonic
        self._started = monotonic()
        self._rng = rng or random.Random()
        self.aggregator = Aggregator.from_config(config.scan)
        self.outbox = Outbox(
            config.outbox.path, config.outbox.max_sightings, batch_max=config.report.batch_max
        )
        self.reporter = Reporter(
            session,
            config.backend.url,
            config.backend.token.get_secret_value(),
            self.outbox,
            self._rng,
            clock=clock,
        )
        self.scanner = Scanner(
            self._handle_advertisement,
            mode=config.scan.mode,
            adapter=config.scan.adapter,
            watchdog_quiet_s=config.scan.watchdog_quiet_s,
            expect_beacons=config.scan.expect_beacons,
            kinds=config.scan.kinds,
            rng=self._rng,
        )
        self.advertiser: Advertiser | None = None
        if config.advertise.enabled:
            # Imported only when used: it brings AES (cryptography), ~7 MB the Pi need not hold otherwise.
            from beacon_agent.advertiser import Advertiser

            self.advertiser = Advertiser(config.scan.adapter, clock=clock)
        # Sightings a full disk kept out of the outbox: held (bounded) and saved with the next flush.
        self._unsaved: list[Sighting] = []
        self._lost_unsaved = 0
        self._saving_failed: str | None = None  # why the last flush could not write the outbox
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Scan, flush, report and beat until `stop` is set; then save what was heard and close."""
        await self.outbox.open()
        try:
            self._spawn(self.scanner.run(), "scanner")
            self._spawn(self.reporter.run(), "reporter")
            self._spawn(self._every(self.config.scan.flush_interval_s, self.flush), "flush")
            # The first heartbeat at once: the site sees the agent, and advertising starts, without a wait.
            self._spawn(
                self._every(self.config.report.heartbeat_interval_s, self.heartbeat, first=0.0), "heartbeat"
            )
            log.info("agent started", adapter=self.config.scan.adapter, mode=self.config.scan.mode)
            await stop.wait()
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks.clear()
            with contextlib.suppress(OutboxError):
                await self.flush()
            if self.advertiser is not None:
                await self.advertiser.apply(None)
            await self.outbox.close()
            log.info("agent stopped", outbox_depth=self.outbox.depth)

    def _handle_advertisement(
        self,
        address: str,
        rssi: int,
        manufacturer_data: Mapping[int, bytes],
        service_data: Mapping[str, bytes],
    ) -> None:
        frames = decode(manufacturer_data, service_data)
        if frames:
            self.aggregator.add(address, rssi, frames, self._clock())

    async def flush(self) -> None:
        """The window so far into the outbox; on a full disk, keep it (bounded) for the next try."""
        sightings = self._unsaved + self.aggregator.flush(self._clock())
        self._unsaved = []
        if not sightings:
            return
        try:
            await self.outbox.put_all(sightings)
        except OutboxError as error:
            keep = sightings[-MAX_UNSAVED_SIGHTINGS:]
            self._lost_unsaved += len(sightings) - len(keep)
            self._unsaved = keep
            # Once per episode: an error every flush window would fill the journal, often on the very
            # card that is full. The retries are logged at debug level.
            emit = log.debug if self._saving_failed else log.error
            self._saving_failed = f"cannot write {self.outbox.path}: {error}"[:300]
            emit(
                "cannot save sightings to the outbox; still scanning, holding them in memory",
                outbox=str(self.outbox.path),
                error=str(error),
                held=len(keep),
                lost=self._lost_unsaved,
            )
        else:
            if self._saving_failed:
                log.info("the outbox takes sightings again", saved=len(sightings), lost=self._lost_unsaved)
            self._saving_failed = None

    async def heartbeat(self) -> None:
        ack = await self.reporter.heartbeat(self.status())
        if ack is not None and self.advertiser is not None:
            await self.advertiser.apply(ack.advertise)

    def status(self) -> Heartbeat:
        """What the next heartbeat tells the backend (and through its health API, the site's staff)."""
        return Heartbeat(
            version=version(),
            uptime_s=round(self._monotonic() - self._started, 1),
            scanner=self.scanner.state,
            outbox_depth=self.outbox.depth + len(self._unsaved),
            dropped=self.outbox.dropped + self._lost_unsaved,
            set_aside=self.outbox.set_aside_count,
            outbox_error=self._saving_failed,
        )

    def diagnostics(self) -> dict[str, Any]:
        return {
            "scanner": self.scanner.diagnostics(),
            "aggregator": self.aggregator.diagnostics(),
            "reporter": self.reporter.diagnostics(),
            "advertiser": self.advertiser.diagnostics() if self.advertiser else None,
            "unsaved": len(self._unsaved),
        }

    @property
    def healthy(self) -> bool:
        return self.reporter.healthy and self.scanner.state in (ScannerState.SCANNING, ScannerState.DISABLED)

    async def _every(
        self, seconds: float, job: Callable[[], Coroutine[Any, Any, None]], first: float | None = None
    ) -> None:
        """Run `job` every `seconds` (the first time after `first`), logging (not dying of) its failures."""
        wait = seconds if first is None else first
        while True:
            await asyncio.sleep(wait)
            wait = seconds
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a failing flush or heartbeat must not stop the agent
                log.warning("periodic job failed", job=job.__name__, error=str(error))

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._handle_task_done)

    def _handle_task_done(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("agent task failed", task=task.get_name(), error=repr(error))
