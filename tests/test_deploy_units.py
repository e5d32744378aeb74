"""The deployment files pass the tools that will read them (`systemd-analyze`, `caddy`), and no
file sends a reader to a web address that does not exist."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
UNITS = [REPO / "backend" / "nahbei-backend.service", REPO / "beacon_agent" / "nahbei-agent.service"]
CADDYFILE = REPO / "deploy" / "Caddyfile"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")

# Names reserved for examples (RFC 2606, RFC 6761) and this machine; any other host a document
# names must be real and listed here.
EXAMPLE_HOST = re.compile(
    r"^(localhost|127\.0\.0\.1|\[::1\]|(.+\.)?example(\.(org|com|net))?|.+\.(test|invalid))$"
)
REAL_HOSTS = {
    "caddyserver.com",
    "postgis.net",
    "www.postgresql.org",
    "leafletjs.com",  # the staff map's library
    "www.openstreetmap.org",  # the default tiles' attribution
    "tile.openstreetmap.org",  # the default tile server
}
URL = re.compile(r"https?://([A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:]+\])")
DOCUMENTS = {".md", ".service", ".toml", ".env"}


def need(program: str, package: str) -> str:
    """The program's path; else skip with the reason, or as root (who could install it) fail."""
    path = shutil.which(program)
    if path is None:
        reason = (
            f"{program} is not installed (Debian package `{package}`; `make system-deps` installs it as root)"
        )
        if os.geteuid() == 0:
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def unit_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root for `systemd-analyze --root`: the system's own units (verify needs sysinit.target and
    friends) and ours, and a stand-in for each ExecStart program, which is not installed here."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(SYSTEM_UNITS, root / SYSTEM_UNITS.relative_to("/"), symlinks=True)
    ours = root / "etc" / "systemd" / "system"
    ours.mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(unit, ours / unit.name)
        for program in re.findall(r"^ExecStart=[-@:+!]*(\S+)", unit.read_text(), re.MULTILINE):
            stand_in = root / program.lstrip("/")
            stand_in.parent.mkdir(parents=True, exist_ok=True)
            stand_in.write_text("#!/bin/sh\n")
            stand_in.chmod(0o755)
    return root


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_unit_verifies_without_a_warning(unit: Path, unit_root: Path) -> None:
    analyze = need("systemd-analyze", "systemd")
    # Documentation=man:... pages are checked with man(1) where there is one to ask.
    man = [] if shutil.which("man") else ["--man=no"]
    done = subprocess.run(
        [analyze, "verify", f"--root={unit_root}", *man, unit.name],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_backend_unit_is_sandboxed(unit_root: Path) -> None:
    """systemd's own score of the unit's exposure (0 none, 10 all): the backend faces the internet."""
    analyze = need("systemd-analyze", "systemd")
    done = subprocess.run(
        [
            analyze,
            "security",
            "--offline=yes",
            f"--root={unit_root}",
            "--threshold=20",
            "nahbei-backend.service",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr


def test_caddyfile_is_valid(tmp_path: Path) -> None:
    caddy = need("caddy", "caddy")
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [caddy, "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def repo_files() -> Iterator[Path]:
    """Every file of the project: not the virtualenv, caches or what tests and benchmarks write."""
    skip = {"var", "reports", "__pycache__", "build", "dist", "out"}
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in skip and not d.endswith(".egg-info")]
        for name in files:
            yield Path(folder) / name


def test_no_file_points_at_a_repository_that_does_not_exist() -> None:
    invented = "github.com/" + "nahbei"  # spelled in two parts so that this file passes too
    named = [
        str(path.relative_to(REPO))
        for path in repo_files()
        if path.suffix not in {".pyc", ".db", ".sqlite3"} and invented in path.read_text(errors="replace")
    ]
    assert named == []


def test_documents_and_units_name_only_real_or_example_hosts() -> None:
    unknown = {
        f"{path.relative_to(REPO)}: {host}"
        for path in repo_files()
        if path.suffix in DOCUMENTS or path.name == "Caddyfile"
        for host in URL.findall(path.read_text(errors="replace"))
        if not EXAMPLE_HOST.match(host) and host not in REAL_HOSTS
    }
    assert unknown == set()
