"""Who may link where: the operator's allow-list per organisation, set from the command line."""

from __future__ import annotations

import asyncio

import pytest

from backend.cli import main
from backend.link_domains import BadDomain, link_allowed, parse_domains
from tests.conftest import SITE, Backend, prompt_body


async def _cli(*args: str, org: str, db: str) -> int:
    """The command as an operator runs it (in a thread: it runs its own event loop)."""
    return await asyncio.to_thread(main, ["admin", "link-domains", "--org", org, *args, "--db", db])


def test_a_domain_admits_itself_and_its_subdomains_only() -> None:
    domains = parse_domains(" Hospiz.de, example.org,,hospiz.de, straße.de")
    assert domains == ["example.org", "hospiz.de", "xn--strae-oqa.de"]
    assert link_allowed("https://hospiz.de/spenden", domains)
    assert link_allowed("https://www.hospiz.de/", domains)
    assert not link_allowed("https://fakehospiz.de/", domains)
    assert not link_allowed("https://hospiz.de.evil.example/", domains)
    assert link_allowed("https://anything.example/", [])
    with pytest.raises(BadDomain):
        parse_domains("localhost")


async def test_links_outside_the_list_are_refused_naming_the_field(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(backend.settings.db)
    org = str(backend.org_id)
    assert await _cli("set", "hospiz.example,example.org", org=org, db=db) == 0
    assert "example.org, hospiz.example" in capsys.readouterr().out
    shown = await backend.json("GET", "/v1/admin/org", 200)
    assert shown["link_domains"] == ["example.org", "hospiz.example"]

    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    prompts = f"/v1/admin/sites/{site['id']}/prompts"
    await backend.json(
        "POST", prompts, 201, json=prompt_body(action_url="https://www.hospiz.example/mithelfen")
    )
    refused = await backend.json("POST", prompts, 422, json=prompt_body(action_url="https://spam.example/"))
    assert refused["errors"][0]["loc"] == ["action_url"]
    assert "example.org, hospiz.example" in refused["detail"]
    first = (await backend.json("GET", prompts, 200))["prompts"][0]
    await backend.json("PATCH", f"{prompts}/{first['id']}", 422, json={"action_url": "https://spam.example/"})

    assert await _cli("clear", org=org, db=db) == 0
    await backend.json("POST", prompts, 201, json=prompt_body(action_url="https://spam.example/"))
    assert await _cli("show", org=org, db=db) == 0
    assert "no restriction" in capsys.readouterr().out


def test_the_command_line_refuses_what_it_cannot_do(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    db = str(tmp_path) + "/n.db"
    assert main(["admin", "link-domains", "--org", "1", "set", "--db", db]) == 2
    assert main(["admin", "link-domains", "--org", "1", "set", "nohost", "--db", db]) == 2
    assert main(["admin", "link-domains", "--org", "99", "show", "--db", db]) == 2
    err = capsys.readouterr().err
    assert "needs the domains" in err and "not a domain" in err and "organisation 99 not found" in err
    with pytest.raises(SystemExit):
        main(["admin", "link-domains", "--help"])
    assert "subdomains" in capsys.readouterr().out
