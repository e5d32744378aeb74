"""Hardening, round two, at the edge: public bodies cost little, and input means what it says.

Against a real server on 127.0.0.1 with a real SQLite file, written byte for byte where a polite
client would not (a chunked body, a full-width digit).
"""

from __future__ import annotations

import json
import resource

from tests.conftest import SITE, Backend, BackendFactory, prompt_body
from tests.reliability.figures import Figures
from tests.reliability.hostile_http import Answer, exchange, request_bytes

MIB = 1024 * 1024
ZEROS = b'{"observations": [' + b",".join([b"0"] * 2_000_000) + b"]}"  # ~4 MB


def _address(backend: Backend) -> tuple[str, int]:
    port = backend.client.port
    assert port is not None
    return backend.client.host, port


def _chunked(path: str, body: bytes, chunk: int = 64 * 1024) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + chunk]), body[i : i + chunk]) for i in range(0, len(body), chunk)
    ]
    return head + b"".join(parts) + b"0\r\n\r\n"


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def test_a_4_mb_public_body_is_refused_413_before_it_is_parsed(
    make_backend: BackendFactory, figure: Figures
) -> None:
    """2,000,000 zeros (4 MB) as a resolve, with Content-Length and chunked, and 2 KB as a prompt
    event: each is answered 413 problem details. The server runs in this process, so the CPU time
    this process spends per refusal (`getrusage`) bounds the server's; before the cap it was
    ~156 ms of parsing per body."""
    backend = await make_backend()
    host, port = _address(backend)
    json_type = {"Content-Type": "application/json"}
    attempts = 5
    answers: list[Answer] = []
    cpu = _cpu_s()
    for _ in range(attempts):
        answers.append(await exchange(host, port, request_bytes("POST", "/v1/resolve", ZEROS, json_type)))
        answers.append(await exchange(host, port, _chunked("/v1/resolve", ZEROS)))
    cpu_ms = (_cpu_s() - cpu) * 1000 / len(answers)
    event = request_bytes(
        "POST", "/v1/prompts/1/events", json.dumps({"type": "x" * 2000}).encode(), json_type
    )
    answers.append(await exchange(host, port, event))
    for answer in answers:
        assert answer.status == 413, (answer.status, answer.body[:200])
        assert "larger" in answer.problem()["detail"]
    figure(
        "hostile input",
        "a 4 MB resolve of 2,000,000 zeros (Content-Length or chunked): CPU per refusal, server and "
        "client in one process",
        f"413, {cpu_ms:.1f} ms",
        "413 problem+json, before parsing (was ~156 ms)",
        True,
    )


async def test_the_largest_resolve_the_contract_allows_is_under_its_cap(backend: Backend) -> None:
    """50 observations with the longest keys and both powers, pretty-printed, are still served."""
    key = (
        "ibeacon:" + "f" * 8 + "-" + "f" * 4 + "-" + "f" * 4 + "-" + "f" * 4 + "-" + "f" * 12 + ":65535:65535"
    )
    body = {"observations": [{"beacon": key, "rssi": -100, "tx_power": -100}] * 50, "lang": "de-AT"}
    raw = json.dumps(body, indent=4).encode()
    host, port = _address(backend)
    answer = await exchange(
        host, port, request_bytes("POST", "/v1/resolve", raw, {"Content-Type": "application/json"})
    )
    assert answer.status == 200, answer.body[:300]


async def test_request_bodies_are_not_coerced_and_path_ids_are_ascii_digits(
    backend: Backend, figure: Figures
) -> None:
    """`true` is not an rssi of 1 and `"12"` not 12, in a public and an admin body; an id
    written in full-width digits names no site."""
    site = await backend.json(
        "POST", "/v1/admin/sites", 201, json={"name": "Tafel", "lat": 52.5, "lon": 13.4}
    )
    key = "ibeacon:12345678-1234-5678-1234-567812345678:1:2"
    cases = [
        ("/v1/resolve", {"observations": [{"beacon": key, "rssi": True}]}, ["observations", 0, "rssi"]),
        ("/v1/resolve", {"observations": [{"beacon": key, "rssi": "-12"}]}, ["observations", 0, "rssi"]),
        ("/v1/admin/sites", {"name": "Tafel", "lat": "52.5", "lon": 13.4}, ["lat"]),
        ("/v1/admin/sites", {"name": "Tafel", "lat": True, "lon": 13.4}, ["lat"]),
    ]
    refused = 0
    for path, body, loc in cases:
        async with backend.client.post(path, json=body, headers=backend.admin()) as response:
            doc = await response.json(content_type=None)
            assert response.status == 422, doc
            assert response.content_type == "application/problem+json"
            assert [e["loc"] for e in doc["errors"]] == [loc]
            refused += 1
    full_width = "".join(chr(0xFF10 + int(d)) for d in str(site["id"]))
    async with backend.client.get(f"/v1/sites/{full_width}") as response:
        assert response.status == 404
        assert response.content_type == "application/problem+json"
    async with backend.client.get(f"/v1/sites/{site['id']}") as response:
        assert response.status == 200
    figure(
        "hostile input",
        '`true` and `"12"` for numbers in request bodies; a path id in full-width digits',
        f"{refused} of {len(cases)} refused 422 naming the field; 404",
        "422 each; 404",
        refused == len(cases),
    )


