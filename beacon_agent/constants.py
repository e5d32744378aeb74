"""Every tunable number of the beacon agent, each with the reason for its value.

The configuration (``beacon_agent.config``) takes its defaults from here; numbers an operator has no
reason to change live only here. Sections follow a sighting's path through the agent: radio and
distance, aggregation, scanner health, outbox, reporting. Add new numbers to their section, with a
comment that says why, not what.
"""

from __future__ import annotations

from typing import Final

# The distance model's numbers (1 m power, dBm range, path-loss exponent, bounds) are the contract's:
# beacon_agent/contract/distance.py.

# --- aggregation (beacon_agent.aggregate) -------------------------------------------------------

# One sighting per beacon per 30 s: fine enough for "heard / not heard" health and hourly stats,
# coarse enough that a site with 20 beacons sends ~2,400 records an hour, not one per advertisement.
FLUSH_INTERVAL_S: Final = 30.0

# Half-life of the RSSI smoothing. Single advertisements scatter by 4-8 dB (multipath fading); at a
# typical 1 Hz beacon 5 s averages ~7 of them, yet a person who blocks the path for a few seconds
# still shows, and a beacon that is moved settles within ~15 s (three half-lives, 88 %).
RSSI_HALF_LIFE_S: Final = 5.0

# BLE's shortest advertising interval (Core spec: advInterval >= 20 ms). Two samples of one beacon
# closer together than that only come from timestamp granularity or batched callbacks, so each is
# credited with at least this spacing instead of being given zero weight.
MIN_SAMPLE_SPACING_S: Final = 0.02

# A beacon's smoothing state is forgotten after this many half-lives without a sample: by then the
# old value weighs 2^-10 < 0.1 % in the next estimate, so forgetting it changes nothing measurable.
SMOOTHING_MEMORY_HALF_LIVES: Final = 10

# Memory bound on beacons tracked at once (window plus smoothing state, ~300 bytes each). A site has
# tens of beacons; a busy street adds other people's. 2,000 stays under a megabyte and under the
# wire's 5,000 sightings per batch even if every one was heard in one window.
MAX_TRACKED_BEACONS: Final = 2000

# Memory bound on radio addresses remembered for linking Eddystone-TLM to its UID/EID frame (and
# TLM frames waiting for theirs). Only Eddystone beacons' addresses enter the map, never phones'.
MAX_TRACKED_ADDRESSES: Final = 1000

# How long "this address sent that UID/EID" is trusted for TLM linking. It is renewed by every
# identity frame (usually about once a second) and must outlive a few lost ones; shorter than the
# ~15 min after which devices with private addresses change them, so a reused address cannot
# attach one beacon's battery to another.
TLM_LINK_EXPIRY_S: Final = 30.0

# A TLM heard before any UID/EID frame from its address waits this long for one. Beacons interleave
# one TLM with several identity frames, so the identity frame follows within seconds or not at all.
TLM_WAIT_S: Final = 10.0

# Decided filter verdicts per distinct frame, so the per-advertisement path skips building the key
# (uuid parsing, ~3 us on a PC, ~30 us on a Pi). Cleared when full: cheaper than an LRU.
FRAME_CACHE_SIZE: Final = 4096

# The wire's cap on a sighting's count; a window can only exceed it if it is hours long.
MAX_COUNT_PER_SIGHTING: Final = 1_000_000

# --- scanner health -----------------------------------------------------------------------------

# Restart the scanner after this long without any advertisement. Home Assistant's Bluetooth stack
# uses 90 s (BlueZ drops a device after 180 s; check every 30 s; allow two restarts of ~30 s).
WATCHDOG_QUIET_S: Final = 90.0
WATCHDOG_CHECK_INTERVAL_S: Final = 30.0

# --- outbox -------------------------------------------------------------------------------------

# Relative to the working directory; the systemd unit runs the agent in its StateDirectory.
OUTBOX_PATH: Final = "var/agent-outbox.sqlite3"

# Sightings the outbox keeps while the backend is unreachable (~300 bytes each, ~75 MB): a week
# offline for a site with a dozen beacons reporting every 30 s. Beyond it the oldest are dropped and
# counted.
OUTBOX_MAX_SIGHTINGS: Final = 250_000

