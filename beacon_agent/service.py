"""The running agent: bleak's scanner and the advertiser around the agent's core (`core.AgentCore`),
with the loops that flush it every window and send its heartbeats.

A sighting's path through the agent, in files: `scanner` (bleak's callback) → `core.AgentCore.hear`
(`frames.decode` → `aggregate.Aggregator.add`) → every flush window `AgentCore.flush`
(`Aggregator.flush` → `outbox.Outbox.put_all`) → `reporter.Reporter` → `POST /v1/agent/sightings`.

SIGTERM (systemd's stop) ends `run`: the window so far is flushed into the outbox before the agent
exits, so a restart loses nothing that was heard.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import aiohttp
import structlog

from beacon_agent.config import AgentConfig
from beacon_agent.core import AgentCore
from beacon_agent.outbox import OutboxError
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
        self._rng = rng or random.Random()
        self.core = AgentCore(
            config,
            session,
            clock=clock,
            monotonic=monotonic,
            rng=self._rng,
            scanner_state=lambda: self.scanner.state,
        )
        self.scanner = Scanner(
            self.core.hear,
            mode=config.scan.mode,
            adapter=config.scan.adapter,
            watchdog_quiet_s=config.scan.watchdog_quiet_s,
            expect_beacons=config.scan.expect_beacons,
            kinds=config.scan.kinds,
            rng=self._rng,
        )
        self.advertiser: Advertiser | None = None
        self.page_advertiser: Advertiser | None = None  # advertise.url, on air whatever the backend says
        if config.advertise.enabled:
            # Imported only when used: it brings AES (cryptography), ~7 MB the Pi need not hold otherwise.
            from beacon_agent.advertiser import Advertiser

            self.advertiser = Advertiser(config.scan.adapter, clock=clock)
            if config.advertise.url:
                self.page_advertiser = Advertiser(config.scan.adapter, clock=clock)
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Scan, flush, report and beat until `stop` is set; then save what was heard and close."""
        await self.core.open()
        try:
            self._spawn(self.scanner.run(), "scanner")
            self._spawn(self.core.reporter.run(), "reporter")
            self._spawn(self._every(self.config.scan.flush_interval_s, self.core.flush), "flush")
            # The first heartbeat at once: the site sees the agent, and advertising starts, without a wait.
            self._spawn(
                self._every(self.config.report.heartbeat_interval_s, self.heartbeat, first=0.0), "heartbeat"
            )
            if self.page_advertiser is not None:
                from beacon_agent.advertiser import AdvertiseUrl

                await self.page_advertiser.apply(AdvertiseUrl(self.config.advertise.url))
            log.info("agent started", adapter=self.config.scan.adapter, mode=self.config.scan.mode)
            await stop.wait()
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks.clear()
            with contextlib.suppress(OutboxError):
                await self.core.flush()
            for advertiser in (self.advertiser, self.page_advertiser):
                if advertiser is not None:
                    await advertiser.apply(None)
            await self.core.close()
            log.info("agent stopped", outbox_depth=self.core.outbox.depth)

    async def heartbeat(self) -> None:
        ack = await self.core.heartbeat()
        if ack is not None and self.advertiser is not None:
            await self.advertiser.apply(ack.advertise)

    def diagnostics(self) -> dict[str, Any]:
        return {
            "scanner": self.scanner.diagnostics(),
            **self.core.diagnostics(),
            "advertiser": self.advertiser.diagnostics() if self.advertiser else None,
            "page_advertiser": self.page_advertiser.diagnostics() if self.page_advertiser else None,
        }

    @property
    def healthy(self) -> bool:
        return self.core.healthy

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
