"""`nahbei-backend admin …`: organisations with their owner, admin keys, and reset links, on the database.

Secrets and links are printed to stdout for the operator who asked, and never logged.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from backend.accounts import keys
from backend.accounts.people import owner_setup_link, reset_link
from backend.accounts.records import AdminKey
from backend.config import Settings
from backend.errors import NotFound
from backend.orgs import create_org
from backend.storage import open_storage

DB_HELP = (
    "the database: a SQLite file, a sqlite:/// URL or a postgresql:// URL"
    " (default ./var/nahbei.db, env NAHBEI_DB)"
)


def add_parsers(admin: Any) -> None:
    """The `keys` and `reset-link` actions under `admin` (create-org is declared with the rest)."""
    keys_parser = admin.add_parser("keys", help="list, create, rotate or revoke an organisation's admin keys")
    actions = keys_parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    for name, help_text in (
        ("list", "list the keys (names, visible prefixes, last use; never the secrets)"),
        ("create", "create a named key and print its secret (shown once)"),
        ("rotate", "replace a key's secret: print the new one (shown once), revoke the old one at once"),
        ("revoke", "revoke a key: it is refused from the next request on"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("--org", type=int, required=True, help="the organisation's id")
        action.add_argument("--db", help=DB_HELP)
        action.add_argument("--json", action="store_true", help="print JSON instead of text")
        if name == "create":
            action.add_argument("--name", required=True, help="what the key is for, e.g. 'Import script'")
        if name in ("rotate", "revoke"):
            action.add_argument("key_id", type=int, help="the key's id (see `keys list`)")
    reset = admin.add_parser(
        "reset-link",
        help="print a one-time link (valid 1 h) with which a person chooses a new password; for "
        "instances without mail: pass it on to the person yourself",
    )
    reset.add_argument("email", help="the person's e-mail address")
    reset.add_argument("--db", help=DB_HELP)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Carry out `args.admin_command`; the exit status."""
    if args.admin_command == "create-org":
        return await _create_org(args, settings)
    if args.admin_command == "reset-link":
        async with open_storage(settings) as storage:
            link = await reset_link(storage, settings, args.email, time.time())
        if link is None:
            raise NotFound(f"nobody has the e-mail address {args.email.strip()!r}")
        print(link)
        return 0
    return await _keys(args, settings)


async def _create_org(args: argparse.Namespace, settings: Settings) -> int:
    org_id, key = await create_org(settings, args.name)
    out: dict[str, Any] = {"org_id": org_id, "admin_key": key}
    if args.owner_email:
        async with open_storage(settings) as storage:
            out["setup_url"] = await owner_setup_link(
                storage, settings, org_id, args.owner_email, time.time()
            )
    if args.json:
        print(json.dumps(out))
        return 0
    print(
        f"Created organisation {org_id} ({args.name.strip()}).\nAdmin key (shown once, keep it safe): {key}"
    )
    if "setup_url" in out:
        print(f"Setup link for {args.owner_email.strip()} (valid 72 h, once): {out['setup_url']}")
    return 0


async def _keys(args: argparse.Namespace, settings: Settings) -> int:
    now = time.time()
    async with open_storage(settings) as storage:
        await storage.org_name(args.org)
        if args.keys_command == "list":
            listed = await storage.list_admin_keys(args.org)
            if args.json:
                print(json.dumps([json.loads(k.model_dump_json()) for k in listed]))
            else:
                for k in listed:
                    print(_line(k))
            return 0
        if args.keys_command == "revoke":
            await storage.revoke_admin_key(args.org, args.key_id, now)
            print(json.dumps({"revoked": args.key_id}) if args.json else f"Revoked key {args.key_id}.")
            return 0
        if args.keys_command == "create":
            made = await keys.create_key(storage, args.org, args.name, now)
        else:
            made = await keys.rotate_key(storage, args.org, args.key_id, now)
    if args.json:
        print(made.model_dump_json())
    else:
        print(f"{_line(made)}\nSecret (shown once, keep it safe): {made.secret}")
    return 0


def _line(key: AdminKey) -> str:
    state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
    used = f"last used {key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
    prefix = f"nbk_{key.prefix}…" if key.prefix else "(key from before names)"
    return f"{key.id}\t{key.name}\t{prefix}\t{state}, {used}"
