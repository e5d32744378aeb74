"""Who a public client is behind a reverse proxy (`backend.clients`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.clients import client_address, client_key, trusted_proxies

PROXIES = trusted_proxies("127.0.0.1, ::1")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("203.0.113.7", None, "203.0.113.7"),  # no proxy
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not from our proxy: the header proves nothing
        ("127.0.0.1", None, "127.0.0.1"),  # a local process without a proxy header
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),  # the proxy names the visitor
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the visitor wrote the left part
        ("::1", "2001:db8::5", "2001:db8::5"),
        ("127.0.0.1", "198.51.100.1, 127.0.0.1", "198.51.100.1"),  # two of our proxies in a row
        ("127.0.0.1", " , ", "127.0.0.1"),  # an empty header names nobody
        (None, "198.51.100.1", ""),
        # HAProxy adds its own line: the lines are one list, in order, so the visitor's line is left
        ("127.0.0.1", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),
        ("127.0.0.1", ["198.51.100.1, 127.0.0.1", " "], "198.51.100.1"),
        ("127.0.0.1", [], "127.0.0.1"),
    ],
)
def test_the_client_is_the_right_most_address_our_proxies_did_not_write(
    peer: str | None, forwarded_for: str | list[str] | None, client: str
) -> None:
    assert client_address(peer, forwarded_for, PROXIES) == client


@given(st.text(max_size=200))
def test_what_a_visitor_puts_in_the_header_cannot_move_it_off_the_address_the_proxy_saw(forged: str) -> None:
    assert client_address("127.0.0.1", f"{forged}, 198.51.100.1", PROXIES) == "198.51.100.1"


def test_the_setting_takes_addresses_and_names_a_bad_one() -> None:
    assert trusted_proxies("") == frozenset()
    assert trusted_proxies(" 10.0.0.2 ,::FFFF:10.0.0.3") == {"10.0.0.2", "::FFFF:10.0.0.3", "::ffff:a00:3"}
    with pytest.raises(ValueError, match="nginx"):
        trusted_proxies("127.0.0.1,nginx")


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("198.51.100.7", "198.51.100.7"),  # IPv4: per address
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # IPv6: per /64, whatever the interface id
        ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),  # IPv4-mapped: the IPv4 address
        ("::1", "::/64"),
        ("", ""),
        ("not:an address", "not:an address"),
    ],
)
def test_ipv6_clients_are_counted_by_their_64_ipv4_clients_by_address(address: str, key: str) -> None:
    assert client_key(address) == key
