"""`/`: where a person who typed the server's address finds the app, the staff pages and the API."""

from __future__ import annotations

from aiohttp import web

from backend.web.render import page, render


async def home(request: web.Request) -> web.Response:
    return render(request, "home.html", cache="public, max-age=300")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", page("home", home), name="home")
