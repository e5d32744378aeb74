"""RFC 9457 problem details: every error answer, rendered in one place.

Handlers and storage raise domain errors (`backend.errors`), aiohttp raises its HTTP exceptions,
pydantic raises validation errors; `answer` turns each into
``application/problem+json`` with `type title status detail` and, for invalid input, `errors`
listing each invalid field. An unexpected exception becomes a bare 500 problem: the traceback goes
to the log, never to the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from aiohttp import web
from pydantic import ValidationError

from backend.errors import DomainError, Unavailable
from beacon_agent.contract.wire import FieldError, Problem

log = structlog.get_logger(__name__)

PROBLEM_TYPE = "application/problem+json"
_PASSED_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class ProblemError(Exception):
    def __init__(self, problem: Problem, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(problem.detail or problem.title)
        self.problem = problem
        self.headers = dict(headers or {})


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemError:
    return ProblemError(Problem(title=title, status=status, detail=detail, errors=errors), headers)


def field_errors(exc: ValidationError, location: str | None = None) -> list[FieldError]:
    prefix: list[str | int] = [location] if location else []
    return [
        FieldError(loc=[*prefix, *err["loc"]], msg=err["msg"], type=err["type"])
        for err in exc.errors(include_url=False, include_context=False, include_input=False)[:50]
    ]


def validation_problem(exc: ValidationError, location: str | None = None) -> ProblemError:
    errors = field_errors(exc, location)
    if any(e.type == "json_invalid" for e in errors):
        return problem_response(400, "Malformed JSON", "the body is not valid JSON", errors=errors)
    fields = ", ".join(".".join(str(p) for p in e.loc) or "body" for e in errors[:5])
    return problem_response(422, "Invalid request", f"invalid fields: {fields}", errors=errors)


def render(problem: Problem, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        status=problem.status,
        body=problem.model_dump_json(exclude_none=True).encode(),
        content_type=PROBLEM_TYPE,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def answer(exc: Exception, request: web.Request) -> web.Response:
    """The problem-details answer for an exception a handler raised; other exceptions raise again."""
    if isinstance(exc, ProblemError):
        return render(exc.problem, exc.headers)
    if isinstance(exc, DomainError):
        errors = [FieldError(loc=list(f), msg=exc.detail, type=exc.kind) for f in exc.fields] or None
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, Unavailable) else None
        return render(Problem(title=exc.title, status=exc.status, detail=exc.detail, errors=errors), headers)
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        return render(_from_http(exc), {k: exc.headers[k] for k in _PASSED_HEADERS if k in exc.headers})
    if isinstance(exc, ConnectionResetError):
        # The client went away before its request was complete (aiohttp raises this from reading
        # the body): an incomplete request, not a fault here. Nobody reads the answer; logs and
        # metrics do, and must not count it as a server error.
        return render(Problem(title="Bad Request", status=400, detail="the body ended too soon"))
    log.error("unhandled error", operation=_route_name(request), exc_info=exc)
    return render(Problem(title="Internal Server Error", status=500, detail="the error was logged"))


def _from_http(exc: web.HTTPException) -> Problem:
    detail: Any = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else None
    if exc.status == 413:
        detail = "the request body is larger than this server accepts"
    return Problem(title=exc.reason, status=exc.status, detail=detail)


def _route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"
