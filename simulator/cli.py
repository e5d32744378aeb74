"""``nahbei-sim``: run the simulator from a terminal.

``demo`` runs the busy street (three sites, real agents through the fake BlueZ) and prints the
report; ``run`` runs any scenario file or bundled scenario; ``list`` shows the bundled ones. Each
run writes ``report.json``, ``report.svg`` and ``report.html`` into its report folder.
``scenario-reference`` and ``scenario-schema`` print what a scenario file may hold, for people and for
editors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

from beacon_agent.contract import logs
from simulator.engine.run import Progress, SimulationError, run_scenario
from simulator.report.figures import summary_lines
from simulator.report.record import RunRecord
from simulator.world.scenario import ScenarioError, bundled_scenarios, load_scenario
from simulator.world.scenario_reference import scenario_reference, scenario_schema

DEMO_SCENARIO: Final = "busy_street"
# Five minutes of street in two and a half: real agents keep up easily, and a demo should not drag.
DEMO_SPEED: Final = 2.0
PLAIN_PROGRESS_EVERY_S: Final = 10.0  # a log file or CI console gets a line every so often, not 2 a second
_EPILOG: Final = """\
examples:
  nahbei-sim demo                      the busy street with real agents, report in reports/busy_street-1/
  nahbei-sim demo --serve              ... and keep the backend up to explore it with curl
  nahbei-sim run quiet_street --agents inline --speed 0
  nahbei-sim run my_street.toml --seed 7 --duration 120 --report /tmp/street
  nahbei-sim list
  nahbei-sim scenario-reference        every scenario field: default, range, meaning

--agents bleak (the default) runs the real agent (`python -m beacon_agent run`) in its own process,
scanning with bleak through a fake BlueZ on a private D-Bus: it needs `dbus-daemon` (Debian package
`dbus`). --agents inline runs the agent's core in this process on the simulation's clock, which can
run much faster than real time.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nahbei-sim",
        description="Simulate a street: beacons, walkers with the companion app, beacon agents and the real "
        "backend, end to end, and report what the walkers were shown.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="run the busy street (hospice, food bank, sports club) with real agents and print the report",
        description="The busy street: three sites, eighty walkers, real agent processes through the fake "
        f"BlueZ; five minutes of street at {DEMO_SPEED:g}x, then the report's figures and picture.",
    )
    _common(demo, speed_default=f"{DEMO_SPEED:g} with real agents, 0 inline")
    run = sub.add_parser(
        "run",
        help="run one scenario (a TOML file or a bundled name) and write its report",
        description="Run one scenario end to end and write report.json, report.svg and report.html.",
    )
    run.add_argument(
        "scenario",
        metavar="SCENARIO",
        help="a scenario file, or the name of a bundled one (see `nahbei-sim list`)",
    )
    run.add_argument(
        "--duration",
        type=_positive,
        metavar="SECONDS",
        help="seconds of world time to simulate (default: the scenario's duration_s)",
    )
    _common(run, speed_default="1 with real agents, 0 inline")
    sub.add_parser("list", help="list the bundled scenarios", description="The bundled scenarios.")
    sub.add_parser(
        "scenario-reference",
        help="print every scenario field with its default, range and meaning (Markdown)",
        description="Every field a scenario file may have: its type, default, what it accepts and what it means, "
        "as Markdown generated from the scenario models (simulator/SCENARIOS.md is a copy).",
    )
    sub.add_parser(
        "scenario-schema",
        help="print the JSON Schema of a scenario file, for editors",
        description="The JSON Schema (draft 2020-12) of a scenario file, generated from the scenario models "
        "(simulator/scenario.schema.json is a copy). With Even Better TOML, a first line "
        "`#:schema <path to it>` checks a scenario as you type.",
    )
    return parser


def _common(parser: argparse.ArgumentParser, speed_default: str) -> None:
    parser.add_argument(
        "--seed", type=int, default=1, metavar="N", help="random seed; a seed replays exactly (default 1)"
    )
    parser.add_argument(
        "--speed",
        type=_not_negative,
        metavar="X",
        help="world seconds per wall-clock second; 0 = as fast as possible, inline agents only "
        f"(default {speed_default})",
    )
    parser.add_argument(
        "--agents",
        choices=["bleak", "inline"],
        default="bleak",
        help="bleak: real agent processes scanning through the fake BlueZ (needs dbus-daemon); "
        "inline: the agent's core in process, on the simulation's clock (default bleak)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="folder for the report and the run's files (default reports/<scenario>-<seed>/)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="run the backend on this PostgreSQL database (postgresql://user@host/db; empty, or one an "
        "earlier run used: it is started anew) instead of a SQLite file in the report's folder",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="after the report, keep the backend up until Ctrl-C and print its URL, admin key and curl calls",
    )


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 (got {text})")
    return value


