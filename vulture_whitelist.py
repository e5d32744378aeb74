"""Names vulture (run by `make lint`) reports as unused that are used where it cannot look; each says by whom.

Vulture reads backend, beacon_agent, simulator and benchmarks at `min_confidence = 60`, its default and
the only level at which it reports unused functions, methods, classes, attributes and variables: above
60 it would report just unreachable code, unused arguments and unused imports (ruff's job already), and
find none of the dead code it is here for. What whole families use by name is not listed here but set
in `[tool.vulture]` in pyproject.toml: pydantic validators and `model_config`, D-Bus methods and
properties (BlueZ and bleak call them by name) and `atexit` hooks.

Tests are not scanned, so a name only tests use is listed too, under "tests".
"""

# ruff: noqa: B018 -- a bare use of each name is the whole point of this file.

from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# Enum members reached by value (from JSON, TOML or `tuple(Weekday)`), never by name.
_.MON  # backend.schedule.Weekday
_.TUE
_.WED
_.THU
_.FRI
_.SAT
_.SUN
_.DONATE  # beacon_agent.contract.wire.PromptKind
_.EVENT
_.HOSPICE  # beacon_agent.contract.wire.SiteKind
_.FOOD_BANK
_.SPORTS_CLUB
_.COMMUNITY_CENTRE
_.SHELTER
_.EDDYSTONE_UID  # beacon_agent.contract.keys.KeyKind

# Fields written by pydantic or dataclasses.asdict (answers, heartbeats, reports, diagnostics).
_.ibeacon_major  # backend.models.Site
_.checked_at  # backend.models.SiteHealth
_.prompt_events  # backend.models.SiteStats
_.median_rssi_below_power_db  # backend.models.CalibrationPair (answer field)
_.distance_model  # backend.models.SiteHealth (answer field)
_.notice  # backend.models.Prompt (a computed field)
_.rssi_smoothed  # beacon_agent.contract.wire.Sighting
_.outbox_depth  # beacon_agent.contract.wire.Heartbeat
_.outbox_error  # beacon_agent.contract.wire.Heartbeat
_.advertisements_offered  # simulator.bluez.service.Counters, via diagnostics()
_.advertisements_delivered
_.advertisements_filtered
_.advertisements_registered
_.devices_added
_.devices_removed
_.discovery_sessions
_.monitors_registered
_.min_interval_ms  # simulator.bluez.advertising.RegisteredAdvertisement, via encode_advertisement()
_.max_interval_ms
_.filtered  # simulator.phone.AppStats, via diagnostics()
_.cache_hits
_.events_failed
_.regions_unmonitored
_.withdrawn
_.distance_m_estimated  # simulator.phone.Shown, in the simulation report
_.prompt_kind  # simulator.report.record.ShownPrompt, in the simulation report
_.estimated_distance_m
_.created_at  # backend.accounts.records.AdminKey, in the keys' answers
_.advice  # backend.web.manage.site_state.Finding, read by the dashboard's template

# Read by libraries: logging's formatter, dbus-fast's marshaller and bus, paho-mqtt's client.
_.exc_text  # beacon_agent.contract.logs.RefusedRequests rewrites the record logging renders
_.levelno
_.levelname
_.serial  # simulator.bluez.connection: the serial dbus-fast marshals
_._emit_interface_added  # simulator.bluez.connection.BluezBus: overrides dbus-fast's, to send BlueZ's form
_._emit_interface_removed
_.removed_interfaces  # the same override's signature
_.on_connect  # benchmarks.agent.theengs_probe: paho-mqtt callbacks
_.on_subscribe
_.userdata  # benchmarks.agent.theengs_probe: paho-mqtt's on_message signature
_.exc_type  # __aexit__'s signature (beacon_agent.advertiser, simulator.bluez.bus)

# Tests: used by the tests only, which vulture does not read.
_.contains  # backend.geo.Box (tests/test_geo.py)
_.SCHEDULE_ADAPTER  # backend.schedule (tests/test_schedule.py)
_.ignored  # beacon_agent.aggregate.Aggregator (tests/test_aggregate.py)
_.overflowed
_.next_batch  # beacon_agent.outbox.Outbox (tests/test_outbox.py)
_.set_aside_batches
_.consecutive_failures  # beacon_agent.reporter.Reporter (tests/test_reporter.py)
_.heard_as  # simulator.bluez.advertising.RegisteredAdvertisement (tests/test_scanner.py)
_.advertise_many  # simulator.bluez.control.RemoteFakeBluez (tests/test_fake_bluez.py)
_.inject  # simulator.bluez.defs.Faults (tests/test_scanner.py)
_.walker_position  # simulator.world.world.World (tests/test_world.py)
_.TOLERANCE_S  # backend.alerts.deliveries: what a webhook receiver allows (tests/test_alerts.py)

# Read by the privacy notice's template (backend/web/templates/privacy.html).
_.email  # backend.web.privacy.Controller
_.dpo

# Read by the prompt card's macro (backend/web/templates/card.html).
_.more  # backend.web.card.Card
_.dismiss

# Read by the site pages' templates (manage_site.html, manage_site_form.html).
_.exponent_hint  # backend.web.manage.site_distance.Section
_.tiles  # backend.web.manage.site_map.MapSetup
_.attribution
