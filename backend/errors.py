"""Domain errors. The HTTP layer turns each into a problem-details answer in one place."""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    status = 400
    title = "Bad request"
    kind = "value_error"  # the `type` of the field error an HTTP answer lists

    def __init__(self, detail: str, *, field: tuple[str | int, ...] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field

    @property
    def fields(self) -> list[tuple[str | int, ...]]:
        """Every field the error is about (an answer lists each); most errors have one or none."""
        return [self.field] if self.field else []


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class AlreadyRegistered(Conflict):
    """Beacons of a list (by their index in it) whose key another beacon has: none of the list is stored."""

    def __init__(self, indexes: Sequence[int], keys: Sequence[str | None]) -> None:
        self.indexes = list(indexes)
        if len(self.indexes) == 1:
            key = keys[0]
            what = f"key {key}" if key is not None else "this identity key"
            detail = f"a beacon with {what} is already registered"
        else:
            detail = f"{len(self.indexes)} of these beacons are already registered (or listed twice)"
        super().__init__(detail)

    @property
    def fields(self) -> list[tuple[str | int, ...]]:
        return [("beacons", i) for i in self.indexes]


class Exhausted(DomainError):
    """A pool the service allocates from (iBeacon majors or minors) has run out."""

    status = 409
    title = "No identities left"


class Unavailable(DomainError):
    """A part the service needs (its database) cannot be reached now; the client should retry."""

    status = 503
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class LinkRefused(DomainError):
    """An action link outside the domains the instance's operator allows the organisation."""

    status = 422
    title = "Invalid request"
    kind = "link_domain"
