"""`python -m benchmarks` (`make bench`): every figure against its baseline, measured in one run.

Prints a table of figure, baseline and ratio, and writes `benchmarks/results.json`: a list of
{"name", "figure", "unit", "baseline", "ratio"} (plus the target and whether it was met).
Databases for the large runs are made once and kept in `benchmarks/out/`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks import wrk
from benchmarks.http_bench import Bench, Result

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each measured load (default 10)"
    )
    parser.add_argument(
        "--sites",
        type=int,
        default=1_000_000,
        help="sites and beacons in the large database (default 1,000,000)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where databases and logs are kept")
    parser.add_argument(
        "--results", type=Path, default=HERE / "results.json", help="the JSON written at the end"
    )
    args = parser.parse_args()
    if not wrk.available():
        print("benchmarks: wrk is missing; install it (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"Benchmarks: wrk -t{wrk.THREADS} -c{wrk.CONNECTIONS}, {args.seconds:g} s each, on 127.0.0.1")
    results = Bench(args.out, args.seconds, args.sites, lambda line: print(line, flush=True)).run()
    print()
    print(table(results))
    args.results.write_text(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    print(f"\nwritten: {args.results}")
    return 0


def table(results: list[Result]) -> str:
    lines = [f"{'figure':<46} {'value':>14} {'baseline':>14} {'ratio':>7}  target"]
    for r in results:
        mark = "ok" if r.met else "MISSED"
        lines.append(
            f"{r.name:<46} {r.figure:>10,.1f} {r.unit.split()[0]:<3} {r.baseline:>10,.1f}    {r.ratio:>7.3f}  "
            f"{r.target} {mark}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
