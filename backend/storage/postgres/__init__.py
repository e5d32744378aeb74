"""The store for several backend processes: PostgreSQL with PostGIS, through an asyncpg pool.

`PostgresStorage` is `PostgresBase` (pool, transactions, migrations under an advisory lock, the 503
when the database is down: `connection.py`) with one mixin per job, as the SQLite store has:
`admin.py` and `keys.py` (only what PostgreSQL says its own way: the rules and statements both stores
share are `backend.storage.admin`, `keys` and `alerts`, run through `statements.py`), `people.py`,
`reads.py` (nearby through PostGIS), `ingest.py` (exactly once per agent batch, by COPY),
`stats.py`, `distance.py`, and `changes.py` (a LISTEN connection that tells this process its caches
are stale). The column lists and row conversions are
shared (`backend.storage.records`), so both stores answer with the same models. Open it
through `backend.storage.open_storage` with a ``postgresql://`` URL.
"""

from __future__ import annotations

from backend.storage.alerts import Alerts
from backend.storage.postgres.admin import AdminWrites
from backend.storage.postgres.changes import Changes
from backend.storage.postgres.distance import DistanceModels
from backend.storage.postgres.ingest import Ingest
from backend.storage.postgres.keys import AdminKeys
from backend.storage.postgres.people import People
from backend.storage.postgres.reads import PublicReads
from backend.storage.postgres.stats import Stats

__all__ = ["PostgresStorage"]


class PostgresStorage(
    AdminWrites, AdminKeys, People, PublicReads, Ingest, Stats, DistanceModels, Alerts, Changes
):
    """`backend.storage.Storage` on a PostgreSQL database with PostGIS (see the mixins for each job)."""