async def test_hostile_names_texts_and_links_are_refused_naming_the_field(
    backend: Backend, figure: Figures
) -> None:
    """Control characters, ANSI escapes, bidi overrides and invisible-only names in every name and
    text an admin types, and links to where a phone should not go: each 422 problem details naming
    the field. A name is kept in NFC, a link's host in punycode; a missing button label is words."""
    site = await backend.json("POST", "/v1/admin/sites", 201, json={**SITE, "name": "Cafe\u0301"})
    assert site["name"] == "Caf\u00e9"
    sites = "/v1/admin/sites"
    prompts = f"/v1/admin/sites/{site['id']}/prompts"
    text = {"title": "Hilfe", "body": "", "action_label": "Mehr"}
    cases: list[tuple[str, dict[str, object], list[object]]] = [
        (sites, {**SITE, "name": "Tafel\x1b[2J"}, ["name"]),
        (sites, {**SITE, "name": "\u200b\u2060"}, ["name"]),
        (sites, {**SITE, "address": "Weg 1\u202e"}, ["address"]),
        (
            f"{sites}/{site['id']}/beacons",
            {"kind": "ibeacon", "allocate": True, "label": "a\x00"},
            ["ibeacon", "label"],
        ),
        (f"{sites}/{site['id']}/agents", {"name": "pi\u2066"}, ["name"]),
        (prompts, prompt_body(texts={"de": {**text, "title": "\u00a0"}}), ["texts", "de", "title"]),
        (prompts, prompt_body(texts={"de": {**text, "body": "x\x07"}}), ["texts", "de", "body"]),
        (
            prompts,
            prompt_body(texts={"de": {**text, "action_label": "https://x.example"}}),
            ["texts", "de", "action_label"],
        ),
    ]
    for url in ("https://127.0.0.1/", "https://localhost/", "https://a.local/", "https://a@b.example/"):
        cases.append((prompts, prompt_body(action_url=url), ["action_url"]))
    refused = 0
    for path, body, loc in cases:
        async with backend.client.post(path, json=body, headers=backend.admin()) as response:
            doc = await response.json(content_type=None)
            assert response.status == 422 and response.content_type == "application/problem+json", doc
            assert [e["loc"][: len(loc)] for e in doc["errors"]] == [loc], (body, doc)
            refused += 1
    created = await backend.json(
        "POST",
        prompts,
        201,
        json=prompt_body(
            texts={"de": {**text, "action_label": ""}}, action_url="https://Stra\u00dfe.example/x"
        ),
    )
    assert created["action_url"] == "https://xn--strae-oqa.example/x"
    answer = await backend.json("GET", f"/v1/sites/{site['id']}", 200)
    assert [p["action"]["label"] for p in answer["prompts"]] == ["Mehr erfahren"]
    figure(
        "hostile input",
        "control characters, ANSI escapes, bidi overrides, invisible names, URL button labels and links "
        "to IPs, localhost, .local, user@ in admin bodies",
        f"{refused} of {len(cases)} refused 422 naming the field",
        "422 each, naming the field",
        refused == len(cases),
    )


async def test_content_language_names_only_a_language_served(backend: Backend, figure: Figures) -> None:
    """An Accept-Language of 8,000 characters, and one naming a language no prompt has, against a
    site and against no site: Content-Language names only the language of the texts in the answer
    (none when there is no text), never what the client wrote."""
    site = (await backend.json("POST", "/v1/admin/sites", 201, json=SITE))["id"]
    await backend.json("POST", f"/v1/admin/sites/{site}/prompts", 201, json=prompt_body())
    seen: list[str | None] = []
    for header in ("x" * 8000, "tlh-Piqd, fr;q=0.5", "en-GB;q=0.8, <b>"):
        async with backend.client.get(f"/v1/sites/{site}", headers={"Accept-Language": header}) as response:
            assert response.status == 200
            seen.append(response.headers.get("Content-Language"))
        async with backend.client.get(
            "/v1/nearby", params={"lat": "0", "lon": "0"}, headers={"Accept-Language": header}
        ) as response:
            assert response.status == 200 and (await response.json())["sites"] == []
            seen.append(response.headers.get("Content-Language"))
    assert seen == ["de", None, "de", None, "en", None]
    figure(
        "hostile input",
        "Content-Language for Accept-Language of 8,000 characters, an unserved language, a tag and junk; "
        "with a site and without",
        ", ".join(s or "none" for s in seen),
        "a language served, or none",
        True,
    )
