"""`python -m benchmarks` (`make bench`): every figure against its baseline, measured in one run.

Sections (`--only http,agent,sim`, default all):

- http:  the backend under wrk (issue "Backend v1"), on SQLite and on a throwaway PostgreSQL the
         bench starts itself (issue 15; `--stores`), each with `serve --workers 1` and `2`
         (`--workers`), see `benchmarks/http/bench.py`; other clients'
         latency under 4 MB bodies (issue "Hardening, round two"), see `benchmarks/http/attack.py`;
         the web app's shell size (issue 14), see `benchmarks/http/app_shell.py`; the staff pages of
         an organisation with 1,000 sites (issue 13), see `benchmarks/http/staff.py`
- agent: the beacon agent through the fake BlueZ vs a bare BleakScanner and Theengs Gateway
         (issue "Beacon agent"), see `benchmarks/agent/bench.py`
- sim:   the simulator's pace (issue "Simulator"), see `benchmarks/sim/bench.py`

Prints progress while it runs, then a table, one row per figure, store and number of workers, with
figure, baseline, ratio, target and whether it was met, and writes `benchmarks/results.json`: a list
of {"name", "figure", "unit", "baseline", "ratio"} (plus the target, whether it was met, a note, the
store, the workers and the section). Figures of sections not run this time are kept from the
previous file. Databases and logs are kept in `benchmarks/out/`.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from benchmarks import wrk
from benchmarks.http.bench import STORES, Bench, Result

HERE = Path(__file__).resolve().parent
SECTIONS: Final = ("http", "agent", "sim")
# What each section runs besides Python, and the Debian package that brings it.
TOOLS: Final = {
    "http": [("wrk", "wrk")],
    "agent": [("dbus-daemon", "dbus"), ("mosquitto", "mosquitto")],
    "sim": [("dbus-daemon", "dbus")],
}
SBIN: Final = ("/usr/sbin", "/usr/bin")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help="comma-separated sections: http, agent, sim (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="short runs: a first look, not the figures")
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="length of each measured load or round (default 10, quick 3); the http section runs each"
        " request load for half of it, rounded up to whole seconds, in each of three interleaved rounds",
    )
    parser.add_argument(
        "--sites",
        type=int,
        default=None,
        help="sites in the large database (default 1,000,000, quick 20,000)",
    )
    parser.add_argument(
        "--stores",
        default=",".join(s.lower() for s in STORES),
        help="the http section's backend stores, comma-separated: sqlite, postgresql (default both);"
        " PostgreSQL's rows need Debian's postgresql and postgresql-postgis, else they say so and are left out",
    )
    parser.add_argument(
        "--workers",
        default="1,2",
        help="the http section's `serve --workers` counts for resolve and nearby, comma-separated (default"
        " 1,2); p99 and ingest are measured with the first",
    )
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where databases and logs are kept")
    parser.add_argument(
        "--results", type=Path, default=HERE / "results.json", help="the JSON written at the end"
    )
    args = parser.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown or not only:
        parser.error(f"--only takes {', '.join(SECTIONS)}; got {args.only!r}")
    stores = [s for s in STORES if s.lower() in {x.strip().lower() for x in args.stores.split(",")}]
    if not stores or len(stores) != len({x for x in args.stores.split(",") if x.strip()}):
        parser.error(f"--stores takes sqlite, postgresql; got {args.stores!r}")
    try:
        workers = [int(n) for n in args.workers.split(",") if n.strip()]
    except ValueError:
        workers = []
    if not workers or min(workers) < 1:
        parser.error(f"--workers takes whole numbers from 1, comma-separated; got {args.workers!r}")
    missing = {(tool, package) for section in only for tool, package in TOOLS[section] if not _found(tool)}
    if missing:
        for tool, package in sorted(missing):
            print(
                f"benchmarks: {tool} is missing; install it (Debian: apt-get install {package})",
                file=sys.stderr,
            )
        return 2
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    sites = args.sites or (20_000 if args.quick else 1_000_000)
    args.out.mkdir(parents=True, exist_ok=True)
    from beacon_agent.contract import logs

    logs.configure("console", "warning")  # the fake BlueZ's and the bus's debug lines stay out of the table

    def say(line: str) -> None:
        print(line, flush=True)

    runners: dict[str, Callable[[], list[Result]]] = {
        "http": lambda: _http(Bench(args.out, seconds, sites, say, stores, workers)),
        "agent": lambda: _agent(args.out, seconds, args.quick, say),
        "sim": lambda: _sim(args.out, seconds, args.quick, say),
    }
    produced: list[tuple[str, Result]] = []
    for section in only:
        say(f"\n== {section} ==")
        produced += [(section, result) for result in runners[section]()]
    print()
    print(table([r for _, r in produced]))
    kept = [entry for entry in _previous(args.results) if entry.get("section", "http") not in only]
    fresh = [{**result.as_dict(), "section": section} for section, result in produced]
    args.results.write_text(json.dumps(kept + fresh, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten: {args.results}")
    return 0


def _found(tool: str) -> bool:
    return shutil.which(tool) is not None or any(Path(folder, tool).exists() for folder in SBIN)


def _http(bench: Bench) -> list[Result]:
    from benchmarks.http import seed
    from benchmarks.http.bench import ROUNDS, round_seconds

    out, seconds, say = bench.folder, bench.seconds, bench.say

    say(
        f"wrk -t{wrk.THREADS} -c{wrk.CONNECTIONS} on 127.0.0.1: each request load {round_seconds(seconds)} s in each"
        f" of {ROUNDS} rounds, ingest {math.ceil(seconds)} s"
    )
    from benchmarks.http import app_shell, attack

    results = bench.run()
    say(f"cheap requests stay cheap: other clients under {attack.ATTACKS_PER_S} x 4 MB resolves a second")
    db = bench.copy(seed.database(out, 1000), "attack")
    results.append(attack.run(db, bench.log, seconds, say))
    from benchmarks.http import staff

    say(f"the staff pages of an organisation with {staff.BIG:,} sites and {staff.BEACONS:,} beacons")
    results += staff.run(bench, say)
    say("the app shell a phone downloads on its first visit to /app/")
    return [*results, app_shell.run(say)]


def _agent(out: Path, seconds: float, quick: bool, say: Callable[[str], None]) -> list[Result]:
    from benchmarks.agent.bench import AgentBench

    return AgentBench(out, seconds, quick, say).run()


def _sim(out: Path, seconds: float, quick: bool, say: Callable[[str], None]) -> list[Result]:
    from benchmarks.sim.bench import SimBench

    return SimBench(seconds, quick, say).run()


def _previous(path: Path) -> list[dict[str, Any]]:
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def table(results: list[Result]) -> str:
    """One row per figure, store and workers: figure, baseline, ratio, target and whether it was met."""
    lines = [
        f"{'figure':<54} {'store':<10} {'workers':>7} {'value':>12} {'unit':<7} {'baseline':>12} {'ratio':>8}"
        "  target     met"
    ]
    for r in results:
        met = ("ok" if r.met else "MISSED") if r.target else ""
        workers = "" if r.workers is None else str(r.workers)
        lines.append(
            f"{r.name:<54} {r.store:<10} {workers:>7} {r.figure:>12,.2f} {r.unit:<7} {r.baseline:>12,.2f}"
            f" {r.ratio:>8.3f}  {r.target:<10} {met}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
