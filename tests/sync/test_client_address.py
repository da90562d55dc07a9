"""Which address is the client's: X-Forwarded-For believed only from trusted proxies."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from pydantic import ValidationError

from sync.auth.client_address import resolve
from sync.config import Settings

PROXIES = (ip_network("10.0.0.0/8"), ip_network("2001:db8::/32"))


@pytest.mark.parametrize(("peer", "forwarded_for", "expected"), [
    ("198.51.100.1", ["203.0.113.9"], "198.51.100.1"),  # the peer is no proxy: header ignored
    ("10.0.0.5", [], "10.0.0.5"),  # a proxy that says nothing: itself
    ("10.0.0.5", ["192.0.2.1, 203.0.113.9"], "203.0.113.9"),  # right-most, not left-most
    ("10.0.0.5", ["192.0.2.1, 203.0.113.9, 10.1.1.1"], "203.0.113.9"),  # through two proxies
    ("10.0.0.5", ["192.0.2.1", "203.0.113.9"], "203.0.113.9"),  # two header lines
    ("10.0.0.5", ["garbage, 10.1.1.1"], "10.1.1.1"),  # unreadable: the last trusted hop
    ("2001:db8::7", ["2001:db9::1"], "2001:db9::1"),
    ("::ffff:10.0.0.5", ["203.0.113.9"], "203.0.113.9"),  # IPv4 on a dual-stack socket
    ("testclient", ["203.0.113.9"], "testclient"),
    (None, ["203.0.113.9"], "unknown"),
])
def test_client_address_believes_only_trusted_proxies(peer, forwarded_for, expected):
    assert resolve(peer=peer, forwarded_for=forwarded_for, trusted_proxies=PROXIES) == expected


@pytest.mark.parametrize("given", ["10.0.0.0/8, 2001:db8::/32", '["10.0.0.0/8", "2001:db8::/32"]',
                                   "10.1.2.3/8,2001:db8::/32"])
def test_trusted_proxies_read_from_the_environment(monkeypatch, given):
    monkeypatch.setenv("FSP_TRUSTED_PROXIES", given)
    assert Settings().trusted_proxies == PROXIES


def test_no_proxy_is_trusted_unless_configured(monkeypatch):
    monkeypatch.delenv("FSP_TRUSTED_PROXIES", raising=False)
    assert Settings().trusted_proxies == ()


@pytest.mark.parametrize("given", ["10.0.0.0/8, proxy.internal", "[not json"])
def test_an_unreadable_proxy_list_says_how_to_write_it(monkeypatch, given):
    monkeypatch.setenv("FSP_TRUSTED_PROXIES", given)
    with pytest.raises(ValidationError, match="e.g. 10.0.0.0/8,192.0.2.10"):
        Settings()
