"""Rows read by column name (backend/storage/columns.py): pure."""

from __future__ import annotations

import pytest

from backend.models import Site
from backend.storage.columns import Columns
from backend.storage.records import MATERIAL, PUBLIC_SITE, SITE
from backend.storage.rows import SiteRow


def test_a_list_gives_its_sql_and_each_names_place() -> None:
    columns = Columns("b.id", "s.org_id", "(SELECT COUNT(*) FROM x) AS recent") + Columns("p.body")
    assert columns.sql == "b.id, s.org_id, (SELECT COUNT(*) FROM x) AS recent, p.body"
    assert columns.at == {"b.id": 0, "s.org_id": 1, "recent": 2, "p.body": 3}
    assert columns.record((7, 1, 3, "{}")) == {"id": 7, "org_id": 1, "recent": 3, "body": "{}"}
    assert columns.span("s.org_id", "recent") == slice(1, 3)


def test_mistakes_are_refused_when_the_list_is_made() -> None:
    with pytest.raises(ValueError, match="selected twice"):
        Columns("s.id", "s.id")
    with pytest.raises(ValueError, match="one after the other"):
        MATERIAL.span("s.id", "s.lat", "s.name")
    with pytest.raises(ValueError, match="ambiguous"):
        Columns("s.id", "p.id").record((1, 2))


def test_the_sites_columns_are_the_models_fields() -> None:
    assert SITE.fields == tuple(Site.model_fields)
    assert PUBLIC_SITE.fields == SiteRow._fields
    assert MATERIAL.span(*PUBLIC_SITE.at) == slice(0, len(SiteRow._fields))
