"""A careless new user at the command lines (hardening round two, items 16-20), run as processes, as a
person runs them:

- a `--db` that is a folder, in a folder that cannot be made or written, or not a database; a port in
  use; a host this machine cannot listen on; an agent outbox or a simulator `--report` where nothing
  can be written: each is one line on stderr and exit status 2, never a traceback, and `demo` with its
  port in use stops before it prints any key;
- `demo` never wipes a database it did not seed (unless `--reset-demo`), and `NAHBEI_DB` counts
  wherever `--help` says it does;
- `serve --port 0` says the port it bound, on stdout and in the log, and that port answers;
- every `pip install` and `nahbei-*` command in the README's shell blocks names an install source,
  extra, program, subcommand and option that exist (the commands are parsed by the real parsers);
- a prompt created as a draft says, in the admin API's answer, that phones never see it and how to
  publish it.

The figures are counts of cases handled as they should be; every case must be.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import shlex
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from backend.cli import build_parser as backend_parser
from backend.config import Settings
from beacon_agent.cli import build_parser as agent_parser
from simulator.cli import build_parser as sim_parser
from tests.conftest import SITE, Backend, prompt_body
from tests.reliability.figures import Figures

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = {"nahbei-backend": "backend", "nahbei-agent": "beacon_agent", "nahbei-sim": "simulator"}
FOREIGN_HOST = "203.0.113.9"  # TEST-NET-3: an address no machine of ours has
START_TIMEOUT_S = 60.0  # only stops a hung server from hanging the suite; nothing is timed
# The code of this tree, whichever folder a command runs in (some run in a folder of their own).
HERE = {"PYTHONPATH": str(ROOT)}


def run(
    program: str, *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", PROGRAMS[program], *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, **HERE, **(env or {})},
    )


def refused_in_one_line(done: subprocess.CompletedProcess[str], program: str, names: str) -> bool:
    """Exit 2 and one line on stderr, from the program, naming what was wrong; no traceback."""
    lines = done.stderr.strip().splitlines()
    return (
        done.returncode == 2
        and len(lines) == 1
        and lines[0].startswith(f"{program}: ")
        and names in lines[0]
        and "Traceback" not in done.stderr + done.stdout
    )


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder nobody running the tests can write in: a read-only one, or /proc for root (whom file
    modes do not stop)."""
    if os.geteuid() == 0:
        return Path("/proc")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


@contextmanager
def port_in_use() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def bad_databases(tmp_path: Path) -> dict[str, str]:
    junk = tmp_path / "notes.db"
    junk.write_text("not a database\n")
    return {
        "a folder": str(tmp_path),
        "in a folder that cannot be made": str(unwritable_folder(tmp_path) / "missing" / "nahbei.db"),
        "in a folder that cannot be written": str(unwritable_folder(tmp_path) / "nahbei.db"),
        "not a database": str(junk),
    }


def test_bad_databases_ports_and_hosts_are_one_line_and_exit_2(tmp_path: Path, figure: Figures) -> None:
    """Every subcommand that opens the database, each bad `--db`; `serve` and `demo`, a port in use and
    hosts that cannot be listened on. `demo` with its port in use must print no key."""
    failures: list[str] = []
    cases = 0
    for what, db in bad_databases(tmp_path).items():
        for command in (["serve", "--port", "0"], ["admin", "create-org", "Tafel"], ["demo", "--no-serve"]):
            cases += 1
            done = run("nahbei-backend", *command, "--db", db)
            if not refused_in_one_line(done, "nahbei-backend", repr(db)):
                failures.append(f"{command[0]} --db {what}: {done.returncode} {done.stderr[-300:]!r}")
    with port_in_use() as port:
        for command in (["serve"], ["demo"]):
            for where, named in (
                (["--port", str(port)], f"127.0.0.1:{port}"),
                (["--host", FOREIGN_HOST, "--port", "0"], FOREIGN_HOST),
                (["--host", "no-such-host.invalid"], "no-such-host.invalid"),
            ):
                cases += 1
                db = str(tmp_path / f"{command[0]}.db")
                extra = ["--reset-demo"] if command == ["demo"] else []
                done = run("nahbei-backend", *command, *where, *extra, "--db", db)
                if (
                    not refused_in_one_line(done, "nahbei-backend", named)
                    or "nbk_" in done.stdout + done.stderr
                ):
                    failures.append(
                        f"{command[0]} {where}: {done.returncode} {done.stdout[-200:]!r} {done.stderr[-300:]!r}"
                    )
    figure(
        "careless user",
        "nahbei-backend given a bad --db (folder, folder not makeable or writable, not a database), a port in "
        "use, a host it cannot bind: one line on stderr, exit 2, no key printed",
        f"{cases - len(failures)} of {cases}",
        "all",
        not failures,
    )
    assert not failures, failures


