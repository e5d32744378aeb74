"""The table `make reliability` writes into RELIABILITY.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability.figures import DOCUMENT, END, START, Figures, write_document


def test_figures_become_the_table_and_the_prose_around_it_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures_file = tmp_path / "figures.jsonl"
    monkeypatch.setenv("NAHBEI_FIGURES", str(figures_file))
    record = Figures("tests/reliability/test_x.py::test_y")
    record("faults", "batches lost", "0 of 40", "0", True)
    record("load", "p99 latency", "80 ms", "< 50 ms", False)
    assert [json.loads(line)["what"] for line in figures_file.read_text().splitlines()] == [
        "batches lost",
        "p99 latency",
    ]
    document = tmp_path / "RELIABILITY.md"
    document.write_text(f"# Title\n\n{START}\nold table\n{END}\n\n## Faults\nprose\n")
    assert write_document(figures_file, document) == 1
    text = document.read_text()
    assert "old table" not in text and text.startswith("# Title") and text.endswith("## Faults\nprose\n")
    assert "| faults | batches lost | 0 of 40 | 0 | yes | `tests/reliability/test_x.py::test_y` |" in text
    assert "| load | p99 latency | 80 ms | < 50 ms | **no** |" in text


def test_the_real_document_has_the_markers() -> None:
    text = DOCUMENT.read_text()
    assert text.index(START) < text.index(END)
