"""An organisation's admin keys: several, named, with a visible prefix; rotated and revoked through the
admin API and the command line; a revoked key refused at once; keys from before migration 2 kept."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from backend.config import Settings
from backend.storage import open_storage
from backend.storage.sqlite.schema import MIGRATIONS
from tests.conftest import Backend
from tests.test_cli_backend import run


async def test_keys_are_named_listed_without_secrets_and_show_their_prefix(backend: Backend) -> None:
    made = await backend.json("POST", "/v1/admin/keys", 201, json={"name": "Import script"})
    assert made["secret"].startswith("nbk_") and made["secret"][4:12] == made["prefix"]
    listed = await backend.json("GET", "/v1/admin/keys", 200)
    assert [k["name"] for k in listed["keys"]] == ["admin key", "Import script"]
    assert "secret" not in json.dumps(listed) and made["secret"] not in json.dumps(listed)
    assert listed["keys"][0]["prefix"] == backend.admin_key[4:12]
    # The new key works, and its use is recorded.
    await backend.json("GET", "/v1/admin/sites", 200, key=made["secret"])
    one = await backend.json("GET", f"/v1/admin/keys/{made['id']}", 200)
    assert one["last_used_at"] is not None and one["revoked_at"] is None
    await backend.json("POST", "/v1/admin/keys", 422, json={"name": ""})
    await backend.json("POST", "/v1/admin/keys", 422, json={"name": "x", "secret": "mine"})


async def test_a_revoked_key_is_refused_on_the_next_request(backend: Backend) -> None:
    made = await backend.json("POST", "/v1/admin/keys", 201, json={"name": "Kiosk"})
    for _ in range(3):  # used, and so in every cache there is
        await backend.json("GET", "/v1/admin/sites", 200, key=made["secret"])
    await backend.json("DELETE", f"/v1/admin/keys/{made['id']}", 204)
    await backend.json("GET", "/v1/admin/sites", 401, key=made["secret"])
    await backend.json("DELETE", f"/v1/admin/keys/{made['id']}", 204)  # again: still revoked, no error
    listed = (await backend.json("GET", "/v1/admin/keys", 200))["keys"]
    assert listed[-1]["id"] == made["id"] and listed[-1]["revoked_at"] is not None
    # An organisation may revoke the key it is calling with; the next call is refused.
    first = listed[0]["id"]
    await backend.json("DELETE", f"/v1/admin/keys/{first}", 204)
    await backend.json("GET", "/v1/admin/keys", 401)


async def test_rotating_shows_a_new_secret_once_and_revokes_the_old_one(backend: Backend) -> None:
    made = await backend.json("POST", "/v1/admin/keys", 201, json={"name": "Backup"})
    await backend.json("GET", "/v1/admin/sites", 200, key=made["secret"])
    new = await backend.json("POST", f"/v1/admin/keys/{made['id']}/rotate", 201)
    assert new["name"] == "Backup" and new["id"] != made["id"] and new["secret"] != made["secret"]
    await backend.json("GET", "/v1/admin/sites", 401, key=made["secret"])
    await backend.json("GET", "/v1/admin/sites", 200, key=new["secret"])
    await backend.json("POST", f"/v1/admin/keys/{made['id']}/rotate", 409)


async def test_another_organisations_key_ids_answer_404(backend: Backend) -> None:
    other = await backend.new_org()
    theirs = await backend.json("POST", "/v1/admin/keys", 201, key=other, json={"name": "Theirs"})
    for method, path in (
        ("GET", f"/v1/admin/keys/{theirs['id']}"),
        ("POST", f"/v1/admin/keys/{theirs['id']}/rotate"),
        ("DELETE", f"/v1/admin/keys/{theirs['id']}"),
    ):
        await backend.json(method, path, 404)
    await backend.json("GET", "/v1/admin/sites", 200, key=theirs["secret"])  # untouched
    ours = (await backend.json("GET", "/v1/admin/keys", 200))["keys"]
    assert theirs["id"] not in [k["id"] for k in ours]


async def test_keys_made_before_migration_2_still_work(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute("INSERT INTO orgs (name, key_hash, created_at) VALUES ('Alt', ?, 1.0)", (b"h" * 32,))
        conn.execute("PRAGMA user_version=1")
    async with open_storage(Settings(db=db)) as storage:
        assert await storage.org_for_key(b"h" * 32) == 1
        [key] = await storage.list_admin_keys(1)
        assert key.prefix == "" and key.revoked_at is None
        await storage.revoke_admin_key(1, key.id, 2.0)
        assert await storage.org_for_key(b"h" * 32) is None
    with sqlite3.connect(db) as conn:  # the old column no longer holds the key
        assert conn.execute("SELECT key_hash FROM orgs").fetchone()[0] != b"h" * 32


def test_the_command_line_lists_creates_rotates_and_revokes_keys(tmp_path: Path) -> None:
    db = str(tmp_path / "nahbei.db")
    org = json.loads(run("admin", "create-org", "Tafel", "--db", db, "--json").stdout)
    made = run("admin", "keys", "create", "--org", "1", "--name", "Script", "--db", db, "--json")
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)
    assert key["secret"].startswith("nbk_" + key["prefix"])
    listed = run("admin", "keys", "list", "--org", "1", "--db", db)
    assert "Script" in listed.stdout and key["secret"] not in listed.stdout
    assert f"nbk_{org['admin_key'][4:12]}…" in listed.stdout
    rotated = json.loads(
        run("admin", "keys", "rotate", str(key["id"]), "--org", "1", "--db", db, "--json").stdout
    )
    assert rotated["secret"] != key["secret"]
    assert run("admin", "keys", "revoke", str(rotated["id"]), "--org", "1", "--db", db).returncode == 0
    listed = json.loads(run("admin", "keys", "list", "--org", "1", "--db", db, "--json").stdout)
    assert [k["revoked_at"] is not None for k in listed] == [False, True, True]
    for args in (("revoke", "99"), ("rotate", "99")):
        done = run("admin", "keys", *args, "--org", "1", "--db", db)
        assert done.returncode == 2 and "not found" in done.stderr and "Traceback" not in done.stderr
    done = run("admin", "keys", "list", "--org", "7", "--db", db)
    assert done.returncode == 2 and "organisation 7 not found" in done.stderr
    assert "--name" in run("admin", "keys", "create", "--help").stdout


def test_create_org_with_an_owner_prints_a_setup_link(tmp_path: Path) -> None:
    db = tmp_path / "nahbei.db"
    env_base = "https://nahbei.example.org"
    env = {**os.environ, "NAHBEI_BASE_URL": env_base}
    done = run(
        "admin",
        "create-org",
        "Hospiz",
        "--owner-email",
        "Anna@Example.org",
        "--db",
        str(db),
        "--json",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) == {"org_id", "admin_key", "setup_url"}
    assert answer["setup_url"].startswith(env_base + "/manage/setup/")
    token = answer["setup_url"].rsplit("/", 1)[1]
    assert token.encode() not in db.read_bytes() and len(token) >= 40
    text = run("admin", "create-org", "Tafel", "--owner-email", "b@example.org", "--db", str(db))
    assert "/manage/setup/" in text.stdout and "72 h" in text.stdout
    bad = run("admin", "create-org", "Tafel", "--owner-email", "not an address", "--db", str(db))
    assert bad.returncode == 2 and "not an e-mail address" in bad.stderr
    # Without mail, the operator prints a reset link for a person; nobody else can get one.
    reset = run("admin", "reset-link", "anna@example.org", "--db", str(db))
    assert reset.returncode == 0 and "/manage/reset/" in reset.stdout
    nobody = run("admin", "reset-link", "nobody@example.org", "--db", str(db))
    assert nobody.returncode == 2 and "nobody" in nobody.stderr
