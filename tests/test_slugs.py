"""Slugs: made from names, unique, settable and refused as the admin API promises."""

from __future__ import annotations

import pytest

from backend.slugs import free_slug, slug_of
from tests.conftest import SITE, Backend


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Hospiz am Park", "hospiz-am-park"),
        ("Tafel Leipzig-Süd e.V.", "tafel-leipzig-sued-e-v"),
        ("Ölmühle & Straße", "oelmuehle-strasse"),
        ("SV 1899", "sv-1899"),
        ("A", "ort-a"),
        ("日本", "ort"),
        (
            "Ein sehr langer Name für einen Verein der Freunde des Parks",
            "ein-sehr-langer-name-fuer-einen-verein",
        ),
    ],
)
def test_a_slug_is_made_from_the_name(name: str, slug: str) -> None:
    assert slug_of(name) == slug
    assert 3 <= len(slug) <= 40


def test_a_taken_slug_gets_the_first_free_number() -> None:
    assert free_slug("tafel", set()) == "tafel"
    assert free_slug("tafel", {"tafel", "tafel-2"}) == "tafel-3"
    long = "a" * 40
    assert free_slug(long, {long}) == "a" * 38 + "-2"


async def test_sites_get_unique_slugs_and_staff_may_choose_one(backend: Backend) -> None:
    first = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    second = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    assert (first["slug"], second["slug"]) == ("hospiz-am-park", "hospiz-am-park-2")
    chosen = await backend.json("POST", "/v1/admin/sites", 201, json={**SITE, "slug": "hospiz-ost"})
    assert chosen["slug"] == "hospiz-ost"

    other = await backend.new_org()
    taken = await backend.json("POST", "/v1/admin/sites", 409, key=other, json={**SITE, "slug": "hospiz-ost"})
    assert taken["errors"][0]["loc"] == ["slug"]
    patched = await backend.json("PATCH", f"/v1/admin/sites/{second['id']}", 409, json={"slug": "hospiz-ost"})
    assert "another site" in patched["detail"]

    for bad in ("Hospiz", "ab", "-hospiz", "hospiz-", "hospiz am park", "x" * 41):
        await backend.json("PATCH", f"/v1/admin/sites/{second['id']}", 422, json={"slug": bad})

    moved = await backend.json("PATCH", f"/v1/admin/sites/{second['id']}", 200, json={"slug": "hospiz-west"})
    assert moved["slug"] == "hospiz-west"
    async with backend.client.get("/s/hospiz-am-park-2") as response:
        assert response.status == 404  # a changed slug moves the page: documented in the README
    async with backend.client.get("/s/hospiz-west") as response:
        assert response.status == 200


async def test_the_openapi_document_describes_slugs_and_privacy_contacts(backend: Backend) -> None:
    async with backend.client.get("/openapi.json") as response:
        schemas = (await response.json())["components"]["schemas"]
    site_in = schemas["SiteIn"]["properties"]
    assert site_in["slug"]["anyOf"][0]["pattern"]
    assert {"privacy_controller", "privacy_email", "privacy_address", "privacy_dpo"} <= set(site_in)
    assert "slug" in schemas["Site"]["required"]
