"""The embedded default store: one SQLite file in WAL mode, through aiosqlite and, on the hot path, sqlite3.

`SqliteStorage` is `SqliteBase` (connections, transactions, migrations: `connection.py`) with one
mixin per job:

- `admin.py`: what site staff change (sites, beacons, prompts, agents), with the R*Tree of sites;
- `keys.py`: organisations and their admin keys;
- `people.py`: people, memberships, sessions and one-time links;
- `reads.py`: the public API's and the agents' reads (beacons by key, sites and prompts, nearby);
- `ingest.py`: sighting batches, heartbeats, prompt events, the purge;
- `stats.py`: a site's health and hourly counts;
- `distance.py`: the distance model staff typed, its agents' windows and the fit;
- `backend.storage.alerts`: alert contacts and webhooks, open episodes and messages still to deliver;
- `changes.py`: the counter that tells other processes their caches are stale.

`admin.py` and `keys.py` hold only what SQLite says its own way; the rules, and the statements both
stores share, are in `backend.storage` (`admin.py`, `keys.py`, `alerts.py`, run through
`statements.py`). `schema.py` holds the migrations; `backend.storage.columns` and `records` read
rows by column name. Open it through `backend.storage.open_storage`, not directly.
"""

from __future__ import annotations

from backend.storage.alerts import Alerts
from backend.storage.sqlite.admin import AdminWrites
from backend.storage.sqlite.changes import Changes
from backend.storage.sqlite.distance import DistanceModels
from backend.storage.sqlite.ingest import Ingest
from backend.storage.sqlite.keys import AdminKeys
from backend.storage.sqlite.people import People
from backend.storage.sqlite.reads import PublicReads
from backend.storage.sqlite.stats import Stats

__all__ = ["SqliteStorage"]


class SqliteStorage(
    AdminWrites, AdminKeys, People, PublicReads, Ingest, Stats, DistanceModels, Alerts, Changes
):
    """`backend.storage.Storage` on one SQLite file (see the mixins for each job)."""
