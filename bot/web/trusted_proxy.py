"""What a request looked like outside the reverse proxy - its scheme and client address - and
Strict-Transport-Security on what browsers fetched over https.

Sanic 21.12 (`Request.forwarded`, read by `request.scheme` and `request.remote_addr`) honours
X-Forwarded-Proto only with `PROXIES_COUNT` or `REAL_IP_HEADER` set, and then from whoever
connects: a client reaching the app directly could claim either scheme. Here the forwarded
headers count only when the connection itself comes from an address of ASSISTANT_TRUSTED_PROXIES
(default: none, so only the connection's own TLS makes a request https). With that,
`request.scheme` tells the truth, and so do the Secure flags of the staff and identification
cookies that follow it.
"""
from __future__ import annotations

import ipaddress
import logging
from typing import Any

from sanic import Sanic
from sanic.headers import fwd_normalize
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import ProxyNetwork

logger = logging.getLogger(__name__)
_WARNED: set[str] = set()  # private peers already warned about (bounded by the proxies one has)
HSTS_HEADER = "Strict-Transport-Security"
HSTS = "max-age=31536000; includeSubDomains"  # a year; browsers ignore the header on plain http anyway
SCHEMES = ("http", "https")


class ProxiedRequest(Request):
    """A Sanic request whose forwarded information (so `scheme` and `remote_addr`) comes only from a
    trusted proxy; the app's `ctx.settings.trusted_proxies` names them."""

    @property
    def forwarded(self) -> dict[str, Any]:
        if self.parsed_forwarded is None:
            settings = getattr(self.app.ctx, "settings", None)
            self.parsed_forwarded = forwarded_by(self.ip, self.headers, getattr(settings, "trusted_proxies", ()))
        return self.parsed_forwarded


def forwarded_by(peer: str, headers: Any, trusted: tuple[ProxyNetwork, ...]) -> dict[str, Any]:
    """The proxy's word on the outside request: {"proto", "for"} when `peer` is a trusted proxy, else {}.

    The last value of each header is the one the nearest proxy - the trusted one - wrote (nginx
    appends the address it saw to X-Forwarded-For; earlier values came from the client)."""
    if not is_trusted(peer, trusted):
        if headers.get("x-forwarded-for") and _is_private(peer) and peer not in _WARNED:
            _WARNED.add(peer)  # once per peer: a proxy nobody configured makes every client look like it
            logger.warning("X-Forwarded-For from %s, which is not in ASSISTANT_TRUSTED_PROXIES: ignored. If it is "
                           "your reverse proxy, list it there, or every client counts as the proxy's address "
                           "(sign-in lockouts, Secure cookies)", peer)
        return {}
    options = []
    proto = _last(headers.getall("x-forwarded-proto", [])).lower()
    if proto in SCHEMES:
        options.append(("proto", proto))
    client = _last(headers.getall("x-forwarded-for", []))
    if _address(client) is not None:
        options.append(("for", client))
    return dict(fwd_normalize(options))


def _is_private(peer: str) -> bool:
    address = _address(peer)
    return address is not None and (address.is_private or address.is_loopback)


def is_trusted(peer: str, trusted: tuple[ProxyNetwork, ...]) -> bool:
    """Whether the connection's own address is one of the trusted proxies."""
    address = _address(peer)
    return address is not None and any(address in network for network in trusted)


def strict_transport_security(request: Request, answer: HTTPResponse) -> None:
    """Response middleware: HSTS on every answer the browser received over https (never on plain http)."""
    if answer is not None and request.scheme == "https":
        answer.headers[HSTS_HEADER] = HSTS


def install(app: Sanic) -> None:
    """HSTS on the app's https answers (the app must be made with `request_class=ProxiedRequest`)."""
    assert app.request_class is ProxiedRequest, "create the app with request_class=ProxiedRequest"
    app.register_middleware(strict_transport_security, "response")


def _last(values: list[str]) -> str:
    items = [item.strip() for value in values for item in value.split(",") if item.strip()]
    return items[-1] if items else ""


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's view of an IPv4 peer
    return address
