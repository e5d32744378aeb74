"""Start the servers under test as separate processes, each on its own port, and stop them again."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Rate limiting stays on (its cost is part of the figure) with a limit wrk cannot reach.
LIMITS = {"NAHBEI_RATE_LIMIT_PER_S": "1e9", "NAHBEI_RATE_LIMIT_BURST": "1000000000"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
    """Ask a child to stop (`sig`), and kill it if it has not within `timeout`."""
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    database_pid: int | None = None  # PostgreSQL's postmaster, when the server's database is there

    def cpu_seconds(self) -> float:
        """User and system CPU time the server process and its workers (`serve --workers`) have used so
        far, and its database server's processes when it has one (Linux /proc): with PostgreSQL the
        statements run there. Every database of that server counts; the others are idle meanwhile."""
        roots = [self.pid] if self.database_pid is None else [self.pid, self.database_pid]
        return sum(_cpu_seconds(pid) for root in roots for pid in [root, *_children(root)])


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # a worker that ended meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def running(
    command: list[str],
    port: int,
    log: Path,
    env: dict[str, str] | None = None,
    database_pid: int | None = None,
) -> Iterator[Server]:
    """Run `command` until the block ends; yields it once /healthz answers."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, **(env or {})}
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command[0]} did not start; see {log}") from None
                time.sleep(0.1)
        yield Server(url, process.pid, database_pid)
    finally:
        stop(process)


def bare(log: Path) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    return running([sys.executable, "-m", "benchmarks.http.bare_server", "--port", str(port)], port, log)


def backend(
    db: Path | str, log: Path, workers: int = 1, database_pid: int | None = None
) -> contextlib.AbstractContextManager[Server]:
    """`nahbei-backend serve` on `db` (a SQLite file or a PostgreSQL URL); with `workers` > 1, that many
    processes on the port. `database_pid`: the PostgreSQL server's, whose CPU time counts with ours."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "backend",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        "--log-format",
        "json",
        "--workers",
        str(workers),
    ]
    return running(command, port, log, LIMITS, database_pid)


def floor(
    db: Path, resolve_answer: Path, nearby_answer: Path, log: Path
) -> contextlib.AbstractContextManager[Server]:
    """`benchmarks.http.floor_server`: the backend's edge with fixed answers, rate limited as `backend` is."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "benchmarks.http.floor_server",
        "--port",
        str(port),
        "--db",
        str(db),
        "--resolve-answer",
        str(resolve_answer),
        "--nearby-answer",
        str(nearby_answer),
    ]
    return running(command, port, log, LIMITS)
