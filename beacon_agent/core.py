"""The agent's core: what it hears becomes sightings in the outbox, the reporter sends them, and the
heartbeat tells the backend how the agent is.

One assembly for both ways an agent runs, so they cannot drift apart: `service.Agent` runs it around
bleak's scanner and the advertiser; the simulator's inline agents run it on the simulation's clock.
Every clock, the random source and the HTTP session come from the caller; the scanner's state is
asked for (the core has no radio).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import structlog

from beacon_agent.aggregate import Aggregator
from beacon_agent.config import AgentConfig
from beacon_agent.constants import MAX_UNSAVED_SIGHTINGS
from beacon_agent.contract import version
from beacon_agent.contract.frames import decode
from beacon_agent.contract.wire import Heartbeat, HeartbeatAck, ScannerState, Sighting
from beacon_agent.outbox import Outbox, OutboxError
from beacon_agent.reporter import Reporter

log = structlog.get_logger(__name__)


class AgentCore:
    """The aggregator, outbox and reporter of one agent, with its flush and its heartbeat.

    `open` before use and `close` after; the caller runs `reporter.run()` and calls `flush` and
    `heartbeat` on its own schedule.
    """

    def __init__(
        self,
        config: AgentConfig,
        session: aiohttp.ClientSession,
        *,
        clock: Callable[[], float],
        monotonic: Callable[[], float],
        rng: random.Random,
        scanner_state: Callable[[], ScannerState],
    ) -> None:
        self._clock = clock
        self._monotonic = monotonic
        self._started = monotonic()
        self._scanner_state = scanner_state
        self.aggregator = Aggregator.from_config(config.scan)
        self.outbox = Outbox(
            config.outbox.path, config.outbox.max_sightings, batch_max=config.report.batch_max, clock=clock
        )
        self.reporter = Reporter(
            session,
            config.backend.url,
            config.backend.token.get_secret_value(),
            self.outbox,
            rng,
            clock=clock,
        )
        # Sightings a full disk kept out of the outbox: held (bounded) and saved with the next flush.
        self._unsaved: list[Sighting] = []
        self._lost_unsaved = 0
        self._saving_failed: str | None = None  # why the last flush could not write the outbox

    async def open(self) -> None:
        await self.outbox.open()

    async def close(self) -> None:
        await self.outbox.close()

    def hear(
        self,
        address: str,
        rssi: int,
        manufacturer_data: Mapping[int, bytes],
        service_data: Mapping[str, bytes],
        *,
        at: float | None = None,
    ) -> None:
        """One advertisement, heard `at` (default: now); only its recognised beacon frames count."""
        frames = decode(manufacturer_data, service_data)
        if frames:
            self.aggregator.add(address, rssi, frames, self._clock() if at is None else at)

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

    async def heartbeat(self) -> HeartbeatAck | None:
        """Send `status()`; the backend's answer (what to advertise), None when it did not get through."""
        return await self.reporter.heartbeat(self.status())

    def status(self) -> Heartbeat:
        """What the next heartbeat tells the backend (and through its health API, the site's staff)."""
        return Heartbeat(
            version=version(),
            uptime_s=round(self._monotonic() - self._started, 1),
            scanner=self._scanner_state(),
            outbox_depth=self.outbox.depth + len(self._unsaved),
            dropped=self.outbox.dropped + self._lost_unsaved,
            set_aside=self.outbox.set_aside_count,
            outbox_error=self._saving_failed,
        )

    def diagnostics(self) -> dict[str, Any]:
        return {
            "aggregator": self.aggregator.diagnostics(),
            "reporter": self.reporter.diagnostics(),
            "unsaved": len(self._unsaved),
        }

    @property
    def healthy(self) -> bool:
        scanning = self._scanner_state() in (ScannerState.SCANNING, ScannerState.DISABLED)
        return self.reporter.healthy and scanning
