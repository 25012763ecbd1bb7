"""Outbound URL safety: a merchant's webhook URL is resolved once, every address checked, and the socket pinned to it.

Refused: loopback, private, shared (CGNAT), link-local, multicast, reserved, unspecified and cloud-metadata
addresses, plain http, credentials in the URL. A deployment may exempt named networks (e.g. an internal ERP) and
allow plain http through settings; the metadata addresses are never exempt.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# AWS/GCP/Azure/OpenStack (IPv4 and AWS's IPv6), Alibaba Cloud.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)
MAX_URL_LENGTH = 500


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks; `reason` says why in words a merchant can act on."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable  # a DNS failure may pass later; a refused address does not


@dataclass(frozen=True)
class UrlPolicy:
    """What outbound URLs may reach: https only and public addresses, unless the deployment says otherwise."""

    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Any) -> UrlPolicy:
        """`webhook_allow_http` and `webhook_allowed_networks` (comma-separated CIDRs) when the settings have them."""
        listed = str(getattr(settings, "webhook_allowed_networks", "") or "").split(",")
        networks = tuple(ipaddress.ip_network(n.strip(), strict=False) for n in listed if n.strip())
        return cls(allow_http=bool(getattr(settings, "webhook_allow_http", False)), allowed_networks=networks)


@dataclass(frozen=True)
class Target:
    """A checked URL and the addresses its host resolved to; connections go to these and nowhere else."""

    url: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...] = field(default=())


def address_refusal(address: IPAddress, policy: UrlPolicy) -> str:
    """Why `address` may not be reached ("" when it may)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if any(address in network for network in policy.allowed_networks):
        return ""
    checks = (
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for refused, reason in checks if refused), "")


def check_url(url: str, policy: UrlPolicy) -> Target:
    """Syntax and scheme checks, and the address check when the host is a literal IP. Raises UnsafeUrl."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"not a valid URL ({exc})") from exc
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeUrl("must start with https://")
    if not parts.hostname:
        raise UnsafeUrl("has no host name")
    if parts.username or parts.password:
        raise UnsafeUrl("must not contain a user name or password")
    host = parts.hostname.rstrip(".")
    port = port or (443 if parts.scheme == "https" else 80)
    literal = _literal_address(host)
    if literal is not None:
        if reason := address_refusal(literal, policy):
            raise UnsafeUrl(f"points to {reason} ({literal})")
        return Target(url.strip(), host, port, (literal,))
    return Target(url.strip(), host, port)


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def resolve(url: str, policy: UrlPolicy) -> Target:
    """Check the URL, resolve its host once and refuse it if ANY address is refused. Raises UnsafeUrl."""
    target = check_url(url, policy)
    if target.addresses:
        return target
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeUrl(f"host {target.host!r} could not be resolved", retryable=True) from exc
    addresses = tuple(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if not addresses:
        raise UnsafeUrl(f"host {target.host!r} has no address", retryable=True)
    for address in addresses:
        if reason := address_refusal(address, policy):
            raise UnsafeUrl(f"host {target.host!r} resolves to {reason} ({address})")
    return Target(target.url, target.host, target.port, addresses)


class PinnedResolver(AbstractResolver):
    """aiohttp resolver answering only with addresses pinned after the check: no second lookup to rebind."""

    def __init__(self) -> None:
        self._pins: dict[str, tuple[IPAddress, ...]] = {}

    def pin(self, target: Target) -> None:
        self._pins[target.host] = target.addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = self._pins.get(host.rstrip("."))
        if not addresses:
            raise OSError(f"{host} was not checked before connecting")
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET if address.version == 4 else socket.AF_INET6,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        self._pins.clear()
