"""Site staff's endpoints for their organisation's admin keys: list, create, rotate, revoke.

Another organisation's key ids answer 404, like ids that do not exist. Keys are checked against the
store on every request, so a revoked key is refused on the very next one.
"""

from __future__ import annotations

from backend.accounts import keys
from backend.accounts.records import AdminKey, AdminKeyCreated, AdminKeyList
from backend.http.operations import Call


async def list_keys(call: Call) -> AdminKeyList:
    return AdminKeyList(keys=await call.state.storage.list_admin_keys(call.org))


async def create_key(call: Call) -> AdminKeyCreated:
    return await keys.create_key(call.state.storage, call.org, call.body.name, call.state.clock())


async def get_key(call: Call) -> AdminKey:
    return await call.state.storage.get_admin_key(call.org, call.ids["key_id"])


async def rotate_key(call: Call) -> AdminKeyCreated:
    return await keys.rotate_key(call.state.storage, call.org, call.ids["key_id"], call.state.clock())


async def revoke_key(call: Call) -> None:
    await call.state.storage.revoke_admin_key(call.org, call.ids["key_id"], call.state.clock())