def test_the_agent_and_the_simulator_refuse_places_they_cannot_write(tmp_path: Path, figure: Figures) -> None:
    """The agent's outbox file and the simulator's `--report` folder, each where nothing can be written."""
    config = tmp_path / "agent.toml"
    config.write_bytes((ROOT / "beacon_agent" / "agent.example.toml").read_bytes())
    agent_env = {"NAHBEI_AGENT_BACKEND_URL": "http://127.0.0.1:9", "NAHBEI_AGENT_BACKEND_TOKEN": "nba_x"}
    failures: list[str] = []
    outboxes = bad_databases(tmp_path)
    for what, outbox in outboxes.items():
        done = run(
            "nahbei-agent",
            "run",
            "--config",
            str(config),
            env={**agent_env, "NAHBEI_AGENT_OUTBOX_PATH": outbox},
        )
        if not refused_in_one_line(done, "nahbei-agent", repr(outbox)):
            failures.append(f"agent outbox {what}: {done.returncode} {done.stderr[-300:]!r}")
    reports = {
        "in a folder that cannot be written": str(unwritable_folder(tmp_path) / "street"),
        "a file": outboxes["not a database"],
    }
    for what, report in reports.items():
        done = run(
            "nahbei-sim", "run", "quiet_street", "--agents", "inline", "--speed", "0", "--report", report
        )
        if not refused_in_one_line(done, "nahbei-sim", repr(report)):
            failures.append(f"sim --report {what}: {done.returncode} {done.stderr[-300:]!r}")
    cases = len(outboxes) + len(reports)
    figure(
        "careless user",
        "nahbei-agent's outbox and nahbei-sim's --report where nothing can be written: one line, exit 2",
        f"{cases - len(failures)} of {cases}",
        "all",
        not failures,
    )
    assert not failures, failures


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_wipes_only_its_own_database(tmp_path: Path, figure: Figures) -> None:
    """An organisation's database (and another program's SQLite file) given to `demo`, by `--db` and by
    `NAHBEI_DB`: refused naming the file, left byte for byte; the demo's own database is seeded anew;
    `--reset-demo` replaces anything."""
    ours = tmp_path / "nahbei.db"
    assert run("nahbei-backend", "admin", "create-org", "Hospiz am Park", "--db", str(ours)).returncode == 0
    other = tmp_path / "other.sqlite"
    other.write_bytes(b"")  # an empty file: nothing to lose
    wiped = 0
    tries = [(["--db", str(ours)], {}), ([], {"NAHBEI_DB": str(ours)}), (["--db", f"sqlite:///{ours}"], {})]
    for args, env in tries:
        before = digest(ours)
        done = run("nahbei-backend", "demo", "--no-serve", *args, env=env)
        assert refused_in_one_line(done, "nahbei-backend", repr(str(ours))), done.stderr
        assert "--reset-demo" in done.stderr and "nbk_" not in done.stdout
        wiped += digest(ours) != before
    demo = tmp_path / "demo.db"
    for _ in range(2):  # the demo's own database, seeded again and again; an empty file is seeded too
        for db in (demo, other):
            done = run("nahbei-backend", "demo", "--no-serve", "--db", str(db))
            assert done.returncode == 0 and "nbk_" in done.stdout, done.stderr
    done = run("nahbei-backend", "demo", "--no-serve", "--reset-demo", "--db", str(ours))
    assert done.returncode == 0 and f"seeded into {ours}" in done.stdout, done.stderr
    figure(
        "careless user",
        "an organisation's database given to `demo --no-serve` (by --db, NAHBEI_DB, a sqlite:/// URL): wiped",
        f"{wiped} of {len(tries)}",
        "0, refused naming the file",
        wiped == 0,
    )
    assert wiped == 0


