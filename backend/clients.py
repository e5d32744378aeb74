"""Who a public client is, for rate limits and event caps: pure, no sockets.

Behind the reverse proxy the README recommends, every visitor connects from the proxy's address, so
by that alone they would all share one client's budget. A proxy appends the address it saw to
``X-Forwarded-For``; that header is believed only when the connection comes from a trusted proxy,
and then the right-most address that is not itself a trusted proxy is the client (anything further
left was written by the client and proves nothing). A proxy may add its own header line rather than
extend the client's (HAProxy does), so the lines are read as one list, in order.

An IPv6 client is counted by its /64: one subscriber line gets a /64 (at least) and can pick any
address in it, so per address it would have 2^64 budgets.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence


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


def client_address(
    peer: str | None, forwarded_for: Sequence[str] | str | None, trusted: frozenset[str]
) -> str:
    """The address a request is counted against (the empty string when the peer is unknown).

    `forwarded_for` is every ``X-Forwarded-For`` line of the request, in the order received."""
    if peer is None:
        return ""
    if not forwarded_for or peer not in trusted:
        return peer
    hops = forwarded_for if isinstance(forwarded_for, str) else ",".join(forwarded_for)
    for hop in reversed(hops.split(",")):
        hop = hop.strip()
        if hop and hop not in trusted:
            return hop
    return peer


def client_key(address: str) -> str:
    """What the limiters count `address` as: an IPv4 address as itself (also when written as
    IPv4-mapped IPv6), an IPv6 address as its /64, anything unparsable as written."""
    if ":" not in address:  # IPv4 (nearly every request): no parsing on the hot path
        return address
    try:
        ip = ipaddress.IPv6Address(address.split("%", 1)[0])
    except ValueError:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((ip, 64), strict=False))


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def networks(setting: str) -> Networks:
    """A comma-separated list of addresses and networks (``10.0.0.5, 192.168.0.0/24, ::1``).

    Raises ``ValueError`` naming an entry that is neither."""
    return tuple(
        ipaddress.ip_network(entry, strict=False)
        for entry in (part.strip() for part in setting.split(","))
        if entry
    )


def ip_of(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP in `address` (a zone id dropped, IPv4-mapped IPv6 read as IPv4); None if it is not one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def within(address: str, allowed: Networks) -> bool:
    """Whether `address` is in one of `allowed`; False if unparsable."""
    ip = ip_of(address)
    return ip is not None and any(ip in network for network in allowed)
