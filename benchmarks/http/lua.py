"""wrk scripts, written out per run: each request drawn at random from what the database holds."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.http.seed import AGENT_TOKEN, UUID, Area

_RANDOM = """
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  math.randomseed(os.time() * 100 + id)
end
"""


def resolve_body(key: str) -> str:
    """The body with which `resolve_one` asks for `key`."""
    return json.dumps({"observations": [{"beacon": key, "rssi": -67, "tx_power": -59}], "lang": "de"})


def resolve_one(folder: Path, key: str) -> Path:
    body = resolve_body(key)
    return _write(
        folder,
        "resolve_one.lua",
        f"""
wrk.method = "POST"
wrk.path = "/v1/resolve"
wrk.body = {_lua(body)}
wrk.headers["Content-Type"] = "application/json"
""",
    )


def resolve_random(folder: Path, sites: int) -> Path:
    return _write(
        folder,
        f"resolve_random_{sites}.lua",
        _RANDOM
        + f"""
function request()
  local i = math.random(0, {sites - 1})
  local major = math.floor(i / 65535) + 1
  local minor = i % 65535 + 1
  local body = '{{"observations":[{{"beacon":"ibeacon:{UUID}:' .. major .. ':' .. minor .. '","rssi":-67}}]}}'
  return wrk.format("POST", "/v1/resolve", {{["Content-Type"] = "application/json"}}, body)
end
""",
    )


def nearby_random(folder: Path, sites: int, radius_m: float) -> Path:
    a = Area.for_sites(sites)
    return _write(
        folder,
        f"nearby_{sites}.lua",
        _RANDOM
        + f"""
function request()
  local lat = {a.min_lat} + math.random() * {a.max_lat - a.min_lat}
  local lon = {a.min_lon} + math.random() * {a.max_lon - a.min_lon}
  return wrk.format("GET", string.format("/v1/nearby?lat=%.6f&lon=%.6f&radius_m={radius_m:g}", lat, lon))
end
""",
    )


def site_page_random(folder: Path, sites: int) -> Path:
    """GET /s/site-<random id> (see `seed.site_slug`), and the p95 latency printed at the end (wrk's own
    report stops at p90 and p99)."""
    return _write(
        folder,
        f"site_page_{sites}.lua",
        _RANDOM
        + f"""
function request()
  return wrk.format("GET", "/s/site-" .. math.random(1, {sites}))
end
function done(summary, latency, requests)
  io.write(string.format("p95_us %d\\n", latency:percentile(95.0)))
end
""",
    )


def staff_page(folder: Path, name: str, path: str, cookie: str) -> Path:
    """GET `path` as the signed-in staff member whose session cookie is `cookie`, and the p95 as
    `site_page_random` prints it."""
    return _write(
        folder,
        f"staff_{name.replace(' ', '_')}.lua",
        f"""
wrk.method = "GET"
wrk.path = {_lua(path)}
wrk.headers["Cookie"] = {_lua(cookie)}
function done(summary, latency, requests)
  io.write(string.format("p95_us %d\\n", latency:percentile(95.0)))
end
""",
    )


def ingest(folder: Path, sightings: list[dict[str, object]]) -> Path:
    body = json.dumps({"batch_id": "BATCH", "sightings": sightings})
    head, tail = body.split('"BATCH"')
    return _write(
        folder,
        "ingest.lua",
        _RANDOM
        + f"""
local head = {_lua(head)}
local tail = {_lua(tail)}
local headers = {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {AGENT_TOKEN}"}}
function request()
  local r = math.random
  local id = string.format("%04x%04x-%04x-4%03x-8%03x-%04x%04x%04x", r(0, 65535), r(0, 65535), r(0, 65535),
    r(0, 4095), r(0, 4095), r(0, 65535), r(0, 65535), r(0, 65535))
  return wrk.format("POST", "/v1/agent/sightings", headers, head .. '"' .. id .. '"' .. tail)
end
""",
    )


def _lua(text: str) -> str:
    return "[==[" + text + "]==]"


def _write(folder: Path, name: str, script: str) -> Path:
    path = folder / name
    path.write_text(script)
    return path
