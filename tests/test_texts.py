"""What site staff may type as names, texts and links (`backend.texts`)."""

from __future__ import annotations

import pytest

from backend.prompts import action_label
from backend.texts import clean_name, clean_text, public_https_url


@pytest.mark.parametrize(
    "name",
    [
        "Tafel\x00Mitte",  # NUL
        "Tafel\x1b[2JMitte",  # an ANSI escape that clears a terminal
        "Tafel\x85",  # C1
        "Hospiz \u202eetim\u202c",  # right-to-left override
        "Hospiz \u2066x\u2069",  # isolate
        "\u200b\u200b",  # zero-width spaces only
        "\u2060 \u00a0\ufeff",  # word joiner, no-break space, BOM
        "Tafel\nMitte",
    ],
)
def test_control_bidi_and_invisible_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        clean_name(name)


def test_texts_are_kept_in_nfc_and_a_body_may_have_lines() -> None:
    assert clean_name("Cafe\u0301 am Markt") == "Caf\u00e9 am Markt"
    assert (
        clean_name("\u0639\u0631\u0628\u064a") == "\u0639\u0631\u0628\u064a"
    )  # right-to-left script is fine
    assert clean_name("Familie \U0001f468\u200d\U0001f469\u200d\U0001f467") != ""  # a ZWJ inside an emoji
    assert clean_text("Erste Zeile\nzweite\tZeile", lines=True) == "Erste Zeile\nzweite\tZeile"
    with pytest.raises(ValueError):
        clean_text("a\rb", lines=True)


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://example.org/help?x=1#top", "https://example.org/help?x=1#top"),
        ("https://Stra\u00dfe.example/mitmachen", "https://xn--strae-oqa.example/mitmachen"),  # not strasse
        ("https://b\u00fccher.example:8443/", "https://xn--bcher-kva.example:8443/"),
    ],
)
def test_action_urls_are_stored_with_their_host_in_ascii(url: str, stored: str) -> None:
    assert public_https_url(url) == stored


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://2130706433/",  # 127.0.0.1 to a browser
        "https://0x7f.1/",
        "https://localhost/",
        "https://app.localhost/",
        "https://printer.local/",
        "https://wiki.corp.internal/",
        "https://intranet/",
        "https://bank.example@evil.example/",
        "https://user:pw@example.org/",
        "https://exa mple.org/",
        "https://example.org/\x1b",
        "https://xn--a.example/",  # invalid punycode
    ],
)
def test_action_urls_to_addresses_a_phone_should_not_be_sent_to_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        public_https_url(url)


def test_a_missing_button_label_is_words_in_the_texts_language() -> None:
    assert action_label("Spenden", "de") == "Spenden"
    assert action_label("", "en") == "Learn more"
    assert action_label(None, "de-AT") == "Mehr erfahren"
    assert action_label("", "xx") == "Mehr erfahren"
