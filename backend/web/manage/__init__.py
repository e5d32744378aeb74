"""The staff pages under `/manage/`: signing in, the dashboard, members and admin keys.

One module per job: `session.py` (who is signed in, CSRF), `signin.py` (login, logout, links),
`dashboard.py` with `site_state.py` (sites in plain words), `members.py`, `keys.py`, and
`site.py` for one site's pages (each tab a module of its own: `prompts.py` with `prompt_form.py`).
"""

from __future__ import annotations

from aiohttp import web

from backend.web.manage import (
    agents,
    alerts,
    beacons,
    dashboard,
    keys,
    members,
    numbers,
    prompts,
    signin,
    site,
)


def add_routes(app: web.Application) -> None:
    for module in (signin, dashboard, members, keys, site, beacons, prompts, agents, numbers, alerts):
        module.add_routes(app)
