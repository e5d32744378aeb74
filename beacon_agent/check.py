"""`nahbei-agent check`: is this Pi ready? The config, the backend and its token, the adapter.

Each check prints one line, `ok` or what is wrong and what to do; the exit status is 0 only if all
passed. The token is checked with a heartbeat that says the scanner is disabled, which raises no
alert at the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

from beacon_agent.config import AgentConfig
from beacon_agent.contract import version
from beacon_agent.contract.wire import Heartbeat, ScannerState

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Finding:
    what: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.what}: {self.detail}"


async def run_checks(config: AgentConfig, path: Path) -> list[Finding]:
    findings = [Finding("config", True, f"{path} is valid")]
    findings += await _backend(config)
    findings.append(await _adapter(config.scan.adapter, config.advertise.enabled))
    return findings


async def _backend(config: AgentConfig) -> list[Finding]:
    url = config.backend.url.rstrip("/")
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    beat = Heartbeat(version=version(), uptime_s=0, scanner=ScannerState.DISABLED, outbox_depth=0, dropped=0)
    headers = {
        "Authorization": f"Bearer {config.backend.token.get_secret_value()}",
        "Content-Type": "application/json",
    }
    async with aiohttp.ClientSession(timeout=timeout) as session:
        try:
            async with session.get(f"{url}/healthz") as response:
                if response.status != 200:
                    return [Finding("backend", False, f"{url}/healthz answered {response.status}")]
                about = await response.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            return [Finding("backend", False, f"cannot reach {url}: {error or type(error).__name__}")]
        found = [Finding("backend", True, f"{url} answers (version {about.get('version', '?')})")]
        async with session.post(
            f"{url}/v1/agent/heartbeat",
            data=beat.model_dump_json(),
            headers=headers,
            allow_redirects=False,
        ) as response:
            if response.status in (401, 403):
                found.append(
                    Finding("token", False, "refused: create a new agent token and put it in the config")
                )
            elif response.status != 200:
                found.append(Finding("token", False, f"heartbeat answered {response.status}"))
            else:
                found.append(Finding("token", True, "accepted"))
    return found


async def _adapter(adapter: str, advertise: bool) -> Finding:
    try:
        bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    except Exception as error:
        return Finding("adapter", False, f"no system D-Bus ({error}); is dbus running?")
    try:
        reply = await bus.call(
            Message(
                destination="org.bluez",
                path="/",
                interface="org.freedesktop.DBus.ObjectManager",
                member="GetManagedObjects",
            )
        )
    finally:
        bus.disconnect()
    if reply is None or reply.message_type == MessageType.ERROR:
        return Finding("adapter", False, "BlueZ does not answer: `systemctl status bluetooth`")
    objects: dict[str, dict[str, Any]] = reply.body[0]
    interfaces = next((v for k, v in objects.items() if k.rsplit("/", 1)[-1] == adapter), None)
    if interfaces is None or "org.bluez.Adapter1" not in interfaces:
        return Finding("adapter", False, f"no adapter {adapter}: `bluetoothctl list` shows which there are")
    powered = interfaces["org.bluez.Adapter1"].get("Powered")
    if powered is None or not powered.value:
        return Finding("adapter", False, f"{adapter} is powered off: `bluetoothctl power on`")
    if advertise and "org.bluez.LEAdvertisingManager1" not in interfaces:
        return Finding("adapter", False, f"{adapter} cannot advertise; set [advertise] enabled = false")
    return Finding("adapter", True, f"{adapter} is powered" + (" and can advertise" if advertise else ""))
