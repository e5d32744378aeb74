"""The whole agent, as shipped: `nahbei-agent run` in its own process, scanning with the real bleak
through the fake BlueZ on a private bus, reporting to a real backend on 127.0.0.1.

Counting is exact: every advertisement the fake delivers is one bleak callback, so the `count`s of
the sightings the backend stored must add up to the advertisements sent, no more and no less.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from backend.http.app import create_app
from beacon_agent.contract.frames import EddystoneUrl, decode, encode_eddystone_url
from simulator.bluez.bus import SYSTEM_BUS_ENV, PrivateBus
from simulator.bluez.service import FakeBluez
from tests.agents import (
    IB_UUID,
    PHONE,
    AgentProcess,
    Site,
    eventually,
    setup_site,
    stored,
    write_config,
)
from tests.bluez_fixtures import fixture_bluez_bus, fixture_fake_bluez
from tests.conftest import SITE, Backend, BackendFactory
from tests.stored import rows

__all__ = ["fixture_bluez_bus", "fixture_fake_bluez"]


@pytest.fixture
async def started(
    make_backend: BackendFactory, fake_bluez: FakeBluez, bluez_bus: PrivateBus, tmp_path: Path
) -> AsyncIterator[tuple[Backend, Site, AgentProcess]]:
    backend = await make_backend(real_clock=True)
    site = await setup_site(backend, fake_bluez)
    config = write_config(tmp_path, str(backend.client.make_url("")).rstrip("/"), site.token)
    agent = AgentProcess(config, bluez_bus, tmp_path / "agent.log")
    agent.start()
    await eventually(lambda: fake_bluez.discovering, 30, "the agent to start scanning")
    yield backend, site, agent
    if agent.running():
        await agent.stop()
    log = (tmp_path / "agent.log").read_text()
    assert PHONE not in log and PHONE.lower() not in log, "a radio address reached the agent's log"


async def test_sightings_arrive_with_the_right_key_and_counts(started: Any) -> None:
    backend, site, agent = started
    await site.advertise(300)
    await eventually(lambda: stored(backend.settings.db) == site.sent, 30, "all advertisements counted")
    keys = {row[0] for row in rows(backend.settings.db, "SELECT beacon_key FROM sightings")}
    assert keys == {f"ibeacon:{IB_UUID}:7:{site.minor}"}
    assert await agent.stop() == 0  # SIGTERM: a clean exit


async def test_backend_down_for_a_while_then_every_sighting_arrives_once(started: Any) -> None:
    backend, site, _agent = started
    await site.advertise(100)
    await eventually(lambda: stored(backend.settings.db) == 100, 30, "the first 100")
    port = backend.client.port
    await backend.client.server.close()  # the backend goes away; the agent keeps hearing
    await site.advertise(200)
    await asyncio.sleep(3)  # several flushes into the outbox, several failed sends
    server = TestServer(create_app(backend.settings, clock=backend.clock), host="127.0.0.1", port=port)
    await server.start_server()
    try:
        await eventually(lambda: stored(backend.settings.db) == 300, 60, "the 200 sent while down")
        await asyncio.sleep(2)
        assert stored(backend.settings.db) == 300  # and nothing twice
    finally:
        await server.close()


async def test_sigkill_after_a_flush_loses_nothing_and_doubles_nothing(started: Any, tmp_path: Path) -> None:
    backend, site, agent = started
    port = backend.client.port
    await backend.client.server.close()  # batches pile up in the outbox
    await site.advertise(150)
    await asyncio.sleep(2.5)  # at least one whole flush window after the last advertisement
    assert await agent.stop(signal.SIGKILL) == -signal.SIGKILL
    waiting = stored(tmp_path / "outbox.sqlite3", "SELECT COUNT(*) FROM batches")
    assert waiting >= 1
    agent.start()
    server = TestServer(create_app(backend.settings, clock=backend.clock), host="127.0.0.1", port=port)
    await server.start_server()
    try:
        await eventually(lambda: stored(backend.settings.db) == 150, 60, "the outbox after the restart")
        await asyncio.sleep(2)
        assert stored(backend.settings.db) == 150
    finally:
        await server.close()


async def test_sigkill_at_any_moment_never_doubles_and_loses_at_most_the_open_window(started: Any) -> None:
    backend, site, agent = started
    for _ in range(3):
        await site.advertise(80)
        await asyncio.sleep(0.7)  # land somewhere inside a flush window, or inside a flush
        await agent.stop(signal.SIGKILL)
        await eventually(lambda: not site.fake.discovering, 10, "BlueZ to notice the agent is gone")
        agent.start()
        await eventually(lambda: site.fake.discovering, 30, "the restarted agent to scan")
        await asyncio.sleep(0.5)
    await eventually(lambda: stored(backend.settings.db) > 0, 30, "some sightings")
    await asyncio.sleep(3)
    total = stored(backend.settings.db)
    # Never more than was sent; at most the window open at each kill (80 each) is lost.
    assert site.sent - 3 * 80 <= total <= site.sent


async def test_scanning_resumes_by_itself_after_bluez_restarts(started: Any) -> None:
    backend, site, _agent = started
    await site.advertise(50)
    await eventually(lambda: stored(backend.settings.db) == 50, 30, "the first 50")
    await site.fake.restart(graceful=False)
    began = time.monotonic()
    await eventually(lambda: site.fake.discovering, 60, "the agent to scan again after bluetoothd restarted")
    print(f"scanning resumed {time.monotonic() - began:.1f} s after bluetoothd restarted")
    await site.advertise(50)
    await eventually(lambda: stored(backend.settings.db) == 100, 30, "the 50 after the restart")
    site.fake.set_powered(False)
    await asyncio.sleep(0.5)
    site.fake.set_powered(True)
    await eventually(lambda: site.fake.discovering, 60, "the agent to scan again after power came back")
    await site.advertise(50)
    await eventually(lambda: stored(backend.settings.db) == 150, 30, "the 50 after the power cycle")


def watch_air(fake: FakeBluez) -> dict[str, Any]:
    """What is on the fake's air, by object path, kept up to date as advertisements come and go."""
    on_air: dict[str, Any] = {}

    def _handle_air(event: str, adv: Any) -> None:
        if event == "removed":
            on_air.pop(adv.path, None)
        else:
            on_air[adv.path] = adv

    fake.add_advertisement_listener(_handle_air)
    return on_air