# --- reporting ----------------------------------------------------------------------------------

# Sightings per POST: ~150 KB of JSON, far under the backend's 4 MB body cap and the wire's 5,000,
# small enough to finish on a slow mobile uplink well within one request timeout.
REPORT_BATCH_MAX: Final = 500

# The backend raises AGENT_SILENT after 600 s without a heartbeat; 60 s leaves ten beats of margin.
HEARTBEAT_INTERVAL_S: Final = 60.0

# Retry backoff with full jitter: the first retry within a second (a blip), then doubling up to
# 5 min: a week-long outage costs ~4,000 tiny requests (mean delay 150 s at the cap), and the
# network's return is noticed within minutes. Jitter spreads a site's agents after a shared outage.
BACKOFF_BASE_S: Final = 1.0
BACKOFF_CAP_S: Final = 300.0

# --- the running agent ----------------------------------------------------------------------------

# Sightings held in memory while the outbox cannot be written (a full disk): about 5 minutes of a
# busy site at ~300 bytes each, so the Pi's memory stays bounded while the operator frees space.
MAX_UNSAVED_SIGHTINGS: Final = 20_000

# --- BLE edges: scanner restarts and advertising (beacon_agent.scanner, .advertiser, .bluez) -------

# A scanner restart waits backoff_delay(attempt) with these bounds. bluetoothd needs about a second
# after a restart to re-add and power its adapter, so the first retry comes within a second; an
# adapter that stays away is asked about at most every minute (signals cut every wait short anyway).
SCANNER_RETRY_BASE_S: Final = 1.0
SCANNER_RETRY_CAP_S: Final = 60.0

# While the system bus itself is gone (dbus-daemon restarting), signals cannot cut a wait short, and
# backing off would keep the agent deaf long after the bus is back. Connecting to a missing socket
# costs nothing, so the scanner and the advertiser try again this often, without backing off.
BUS_RETRY_S: Final = 1.0

# Full jitter may draw ~0 several times in a row; no retry comes sooner than this fraction of the
# base, so a run of unlucky draws cannot turn into a tight loop of D-Bus calls.
RETRY_FLOOR_FRACTION: Final = 0.1

# bluetoothd answers in milliseconds; a hung one must not hang the agent. Below dbus-daemon's own
# 25 s reply timeout, so our error names the call instead of a generic NoReply.
BLUEZ_CALL_TIMEOUT_S: Final = 20.0

# Registering an advertisement fails for reasons a person must fix (no free slot, not permitted);
# retrying every 5 minutes at most finds the fix without filling the journal. Power-on and
# bluetoothd restarts retry at once.
ADVERTISE_RETRY_BASE_S: Final = 1.0
ADVERTISE_RETRY_CAP_S: Final = 300.0

# The advertiser looks at the clock this often while an EID is on air: a wall-clock step (NTP) is
# followed within a second, and the check is a comparison, not an AES computation.
EID_CHECK_INTERVAL_S: Final = 1.0
# The power an Eddystone-URL frame states at 0 m: a Pi's adapter at its default power is heard at
# about -59 dBm at 1 m, and Eddystone counts 41 dB more at 0 m. Phones use it only to sort pages.
EDDYSTONE_URL_TX_POWER_0M: Final = -18

# A heartbeat's beacon_time re-anchors the agent's count of the beacon clock only when the two
# disagree by more than this: network latency (< 1 s) must not make a just-rotated EID flip back.
EID_CLOCK_TOLERANCE_S: Final = 2.0

# Advertising interval asked of BlueZ (ignored by kernels without extended advertising commands,
# which then use their 1.28 s default). Apple's iBeacon guidelines ask for 100 ms, Eddystone allows
# 100 ms to 1 s; 100-200 ms lets a phone hear the site within a second of walking in.
ADVERTISE_MIN_INTERVAL_MS: Final = 100
ADVERTISE_MAX_INTERVAL_MS: Final = 200

# AltBeacon frames carry a manufacturer's company id; the instruction names none, so the agent uses
# Radius Networks' 0x0118, the one the AltBeacon specification's examples use.
ALTBEACON_COMPANY_ID: Final = 0x0118
