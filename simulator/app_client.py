"""The companion app's I/O shell: the public API over HTTP, and one step of a phone.

Thin on purpose: ``simulator.phone.CompanionApp`` decides everything; this module carries its
requests to the backend and the answers back. What each answer means:

| answer                              | what the shell does                                         |
| ----------------------------------- | ----------------------------------------------------------- |
| 200 / 204                           | hand the parsed answer to the app                           |
| 429                                 | ``RateLimited`` with ``Retry-After`` -> ``on_rate_limited`` |
| other status, no answer, bad JSON   | ``ApiError`` (problem+json detail kept) -> ``on_error``     |

Requests carry no device id, no cookie and no account: a phone is anonymous to the backend.
"""

from __future__ import annotations

from typing import Final, TypeVar

import aiohttp
import structlog
from pydantic import BaseModel, ValidationError

from beacon_agent.contract.wire import (
    Problem,
    PromptEvent,
    PromptEventType,
    Region,
    RegionsAnswer,
    ResolveRequest,
    SitesAnswer,
)
from simulator.phone import CompanionApp, Display

__all__ = ["ApiError", "AppClient", "RateLimited", "drive"]

log = structlog.get_logger(__name__)

# Whole request. A prompt that arrives later than this is useless: the walker has gone on.
REQUEST_TIMEOUT_S: Final = 10.0
# Longest piece of an error body kept as the reason (an HTML page from a proxy is long).
MAX_DETAIL: Final = 300
_HEADERS: Final = {"Content-Type": "application/json", "Accept": "application/json"}
M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    """No usable answer: ``status`` is None when there was no answer at all."""

    def __init__(self, status: int | None, detail: str, problem: Problem | None = None) -> None:
        super().__init__(f"HTTP {status}: {detail}" if status is not None else detail)
        self.status = status
        self.detail = detail
        self.problem = problem


class RateLimited(ApiError):
    """429: the backend asks this client to wait ``retry_after_s`` seconds (None if it did not say)."""

    def __init__(self, retry_after_s: float | None, detail: str, problem: Problem | None = None) -> None:
        super().__init__(429, detail, problem)
        self.retry_after_s = retry_after_s


class AppClient:
    """The public endpoints the app calls. Pass a session to share connections among phones."""

    def __init__(
        self,
        base_url: str,
        session: aiohttp.ClientSession | None = None,
        *,
        timeout_s: float = REQUEST_TIMEOUT_S,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def __aenter__(self) -> AppClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def regions(self) -> list[Region]:
        body = await self._call("GET", "/v1/regions", None, 200)
        return _parse(RegionsAnswer, body).regions

    async def resolve(self, request: ResolveRequest) -> SitesAnswer:
        body = await self._call("POST", "/v1/resolve", request.model_dump_json(exclude_none=True), 200)
        return _parse(SitesAnswer, body)

    async def event(self, prompt_id: int, type_: PromptEventType) -> None:
        await self._call(
            "POST", f"/v1/prompts/{prompt_id}/events", PromptEvent(type=type_).model_dump_json(), 204
        )

    async def _call(self, method: str, path: str, data: str | None, expect: int) -> bytes:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.request(
                method, self._base_url + path, data=data, headers=_HEADERS, timeout=self._timeout
            ) as response:
                body = await response.read()
                retry_after = response.headers.get("Retry-After")
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiError(None, type(exc).__name__) from exc
        if status == expect:
            return body
        problem = _problem(body)
        detail = (
            (problem.detail or problem.title) if problem else body[:MAX_DETAIL].decode("utf-8", "replace")
        )
        if status == 429:
            raise RateLimited(_seconds(retry_after), detail[:MAX_DETAIL], problem)
        raise ApiError(status, detail[:MAX_DETAIL], problem)


async def drive(app: CompanionApp, client: AppClient, now: float) -> list[Display]:
    """One step of a phone at time ``now``: do what the app says is due; returns what it put on screen."""
    if app.due_regions(now):
        try:
            app.set_regions(await client.regions(), now)
        except ApiError as exc:
            log.debug("regions failed", error=str(exc))
            app.on_regions_failed(now)
    displays: list[Display] = []
    request = app.due_resolve(now)
    if request is not None:
        try:
            answer = await client.resolve(request)
        except RateLimited as exc:
            app.on_rate_limited(exc.retry_after_s, now)
        except ApiError as exc:
            log.debug("resolve failed", error=str(exc))
            app.on_error(now)
        else:
            displays += app.on_answer(answer, now)
    displays += app.due_displays(now)
    for prompt_id, type_ in app.due_events(now):
        try:
            await client.event(prompt_id, type_)
        except ApiError as exc:
            log.debug("event failed", error=str(exc), type=str(type_))
            app.on_event_failed()
    return displays


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        # A 200 that is not our answer: a captive portal, a proxy.
        raise ApiError(200, f"unreadable answer: {exc.error_count()} errors") from exc


def _problem(body: bytes) -> Problem | None:
    try:
        return Problem.model_validate_json(body)
    except ValidationError:
        return None


def _seconds(value: str | None) -> float | None:
    """Retry-After in seconds; the HTTP-date form is rare from an API and is ignored."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
