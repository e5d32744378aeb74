"""Figures the reliability suite measures, and the table in RELIABILITY.md they become.

Each test records what it measured through the `figure` fixture. With ``NAHBEI_FIGURES`` set to a file
(``make reliability`` does), every figure is appended to it as one JSON line; afterwards
``python -m tests.reliability.figures FILE`` writes the table between the markers in RELIABILITY.md.
Without the variable the figures are only printed (``pytest -s`` shows them), so ``make test`` leaves
RELIABILITY.md alone.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

FIGURES_ENV: Final = "NAHBEI_FIGURES"
FULL_ENV: Final = "NAHBEI_RELIABILITY"
ROOT: Final = Path(__file__).resolve().parents[2]
DOCUMENT: Final = ROOT / "RELIABILITY.md"
START: Final = "<!-- figures:start -->"
END: Final = "<!-- figures:end -->"


def full() -> bool:
    """The long versions (``make reliability``) rather than the short ones ``make test`` runs."""
    return os.environ.get(FULL_ENV, "") == "full"


def scaled(short: float, long: float) -> float:
    """A duration or amount: `short` in ``make test``, `long` in ``make reliability``."""
    return long if full() else short


@dataclass(frozen=True)
class Figure:
    area: str  # "load", "faults", "hostile input", "access", "abuse", "privacy", "contract"
    what: str  # what was measured, in a reader's words
    value: str  # the measured result, with its unit
    target: str  # what it must be
    met: bool
    test: str  # the test that measured it: how it was measured is in its docstring


class Figures:
    """Collects one test's figures; the fixture gives each test its own."""

    def __init__(self, test: str) -> None:
        self.test = test
        self.recorded: list[Figure] = []

    def __call__(self, area: str, what: str, value: str, target: str, met: bool) -> None:
        figure = Figure(area, what, value, target, bool(met), self.test)
        self.recorded.append(figure)
        print(f"figure [{area}] {what}: {value} (target {target}) {'met' if met else 'MISSED'}")
        path = os.environ.get(FIGURES_ENV)
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(asdict(figure)) + "\n")


def table(figures: list[Figure]) -> str:
    mode = "full (`make reliability`)"
    lines = [
        f"Figures of the last {mode} run. How each was measured: the test named in the last column (its",
        "docstring says how; `pytest -s` on it prints the figures).",
        "",
        "| area | what | measured | target | met | test |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        lines.append(
            f"| {f.area} | {f.what} | {f.value} | {f.target} | {'yes' if f.met else '**no**'} | `{f.test}` |"
        )
    return "\n".join(lines)


def write_document(figures_file: Path, document: Path = DOCUMENT) -> int:
    """Replace the table in RELIABILITY.md; the number of figures not met is the exit status."""
    figures = [Figure(**json.loads(line)) for line in figures_file.read_text().splitlines() if line.strip()]
    text = document.read_text()
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    document.write_text(f"{before}{START}\n{table(figures)}\n{END}{after}")
    missed = sum(not f.met for f in figures)
    print(f"RELIABILITY.md: {len(figures)} figures, {missed} not met")
    return missed


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.reliability.figures FIGURES.jsonl")
    sys.exit(1 if write_document(Path(sys.argv[1])) else 0)
