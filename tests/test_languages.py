"""Accept-Language read as BCP 47 language ranges with RFC 9110 weights (`backend.prompts`)."""

from __future__ import annotations

import pytest

from backend.prompts import language_preferences


@pytest.mark.parametrize(
    ("header", "preferences"),
    [
        ("fr;q=0.9, en-GB;q=0.8", ("fr", "en-gb", "en")),
        ("de-AT", ("de-at", "de")),
        ("zh-Hant-TW;q=0.5, en;q=0.7", ("en", "zh-hant-tw", "zh")),
        ("en;q=nan, fr;q=1e9, es;q=2, it;q=-1, pt;q=0.5", ("pt",)),  # weights that are not qvalues
        ("<script>, de_DE, d, e" + "x" * 40 + ", *;q=0.1, nl;Q = 0.2", ("nl",)),  # not language tags
        ("x" * 8000, ()),
        ("en;q=0, de", ("de",)),
        ("", ()),
    ],
)
def test_accept_language_takes_only_language_tags_and_qvalues(
    header: str, preferences: tuple[str, ...]
) -> None:
    assert language_preferences(None, header) == preferences


def test_the_lang_parameter_comes_first() -> None:
    assert language_preferences("de", "en") == ("de", "en")
