"""The peer (issue "Beacon agent"): Theengs Gateway and its decoder, fed like the agent, in the same run.

Theengs Gateway (PyPI `TheengsGateway`) does the agent's job for home automation: bleak's
`BleakScanner`, every advertisement decoded by the C++ `TheengsDecoder` (through its Python binding)
and published to an MQTT broker. It and its decoder live in a venv of their own,
`benchmarks/out/theengs-venv`, made with pip on first use and never part of Nahbei's dependencies.
The broker is Debian's `mosquitto`, on a free port of 127.0.0.1 with a temporary configuration.

The gateway is configured to scan without pause (it otherwise scans 7 s, rests 5 s) and to publish
what it decodes, with the cheapest of its publishing options: no Home Assistant discovery, no
presence messages, and only decoded advertisements (`publish_all` 0, as the agent drops phone
chatter). Its own choice of `DuplicateData` makes BlueZ re-send the advertising data with every
advertisement, as the fake does too. Its CPU per advertisement covers all its threads (bleak's loop and
paho's) from the first advertisement until it has published the marker iBeacon, so an advertisement
it could only handle late still counts; how late is its lag. The broker's CPU is left out, as the
backend's is for the agent.

The decoders alone are compared in one process by `benchmarks.agent.theengs_probe`, on the benchmark's
own traffic (one cycle of `traffic.schedule()`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from benchmarks import servers
from benchmarks.agent import traffic
from benchmarks.agent.feeder import SYSTEM_BUS_ENV, Feeder, Round, cpu_seconds
from benchmarks.http.bench import Result
from benchmarks.servers import ROOT

PACKAGES: Final = ("TheengsGateway", "TheengsDecoder")
TOPIC: Final = "home/TheengsGateway/BTtoMQTT"
RATE: Final = 1000
# The gateway may fall far behind the feed; it is given this long to catch up before it is written off.
CATCH_UP_S: Final = 120.0


@dataclass(frozen=True)
class Peer:
    gateway: Round | None
    published: int
    decoder: dict[str, Any] | None
    problem: str  # why something could not be measured, or ""


def mosquitto() -> str | None:
    """The broker's executable, or None when Debian's `mosquitto` package is missing."""
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto",) if os.access(p, os.X_OK)), None
    )


def venv_python(folder: Path, say: Callable[[str], None]) -> Path:
    """The separate venv's interpreter, made (with pip, from PyPI) when missing; raises on failure."""
    venv = folder / "theengs-venv"
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import TheengsDecoder, TheengsGateway, paho.mqtt"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    say(f"  installing {' and '.join(PACKAGES)} into {venv} (once)…")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *PACKAGES], capture_output=True, text=True
    )
    if install.returncode != 0 or subprocess.run(probe, capture_output=True).returncode != 0:
        raise RuntimeError(f"pip could not install {', '.join(PACKAGES)}: {install.stderr.strip()[-500:]}")
    return python


