"""Who may link where: the domains an organisation's prompts may send people to.

An instance operator may restrict each organisation's action links to its own domains (Nearby
Notifications was shut down for spam: an open instance stays trustworthy when a hospice can only
send people to the hospice's site). No list means no restriction. A domain admits itself and its
subdomains: `hospiz.example` admits `www.hospiz.example`, not `fakehospiz.example`. Domains are kept in ASCII
(punycode) form, as action links are (`backend.texts`). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import idna


class BadDomain(ValueError):
    """A domain in the list is not a host name; `str()` names it."""


def parse_domains(text: str) -> list[str]:
    """`"example.org, Hospiz.example"` → `["example.org", "hospiz.example"]` (sorted, without repeats)."""
    domains: set[str] = set()
    for part in text.split(","):
        name = part.strip().rstrip(".").lower()
        if not name:
            continue
        try:
            ascii_name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise BadDomain(f"{part.strip()!r} is not a domain: {exc}") from None
        if "." not in ascii_name:
            raise BadDomain(f"{part.strip()!r} is not a domain such as example.org")
        domains.add(ascii_name)
    return sorted(domains)


def link_allowed(url: str, domains: Sequence[str]) -> bool:
    """Whether an action link (already checked, host in ASCII) may be used under `domains`."""
    if not domains:
        return True
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return any(host == domain or host.endswith("." + domain) for domain in domains)
