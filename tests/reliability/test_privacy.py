"""Privacy audit: after a street run, nothing personal is in any file the run wrote.

The run is the busy street as ``nahbei-sim`` runs it: the backend, three real agent processes scanning
with bleak through the fake BlueZ, eighty walkers whose phones resolve and post events. In ``make
test`` it is twenty seconds of street; in ``make reliability`` the whole demo (five minutes of street
at the demo's speed). The process runs with every log at info level (`tests.reliability.street`).
Afterwards every file in the run's folder is searched as raw bytes (`tests.reliability.audit` says
for what): the backend's database with its WAL, the agents' outboxes, configs and logs, the
simulation's log and its report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from backend.demo import DEMO_OWNER
from simulator.bluez.bus import find_dbus_daemon
from simulator.cli import DEMO_SCENARIO, DEMO_SPEED
from simulator.engine.backend import SETTINGS_NOTES
from simulator.world.scenario import load_scenario
from simulator.world.world import World
from tests.agents import ROOT
from tests.reliability.audit import Finding, radio_spellings, search, search_bytes
from tests.reliability.figures import Figures, full

SEED = 1
SHORT_STREET_S = 20.0
# The simulation's own account of the street: it names its walkers.
REPORT_FILES = ("report.json", "report.html", "report.svg")


def test_the_search_finds_what_it_looks_for() -> None:
    """The audit can fail: each kind of leak, planted in a line, is found; the backend URL is not."""
    url = "http://127.0.0.1:8080"
    line = (
        f'{{"url": "{url}", "device": "f9:98:4f:21:d4:45", "path": "/org/bluez/hci0/dev_CC_16_B3_99_D4_E9",'
        ' "client": "127.0.0.1", "peer": "::ffff:7f00:1", "ua": "Python/3.11 aiohttp/3.10",'
        ' "mail": "anna@example.org", "tel": "+49 341 1234567", "who": "passant-7"}'
    ).encode()
    found = {f.what for f in search("x", line, allowed=[url], extra=["passant-7"])}
    assert found == {
        "radio address",
        "IPv4 address",
        "IPv6 address",
        "user agent",
        "e-mail address",
        "phone number",
        "named term",
    }
    assert not search("x", f'{{"backend": "{url}", "at": "2026-01-01T04:25:52Z"}}'.encode(), allowed=[url])
    raw = bytes.fromhex("45D4214F98F9")  # an address as BlueZ holds it, least significant byte first
    assert search_bytes("x", b"\x00" + raw + b"\x00", radio_spellings("F9:98:4F:21:D4:45"))


def test_no_radio_address_ip_address_or_personal_data_after_a_street_run(
    tmp_path: Path, figure: Figures
) -> None:
    """Runs the street in a process of its own, then reads every file under its folder as bytes."""
    if find_dbus_daemon() is None:
        pytest.skip("dbus-daemon is not installed (Debian package `dbus`): the agents need a fake BlueZ")
    folder = tmp_path / "street"
    folder.mkdir()
    scenario = load_scenario(DEMO_SCENARIO)
    duration = scenario.duration_s if full() else SHORT_STREET_S
    command = [sys.executable, "-m", "tests.reliability.street", DEMO_SCENARIO, str(folder)]
    command += ["--duration", str(duration), "--speed", str(DEMO_SPEED), "--seed", str(SEED)]
    with (folder / "sim.log").open("wb") as log:
        subprocess.run(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=True, timeout=duration * 2 + 300
        )
    report = json.loads((folder / "report.json").read_text())
    assert report["sightings_received"] > 0 and report["prompts_shown"], "the street was too quiet to audit"

    world = World(scenario, SEED)
    radios: dict[str, bytes] = {}
    for beacon in world.beacons:
        radios |= radio_spellings(beacon.address)
    walkers = [walker.name for walker in world.walkers]
    # The operator's backend URL, and the report's note that every simulated client is 127.0.0.1.
    # The demo's staff login is a member of the organisation, not a visitor: staff e-mails are kept.
    allowed = [*_backend_urls(folder), *SETTINGS_NOTES, DEMO_OWNER]
    findings: list[Finding] = []
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    scanned = 0
    for path in files:
        data = path.read_bytes()
        scanned += len(data)
        name = str(path.relative_to(folder))
        extra = [] if name in REPORT_FILES else walkers
        findings += search(name, data, allowed=allowed, extra=extra)
        findings += search_bytes(name, data, radios)
    kinds = {p.name.split(".")[0].split("-")[0] for p in files}
    figure("privacy", "files searched after a street run (database, WAL, outboxes, logs, report)",
           f"{len(files)} files, {scanned / 1e6:.1f} MB", "all the run wrote", len(files) > 0)  # fmt: skip
    figure("privacy", "radio addresses, IP addresses, user agents, e-mails, phone numbers, walkers found",
           str(len(findings)), "0", not findings)  # fmt: skip
    assert {"backend", "agent", "sim", "report"} <= kinds, f"files missing from the audit: {sorted(kinds)}"
    assert not findings, "\n".join(f"{f.file}: {f.what} {f.text!r} in …{f.context}…" for f in findings[:20])


def _backend_urls(folder: Path) -> list[str]:
    """The backend URL the agents were configured with (``url = "http://127.0.0.1:PORT"``)."""
    urls = set()
    for config in folder.glob("agent-*.toml"):
        for line in config.read_text().splitlines():
            if line.startswith("url = "):
                urls.add(json.loads(line.removeprefix("url = ")))
    return sorted(urls)
