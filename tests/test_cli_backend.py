"""The backend's command line, run as a user would run it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from backend.config import describe
from tests.backend_process import serve
from tests.reliability import audit

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )


def test_create_org_prints_json_once(tmp_path: Path) -> None:
    db = tmp_path / "x" / "nahbei.db"
    done = run("admin", "create-org", "Tafel Nord e.V.", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["org_id"] == 1 and answer["admin_key"].startswith("nbk_")
    assert answer["admin_key"].encode() not in db.read_bytes()
    second = json.loads(run("admin", "create-org", "Sportverein", "--db", str(db), "--json").stdout)
    assert second["org_id"] == 2 and second["admin_key"] != answer["admin_key"]


def test_bad_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    done = run("serve", "--port", "70000", "--db", str(tmp_path / "a.db"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "port" in done.stderr


def test_a_database_url_of_another_store_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    for args in (
        ("serve", "--db", "postgresql://x"),
        ("admin", "create-org", "Tafel", "--db", "postgresql://x"),
        ("demo", "--no-serve", "--db", "postgresql://x"),
    ):
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
        assert "'postgresql://x'" in done.stderr and "Traceback" not in done.stderr
    env = {**os.environ, "NAHBEI_DB": "postgresql://x"}
    assert run("admin", "create-org", "Tafel", env=env).returncode == 2


def test_create_org_takes_a_sqlite_url(tmp_path: Path) -> None:
    db = tmp_path / "url.db"
    done = run("admin", "create-org", "Tafel", "--db", f"sqlite:///{db}", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["org_id"] == 1 and db.is_file()


def test_a_bad_organisation_name_stops_with_one_line(tmp_path: Path) -> None:
    done = run("admin", "create-org", "  ", "--db", str(tmp_path / "n.db"))
    assert done.returncode == 2
    assert done.stderr.strip() == "nahbei-backend: the organisation name must be 1-200 characters"


def test_readme_lists_every_setting_as_the_code_does() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- settings:start -->\n", 1)[1].split("\n<!-- settings:end -->", 1)[0]
    assert table == describe()


def test_help_explains_every_command() -> None:
    for args in ((), ("serve",), ("admin", "create-org"), ("demo",)):
        done = run(*args, "--help")
        assert done.returncode == 0 and "usage:" in done.stdout


def test_requests_that_are_not_http_are_logged_without_address_or_bytes(tmp_path: Path) -> None:
    """aiohttp logs each request it cannot parse with the client's address; the server's log must not."""
    log = tmp_path / "server.log"
    malformed = [
        b"GET /v1/regions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"GET /v1/regions HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.1.2.3\x00\r\n\r\n",
        b"GET /v1/regions HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
    ]
    with serve(tmp_path / "nahbei.db", log) as base:
        parts = urlsplit(base)
        for raw in malformed:
            with socket.create_connection((parts.hostname, parts.port), timeout=30) as conn:
                conn.sendall(raw)
                assert conn.recv(64).startswith(b"HTTP/1.0 400 "), raw[:60]
    # The log file also holds the server's stdout: its one "Serving on …" line is not a log line.
    lines = [json.loads(line) for line in log.read_text().splitlines() if not line.startswith("Serving on ")]
    refused = [line for line in lines if line["logger"] == "aiohttp.server"]
    assert len(refused) == len(malformed), lines
    assert all(line["level"] == "info" and "not valid HTTP" in line["event"] for line in refused), refused
    assert audit.search("server.log", log.read_bytes(), allowed=[base]) == []
    assert b"10.1.2.3" not in log.read_bytes() and b"aaaa" not in log.read_bytes()
