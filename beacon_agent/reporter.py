"""The reporter: moves batches from the outbox to the backend, and sends heartbeats.

What each answer means, in one place:

| answer                            | what the reporter does                                     |
| --------------------------------- | ---------------------------------------------------------- |
| 200                               | delete the batch from the outbox; reset the backoff        |
| 401, 403                          | stop: the token is wrong or revoked; retrying cannot help  |
| 408, 425, 429, 5xx, no answer     | keep the batch, retry after a backoff with full jitter     |
| any other 4xx (413, 422, ...)     | set the batch aside (kept, counted, never sent again)      |

A batch is sent as the outbox stored it plus `sent_at`, the agent's clock at that moment (the
backend measures the agent's clock against its own from it: see `SightingBatch.sent_at`). The
backend stores a batch id once, so resending after a lost acknowledgement is safe. Logs carry no
token and no address.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

import aiohttp
import structlog
from pydantic import ValidationError

from beacon_agent.backoff import backoff_delay
from beacon_agent.constants import BACKOFF_BASE_S, BACKOFF_CAP_S
from beacon_agent.contract.wire import Heartbeat, HeartbeatAck, Problem, PromptView, SightingAck
from beacon_agent.outbox import Outbox, OutboxError, Pending

log = structlog.get_logger(__name__)

# Whole request, connect to last byte. A 500-sighting batch is ~150 kB: 30 s still finishes on a
# 64 kbit/s uplink, and a backend that does not answer within it is as good as down.
REQUEST_TIMEOUT_S: Final = 30.0
# 4xx answers that say "not now" rather than "never": retried like a 5xx.
RETRY_LATER: Final = frozenset({408, 425, 429})
TOKEN_REJECTED_MESSAGE: Final = (
    "the backend refused the agent token; create a new agent token and put it in the config"
)
# Longest piece of a refusal's body kept as the reason (an HTML error page from a proxy is long).
MAX_DETAIL: Final = 300


class ReporterStatus(StrEnum):
    IDLE = "idle"  # nothing waiting to be sent
    OK = "ok"  # the last request got an answer; sending
    BACKING_OFF = "backing_off"  # the last attempt failed; waiting before the next
    TOKEN_REJECTED = "token_rejected"  # stopped until an operator puts a valid token in the config


Sleep = Callable[[float], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: bytes
    retry_after: float | None


class Reporter:
    """Sends the outbox's batches oldest first, forever, until the backend refuses the token.

    `session` must leave statuses to the caller (no ``raise_for_status``): the table above reads them.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        token: str,
        outbox: Outbox,
        rng: random.Random,
        sleep: Sleep = asyncio.sleep,
        *,
        clock: Callable[[], float] = time.time,
        timeout_s: float = REQUEST_TIMEOUT_S,
        backoff_base_s: float = BACKOFF_BASE_S,
        backoff_cap_s: float = BACKOFF_CAP_S,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._outbox = outbox
        self._rng = rng
        self._sleep = sleep
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._backoff_base_s = backoff_base_s
        self._backoff_cap_s = backoff_cap_s
        self._status = ReporterStatus.IDLE
        self._rejected = False
        self._failures = 0
        self._last_error: str | None = None
        self._last_success: float | None = None
        self._batches_sent = 0
        self._sightings_sent = 0
        self._heartbeat_failures = 0
        self._prompts: list[PromptView] = []
        # Set when a heartbeat gets through while batches back off: the link is back, so waiting out
        # a backoff of up to `backoff_cap_s` after a long outage would only delay the outbox.
        self._link_back = asyncio.Event()
        self._asked_to_wait = False  # the last failure came with Retry-After: honour it all the same

    @property
    def status(self) -> ReporterStatus:
        # Sticky: an answer to a request that was in flight when the token was refused must not hide it.
        return ReporterStatus.TOKEN_REJECTED if self._rejected else self._status

    @property
    def healthy(self) -> bool:
        return self.status in (ReporterStatus.IDLE, ReporterStatus.OK)

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    @property
    def prompts(self) -> list[PromptView]:
        """The prompts current at this agent's site, from the last acknowledgement."""
        return list(self._prompts)

    def diagnostics(self) -> dict[str, Any]:
        last = self._last_success
        return {
            "status": str(self.status),
            "consecutive_failures": self._failures,
            "last_error": self._last_error,
            "last_success_at": None if last is None else datetime.fromtimestamp(last, UTC).isoformat(),
            "batches_sent": self._batches_sent,
            "sightings_sent": self._sightings_sent,
            "set_aside": self._outbox.set_aside_count,
            "dropped": self._outbox.dropped,
            "depth": self._outbox.depth,
            "prompts": len(self._prompts),
        }

    async def run(self) -> None:
        """Send batches as they come; returns only when the token was refused (cancel it to stop)."""
        while not self._rejected:
            # Clear before looking, so a put between the look and the wait still wakes us.
            self._outbox.added.clear()
            try:
                pending = await self._outbox.next_pending()
            except OutboxError as exc:
                await self._failed(str(exc))
                continue
            if pending is None:
                self._status = ReporterStatus.IDLE
                await self._outbox.added.wait()
                continue
            await self._send(pending)

    async def heartbeat(self, heartbeat: Heartbeat) -> HeartbeatAck | None:
        """Tell the backend how this agent is; None when that did not work (it is logged)."""
        if self._rejected:
            return None
        try:
            answer = await self._post("/v1/agent/heartbeat", heartbeat.model_dump_json().encode())
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._heartbeat_failed(type(exc).__name__)
            return None
        if answer.status in (401, 403):
            self._reject()
            return None
        if answer.status != 200:
            self._heartbeat_failed(f"HTTP {answer.status}: {_detail(answer.body)}")
            return None
        try:
            ack = HeartbeatAck.model_validate_json(answer.body)
        except ValidationError:
            self._heartbeat_failed("unreadable answer")
            return None
        self._heartbeat_failures = 0
        if self._failures and not self._asked_to_wait:
            self._link_back.set()
        return ack

    async def _send(self, pending: Pending) -> None:
        try:
            answer = await self._post("/v1/agent/sightings", with_sent_at(pending.body, self._clock()))
        except (aiohttp.ClientError, TimeoutError) as exc:
            await self._failed(type(exc).__name__)
            return
        status = answer.status
        try:
            if status == 200:
                ack = SightingAck.model_validate_json(answer.body)
                await self._outbox.ack(pending.batch_id)
                self._prompts = ack.prompts
                self._batches_sent += 1
                self._sightings_sent += pending.sightings
                self._last_success = self._clock()
                self._answered()
                log.debug("batch acknowledged", accepted=ack.accepted, duplicate=ack.duplicate)
            elif status in (401, 403):
                self._reject()
            elif 400 <= status < 500 and status not in RETRY_LATER:
                detail = _detail(answer.body)
                await self._outbox.set_aside(pending.batch_id, status, detail)
                log.warning(
                    "the backend refused a batch; it is kept aside and not sent again",
                    status=status,
                    detail=detail,
                    batch_id=str(pending.batch_id),
                    sightings=pending.sightings,
                )
                self._answered()  # a refusal is an answer too: the link is fine
            else:
                await self._failed(f"HTTP {status}", answer.retry_after)
        except ValidationError:
            # A 200 whose body is not an acknowledgement (a captive portal, a proxy): not proof of
            # delivery. Resending is safe: the backend stores a batch id once.
            await self._failed("unreadable acknowledgement")
        except OutboxError as exc:
            await self._failed(str(exc))

    async def _post(self, path: str, body: bytes) -> _Answer:
        async with self._session.post(
            self._base_url + path, data=body, headers=self._headers, timeout=self._timeout
        ) as response:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            return _Answer(response.status, await response.read(), retry_after)

    def _answered(self) -> None:
        """The backend answered: the outage, if any, is over and the backoff starts again from its base."""
        if self._failures:
            log.info("reporting to the backend again", failed_attempts=self._failures)
        self._failures = 0
        self._last_error = None
        self._status = ReporterStatus.OK

    async def _failed(self, error: str, retry_after: float | None = None) -> None:
        self._failures += 1
        self._last_error = error
        self._status = ReporterStatus.BACKING_OFF
        delay = backoff_delay(
            self._failures - 1, self._rng, base_s=self._backoff_base_s, cap_s=self._backoff_cap_s
        )
        if retry_after is not None:
            delay = max(delay, min(retry_after, self._backoff_cap_s))
        self._asked_to_wait = retry_after is not None
        # One warning per outage; the attempts within it only at debug level.
        emit = log.warning if self._failures == 1 else log.debug
        emit("cannot report to the backend; retrying", error=error, attempt=self._failures, delay_s=delay)
        await self._pause(delay)

    async def _pause(self, delay: float) -> None:
        """Back off for `delay`, or until a heartbeat finds the backend reachable again."""
        self._link_back.clear()
        sleeping = asyncio.ensure_future(self._sleep(delay))
        waking = asyncio.ensure_future(self._link_back.wait())
        try:
            await asyncio.wait((sleeping, waking), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeping, waking):
                task.cancel()
            await asyncio.gather(sleeping, waking, return_exceptions=True)
        if waking.done() and not waking.cancelled():
            log.info("a heartbeat got through; sending the outbox now", attempt=self._failures)

    def _reject(self) -> None:
        if not self._rejected:
            log.error(TOKEN_REJECTED_MESSAGE)
            self._rejected = True
            self._outbox.added.set()  # wake `run` if it waits for work, so that it stops

    def _heartbeat_failed(self, error: str) -> None:
        self._heartbeat_failures += 1
        emit = log.warning if self._heartbeat_failures == 1 else log.debug
        emit("heartbeat failed", error=error, attempt=self._heartbeat_failures)


def with_sent_at(body: bytes, now: float) -> bytes:
    """A stored batch's body with `sent_at` set to `now` (the agent's clock as the request leaves)."""
    batch = json.loads(body)
    batch["sent_at"] = datetime.fromtimestamp(now, UTC).isoformat()
    return json.dumps(batch, separators=(",", ":")).encode()


def _detail(body: bytes) -> str:
    """The problem's detail (RFC 9457) or, from something else, the start of the body."""
    try:
        problem = Problem.model_validate_json(body)
    except ValidationError:
        return body[:MAX_DETAIL].decode("utf-8", "replace")
    return (problem.detail or problem.title)[:MAX_DETAIL]


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare from an API and is ignored)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