async def measure(folder: Path, bus: str, feeder: Feeder, seconds: float, say: Callable[[str], None]) -> Peer:
    """Both peer figures; what cannot run here is said in `problem`, never silently skipped."""
    try:
        python = await asyncio.to_thread(venv_python, folder, say)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        return Peer(None, 0, None, f"Theengs could not be installed: {error}")
    frames = folder / "theengs-frames.jsonl"
    frames.write_text("".join(json.dumps(ad.as_json()) + "\n" for ad in traffic.schedule()))
    say("  decoders alone: Nahbei's frames.decode vs TheengsDecoder.decodeBLE, same frames…")
    decoded = await asyncio.to_thread(
        subprocess.run,
        [str(python), "-m", "benchmarks.agent.theengs_probe", "decode", str(frames)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    decoder = json.loads(decoded.stdout.splitlines()[-1]) if decoded.returncode == 0 else None
    problem = "" if decoder else f"decoder comparison failed: {decoded.stderr.strip()[-300:]}"
    if decoder:
        say(
            f"    Nahbei {decoder['nahbei_us']:.2f} µs/adv, TheengsDecoder {decoder['theengs_us']:.1f} µs/adv"
        )
    broker = mosquitto()
    if broker is None:
        return Peer(None, 0, decoder, "mosquitto is missing (Debian: apt-get install mosquitto)")
    say(f"  Theengs Gateway at {RATE:,}/s, publishing to mosquitto…")
    with tempfile.TemporaryDirectory(prefix="nahbei-theengs-") as tmp:
        port = servers.free_port()
        with _broker(broker, port, Path(tmp), folder / "theengs.log"):
            async with _counter(python, port) as ask:
                with _gateway(python, port, bus, Path(tmp), folder / "theengs.log") as pid:
                    await feeder.wait_discovering()
                    await _round(feeder, pid, ask, 2.0)  # warm-up: devices appear, caches fill
                    gateway, published = await _round(feeder, pid, ask, seconds)
    say(gateway.line() + f", {published:,} MQTT messages")
    return Peer(gateway, published, decoder, problem)


async def _round(
    feeder: Feeder, pid: int, ask: Callable[[], Awaitable[tuple[int, float]]], seconds: float
) -> tuple[Round, int]:
    before, _ = await ask()
    cpu = cpu_seconds(pid)
    fed = await feeder.feed(RATE, seconds)
    deadline = time.monotonic() + CATCH_UP_S
    while True:
        await asyncio.sleep(0.2)
        published, marker = await ask()
        if marker >= fed.marker_at or time.monotonic() > deadline:
            break
    lag = marker - fed.marker_at if marker >= fed.marker_at else float("inf")
    # An MQTT message per decoded advertisement is not one per advertisement: received is the feed,
    # and whether it kept up is the lag.
    run = Round("theengs", RATE, fed.sent, fed.sent, fed.sent, cpu_seconds(pid) - cpu, lag, fed.sent_per_s)
    return run, published - before


def results(agent: Round, peer: Peer) -> list[Result]:
    out: list[Result] = []
    if peer.gateway is not None:
        them = peer.gateway
        ratio = agent.cpu_us / them.cpu_us
        out.append(
            Result(
                f"agent vs Theengs Gateway, CPU per adv at {RATE:,}/s",
                round(agent.cpu_us, 2),
                "µs/adv",
                round(them.cpu_us, 2),
                round(ratio, 3),
                "< 1",
                ratio < 1,
                f"baseline: Theengs Gateway alone, same feed (the agent: its side-by-side rounds); "
                f"it lagged {them.lag_s:.1f} s behind at the end "
                f"({'kept up' if them.passed else 'did not keep up'}), {peer.published:,} MQTT messages",
            )
        )
    else:
        out.append(
            Result(
                "agent vs Theengs Gateway, CPU per adv", 0.0, "µs/adv", 0.0, 0.0, "< 1", False, peer.problem
            )
        )
    if peer.decoder is not None:
        d = peer.decoder
        ratio = d["nahbei_us"] / d["theengs_us"]
        out.append(
            Result(
                "decoder alone vs TheengsDecoder binding",
                round(d["nahbei_us"], 3),
                "µs/adv",
                round(d["theengs_us"], 1),
                round(ratio, 4),
                "< 1",
                ratio < 1,
                f"same {d['advertisements']:,} advertisements, one process; Nahbei found {d['nahbei_frames']}, "
                f"Theengs {d['theengs_models']} (it knows no Eddystone-UID/TLM nor AltBeacon)",
            )
        )
    return out


@contextlib.contextmanager
def _broker(executable: str, port: int, tmp: Path, log: Path) -> Iterator[None]:
    config = tmp / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n"
    )
    with log.open("ab") as out:
        process = subprocess.Popen([executable, "-c", str(config)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mosquitto did not start; see {log}")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def _gateway(python: Path, port: int, bus: str, tmp: Path, log: Path) -> Iterator[int]:
    config = tmp / "theengsgw.conf"
    settings = {
        "host": "127.0.0.1",
        "port": port,
        "ble_scan_time": 86400,  # one scan for the whole benchmark: no pauses
        "ble_time_between_scans": 0,
        "discovery": 0,
        "publish_all": 0,
        "presence": 0,
        "log_level": "WARNING",
    }
    config.write_text(json.dumps(settings))
    env = {**os.environ, SYSTEM_BUS_ENV: bus, "HOME": str(tmp)}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(python), "-m", "TheengsGateway", "-c", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        yield process.pid
    finally:
        servers.stop(process, timeout=15)


@contextlib.asynccontextmanager
async def _counter(python: Path, port: int) -> AsyncIterator[Callable[[], Awaitable[tuple[int, float]]]]:
    """An MQTT subscriber in the Theengs venv; yields `ask()` -> (messages so far, marker time)."""
    proc = await asyncio.create_subprocess_exec(
        str(python),
        "-m",
        "benchmarks.agent.theengs_probe",
        "count",
        "--port",
        str(port),
        "--topic",
        TOPIC,
        "--marker",
        traffic.MARKER_ADDRESS,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout
    if (await asyncio.wait_for(stdout.readline(), 30)).strip() != b"ready":
        raise RuntimeError("the MQTT counter did not start")

    async def ask() -> tuple[int, float]:
        stdin.write(b"report\n")
        await stdin.drain()
        count, marker = (await asyncio.wait_for(stdout.readline(), 30)).split()
        return int(count), float(marker)

    try:
        yield ask
    finally:
        stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()
