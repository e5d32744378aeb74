"""Cards built from stored rows without models carry exactly the models' JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic_core import to_json

from backend.answers import prompt_view, site_card
from backend.models import Prompt, PromptIn, Site
from backend.prompts import current_prompts, current_until, view_in
from backend.storage.rows import SiteRow, StoredPrompt, stored_prompt
from beacon_agent.contract.wire import SiteView

PROMPTS = [
    {"kind": "volunteer", "texts": {"de": {"title": "Helfen", "body": "Wir suchen Ehrenamtliche."}}},
    {
        "kind": "donate",
        "texts": {
            "de": {"title": "Spenden \u00fcber \u20ac", "body": '"quoted"\n', "action_label": "Los"},
            "en": {"title": "Donate"},
        },
        "action_url": "https://example.org/donate?x=1&y=\u00e4",
        "status": "published",
        "max_distance_m": 12.5,
        "cooldown_s": 0,
        "priority": -3,
        "valid_from": "2026-01-01T00:00:00+01:00",
        "valid_until": "2027-06-30T12:34:56.789+02:00",
        "schedule": [{"days": ["mon", "sat"], "start": "22:00", "end": "02:00"}],
    },
    {
        "kind": "event",
        "texts": {"en": {"title": "Tonight"}},
        "status": "draft",
        "max_distance_m": 1e-05 + 1,
        "valid_until": "2026-11-22T04:00:00Z",
    },
]


@pytest.mark.parametrize("body", PROMPTS)
def test_prompt_json_is_the_models_json(body: dict[str, object]) -> None:
    stored = PromptIn.model_validate(body).model_dump_json()
    model = Prompt.model_validate(
        {**PromptIn.model_validate_json(stored).model_dump(), "id": 7, "site_id": 3}
    )
    light = stored_prompt(7, 3, stored)
    for lang in model.texts:
        assert to_json(prompt_view(light, lang)) == view_in(model, lang).model_dump_json().encode()


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Pacific/Kiritimati", "America/St_Johns"])
def test_rules_agree_on_stored_prompts_and_models(zone: str) -> None:
    models = [
        Prompt.model_validate({**PromptIn.model_validate(b).model_dump(), "id": i, "site_id": 3})
        for i, b in enumerate(PROMPTS * 2)
    ]
    models = [m.model_copy(update={"status": "published"}) if m.id < 3 else m for m in models]
    light = [stored_prompt(m.id, 3, m.model_dump_json(exclude={"id", "site_id"})) for m in models]
    start = datetime(2026, 11, 20, tzinfo=UTC)
    for hour in range(0, 24 * 9, 5):
        now = start + timedelta(hours=hour, minutes=7)
        assert [p.id for p in current_prompts(light, zone, now)] == [
            p.id for p in current_prompts(models, zone, now)
        ]
        assert current_until(light, zone, now) == current_until(models, zone, now)


def test_site_json_is_the_models_json() -> None:
    site = Site(
        id=4,
        name="Tafel \u00d6hringen \u201ed\u201c",
        kind="food_bank",
        lat=-0.00001,
        lon=179.99999999,
        address="",
        timezone="Europe/Berlin",
        default_lang="de",
        ibeacon_major=9,
        slug="tafel-oehringen",
        privacy_controller="Tafel e.V.",
        privacy_email="",
        privacy_address="",
        privacy_dpo="",
        opening_hours="",
    )
    row = SiteRow(*site.model_dump(include=set(SiteView.model_fields)).values())
    card = site_card(row, [])
    assert card[2] == SiteView.model_validate(site.model_dump()).model_dump_json().encode()


def test_the_light_rows_have_the_models_fields_in_order() -> None:
    """`StoredPrompt` and `SiteRow` are the hot path's pydantic-free twins of `Prompt` and the public
    part of `Site`: a field added to a model must be added to its twin (and to the tests above)."""
    assert StoredPrompt._fields == tuple(Prompt.model_fields)
    assert SiteRow._fields == tuple(SiteView.model_fields)
