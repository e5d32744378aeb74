"""Lists a page at a time: which page was asked for, and which part of a list it shows.

Pure, so every list pages the same way: a page past the end shows the last one, and anything
that is not a plain positive number (an old or hand-typed link) the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from aiohttp import web

T = TypeVar("T")


def page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


def one_page(items: Sequence[T], asked: int, size: int) -> tuple[Sequence[T], int, int]:
    """The items on page `asked` (the last page if it is past the end), that page's number, and the
    number of pages."""
    pages = page_count(len(items), size)
    number = min(asked, pages)
    return items[(number - 1) * size : number * size], number, pages