def _not_negative(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more (got {text})")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number (got {text})")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "list":
        return _list(sys.stdout)
    if args.command == "scenario-reference":
        sys.stdout.write(scenario_reference())
        return 0
    if args.command == "scenario-schema":
        sys.stdout.write(json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n")
        return 0
    try:
        scenario = load_scenario(DEMO_SCENARIO if args.command == "demo" else args.scenario)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 2
    logs.configure("auto", "warning")
    speed = args.speed
    if speed is None:  # real agents live on the wall clock; inline, the world need not wait for it
        speed = (DEMO_SPEED if args.command == "demo" else 1.0) if args.agents == "bleak" else 0.0
    folder = args.report or Path("reports") / f"{scenario.name}-{args.seed}"
    if (unwritable := _unwritable(folder)) is not None:
        print(f"nahbei-sim: {unwritable}", file=sys.stderr)
        return 2
    line = ProgressLine(sys.stdout)
    try:
        asyncio.run(
            run_scenario(
                scenario,
                seed=args.seed,
                duration_s=getattr(args, "duration", None),
                speed=speed,
                agents=args.agents,
                folder=folder,
                progress=line,
                serve=args.serve,
                on_report=_printer(line, folder),
                db=args.db,
            )
        )
    except SimulationError as exc:
        line.end()
        print(f"nahbei-sim: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        line.end()
        print("nahbei-sim: interrupted" if not args.serve else "nahbei-sim: stopped", file=sys.stderr)
        return 130 if not args.serve else 0
    return 0


def _unwritable(folder: Path) -> str | None:
    """Why the run could not write its report into `folder` (made if missing), said before it starts."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc)
        return f"cannot write the report into {str(folder)!r}: {why}; choose another folder with --report"
    return None


def _list(out: TextIO) -> int:
    for name, path in sorted(bundled_scenarios().items()):
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            print(f"{name:<18} (does not load: {exc})", file=out)
            continue
        sites = len(scenario.sites)
        what = f"{scenario.duration_s:g} s, {sites} site{'s' if sites != 1 else ''}"
        print(f"{name:<18} {scenario.description} ({what})", file=out)
    return 0


def _printer(line: ProgressLine, folder: Path) -> Callable[[RunRecord, dict[str, Any]], None]:
    def show(record: RunRecord, figures: dict[str, Any]) -> None:
        line.end()
        if figures:
            print("\n".join(summary_lines(figures)))
        else:
            print("\n".join(f"note: {note}" for note in record.notes))
        for label, name in (("picture", "report.svg"), ("page", "report.html"), ("figures", "report.json")):
            if (folder / name).exists():
                print(f"{label + ':':<8} {folder / name}")
        sys.stdout.flush()

    return show


class ProgressLine:
    """The run's progress: one line rewritten in place on a terminal, a plain line now and then otherwise."""

    def __init__(self, out: TextIO, every_s: float = PLAIN_PROGRESS_EVERY_S) -> None:
        self._out = out
        self._tty = out.isatty()
        self._every_s = every_s
        self._next = 0.0
        self._open = False

    def __call__(self, p: Progress) -> None:
        text = (
            f"{p.world_s:5.0f}/{p.duration_s:g} s  walkers {p.walkers} ({p.phones} with the app)  "
            f"sightings {p.produced} sent, {p.received} stored  prompts {p.shown}  alerts {p.alerts}"
        )
        if self._tty:
            self._out.write("\r" + text + "\x1b[K")
            self._open = True
        elif time.monotonic() >= self._next or p.world_s >= p.duration_s:
            self._next = time.monotonic() + self._every_s
            self._out.write(text + "\n")
        self._out.flush()

    def end(self) -> None:
        """Finish the line in place, so that what follows starts on a line of its own."""
        if self._open:
            self._out.write("\n")
            self._out.flush()
            self._open = False
