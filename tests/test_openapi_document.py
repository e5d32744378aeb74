"""The live `/openapi.json` lints clean with Redocly's recommended rules, warnings included.

`make lint-openapi` installs the pinned Redocly CLI into .tools/ (the one step that needs the npm
registry) and lints the document `nahbei-backend openapi` prints; here the served one is linted.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Backend
from tests.reliability.figures import ROOT, Figures

REDOCLY = ROOT / ".tools" / "redocly" / "node_modules" / ".bin" / "redocly"


def lint(document: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    run = subprocess.run(
        [str(REDOCLY), "lint", "--extends", "recommended-strict", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
    )
    report: dict[str, Any] = json.loads(run.stdout)
    return report


@pytest.mark.skipif(not REDOCLY.exists(), reason="Redocly CLI not installed: `make lint-openapi` installs it")
async def test_the_document_lints_clean_with_redocly_recommended(
    backend: Backend, tmp_path: Path, figure: Figures
) -> None:
    """Redocly's `recommended-strict` is `recommended` with its warnings raised to errors."""
    report = lint(await backend.json("GET", "/openapi.json", 200), tmp_path)
    problems = [f"{p['ruleId']}: {p['message']}" for p in report["problems"]]
    figure(
        "contract",
        "Redocly's recommended rules on /openapi.json, warnings counted as errors: problems",
        f"{len(problems)}",
        "0",
        not problems,
    )
    assert not problems, problems


async def test_the_document_names_its_server_and_licence_and_every_operations_4xx(backend: Backend) -> None:
    """What the linter found missing once, checked without it."""
    document = await backend.json("GET", "/openapi.json", 200)
    assert document["servers"] == [{"url": "/", "description": "This server"}]
    assert document["info"]["license"]["identifier"] == "AGPL-3.0-or-later"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert any(code.startswith("4") for code in operation["responses"]), f"{method} {path}"
    text = json.dumps(document)
    unused = [name for name in document["components"]["schemas"] if f'/schemas/{name}"' not in text]
    assert not unused
