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


def test_a_lang_parameter_that_is_no_language_tag_is_skipped() -> None:
    """The pages' `?lang=` reaches here unchecked; site pages are kept per these preferences, so
    junk must not become a preference (nor a cache key of 8 KB)."""
    assert language_preferences("x" * 2000, "en") == ("en",)
    assert language_preferences("<b>", None) == ()
    assert language_preferences("EN-GB", None) == ("en-gb", "en")
