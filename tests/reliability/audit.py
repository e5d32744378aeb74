"""The privacy audit's search: what counts as personal data in a file Nahbei or its simulation wrote.

Pure: bytes and terms in, findings out. Files are searched as raw bytes (decoded as Latin-1, so every
byte is one character): an SQLite file's free pages and a WAL still hold what was deleted, and a
leak there counts as much as one in a live row.

What is looked for:
- radio (MAC) addresses written ``AA:BB:CC:DD:EE:FF``, ``aa-bb-…``, or as BlueZ's object path
  ``dev_AA_BB_…``; and the exact addresses the run's radios used, in every spelling (with and
  without separators, either case) and as six raw bytes in either order;
- IPv4 and IPv6 addresses. The agents' configured backend URL (``http://127.0.0.1:PORT``, the
  operator's choice, not a visitor's) is allowed where it stands whole; every other ``127.0.0.1`` is a
  finding, because the simulated phones all connect from it: a stored or logged client address
  would show up as exactly that;
- user agents (what the phones' HTTP client sends), e-mail addresses, phone numbers;
- `extra` terms, e.g. the walkers' names (the simulation's stand-in for a person).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

_MAC: Final = r"[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}|(?:_[0-9A-Fa-f]{2}){5})"
_HEX4: Final = r"[0-9A-Fa-f]{1,4}"
PATTERNS: Final = {
    "radio address": re.compile(rf"(?<![\w:-]){_MAC}(?![\w:-])"),
    "IPv4 address": re.compile(
        r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])"
    ),
    "IPv6 address": re.compile(
        rf"(?<![\w:])(?:(?:{_HEX4}:){{7}}{_HEX4}|(?:{_HEX4}:)*(?:{_HEX4})?::(?:{_HEX4}:)*{_HEX4})(?![\w:])"
    ),
    "user agent": re.compile(r"(?i)user-agent|mozilla/\d|aiohttp/\d|python/\d"),
    "e-mail address": re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "phone number": re.compile(r"(?<![\w+])\+\d{1,3}[ -]?\(?\d{2,5}\)?[ -]?\d{3,}(?:[ -]?\d+)*"),
}


@dataclass(frozen=True)
class Finding:
    file: str
    what: str
    text: str
    context: str


def radio_spellings(address: str) -> dict[str, bytes]:
    """Every way `address` (``AA:BB:CC:DD:EE:FF``) could be written into a file, by name."""
    raw = bytes.fromhex(address.replace(":", ""))
    spellings = {}
    for sep in (":", "-", "_", ""):
        text = sep.join(f"{b:02X}" for b in raw)
        spellings[f"{address} as text"] = text.encode()
        spellings[f"{address} as text, lower case"] = text.lower().encode()
    spellings[f"{address} as bytes"] = raw
    spellings[f"{address} as bytes, reversed"] = raw[::-1]
    return spellings


def search(
    file: str, data: bytes, *, allowed: Iterable[str] = (), extra: Iterable[str] = ()
) -> list[Finding]:
    """Findings in one file's bytes; `allowed` strings are blanked out first (the backend URL)."""
    text = data.decode("latin-1")
    for ok in allowed:
        text = text.replace(ok, " " * len(ok))
    found = [
        Finding(file, what, match.group(0), _context(text, match.start(), match.end()))
        for what, pattern in PATTERNS.items()
        for match in pattern.finditer(text)
    ]
    for term in extra:
        start = text.find(term)
        if start >= 0:
            found.append(Finding(file, "named term", term, _context(text, start, start + len(term))))
    return found


def search_bytes(file: str, data: bytes, terms: dict[str, bytes]) -> list[Finding]:
    """Findings of exact byte strings (e.g. `radio_spellings`), by the name given to each."""
    found = []
    for name, term in terms.items():
        start = data.find(term)
        if start >= 0:
            found.append(
                Finding(file, name, term.hex(), _context(data.decode("latin-1"), start, start + len(term)))
            )
    return found


def _context(text: str, start: int, end: int) -> str:
    return re.sub(r"[^\x20-\x7e]", ".", text[max(0, start - 40) : end + 40])
