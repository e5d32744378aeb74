"""What site staff may type as names, texts and links: checks that are pure and say what is wrong.

Names and texts reach phones and staff screens. Control characters (an ANSI escape can rewrite a
terminal), bidirectional overrides and isolates (they make a name read in another order than it is
stored: "Trojan Source") and names made only of invisible characters are refused; everything else is
kept as typed, in Unicode NFC, so that the same visible name is the same string.

An action link must be a public https address that a phone can open: no IP literal, no name that
only resolves inside a network (``localhost``, ``.local``, ``.internal``), no ``user@`` part (it
reads like a host: ``https://bank.example@evil.example/``). The host is stored in its ASCII form,
encoded with the `idna` package (IDNA 2008 with UTS 46 mapping, what browsers do): Python's own
``idna`` codec is IDNA 2003, which turns ``straße.de`` into ``strasse.de``, another domain.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import idna

# U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates.
_BIDI_CONTROLS: Final = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_INVISIBLE_CATEGORIES: Final = frozenset({"Zs", "Zl", "Zp", "Cf", "Cc", "Mn", "Me"})
_PRIVATE_SUFFIXES: Final = ("localhost", "local", "internal")
_NUMERIC_LABEL: Final = re.compile(r"(0x[0-9a-f]*|[0-9]+)")  # a browser reads such a host as IPv4


def clean_text(value: str, *, lines: bool = False) -> str:
    """`value` in NFC; raises ``ValueError`` naming the first forbidden character.

    `lines`: line breaks and tabs are allowed (a prompt's body), else no control character is."""
    value = unicodedata.normalize("NFC", value)
    for char in value:
        if char in _BIDI_CONTROLS:
            raise ValueError(f"U+{ord(char):04X}, a bidirectional control, is not allowed")
        if unicodedata.category(char) == "Cc" and not (lines and char in "\n\t"):
            raise ValueError(f"U+{ord(char):04X}, a control character, is not allowed")
    return value


def clean_name(value: str) -> str:
    """`clean_text`, and something visible in it: a name of spaces or zero-width characters is none."""
    value = clean_text(value)
    if value and all(unicodedata.category(c) in _INVISIBLE_CATEGORIES for c in value):
        raise ValueError("has nothing visible in it")
    return value


def looks_like_url(text: str) -> bool:
    """Whether a button label is a link rather than words (the app never shows a raw URL as one)."""
    lowered = text.strip().lower()
    return "://" in lowered or lowered.startswith("www.")


def public_https_url(value: str) -> str:
    """`value` (already https://) with its host in ASCII form; raises ``ValueError`` saying why a
    phone should not be sent there."""
    clean_text(value)
    if any(c.isspace() for c in value):
        raise ValueError("must not contain spaces")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"is not a valid address: {exc}") from None
    if parts.username is not None or "@" in parts.netloc:
        raise ValueError("must not contain a user name (user@host)")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError("has no host name")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise ValueError("must name a host, not an IP address")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(f"has an invalid host name: {exc}") from None
    labels = ascii_host.split(".")
    if len(labels) < 2 or _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise ValueError("must name a public host, such as example.org")
    if labels[-1] in _PRIVATE_SUFFIXES:
        raise ValueError(f"must name a public host, not one under .{labels[-1]}")
    netloc = ascii_host if port is None else f"{ascii_host}:{port}"
    return urlunsplit(("https", netloc, parts.path, parts.query, parts.fragment))
