"""The primary with a streaming replica (`--read-db`): the public reads from the replica, the rest from
the primary.

`READS` are what resolve, nearby, /v1/sites/{id}, /v1/regions and the public site pages read through
the catalog; they go to the replica. Everything else (every write, the admin API, the staff pages,
sign-in, the agents' calls, events, the change feed) goes to the primary, so a page that changed
something shows it at once and a credential revoked there fails at once.

A replica that is down, unreachable or refusing costs no answer: the read that found it so is asked
of the primary, and so are all public reads until the replica has answered again and replayed the
primary's log; it is tried again after a backoff (0.5 s, doubling to 5 s), not on every request.
This is logged once when it goes and once when it is back; `/healthz` names its state.

Freshness, decided so: the caches empty when the primary's change feed says something changed
(`backend.storage.postgres.changes`), but the replica replays that change a moment later, and a read
from it in between would put the old answer back into a cache until the TTL. So after each change
heard (this process's own too) the public reads go to the primary until the replica has replayed
the primary's log up to its position taken after the notification (`pg_last_wal_replay_lsn() >=`
that `pg_current_wal_lsn()`), and then the caches are emptied once more (`change_count` moves): that
drops what was read from the replica between this process's own commit and its notification
arriving. A published prompt is thus served at once (from the primary) and from the replica once
replicated. The cost: the public reads that miss the caches go to the primary for the replica's lag
after each change; if changes come faster than the replica replays, all of them do — a replica that
falls behind moves load to the primary and never serves an old answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

import structlog

from backend.errors import Unavailable
from backend.storage.open import CannotOpenDatabase

if TYPE_CHECKING:
    from backend.storage.postgres import PostgresStorage
    from backend.storage.postgres.standby import Standby

log = structlog.get_logger(__name__)

# The storage methods the replica answers; every other one is the primary's.
READS: Final = frozenset(
    {
        "beacon_with_site",  # resolve: a beacon, its site and prompts
        "eid_beacons",  # resolve: the rotating EID beacons' keys
        "site_material",  # the cards of resolve, nearby and /v1/sites/{id}
        "sites_near",  # nearby
        "regions",  # /v1/regions, the app's scan filters
        "site_by_slug",  # /s/{slug}/… (poster, privacy notice)
        "site_material_by_slug",  # /s/{slug}
    }
)
RETRY_FIRST_S: Final = 0.5
RETRY_MAX_S: Final = 5.0
# How often the replica is asked whether it has replayed a change: soon at first (its lag is
# usually milliseconds), then less often while it is far behind.
REPLAY_POLL_FIRST_S: Final = 0.002
REPLAY_POLL_MAX_S: Final = 0.1
# How long to wait before asking the primary again for its log position when it did not answer.
PRIMARY_AWAY_S: Final = 1.0


class ReplicaState(StrEnum):
    UP = "up"  # reads go to the replica
    BEHIND = "behind"  # a change is not replayed yet: reads go to the primary
    DOWN = "down"  # it failed: reads go to the primary until it answers again


def retry_after_s(failures: int) -> float:
    """The wait before trying a replica again after it failed `failures` times in a row (≥ 1)."""
    return min(RETRY_MAX_S, RETRY_FIRST_S * 2.0 ** (failures - 1))


@dataclass(slots=True)
class Route:
    """Where the public reads go. Pure: time is passed in."""

    state: ReplicaState = ReplicaState.BEHIND  # until it has replayed what the primary had at start
    changes: int = 0  # changes heard on the primary
    failures: int = 0
    retry_at: float = 0.0

    def reads_replica(self) -> bool:
        return self.state is ReplicaState.UP

    def heard(self) -> None:
        """The primary notified a change: the replica is behind until it has replayed it."""
        self.changes += 1
        if self.state is ReplicaState.UP:
            self.state = ReplicaState.BEHIND

    def failed(self, now: float) -> bool:
        """The replica failed: tried again after a backoff; whether it was up or behind before (news)."""
        news = self.state is not ReplicaState.DOWN
        self.state = ReplicaState.DOWN
        self.failures += 1
        self.retry_at = now + retry_after_s(self.failures)
        return news

    def caught_up(self, changes: int) -> bool:
        """The replica has replayed the primary's log as it was after `changes` were heard; whether it
        now serves the reads (not if another change was heard meanwhile)."""
        if changes != self.changes:
            return False
        self.state = ReplicaState.UP
        self.failures = 0
        return True


class ReplicaStorage:
    """`backend.storage.Storage`: the primary's, with `READS` answered by its streaming replica while
    the replica is up and has replayed every change heard."""

    def __init__(
        self, primary: PostgresStorage, replica: Standby, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.clock = clock
        self.route = Route()
        self._notified = 0  # the primary's `notified_count` when last looked at
        self._catch_ups = 0
        self._wake = asyncio.Event()
        self._following: asyncio.Task[None] | None = None
        for name in READS:
            setattr(self, name, self._routed(name))

    def __getattr__(self, name: str) -> Any:
        """Every method but `READS` and those below is the primary's."""
        return getattr(self.primary, name)

    async def open(self) -> None:
        await self.primary.open()
        await self.replica.open()
        self._notified = self.primary.notified_count()
        try:
            standby = await self.replica.in_recovery()
        except Unavailable as exc:
            self._failed(exc)
        except Exception as exc:  # a wrong password or database name: a setting to fix, not an outage
            raise CannotOpenDatabase(f"cannot open read_db {self.replica.where}: {_line(exc)}") from exc
        else:
            if not standby:
                raise CannotOpenDatabase(
                    f"read_db {self.replica.where} is not a streaming replica (pg_is_in_recovery() is false); "
                    "name a standby of db (see the README), or leave read_db empty"
                )
        self._following = asyncio.create_task(self._follow())
        self._wake.set()

    async def close(self) -> None:
        if self._following is not None:
            task, self._following = self._following, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.replica.close()
        await self.primary.close()

    async def ping(self) -> None:
        """The primary's: with it, every request can be answered, the replica only makes reads cheaper."""
        await self.primary.ping()

    def health(self) -> dict[str, str]:
        """What /healthz says of the replica: its name (never the password) and state."""
        return {"database": self.replica.where, "state": self.route.state}

    def change_count(self) -> int:
        """The primary's, and one more each time the replica has caught up with the changes heard."""
        self._notice()
        return self.primary.change_count() + self._catch_ups

    def _notice(self) -> None:
        """Mark the replica behind if the primary notified a change since the last look."""
        notified = self.primary.notified_count()
        if notified != self._notified:
            self._notified = notified
            self.route.heard()
            self._wake.set()

    def _routed(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def read(*args: Any, **kwargs: Any) -> Any:
            self._notice()
            if self.route.reads_replica():
                try:
                    return await getattr(self.replica, name)(*args, **kwargs)
                except Exception as exc:  # whatever the replica did, the primary can answer
                    self._failed(exc)
            return await getattr(self.primary, name)(*args, **kwargs)

        read.__name__ = name
        return read

    def _failed(self, exc: Exception) -> None:
        if self.route.failed(self.clock()):
            log.warning(
                "read replica unavailable; public reads go to the primary",
                database=self.replica.where,
                error=_line(exc),
                retry_in_s=retry_after_s(self.route.failures),
            )
        self._wake.set()

    async def _follow(self) -> None:
        """Bring the replica (back) into use whenever it is behind or down; runs until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self.route.state is ReplicaState.DOWN:
                await asyncio.sleep(max(0.0, self.route.retry_at - self.clock()))
            changes, was_down = self.route.changes, self.route.state is ReplicaState.DOWN
            try:
                position = await self.primary.wal_position()
            except Exception:  # the primary is away: its own requests answer 503 meanwhile
                await asyncio.sleep(PRIMARY_AWAY_S)
                self._wake.set()
                continue
            try:
                await self._replay(position)
            except Exception as exc:
                self._failed(exc)
                continue
            if self.route.caught_up(changes):
                self._catch_ups += 1
                if was_down:
                    log.info("read replica back; public reads go to it again", database=self.replica.where)

    async def _replay(self, position: str) -> None:
        """Return once the replica has replayed the primary's log up to `position`."""
        wait = REPLAY_POLL_FIRST_S
        while not await self.replica.replayed(position):
            await asyncio.sleep(wait)
            wait = min(REPLAY_POLL_MAX_S, wait * 2)


def _line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
