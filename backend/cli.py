"""`nahbei-backend`: serve the API, create organisations, seed the demo, print the settings."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from backend.accounts import cli as accounts_cli
from backend.accounts.people import BadEmail
from backend.config import ENV_PREFIX, Settings, describe, first_error, settings_from
from backend.demo import DEMO_DB, NotADemoDatabase, refuse_to_replace, seed_demo
from backend.errors import DomainError, NotFound
from backend.http.app import create_app
from backend.http.openapi import document
from backend.http.routes import OPERATIONS
from backend.http.serve import CannotListen, listen, port_of, serve
from backend.http.workers import serve_workers
from backend.link_domains import BadDomain
from backend.orgs import BadOrgName, link_domains
from backend.storage import UnsupportedDatabase, open_storage
from backend.storage.copy import NotEmpty, copy_store
from backend.storage.open import CannotOpenDatabase
from beacon_agent.contract import logs, version

DB_HELP = "the database: a SQLite file, a sqlite:/// URL or a postgresql:// URL (default {}, env NAHBEI_DB)"
# What a careless --db, --host or --port comes to: one line and exit status 2, never a traceback.
REFUSED = (UnsupportedDatabase, CannotOpenDatabase, NotADemoDatabase, CannotListen, BadOrgName, NotEmpty)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nahbei-backend",
        description="The Nahbei backend: sites, beacons and prompts behind the v1 HTTP API. "
        "Each setting's option (--host, --port, --db, ...) also reads NAHBEI_<SETTING> from the environment; "
        "`nahbei-backend settings` lists all.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the HTTP API until Ctrl-C or SIGTERM")
    _server_options(serve)
    serve.add_argument(
        "--workers",
        type=int,
        help="processes serving the port together (default 1, env NAHBEI_WORKERS); a parent restarts "
        "one that dies and stops all on SIGTERM",
    )
    serve.add_argument(
        "--read-db",
        help="a streaming replica of the PostgreSQL --db, postgresql://user:password@host:port/database: "
        "resolve, nearby and the public site pages read from it (env NAHBEI_READ_DB; default none)",
    )

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

    copy = admin_sub.add_parser(
        "copy-store",
        help="copy an instance's SQLite file into an empty PostgreSQL database, every row count checked",
        description="Moving up: every table is copied in one transaction (all or nothing) and its row count "
        "checked before it commits; progress is printed per table. Stop the backend on the SQLite file first.",
    )
    copy.add_argument(
        "--from", dest="source", required=True, help="the SQLite file: a path or sqlite:///path"
    )
    copy.add_argument(
        "--to", dest="target", required=True, help="the empty PostgreSQL database: postgresql://user@host/db"
    )

    demo = sub.add_parser("demo", help="seed a demo organisation (a hospice and two more sites) and serve it")
    _server_options(demo, default_db=DEMO_DB)
    demo.add_argument("--no-serve", action="store_true", help="seed, print the admin key and exit")
    demo.add_argument(
        "--reset-demo",
        action="store_true",
        help="replace the database even if the demo did not seed it (without this, the demo refuses to "
        "wipe another database)",
    )

    sub.add_parser("settings", help="print every setting with its environment variable and default")
    sub.add_parser("openapi", help="print the /openapi.json the settings from the environment would serve")
    return parser


def _server_options(parser: argparse.ArgumentParser, default_db: str | None = None) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1, env NAHBEI_HOST)")
    parser.add_argument(
        "--port", type=int, help="TCP port (default 8080, env NAHBEI_PORT; 0 picks a free one and says it)"
    )
    parser.add_argument("--db", help=DB_HELP.format(default_db or "./var/nahbei.db"))
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
    db = getattr(args, "db", None)
    if args.command == "demo" and db is None and ENV_PREFIX + "DB" not in os.environ:
        db = DEMO_DB
    try:
        settings = settings_from(
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            db=db,
            log_format=getattr(args, "log_format", None),
            rate_limit_per_s=getattr(args, "rate_limit_per_s", None),
            workers=getattr(args, "workers", None),
            read_db=getattr(args, "read_db", None),
        )
    except ValidationError as exc:
        return _refuse(first_error(exc))
    logs.configure(settings.log_format, settings.log_level)
    try:
        return _run(args, settings)
    except (*REFUSED, BadEmail, DomainError) as exc:
        return _refuse(str(exc))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "admin" and args.admin_command == "link-domains":
        return _link_domains(args, settings)
    if args.command == "admin" and args.admin_command == "copy-store":
        return _copy_store(args)
    if args.command == "admin":
        return asyncio.run(accounts_cli.run(args, settings))
    if args.command == "demo":
        if not args.reset_demo:
            refuse_to_replace(settings)
        if args.no_serve:
            asyncio.run(seed_demo(settings, sys.stdout))
            return 0
        sockets = listen(settings)  # before the keys are printed: a port in use stops the demo first
        # One process, whatever NAHBEI_WORKERS says: its limits are then not split.
        settings = settings.model_copy(update={"port": port_of(sockets), "workers": 1})
        asyncio.run(seed_demo(settings, sys.stdout))
    else:
        asyncio.run(_opens(settings))  # migrates: once, before any worker starts
        if settings.workers > 1:
            return serve_workers(settings, create_app)
        sockets = listen(settings)
    serve(settings, create_app(settings), sockets)
    return 0


async def _opens(settings: Settings) -> None:
    """Open and close the database once, so that a bad one stops here in one line, not in the app."""
    async with open_storage(settings):
        pass


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


def _copy_store(args: argparse.Namespace) -> int:
    def progress(table: str, done: int, total: int) -> None:
        if done == total or done % 100_000 == 0:  # each table once, big ones as they go
            print(f"  {table}: {done:,} of {total:,} rows", flush=True)

    print(f"Copying {args.source} into {_hidden(args.target)} ...", flush=True)
    copied = asyncio.run(copy_store(args.source, args.target, progress))
    print(
        f"Copied {sum(copied.values()):,} rows in {len(copied)} tables; every table's count matches the source."
    )
    return 0


def _hidden(url: str) -> str:
    """The URL without its password, for the terminal."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{userinfo.partition(':')[0]}{at}{host}" if at else url


def _refuse(reason: str) -> int:
    """One line on stderr and the exit status of a usage error: nothing was done."""
    print(f"nahbei-backend: {reason}", file=sys.stderr)
    return 2
