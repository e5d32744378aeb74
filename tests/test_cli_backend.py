"""The backend's command line, run as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from backend.config import describe

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


def test_readme_lists_every_setting_as_the_code_does() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- settings:start -->\n", 1)[1].split("\n<!-- settings:end -->", 1)[0]
    assert table == describe()


def test_help_explains_every_command() -> None:
    for args in ((), ("serve",), ("admin", "create-org"), ("demo",)):
        done = run(*args, "--help")
        assert done.returncode == 0 and "usage:" in done.stdout
