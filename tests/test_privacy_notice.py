"""The privacy notice, and what keeps it true: no public request sets a cookie, and no column that
could hold a visitor's data enters the schema without someone saying why it holds none."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from tests import stored
from tests.conftest import SITE, Backend, BackendFactory, prompt_body

# Every column of the schema, with why it holds nothing about a visitor. A new column fails
# `test_no_column_can_hold_a_visitors_data` until it is listed here with its reason.
NOT_VISITORS: Final[dict[str, str]] = {
    "meta.name": "settings of the instance (the iBeacon UUID)",
    "meta.value": "settings of the instance",
    "changes.id": "the one row of the change counter",
    "changes.count": "how often staff changed sites, beacons, prompts or agents (tells other processes to re-read)",
    "orgs.id": "an organisation",
    "orgs.name": "an organisation's name, typed by its operator",
    "orgs.key_hash": "the hash of the organisation's admin key",
    "orgs.created_at": "when the organisation was created",
    "orgs.link_domains": "the domains the operator allows the organisation's links to go to",
    "sites.id": "a site",
    "sites.org_id": "the site's organisation",
    "sites.name": "typed by staff",
    "sites.kind": "chosen by staff",
    "sites.lat": "the site's position, not a visitor's",
    "sites.lon": "the site's position, not a visitor's",
    "sites.address": "the site's address",
    "sites.timezone": "the site's time zone",
    "sites.default_lang": "the site's language",
    "sites.ibeacon_major": "allocated to the site's beacons",
    "sites.created_at": "when staff created the site",
    "sites.slug": "the site's public address",
    "sites.privacy_controller": "the organisation answering for the data",
    "sites.privacy_email": "the organisation's contact address",
    "sites.privacy_address": "the organisation's postal address",
    "sites.privacy_dpo": "the organisation's data protection officer",
    "sites.opening_hours": "the site's opening hours, typed by staff",
    "sites.position": "the site's position as a PostGIS point (PostgreSQL), not a visitor's",
    "schema_migrations.version": "which schema migrations ran (PostgreSQL)",
    "schema_migrations.applied_at": "when a schema migration ran (PostgreSQL)",
    "site_index.id": "the R*Tree of site positions",
    "site_index.min_lat": "a site's position",
    "site_index.max_lat": "a site's position",
    "site_index.min_lon": "a site's position",
    "site_index.max_lon": "a site's position",
    "beacons.id": "a registered beacon, not a phone",
    "beacons.site_id": "its site",
    "beacons.kind": "its kind",
    "beacons.key": "its identity as registered by staff",
    "beacons.retired_key": "the key of a decommissioned beacon",
    "beacons.label": "typed by staff",
    "beacons.tx_power": "the beacon's power",
    "beacons.status": "active, inactive, decommissioned",
    "beacons.identity": "the registered identity fields",
    "beacons.identity_key": "an EID beacon's key, registered by staff",
    "beacons.rotation_exponent": "an EID beacon's rotation",
    "beacons.initial_time": "an EID beacon's clock",
    "beacons.registered_at": "when staff registered it",
    "beacons.last_seen": "when an agent last heard the beacon (agents forward registered beacons only)",
    "beacons.battery_mv": "the beacon's battery",
    "prompts.id": "a prompt",
    "prompts.site_id": "its site",
    "prompts.body": "typed by staff",
    "prompts.updated_at": "when staff changed it",
    "agents.id": "a site's agent",
    "agents.site_id": "its site",
    "agents.name": "typed by staff",
    "agents.token_hash": "the hash of the agent's token",
    "agents.advertise_beacon_id": "what the agent advertises",
    "agents.revoked": "whether its token is withdrawn",
    "agents.last_heartbeat": "when the agent last reported",
    "agents.heartbeat": "the agent's own state (version, outbox, scanner)",
    "sighting_batches.batch_id": "an agent's batch",
    "sighting_batches.agent_id": "the agent",
    "sighting_batches.received_at": "when it arrived",
    "sighting_batches.accepted": "how many sightings it held",
    "distance_models.site_id": "a site",
    "distance_models.path_loss_exponent": "the site's distance model, typed by its staff",
    "distance_models.fitted_exponent": "the site's distance model, fitted from its own agents' windows",
    "agent_distances.agent_id": "an agent",
    "agent_distances.beacon_id": "a beacon",
    "agent_distances.distance_m": "how far the agent is from the beacon, typed by staff",
    "beacon_fits.beacon_id": "a beacon",
    "beacon_fits.tx_power": "the beacon's 1 m power, fitted from the site's own agents",
    "admin_keys.id": "an organisation's API key for its own automation (hashed), not a visitor's",
    "admin_keys.org_id": "an organisation's API key for its own automation (hashed), not a visitor's",
    "admin_keys.name": "an organisation's API key for its own automation (hashed), not a visitor's",
    "admin_keys.prefix": "an organisation's API key for its own automation (hashed), not a visitor's",
    "admin_keys.key_hash": "an organisation's API key for its own automation (hashed), not a visitor's",
    "admin_keys.created_at": "an organisation's API key for its own automation (hashed), not a visitor's",
    "admin_keys.last_used_at": "an organisation's API key for its own automation (hashed), not a visitor's",
    "admin_keys.revoked_at": "an organisation's API key for its own automation (hashed), not a visitor's",
    "people.id": "a member of a site's staff, who signed up to run it; never a passer-by",
    "people.email": "a member of a site's staff, who signed up to run it; never a passer-by",
    "people.password_hash": "a member of a site's staff, who signed up to run it; never a passer-by",
    "people.created_at": "a member of a site's staff, who signed up to run it; never a passer-by",
    "memberships.person_id": "which staff member belongs to which organisation, with their role",
    "memberships.org_id": "which staff member belongs to which organisation, with their role",
    "memberships.role": "which staff member belongs to which organisation, with their role",
    "memberships.created_at": "which staff member belongs to which organisation, with their role",
    "sessions.id_hash": "a staff member's signed-in session on the staff pages (public pages set no cookie)",
    "sessions.person_id": "a staff member's signed-in session on the staff pages (public pages set no cookie)",
    "sessions.org_id": "a staff member's signed-in session on the staff pages (public pages set no cookie)",
    "sessions.csrf": "a staff member's signed-in session on the staff pages (public pages set no cookie)",
    "sessions.created_at": "a staff member's signed-in session on the staff pages (public pages set no cookie)",
    "sessions.last_seen": "a staff member's signed-in session on the staff pages (public pages set no cookie)",
    "sessions.expires_at": "a staff member's signed-in session on the staff pages (public pages set no cookie)",
    "links.token_hash": "a one-time setup, invitation or reset link sent to a staff member (hashed)",
    "links.kind": "a one-time setup, invitation or reset link sent to a staff member (hashed)",
    "links.person_id": "a one-time setup, invitation or reset link sent to a staff member (hashed)",
    "links.org_id": "a one-time setup, invitation or reset link sent to a staff member (hashed)",
    "links.role": "a one-time setup, invitation or reset link sent to a staff member (hashed)",
    "links.created_at": "a one-time setup, invitation or reset link sent to a staff member (hashed)",
    "links.expires_at": "a one-time setup, invitation or reset link sent to a staff member (hashed)",
    "links.used_at": "a one-time setup, invitation or reset link sent to a staff member (hashed)",
    "sightings.id": "a sighting of a registered beacon (foreign ones are only counted)",
    "sightings.agent_id": "the agent that heard it",
    "sightings.site_id": "its site",
    "sightings.beacon_id": "the registered beacon",
    "sightings.beacon_key": "the registered beacon's key",
    "sightings.first_seen": "when the beacon was heard",
    "sightings.last_seen": "when the beacon was heard",
    "sightings.count": "how often",
    "sightings.rssi_max": "the beacon's signal",
    "sightings.rssi_mean": "the beacon's signal",
    "sightings.tx_power": "the beacon's power",
    "sightings.telemetry": "the beacon's battery and temperature",
    "sightings_hourly.site_id": "roll-up of beacon sightings",
    "sightings_hourly.beacon_id": "roll-up of beacon sightings",
    "sightings_hourly.hour": "roll-up of beacon sightings",
    "sightings_hourly.sightings": "roll-up of beacon sightings",
    "sightings_hourly.advertisements": "roll-up of beacon sightings",
    "prompt_events_hourly.prompt_id": "hourly counts without identifiers",
    "prompt_events_hourly.hour": "hourly counts without identifiers",
    "prompt_events_hourly.type": "hourly counts without identifiers",
    "prompt_events_hourly.count": "hourly counts without identifiers",
    "alert_settings.site_id": "whom staff want told about their site's health",
    "alert_settings.contacts": "staff members' e-mail addresses, typed by staff, for alerts",
    "alert_settings.webhook_url": "the organisation's own receiver for alerts",
    "alert_settings.webhook_secret": "the secret that signs alerts to that receiver",
    "alert_episodes.site_id": "a problem with a site's beacons or agents (backend/alerts)",
    "alert_episodes.condition": "a problem with a site's beacons or agents (backend/alerts)",
    "alert_episodes.name": "the beacon's or agent's name, typed by staff",
    "alert_episodes.opened_at": "a problem with a site's beacons or agents (backend/alerts)",
    "alert_episodes.good_since": "a problem with a site's beacons or agents (backend/alerts)",
    "alert_deliveries.id": "an alert sent to staff",
    "alert_deliveries.site_id": "an alert sent to staff",
    "alert_deliveries.channel": "an alert sent to staff",
    "alert_deliveries.target": "a staff member's e-mail address or the organisation's webhook",
    "alert_deliveries.subject": "an alert's text about beacons and agents",
    "alert_deliveries.body": "an alert's text about beacons and agents",
    "alert_deliveries.created_at": "an alert sent to staff",
    "alert_deliveries.attempts": "an alert sent to staff",
    "alert_deliveries.next_try_at": "an alert sent to staff",
    "alert_deliveries.done_at": "an alert sent to staff",
    "alert_deliveries.given_up_at": "an alert sent to staff",
    "alert_deliveries.last_error": "why sending an alert failed (no secrets)",
}


async def test_no_column_can_hold_a_visitors_data(backend: Backend) -> None:
    columns = set(_stored_columns(backend.settings.db))
    unexplained = sorted(columns - NOT_VISITORS.keys())
    assert not unexplained, (
        f"new columns {unexplained}: say in NOT_VISITORS why each holds no visitor's data, "
        "and if one does, change the privacy notice (backend/web/privacy.py) first"
    )


def _stored_columns(db: Path | str) -> list[str]:
    """Every column of every table the backend made, as ``table.column``, on either store."""
    if not isinstance(db, Path):
        # PostGIS's own table (coordinate systems) and view are the extension's, not ours.
        return [
            f"{table}.{column}"
            for table, column in stored.rows(
                db,
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name NOT IN ('spatial_ref_sys', 'geography_columns', 'geometry_columns')",
            )
        ]
    tables = [
        name
        for (name,) in stored.rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if not name.startswith(("sqlite_", "site_index_"))  # SQLite's own, the R*Tree's shadow tables
    ]
    return [
        f"{table}.{row[1]}" for table in tables for row in stored.rows(db, f"PRAGMA table_info('{table}')")
    ]


async def _public_requests(backend: Backend) -> list[tuple[str, str, Any]]:
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    prompt = await backend.json("POST", f"/v1/admin/sites/{site['id']}/prompts", 201, json=prompt_body())
    beacon = await backend.json(
        "POST", f"/v1/admin/sites/{site['id']}/beacons", 201, json={"kind": "ibeacon", "allocate": True}
    )
    slug = f"/s/{site['slug']}"
    return [
        ("GET", "/", None),
        ("GET", slug, None),
        ("GET", slug + "?lang=en", None),
        ("GET", f"{slug}/go/{prompt['id']}", None),
        ("GET", f"{slug}/poster.svg", None),
        ("GET", f"{slug}/poster.pdf", None),
        ("GET", f"{slug}/privacy", None),
        ("GET", "/app/", None),
        ("GET", "/app/manifest.webmanifest", None),
        ("POST", "/v1/resolve", {"observations": [{"beacon": beacon["key"], "rssi": -60}]}),
        ("GET", "/v1/nearby?lat=52.52&lon=13.405", None),
        ("GET", f"/v1/sites/{site['id']}", None),
        ("GET", "/v1/regions", None),
        ("POST", f"/v1/prompts/{prompt['id']}/events", {"type": "shown"}),
        ("GET", "/s/nobody-here", None),
    ]


async def test_no_public_request_sets_a_cookie(backend: Backend) -> None:
    for method, path, body in await _public_requests(backend):
        async with backend.client.request(method, path, json=body, allow_redirects=False) as response:
            assert response.status < 500, (method, path, response.status)
            assert "Set-Cookie" not in response.headers, (method, path)
    assert not backend.client.session.cookie_jar.filter_cookies(backend.client.make_url("/"))


async def test_the_notice_names_the_controller_in_german_and_english(make_backend: BackendFactory) -> None:
    backend = await make_backend()
    contact = {
        "privacy_controller": "Hospiz am Park gGmbH",
        "privacy_email": "datenschutz@hospiz.example",
        "privacy_address": "Parkweg 1, 10115 Berlin",
    }
    site = await backend.json("POST", "/v1/admin/sites", 201, json={**SITE, **contact})
    async with backend.client.get(f"/s/{site['slug']}/privacy") as response:
        german = await response.text()
        assert response.headers["Content-Language"] == "de" and "Set-Cookie" not in response.headers
    for fact in (
        *contact.values(),
        "Art. 13 DSGVO",
        "keine Datenschutzbeauftragte",
        "Prüfwert",
        "nicht gespeichert",
    ):
        assert fact in german, fact
    for heading in (
        "Verantwortlich",
        "Zweck und Rechtsgrundlage",
        "Empfänger",
        "Speicherdauer",
        "Ihre Rechte",
    ):
        assert heading in german, heading
    assert "Automatisierte Entscheidungen" in german

    await backend.json(
        "PATCH", f"/v1/admin/sites/{site['id']}", 200, json={"privacy_dpo": "Dr. Datenschutz, dsb@x.example"}
    )
    async with backend.client.get(f"/s/{site['slug']}/privacy?lang=en") as response:
        english = await response.text()
    assert "Privacy notice" in english and "Dr. Datenschutz, dsb@x.example" in english
    assert "Art. 13 GDPR" in english and "no automated decision-making" in english


async def test_a_bad_contact_email_is_refused(backend: Backend) -> None:
    refused = await backend.json("POST", "/v1/admin/sites", 422, json={**SITE, "privacy_email": "nobody"})
    assert refused["errors"][0]["loc"] == ["privacy_email"]