@contextmanager
def serving(*args: str, env: dict[str, str], cwd: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`nahbei-backend serve ARGS` and the URL it says on stdout that it serves on."""
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**os.environ, **HERE, **env},
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        line = ""
        while time.monotonic() < deadline and not line:
            if select.select([process.stdout], [], [], 1.0)[0]:
                line = process.stdout.readline()
                if not line:
                    break
        found = re.fullmatch(r"Serving on (http://\S+)\n", line)
        assert found, (line, process.poll())
        yield found[1], process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_on_port_0_says_the_port_it_bound(tmp_path: Path, figure: Figures) -> None:
    """`serve --port 0`: the URL on stdout names a real port, the log's `serving` line names the same,
    and `/healthz` answers there. The database comes from `NAHBEI_DB`, as `--help` says it may."""
    db = tmp_path / "from-env.db"
    with serving("--port", "0", "--log-format", "json", env={"NAHBEI_DB": str(db)}, cwd=tmp_path) as (
        url,
        process,
    ):
        port = int(url.rsplit(":", 1)[1])
        answered = requests.get(f"{url}/healthz", timeout=30).status_code
        process.terminate()
        _, log = process.communicate(timeout=30)
    logged = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    said = [line["url"] for line in logged if line.get("event") == "serving"]
    met = port != 0 and answered == 200 and said == [url] and db.is_file()
    figure(
        "careless user",
        "`serve --port 0`: the port said on stdout and in the log, and /healthz there",
        f"port {'picked' if port else 0}, same in the log: {said == [url]}, /healthz {answered}",
        "said in both, 200",
        met,
    )
    assert met, (url, said, answered, db.is_file())


def test_nahbei_db_counts_wherever_help_says_it_does(tmp_path: Path, figure: Figures) -> None:
    """Each subcommand whose `--help` names `env NAHBEI_DB` uses the file it names; every `env NAHBEI_X`
    a help names is a setting the environment is read for."""
    honoured, said = 0, 0
    for command in (["admin", "create-org", "Tafel"], ["demo", "--no-serve"], ["serve"]):
        help_text = run(
            "nahbei-backend", *command[:2] if command[0] == "admin" else command[:1], "--help"
        ).stdout
        named = set(re.findall(r"env\s+NAHBEI_([A-Z_]+)", help_text))
        assert named <= {name.upper() for name in Settings.model_fields}, named
        if "DB" not in named:
            continue
        said += 1
        db = tmp_path / f"{command[0]}.db"
        if command == ["serve"]:
            with subprocess.Popen(
                [sys.executable, "-m", "backend", "serve", "--port", "0"],
                cwd=tmp_path,
                env={**os.environ, **HERE, "NAHBEI_DB": str(db)},
            ) as server:
                deadline = time.monotonic() + START_TIMEOUT_S
                while not db.is_file() and server.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.1)
                server.terminate()
        else:
            assert run("nahbei-backend", *command, env={"NAHBEI_DB": str(db)}, cwd=tmp_path).returncode == 0
        honoured += db.is_file()
    figure(
        "careless user",
        "subcommands whose --help names NAHBEI_DB that use the file it names",
        f"{honoured} of {said}",
        "all (serve, admin create-org, demo)",
        honoured == said == 3,
    )
    assert honoured == said == 3


# --- the README's commands ------------------------------------------------------------------------

PARSERS = {"nahbei-backend": backend_parser, "nahbei-agent": agent_parser, "nahbei-sim": sim_parser}
WHEEL = re.compile(r"(?:.*/)?nahbei-(?P<version>[^-]+)-py3-none-any\.whl")


def shell_commands(markdown: str) -> Iterator[tuple[int, list[str]]]:
    """Each simple command of the ```sh blocks: its block's number and its words, with sudo, env,
    variable assignments, $(...) substitutions and redirections set aside."""
    blocks = re.findall(r"```sh\n(.*?)```", markdown, flags=re.S)
    for number, block in enumerate(blocks):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\$\([^)]*\)", "X", line)
            for part in re.split(r"&&|\|\||[|;]", line):
                words = shlex.split(part, comments=True)
                redirected = [i for i, w in enumerate(words) if re.fullmatch(r"\d?>>?(&\d)?|<", w)]
                words = words[: redirected[0]] if redirected else words
                while words and (words[0] in ("sudo", "env") or re.fullmatch(r"\w+=\S*", words[0])):
                    words = words[1:]
                if words:
                    yield number, words


def problems_of(words: list[str], extras: set[str], scripts: set[str], version: str) -> list[str]:
    program = Path(words[0]).name
    if program == "pip" and words[1:2] == ["install"]:
        problems = []
        for target in (w for w in words[2:] if not w.startswith("-")):
            source, _, rest = target.partition("[")
            unknown = set(filter(None, rest.rstrip("]").split(","))) - extras
            wheel = WHEEL.fullmatch(source)
            if unknown:
                problems.append(f"pip install {target}: no extra {sorted(unknown)}")
            if wheel and wheel["version"] != version:
                problems.append(f"pip install {target}: the version is {version}")
            if not wheel and source != "." and "/" not in source:
                problems.append(f"pip install {target}: Nahbei is not on PyPI; install a checkout or a wheel")
        return problems
    if program.startswith("nahbei-") and program in PARSERS:
        if program not in scripts:
            return [f"{program}: no such console script"]
        try:
            PARSERS[program]().parse_args(words[1:])
        except SystemExit as stop:
            return [f"{' '.join(words)}: does not parse ({stop.code})"] if stop.code else []
    return []


def test_every_install_and_nahbei_command_in_the_readme_exists(
    figure: Figures, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's shell blocks: each `pip install` names `.`, a path or a wheel of this version with
    extras pyproject.toml has (Nahbei is not on PyPI); a block that runs `nahbei-backend` after installing
    installs the `backend` extra; each `nahbei-*` command is a console script and parses with its real
    parser, subcommand and options."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras, scripts = set(project["optional-dependencies"]), set(project["scripts"])
    commands = list(shell_commands((ROOT / "README.md").read_text()))
    problems: list[str] = []
    installs: dict[int, list[str]] = {}
    checked = 0
    for block, words in commands:
        found = problems_of(words, extras, scripts, project["version"])
        problems += found
        program = Path(words[0]).name
        checked += program == "pip" or program in PARSERS
        if program == "pip":
            installs.setdefault(block, []).extend(words[2:])
        elif program == "nahbei-backend" and not any(
            "backend" in t for t in installs.get(block, ["backend"])
        ):
            problems.append(f"block {block} runs nahbei-backend but installs without the backend extra")
    capsys.readouterr()  # what --help printed while parsing
    figure(
        "careless user",
        "README shell commands (pip install, nahbei-*) that name a real install source, extra, program, "
        "subcommand and option",
        f"{checked - len(problems)} of {checked}",
        "all",
        not problems and checked >= 10,
    )
    assert checked >= 10 and not problems, problems


def test_the_readme_check_finds_drift() -> None:
    """The check above can fail: the old README's lines, an unknown option and extra are each found."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras, scripts = set(project["optional-dependencies"]), set(project["scripts"])
    drifted = "```sh\npip install nahbei\npip install '.[web]'\nnahbei-backend serve --threads 4\n```\n"
    found = [p for _, words in shell_commands(drifted) for p in problems_of(words, extras, scripts, "0.1.0")]
    assert len(found) == 3, found


# --- drafts ---------------------------------------------------------------------------------------


async def test_a_draft_prompt_says_it_is_never_shown_and_how_to_publish(
    backend: Backend, figure: Figures
) -> None:
    """A prompt created without `status` is a draft: the answer's `notice` says so and how to publish;
    once published the notice is null; the OpenAPI document describes the field; the README says it."""
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    body = prompt_body()
    del body["status"]
    path = f"/v1/admin/sites/{site}/prompts"
    draft = await backend.json("POST", path, 201, json=body)
    listed = (await backend.json("GET", path, 200))["prompts"][0]
    published = await backend.json("PATCH", f"{path}/{draft['id']}", 200, json={"status": "published"})
    document = await backend.json("GET", "/openapi.json", 200)
    readme = (ROOT / "README.md").read_text()
    notice = draft.get("notice") or ""
    said = [
        draft["status"] == "draft" and "never shown" in notice and f"PATCH {path}/{draft['id']}" in notice,
        listed.get("notice") == notice,
        published.get("notice", "missing") is None,
        "notice" in json.dumps(document["components"]["schemas"]),
        "never shown to phones" in readme and '{"status": "published"}' in readme,
    ]
    figure(
        "careless user",
        "a prompt created as a draft: notice in the create and list answers, null once published, in the "
        "OpenAPI document and the README",
        f"{sum(said)} of {len(said)}",
        "all",
        all(said),
    )
    assert all(said), (draft, listed, published)
