"""The address a request comes from, as far as it can be trusted: what sign-in throttling counts.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only when the TCP
peer is one of ``settings.trusted_proxies`` — and then only its right-most part: each trusted
proxy appends the address it received the request from, so walking from the right, the first
address that is not a trusted proxy is the last one a trusted proxy vouched for. Everything to
its left was written by the client and may be anything.

Where the peer comes from: uvicorn's socket (``fsp-sync serve`` turns off uvicorn's own
proxy-header handling, which would trust loopback peers — see ``sync.server_cli``); in AWS,
Mangum puts API Gateway's ``requestContext.http.sourceIp`` there, the caller's address as API
Gateway saw it, so the Lambdas need no trusted proxy at all.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from fastapi import Request

UNKNOWN = "unknown"

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address


def client_address(request: Request, *, trusted_proxies: Sequence[Network]) -> str:
    peer = request.client.host if request.client else None
    return resolve(peer=peer, forwarded_for=request.headers.getlist("x-forwarded-for"),
                   trusted_proxies=trusted_proxies)


def resolve(*, peer: str | None, forwarded_for: Iterable[str],
            trusted_proxies: Sequence[Network]) -> str:
    """The client's address from the TCP ``peer`` and the ``X-Forwarded-For`` header values."""
    address = _parse(peer)
    if address is None:
        return peer or UNKNOWN  # not an IP (a test transport, a Unix socket): the peer as named
    if not _trusted(address, trusted_proxies):
        return str(address)
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        parsed = _parse(hop)
        if parsed is None:
            break  # unreadable: not written by a proxy we trust, so the last trusted hop stands
        address = parsed
        if not _trusted(address, trusted_proxies):
            break
    return str(address)


def _parse(text: str | None) -> Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d: one client, one address.
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, trusted_proxies: Sequence[Network]) -> bool:
    return any(address.version == network.version and address in network
               for network in trusted_proxies)
