"""`nahbei-backend`: serve the API, create organisations, seed the demo, print the settings."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from backend.accounts import cli as accounts_cli
from backend.accounts.people import BadEmail
from backend.config import Settings, describe, first_error, settings_from
from backend.demo import seed_demo
from backend.errors import DomainError
from backend.http.app import create_app
from backend.http.serve import serve
from backend.orgs import BadOrgName
from backend.storage import UnsupportedDatabase
from beacon_agent.contract import logs

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
    org.add_argument(
        "--owner-email",
        help="make this person the owner and print a one-time setup link (valid 72 h; "
        'with --json as "setup_url") with which they choose their password',
    )
    accounts_cli.add_parsers(admin_sub)

    demo = sub.add_parser("demo", help="seed a demo organisation (a hospice and two more sites) and serve it")
    _server_options(demo, default_db="var/demo.db")
    demo.add_argument("--no-serve", action="store_true", help="seed, print the admin key and exit")

    sub.add_parser("settings", help="print every setting with its environment variable and default")
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
    except (UnsupportedDatabase, BadOrgName, BadEmail, DomainError) as exc:
        return _refuse(str(exc))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "admin":
        return asyncio.run(accounts_cli.run(args, settings))
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
