"""Operations: each endpoint declared once, with its models, so validation and `/openapi.json` agree.

An `Operation` names its path, who may call it (`Access`), its group in the document (`Tag`),
request body type, query model and answer type. `bind()` turns it into an aiohttp handler that
reads and validates input, checks the caller's token and renders the answer; `backend.http.openapi`
renders the same declarations as the OpenAPI document, so the document cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field
from enum import StrEnum
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from backend import auth
from backend.http.body import await_body, body_at_hand, body_cap
from backend.http.edge import guard
from backend.http.problems import is_json, problem_response, validation_problem
from backend.http.state import AppState
from backend.storage import AgentPrincipal


class Access(StrEnum):
    """Who may call an operation; public ones are rate limited per client instead of authenticated."""

    PUBLIC = "public"
    AGENT = "agent"
    ADMIN = "admin"


class Tag(StrEnum):
    """The group an operation is listed under in `/openapi.json`: whom it serves."""

    APP = "app"
    AGENT = "agent"
    ADMIN = "admin"


class RawJson(bytes):
    """JSON a handler assembled itself (see `backend.answers`); it must match the operation's model."""


Handler = Callable[["Call"], Awaitable[BaseModel | RawJson | None]]


@dataclass(slots=True)
class Call:
    """Everything a handler needs, validated: no handler touches the raw request body or query."""

    request: web.Request
    state: AppState
    body: Any
    query: Any
    ids: dict[str, int]
    org_id: int | None = None
    agent: AgentPrincipal | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def org(self) -> int:
        assert self.org_id is not None
        return self.org_id

    @property
    def principal(self) -> AgentPrincipal:
        assert self.agent is not None
        return self.agent


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    _: KW_ONLY
    access: Access
    tag: Tag
    body: Any = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    cache_control: str = "no-store"
    errors: tuple[int, ...] = ()
    description: str = ""
    _adapter: TypeAdapter[Any] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.body is not None:
            object.__setattr__(self, "_adapter", TypeAdapter(self.body))

    @property
    def name(self) -> str:
        return self.handler.__name__

    @property
    def route_path(self) -> str:
        """The aiohttp path: ids are ASCII digits only (a regex's `\\d` takes full-width digits too), so anything
        else is a plain 404 from the router."""
        path = self.path
        for part in path.split("/"):
            if part.startswith("{") and part.endswith("}"):
                path = path.replace(part, "{" + part[1:-1] + r":[0-9]{1,18}}")
        return path

    def bind(self, state: AppState) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """The aiohttp handler: limit, authenticate, validate, call, render; errors via `edge.guard`."""
        constant = {"Cache-Control": self.cache_control}
        public = self.access is Access.PUBLIC
        if public:
            constant["Access-Control-Allow-Origin"] = "*"
            if self.method == "GET":
                constant["Vary"] = "Accept-Language"
        with_body = {**constant, "Content-Type": "application/json"}
        has_ids = "{" in self.path
        handler, status, query_model = self.handler, self.status, self.query

        adapter, settings = self._adapter, state.settings
        cap, timeout_s = body_cap(self.path, settings), settings.body_timeout_s

        async def handle(request: web.Request) -> web.StreamResponse:
            if public:
                _limit(request, state)
            org_id, agent = await _authenticate(self.access, request, state) if not public else (None, None)
            body = None
            if adapter is not None:
                _require_json(request)
                raw = body_at_hand(request, cap)
                body = _validate(adapter, await await_body(request, cap, timeout_s) if raw is None else raw)
            call = Call(
                request,
                state,
                body,
                _read_query(query_model, request) if query_model is not None else None,
                {k: int(v) for k, v in request.match_info.items()} if has_ids else {},
                org_id,
                agent,
            )
            result = await handler(call)
            if result is None:
                return web.Response(status=204, headers={**constant, **call.headers})
            body = result if isinstance(result, RawJson) else result.model_dump_json().encode()
            return web.Response(status=status, body=body, headers={**with_body, **call.headers})

        return guard(state, self.name, public, handle)


def _require_json(request: web.Request) -> None:
    # The header as nearly every client writes it is taken as it is; anything else is parsed.
    if request.headers.get("Content-Type") != "application/json" and not is_json(request.content_type):
        raise web.HTTPUnsupportedMediaType(text="send JSON with Content-Type: application/json")


def _validate(adapter: TypeAdapter[Any], raw: bytes) -> Any:
    """The body as its model, strictly: `true` is not 1 and `"12"` is not 12 (JSON strings still
    give datetimes, UUIDs and enums). Strict here, not in the models, which the agent shares."""
    try:
        return adapter.validate_json(raw, strict=True)
    except ValidationError as exc:
        raise validation_problem(exc) from None


def _read_query(model: type[BaseModel], request: web.Request) -> Any:
    try:
        return model.model_validate({k: request.query.getone(k) for k in request.query})
    except ValidationError as exc:
        raise validation_problem(exc, location="query") from None


def _limit(request: web.Request, state: AppState) -> None:
    wait = state.limiter.take(state.client_id(request), state.clock())
    if wait is not None:
        state.metrics.rate_limited.inc()
        seconds = max(1, int(wait + 0.999))
        raise problem_response(
            429,
            "Too Many Requests",
            f"slow down: try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


async def _authenticate(access: Access, request: web.Request, state: AppState) -> tuple[int | None, Any]:
    token = auth.bearer(request.headers.get("Authorization"))
    if token is not None:
        token_hash = auth.secret_hash(token)
        if access is Access.ADMIN and (org_id := await state.catalog.admin_org(token_hash)) is not None:
            return org_id, None
        if access is Access.AGENT and (agent := await state.catalog.agent(token_hash)) is not None:
            return None, agent
    kind = "an organisation's admin key" if access is Access.ADMIN else "an agent token"
    raise problem_response(
        401,
        "Unauthorized",
        f"send {kind} as 'Authorization: Bearer <token>'",
        headers={"WWW-Authenticate": 'Bearer realm="nahbei"'},
    )
