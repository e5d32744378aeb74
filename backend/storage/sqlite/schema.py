"""The SQLite schema as numbered migrations, applied in order at start.

Times are stored as Unix seconds (REAL) in UTC; hours as the Unix second their hour starts. Secrets
(admin keys, agent tokens) are stored only as SHA-256 hashes; EID identity keys are stored because
the resolver needs them, and never leave the admin API.
"""

from __future__ import annotations

from typing import Final

# What the read caches (`backend.catalog`) are built from: per table, the columns whose update
# matters ("" for all), and when an insert matters ("" for always). Left out: the columns an agent's
# batch or heartbeat writes (a beacon's last_seen and battery, an agent's last heartbeat), which
# change every few seconds and would empty every process's cache as often, and a site's distance
# fit, stored after batches too (its first fit inserts the site's row with no typed exponent).
CACHED: Final[dict[str, tuple[str, str]]] = {
    "sites": ("", ""),
    "prompts": ("", ""),
    "beacons": (
        "site_id, kind, key, retired_key, label, tx_power, status, identity, identity_key,"
        " rotation_exponent, initial_time",
        "",
    ),
    "agents": ("site_id, name, token_hash, advertise_beacon_id, revoked", ""),
    "distance_models": ("path_loss_exponent", "NEW.path_loss_exponent IS NOT NULL"),
}


def _counted(table: str, columns: str, inserted_if: str) -> str:
    bump = "BEGIN UPDATE changes SET count = count + 1; END"
    events = (
        ("insert", f"INSERT ON {table} WHEN {inserted_if}" if inserted_if else f"INSERT ON {table}"),
        ("update", f"UPDATE OF {columns} ON {table}" if columns else f"UPDATE ON {table}"),
        ("delete", f"DELETE ON {table}"),
    )
    return "\n".join(f"CREATE TRIGGER {table}_{name}_counted AFTER {event} {bump};" for name, event in events)


CHANGES_MIGRATION: Final = (
    "CREATE TABLE changes (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL);\n"
    "INSERT INTO changes (id, count) VALUES (1, 0);\n"
    + "\n".join(_counted(table, *which) for table, which in CACHED.items())
)

MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: the first schema
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE orgs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash BLOB NOT NULL UNIQUE,
        created_at REAL NOT NULL
    );
    CREATE TABLE sites (
        id INTEGER PRIMARY KEY,
        org_id INTEGER NOT NULL REFERENCES orgs(id),
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        address TEXT NOT NULL,
        timezone TEXT NOT NULL,
        default_lang TEXT NOT NULL,
        ibeacon_major INTEGER UNIQUE,
        created_at REAL NOT NULL
    );
    CREATE INDEX sites_org ON sites(org_id);
    CREATE VIRTUAL TABLE site_index USING rtree(id, min_lat, max_lat, min_lon, max_lon);
    CREATE TABLE beacons (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        key TEXT UNIQUE,
        retired_key TEXT,
        label TEXT NOT NULL,
        tx_power INTEGER NOT NULL,
        status TEXT NOT NULL,
        identity TEXT NOT NULL,
        identity_key BLOB,
        rotation_exponent INTEGER,
        initial_time INTEGER,
        registered_at REAL NOT NULL,
        last_seen REAL,
        battery_mv INTEGER
    );
    CREATE INDEX beacons_site ON beacons(site_id);
    CREATE TABLE prompts (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        body TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX prompts_site ON prompts(site_id);
    CREATE TABLE agents (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash BLOB NOT NULL UNIQUE,
        advertise_beacon_id INTEGER REFERENCES beacons(id) ON DELETE SET NULL,
        revoked INTEGER NOT NULL DEFAULT 0,
        last_heartbeat REAL,
        heartbeat TEXT
    );
    CREATE INDEX agents_site ON agents(site_id);
    CREATE TABLE sighting_batches (
        batch_id TEXT PRIMARY KEY,
        agent_id INTEGER NOT NULL,
        received_at REAL NOT NULL,
        accepted INTEGER NOT NULL
    );
    CREATE TABLE sightings (
        id INTEGER PRIMARY KEY,
        agent_id INTEGER NOT NULL,
        site_id INTEGER NOT NULL,
        beacon_id INTEGER NOT NULL,
        beacon_key TEXT NOT NULL,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        count INTEGER NOT NULL,
        rssi_max INTEGER NOT NULL,
        rssi_mean REAL NOT NULL,
        tx_power INTEGER,
        telemetry TEXT
    );
    CREATE INDEX sightings_beacon_time ON sightings(beacon_id, last_seen);
    CREATE INDEX sightings_time ON sightings(last_seen);
    CREATE TABLE sightings_hourly (
        site_id INTEGER NOT NULL,
        beacon_id INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        sightings INTEGER NOT NULL,
        advertisements INTEGER NOT NULL,
        PRIMARY KEY (site_id, beacon_id, hour)
    ) WITHOUT ROWID;
    CREATE TABLE prompt_events_hourly (
        prompt_id INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        type TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (prompt_id, hour, type)
    ) WITHOUT ROWID;
    """,
    # 2: EID identity keys unique across all organisations. A key registered twice before this rule
    # made the later beacon take the earlier one over in resolve and ingest; the earliest keeps it and
    # later duplicates are decommissioned (their key removed), as the admin API would have refused them.
    """
    UPDATE beacons SET status = 'decommissioned', identity_key = NULL
        WHERE identity_key IS NOT NULL
        AND EXISTS (SELECT 1 FROM beacons o WHERE o.identity_key = beacons.identity_key AND o.id < beacons.id);
    CREATE UNIQUE INDEX beacons_identity_key ON beacons(identity_key);
    """,
    # 3: batch ids unique per agent, not globally: another agent's batch id must not make a batch a
    # duplicate (its sightings were dropped, and its outbox deleted them).
    """
    CREATE TABLE sighting_batches_per_agent (
        agent_id INTEGER NOT NULL,
        batch_id TEXT NOT NULL,
        received_at REAL NOT NULL,
        accepted INTEGER NOT NULL,
        PRIMARY KEY (agent_id, batch_id)
    ) WITHOUT ROWID;
    INSERT INTO sighting_batches_per_agent (agent_id, batch_id, received_at, accepted)
        SELECT agent_id, batch_id, received_at, accepted FROM sighting_batches;
    DROP TABLE sighting_batches;
    ALTER TABLE sighting_batches_per_agent RENAME TO sighting_batches;
    """,
    # 4: per-site distance model: the exponent staff typed, agent-to-beacon distances they typed,
    # and the fit from the agents' windows (the windows themselves are the raw sightings, kept
    # `retention_days`)
    """
    CREATE TABLE distance_models (
        site_id INTEGER PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
        path_loss_exponent REAL,
        fitted_exponent REAL
    );
    CREATE TABLE agent_distances (
        agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        beacon_id INTEGER NOT NULL REFERENCES beacons(id) ON DELETE CASCADE,
        distance_m REAL NOT NULL,
        PRIMARY KEY (agent_id, beacon_id)
    ) WITHOUT ROWID;
    CREATE INDEX agent_distances_beacon ON agent_distances(beacon_id);
    CREATE TABLE beacon_fits (
        beacon_id INTEGER PRIMARY KEY REFERENCES beacons(id) ON DELETE CASCADE,
        tx_power REAL NOT NULL
    );
    """,
    # 5: site slugs (existing sites get site-<id>, staff may rename) and the privacy notice's contact
    """
    ALTER TABLE sites ADD COLUMN slug TEXT;
    UPDATE sites SET slug = 'site-' || id;
    CREATE UNIQUE INDEX sites_slug ON sites(slug);
    ALTER TABLE sites ADD COLUMN privacy_controller TEXT NOT NULL DEFAULT '';
    ALTER TABLE sites ADD COLUMN privacy_email TEXT NOT NULL DEFAULT '';
    ALTER TABLE sites ADD COLUMN privacy_address TEXT NOT NULL DEFAULT '';
    ALTER TABLE sites ADD COLUMN privacy_dpo TEXT NOT NULL DEFAULT '';
    """,
    # 6: the domains an organisation's action links may go to, comma-separated ('' = any)
    """
    ALTER TABLE orgs ADD COLUMN link_domains TEXT NOT NULL DEFAULT '';
    """,
    # 7: accounts for people (people, memberships, sessions, one-time links) and several named admin keys
    # per organisation. orgs.key_hash is no longer read: SQLite cannot drop a UNIQUE column, and
    # rebuilding orgs needs foreign keys off, outside a migration's transaction; so the old column
    # keeps a random placeholder and admin_keys is the only place a key is looked up.
    """
    CREATE TABLE admin_keys (
        id INTEGER PRIMARY KEY,
        org_id INTEGER NOT NULL REFERENCES orgs(id),
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        key_hash BLOB NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        last_used_at REAL,
        revoked_at REAL
    );
    CREATE INDEX admin_keys_org ON admin_keys(org_id);
    INSERT INTO admin_keys (org_id, name, prefix, key_hash, created_at)
        SELECT id, 'admin key', '', key_hash, created_at FROM orgs;
    UPDATE orgs SET key_hash = randomblob(32);
    CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT,
        created_at REAL NOT NULL
    );
    CREATE TABLE memberships (
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        org_id INTEGER NOT NULL REFERENCES orgs(id),
        role TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (person_id, org_id)
    );
    CREATE INDEX memberships_org ON memberships(org_id);
    CREATE TABLE sessions (
        id_hash BLOB PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        org_id INTEGER NOT NULL REFERENCES orgs(id),
        csrf TEXT NOT NULL,
        created_at REAL NOT NULL,
        last_seen REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE INDEX sessions_person ON sessions(person_id);
    CREATE TABLE links (
        token_hash BLOB PRIMARY KEY,
        kind TEXT NOT NULL,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        org_id INTEGER REFERENCES orgs(id),
        role TEXT,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        used_at REAL
    );
    """,
    # 8: alerts to people: a site's alert contacts and webhook, its open episodes, and the messages
    # still to deliver (kept after delivery as a record of what was sent)
    """
    CREATE TABLE alert_settings (
        site_id INTEGER PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
        contacts TEXT NOT NULL DEFAULT '',
        webhook_url TEXT NOT NULL DEFAULT '',
        webhook_secret TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE alert_episodes (
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        condition TEXT NOT NULL,
        name TEXT NOT NULL,
        opened_at REAL NOT NULL,
        good_since REAL,
        PRIMARY KEY (site_id, condition)
    ) WITHOUT ROWID;
    CREATE TABLE alert_deliveries (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        target TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at REAL NOT NULL,
        done_at REAL,
        given_up_at REAL,
        last_error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX alert_deliveries_due ON alert_deliveries(next_try_at)
        WHERE done_at IS NULL AND given_up_at IS NULL;
    """,
    # 9: a counter of changes to what the read caches hold, bumped by triggers in the changing
    # transaction itself (see `backend.storage.sqlite.changes`)
    CHANGES_MIGRATION,
    # 10: a site's opening hours, a line staff type for its public page
    """
    ALTER TABLE sites ADD COLUMN opening_hours TEXT NOT NULL DEFAULT '';
    """,
)

SCHEMA_VERSION: Final = len(MIGRATIONS)
