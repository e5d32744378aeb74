"""Who a public client is, for rate limits and event caps: pure, no sockets.

Behind the reverse proxy the README recommends, every visitor connects from the proxy's address, so
by that alone they would all share one client's budget. A proxy appends the address it saw to
``X-Forwarded-For``; that header is believed only when the connection comes from a trusted proxy,
and then the right-most address that is not itself a trusted proxy is the client (anything further
left was written by the client and proves nothing).
"""

from __future__ import annotations

import ipaddress


def trusted_proxies(setting: str) -> frozenset[str]:
    """The `trusted_proxies` setting (comma-separated addresses) as the set `client_address` takes:
    each entry as written and in Python's canonical form, since the peer address is compared as the
    socket gives it, unparsed (it is on every request's path).

    Raises ``ValueError`` naming an entry that is not an IP address."""
    addresses: set[str] = set()
    for entry in (part.strip() for part in setting.split(",")):
        if entry:
            addresses.update((entry, str(ipaddress.ip_address(entry))))
    return frozenset(addresses)


def client_address(peer: str | None, forwarded_for: str | None, trusted: frozenset[str]) -> str:
    """The address a request is counted against (the empty string when the peer is unknown)."""
    if peer is None:
        return ""
    if forwarded_for is None or peer not in trusted:
        return peer
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()
        if hop and hop not in trusted:
            return hop
    return peer
