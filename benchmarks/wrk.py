"""Drive a server with wrk (Debian package `wrk`) and read its figures."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

THREADS = 2
CONNECTIONS = 64


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    non_2xx: int
    p95_ms: float | None = None  # when the script prints `p95_us N` in its done()


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, script: Path | None, seconds: float, connections: int = CONNECTIONS) -> Load:
    if seconds != int(seconds) or seconds < 1:
        raise ValueError(f"wrk runs for whole seconds, at least 1, not {seconds:g}")
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "--latency",
        url,
    ]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return Load(
        requests_per_s=float(_find(r"Requests/sec:\s+([\d.]+)", out)),
        p50_ms=_ms(_find(r"\s50%\s+([\d.]+\w+)", out)),
        p99_ms=_ms(_find(r"\s99%\s+([\d.]+\w+)", out)),
        errors=errors,
        non_2xx=non_2xx,
        p95_ms=int(m.group(1)) / 1000 if (m := re.search(r"^p95_us (\d+)$", out, re.M)) else None,
    )


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"wrk output without {pattern!r}:\n{text}")
    return match.group(1)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]
