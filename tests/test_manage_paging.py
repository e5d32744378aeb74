"""Every list on the staff pages shows a page at a time: the pure rule, and the prompts and agents tabs."""

from __future__ import annotations

import re

from backend.web.manage import agents, prompts
from backend.web.manage.paging import one_page, page_count
from tests.conftest import SITE, Backend, prompt_body
from tests.manage_helpers import get, setup_path, sign_up


def test_a_page_past_the_end_is_the_last_and_an_empty_list_has_one_page() -> None:
    items = list(range(45))
    assert one_page(items, 1, 20) == (list(range(20)), 1, 3)
    assert one_page(items, 3, 20) == (list(range(40, 45)), 3, 3)
    assert one_page(items, 9, 20) == (list(range(40, 45)), 3, 3)
    assert one_page([], 5, 20) == ([], 1, 1)
    assert [page_count(n, 20) for n in (0, 1, 20, 21, 40, 41)] == [1, 1, 1, 2, 2, 3]


async def test_the_prompts_and_agents_tabs_page_through_their_lists(backend: Backend) -> None:
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    base = f"/v1/admin/sites/{site['id']}"
    for n in range(prompts.PAGE_SIZE + 2):
        texts = {"de": {"title": f"Bitte {n:02d}", "body": "Wir suchen Hilfe.", "action_label": "Mehr"}}
        await backend.json("POST", f"{base}/prompts", 201, json=prompt_body(texts=texts))
    for n in range(agents.PAGE_SIZE + 3):
        await backend.json("POST", f"{base}/agents", 201, json={"name": f"Pi {n:02d}"})
    await sign_up(backend.client, await setup_path(backend))
    for tab, word, size, total in (
        ("prompts", "Bitte", prompts.PAGE_SIZE, prompts.PAGE_SIZE + 2),
        ("agents", "Pi", agents.PAGE_SIZE, agents.PAGE_SIZE + 3),
    ):
        path = f"/manage/sites/{site['id']}/{tab}"
        first = await get(backend.client, path)
        assert re.findall(rf">{word} (\d\d)<", first) == [f"{n:02d}" for n in range(size)]
        assert f"({total})</h2>" in first and "Seite 1 / 2" in first and 'href="?page=2" rel="next"' in first
        second = await get(backend.client, path + "?page=2")
        assert re.findall(rf">{word} (\d\d)<", second) == [f"{n:02d}" for n in range(size, total)]
        assert 'href="?page=1" rel="prev"' in second and 'rel="next"' not in second
        past = await get(backend.client, path + "?page=7")  # past the end: the last page
        assert re.findall(rf">{word} (\d\d)<", past) == [f"{n:02d}" for n in range(size, total)]
        assert "Seite 2 / 2" in past
