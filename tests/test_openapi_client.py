"""A client generated from the live `/openapi.json` does the admin journey and a resolve.

The generator is `openapi-python-client`, as a site's developers would run it. It reads maps from
`additionalProperties` only: when `texts` was described with `patternProperties`, the generated texts
model was always empty and every prompt it created was a 422.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import SITE, Backend
from tests.reliability.figures import Figures

PACKAGE = "nahbei_generated_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
UUID = "f7826da6-4fa2-4e98-8024-bc5b71e0893e"


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Path]:
    """Where the client is generated; its modules are forgotten afterwards."""
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def generate(document: dict[str, Any], into: Path) -> None:
    (into / "openapi.json").write_text(json.dumps(document))
    # No post hooks: they format the code with ruff, which is beside the point here.
    (into / "config.yaml").write_text("post_hooks: []\n")
    subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(into / "openapi.json"),
            "--config",
            str(into / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(into / PACKAGE),
            "--fail-on-warning",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


async def test_a_generated_client_creates_a_site_a_beacon_and_a_prompt_and_resolves_them(
    backend: Backend, generated: Path, figure: Figures
) -> None:
    """Generates a client from the served document, then drives the live server with it only."""
    generate(await backend.json("GET", "/openapi.json", 200), generated)
    models, client_module = module("models"), module("client")
    base_url = str(backend.client.make_url("/"))
    admin = client_module.AuthenticatedClient(base_url=base_url, token=backend.admin_key)
    steps: list[str] = []

    site_fields = {k: v for k, v in SITE.items() if k != "kind"}
    site = await module("api.admin.create_site").asyncio(
        client=admin, body=models.SiteIn(kind=models.SiteKind(SITE["kind"]), **site_fields)
    )
    assert isinstance(site, models.Site), site
    steps.append("site")

    beacon = await module("api.admin.create_beacon").asyncio(
        site.id,
        client=admin,
        body=models.IBeaconIn(kind="ibeacon", uuid=UUID, major=1, minor=2, label="Eingang"),
    )
    assert isinstance(beacon, models.Beacon), beacon
    steps.append("beacon")

    texts = models.PromptInTexts()
    texts["de"] = models.PromptText(title="Helfen Sie mit", body="Wir suchen Ehrenamtliche.")
    prompt = await module("api.admin.create_prompt").asyncio(
        site.id,
        client=admin,
        body=models.PromptIn(
            kind=models.PromptKind("volunteer"), texts=texts, status=models.PromptInStatus("published")
        ),
    )
    assert isinstance(prompt, models.Prompt), prompt
    assert prompt.texts["de"].title == "Helfen Sie mit"
    steps.append("prompt")

    app = client_module.Client(base_url=base_url)
    answer = await module("api.app.resolve").asyncio(
        client=app,
        body=models.ResolveRequest(observations=[models.Observation(beacon=beacon.key, rssi=-60)], lang="de"),
    )
    assert isinstance(answer, models.SitesAnswer), answer
    [found] = answer.sites
    assert [p.id for p in found.prompts] == [prompt.id]
    assert found.prompts[0].title == "Helfen Sie mit"
    steps.append("resolve")

    figure(
        "contract",
        "client generated from /openapi.json (openapi-python-client): site, iBeacon, prompt, resolve",
        f"{len(steps)}/4 steps as documented",
        "4/4",
        len(steps) == 4,
    )