async def test_an_advertising_agent_is_heard_by_a_scanning_agent_eid_rotation_included(
    make_backend: BackendFactory, fake_bluez: FakeBluez, bluez_bus: PrivateBus, tmp_path: Path
) -> None:
    """Agent A advertises the EID beacon the backend assigns it; the fake radio carries what A puts
    on air to agent B's adapter; B reports it, and the backend maps every rotating EID to the beacon."""
    backend = await make_backend(real_clock=True)
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    eid_body = {
        "kind": "eddystone-eid",
        "identity_key": "1f" * 16,
        "rotation_exponent": 2,
        "initial_time": 5000,
    }
    beacon = (await backend.json("POST", f"/v1/admin/sites/{site}/beacons", 201, json=eid_body))["id"]
    tokens, ids = [], []
    for name in ("A", "B"):
        made = await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": name})
        tokens.append(made["token"])
        ids.append(made["id"])
    await backend.json(
        "PATCH", f"/v1/admin/sites/{site}/agents/{ids[0]}", 200, json={"advertise_beacon_id": beacon}
    )
    url = str(backend.client.make_url("")).rstrip("/")
    on_air = watch_air(fake_bluez)
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
    with PrivateBus() as bus_b:
        fake_b = FakeBluez()
        async with fake_b.serving(bus_b.address):
            agent_a = AgentProcess(
                write_config(folders[0], url, tokens[0], advertise=True), bluez_bus, tmp_path / "a.log"
            )
            agent_b = AgentProcess(write_config(folders[1], url, tokens[1]), bus_b, tmp_path / "b.log")
            agent_a.start()
            agent_b.start()
            try:
                await eventually(lambda: bool(on_air) and fake_b.discovering, 30, "A on air and B scanning")

                def keys_heard() -> set[str]:
                    found = rows(
                        backend.settings.db,
                        "SELECT DISTINCT beacon_key FROM sightings WHERE beacon_id = ?",
                        beacon,
                    )
                    return {row[0] for row in found}

                deadline = time.monotonic() + 40
                while len(keys_heard()) < 3 and time.monotonic() < deadline:
                    for adv in list(on_air.values()):
                        fake_b.deliver(adv.heard_as("0A:11:22:33:44:55", rssi=-62))
                    await asyncio.sleep(0.1)
                heard = keys_heard()
                # EIDs rotate every 4 s of beacon clock: three different keys, all the same beacon.
                assert len(heard) >= 3 and all(k.startswith("eddystone-eid:") for k in heard), heard
            finally:
                assert await agent_a.stop() == 0 and await agent_b.stop() == 0
    assert not on_air  # A took its advertisement off the air when it stopped


async def test_an_agent_advertises_its_sites_page_as_an_eddystone_url(
    backend: Backend, fake_bluez: FakeBluez, bluez_bus: PrivateBus, tmp_path: Path
) -> None:
    """`advertise.url` goes on air as an Eddystone-URL frame from the start, with no beacon assigned
    by the backend; a phone nearby decodes the page's address from the bytes it hears."""
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    token = (await backend.json("POST", f"/v1/admin/sites/{site}/agents", 201, json={"name": "door"}))[
        "token"
    ]
    on_air = watch_air(fake_bluez)
    page = "https://example.org/s/hospiz"
    url = str(backend.client.make_url("")).rstrip("/")
    config = write_config(tmp_path, url, token, advertise=True)
    config.write_text(config.read_text().replace("enabled = true", f'enabled = true\nurl = "{page}"'))
    agent = AgentProcess(config, bluez_bus, tmp_path / "agent.log")
    agent.start()
    try:
        await eventually(lambda: bool(on_air), 30, "the page's address on air")
        [adv] = on_air.values()
        heard = adv.heard_as("0A:11:22:33:44:55", rssi=-60)
        assert decode(heard.manufacturer_data, heard.service_data) == [EddystoneUrl(page, -18)]
        assert adv.service_data["0000feaa-0000-1000-8000-00805f9b34fb"] == encode_eddystone_url(page, -18)
    finally:
        assert await agent.stop() == 0
    assert not on_air


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """The agent's command line, without blocking the loop that serves the backend under test."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "beacon_agent",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_check_and_bad_config_from_the_command_line(
    started: Any, bluez_bus: PrivateBus, tmp_path: Path
) -> None:
    backend, site, agent = started
    env = {**os.environ, SYSTEM_BUS_ENV: bluez_bus.address}
    code, out, err = await run_cli("check", "--config", str(agent.config), env=env)
    assert code == 0, out + err
    assert [line.split()[0] for line in out.splitlines()] == ["ok", "ok", "ok", "ok"]
    assert site.token not in out + err
    bad = tmp_path / "bad.toml"
    bad.write_text(agent.config.read_text().replace("flush_interval_s = 1", "flush_interval_s = 0"))
    code, out, err = await run_cli("run", "--config", str(bad), env=env)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "scan.flush_interval_s" in err, err
    assert stored(backend.settings.db, "SELECT COUNT(*) FROM sightings") == 0
