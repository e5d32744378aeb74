"""`nahbei-backend`: serve the API, create organisations, seed the demo, print the settings."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import structlog
from aiohttp import web
from pydantic import ValidationError

from backend import auth
from backend.config import Settings, describe, first_error, settings_from
from backend.http.app import create_app
from backend.http.openapi import document
from backend.http.routes import OPERATIONS
from backend.storage.sqlite import SqliteStorage
from beacon_agent.contract import logs, version

log = structlog.get_logger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nahbei-backend",
        description="The Nahbei backend: sites, beacons and prompts behind the v1 HTTP API. "
        "Every option also reads NAHBEI_<OPTION> from the environment; `nahbei-backend settings` lists all.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the HTTP API until Ctrl-C or SIGTERM")
    _server_options(serve)

    admin = sub.add_parser("admin", help="administration on the database file")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    org = admin_sub.add_parser(
        "create-org", help="create an organisation and print its admin key (shown once)"
    )
    org.add_argument("name", help="the organisation's name, e.g. 'Hospiz am Park e.V.'")
    org.add_argument("--db", type=Path, help="SQLite database file (default ./var/nahbei.db, env NAHBEI_DB)")
    org.add_argument("--json", action="store_true", help='print {"org_id": ..., "admin_key": "..."} only')

    demo = sub.add_parser("demo", help="seed a demo organisation (a hospice and two more sites) and serve it")
    _server_options(demo, default_db=Path("var/demo.db"))
    demo.add_argument("--no-serve", action="store_true", help="seed, print the admin key and exit")

    sub.add_parser("settings", help="print every setting with its environment variable and default")
    sub.add_parser("openapi", help="print the /openapi.json the settings from the environment would serve")
    return parser


def _server_options(parser: argparse.ArgumentParser, default_db: Path | None = None) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1, env NAHBEI_HOST)")
    parser.add_argument("--port", type=int, help="TCP port (default 8080, env NAHBEI_PORT)")
    parser.add_argument(
        "--db",
        type=Path,
        default=default_db,
        help=f"SQLite database file (default {default_db or './var/nahbei.db'}, env NAHBEI_DB)",
    )
    parser.add_argument(
        "--log-format", choices=["auto", "json", "console"], help="log as JSON or text (default auto)"
    )
    parser.add_argument(
        "--rate-limit-per-s", type=float, help="public requests per second per client; 0 = off"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "settings":
        print(describe())
        return 0
    if args.command == "openapi":
        print(json.dumps(document(OPERATIONS, settings_from(), version()), indent=1))
        return 0
    try:
        settings = settings_from(
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            db=args.db,
            log_format=getattr(args, "log_format", None),
            rate_limit_per_s=getattr(args, "rate_limit_per_s", None),
        )
    except ValidationError as exc:
        print(f"nahbei-backend: {first_error(exc)}", file=sys.stderr)
        return 2
    logs.configure(settings.log_format, settings.log_level)
    if args.command == "admin":
        return asyncio.run(_create_org(settings, args.name, as_json=args.json))
    if args.command == "demo":
        from backend.demo import seed_demo

        asyncio.run(seed_demo(settings, sys.stdout))
        if args.no_serve:
            return 0
    serve(settings, create_app(settings))
    return 0


def serve(settings: Settings, app: web.Application) -> None:
    """Serve `app` until SIGINT/SIGTERM, as `nahbei-backend serve` does (the benchmarks' floor too)."""
    web.run_app(app, host=settings.host, port=settings.port, access_log=None, print=_announce(settings))


def _announce(settings: Settings) -> Callable[[str], None]:
    def say(_: str) -> None:
        log.info("serving", url=f"http://{settings.host}:{settings.port}", db=str(settings.db))

    return say


async def _create_org(settings: Settings, name: str, *, as_json: bool) -> int:
    name = name.strip()
    if not name or len(name) > 200:
        print("nahbei-backend: the organisation name must be 1-200 characters", file=sys.stderr)
        return 2
    org_id, key = await create_org(settings.db, name)
    if as_json:
        print(json.dumps({"org_id": org_id, "admin_key": key}))
    else:
        print(f"Created organisation {org_id} ({name}).\nAdmin key (shown once, keep it safe): {key}")
    return 0


async def create_org(db: Path, name: str) -> tuple[int, str]:
    key = auth.new_secret(auth.ADMIN_PREFIX)
    storage = SqliteStorage(db)
    await storage.open()
    try:
        org_id = await storage.create_org(name, auth.secret_hash(key), time.time())
    finally:
        await storage.close()
    return org_id, key
