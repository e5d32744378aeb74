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
from backend.errors import NotFound
from backend.http.app import create_app
from backend.http.serve import serve
from backend.link_domains import BadDomain
from backend.orgs import BadOrgName, create_org, link_domains
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

    links = admin_sub.add_parser(
        "link-domains",
        help="restrict an organisation's action links to its own domains (and their subdomains)",
        description="set: only links to these domains (comma-separated, e.g. example.org,hospiz.example) and their "
        "subdomains are accepted for the organisation's prompts; clear: any public https link; show: print them.",
    )
    links.add_argument("--org", type=int, required=True, help="the organisation's id (create-org prints it)")
    links.add_argument("action", choices=["set", "clear", "show"], help="what to do with the list")
    links.add_argument(
        "domains", nargs="?", help="for set: comma-separated domains, e.g. example.org,hospiz.example"
    )
    links.add_argument("--db", help=DB_HELP.format("./var/nahbei.db"))

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
    except (UnsupportedDatabase, BadOrgName) as exc:
        return _refuse(str(exc))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "admin" and args.admin_command == "link-domains":
        return _link_domains(args, settings)
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


def _link_domains(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "set" and not args.domains:
        return _refuse("link-domains set needs the domains, e.g. example.org,hospiz.example")
    if args.action != "set" and args.domains:
        return _refuse(f"link-domains {args.action} takes no domains")
    domains = {"set": args.domains, "clear": "", "show": None}[args.action]
    try:
        org = asyncio.run(link_domains(settings, args.org, domains))
    except (BadDomain, NotFound) as exc:
        return _refuse(str(exc))
    shown = ", ".join(org.link_domains) or "any public https address (no restriction)"
    print(f"Organisation {org.id} ({org.name}): action links may go to {shown}")
    return 0


def _refuse(reason: str) -> int:
    """One line on stderr and the exit status of a usage error: nothing was done."""
    print(f"nahbei-backend: {reason}", file=sys.stderr)
    return 2
