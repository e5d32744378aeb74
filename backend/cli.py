"""`nahbei-backend`: serve the API, create organisations, seed the demo, print the settings."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from backend.config import Settings, describe, first_error, settings_from
from backend.demo import seed_demo
from backend.http.app import create_app
from backend.http.openapi import document
from backend.http.routes import OPERATIONS
from backend.http.serve import serve
from backend.orgs import BadOrgName, create_org
from backend.storage import UnsupportedDatabase
from beacon_agent.contract import logs, version

DB_HELP = "the database: a SQLite file or a sqlite:/// URL (default {}, env NAHBEI_DB)"


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
    org.add_argument("--db", help=DB_HELP.format("./var/nahbei.db"))
    org.add_argument("--json", action="store_true", help='print {"org_id": ..., "admin_key": "..."} only')

    demo = sub.add_parser("demo", help="seed a demo organisation (a hospice and two more sites) and serve it")
    _server_options(demo, default_db="var/demo.db")
    demo.add_argument("--no-serve", action="store_true", help="seed, print the admin key and exit")

    sub.add_parser("settings", help="print every setting with its environment variable and default")
    sub.add_parser("openapi", help="print the /openapi.json the settings from the environment would serve")
    return parser


def _server_options(parser: argparse.ArgumentParser, default_db: str | None = None) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1, env NAHBEI_HOST)")
    parser.add_argument("--port", type=int, help="TCP port (default 8080, env NAHBEI_PORT)")
    parser.add_argument("--db", default=default_db, help=DB_HELP.format(default_db or "./var/nahbei.db"))
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
        return _refuse(first_error(exc))
    logs.configure(settings.log_format, settings.log_level)
    try:
        return _run(args, settings)
    except (UnsupportedDatabase, BadOrgName) as exc:
        return _refuse(str(exc))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "admin":
        org_id, key = asyncio.run(create_org(settings, args.name))
        if args.json:
            print(json.dumps({"org_id": org_id, "admin_key": key}))
        else:
            name = args.name.strip()
            print(f"Created organisation {org_id} ({name}).\nAdmin key (shown once, keep it safe): {key}")
        return 0
    if args.command == "demo":
        asyncio.run(seed_demo(settings, sys.stdout))
        if args.no_serve:
            return 0
    serve(settings, create_app(settings))
    return 0


def _refuse(reason: str) -> int:
    """One line on stderr and the exit status of a usage error: nothing was done."""
    print(f"nahbei-backend: {reason}", file=sys.stderr)
    return 2
