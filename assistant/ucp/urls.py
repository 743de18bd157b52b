"""URL hygiene for merchant-supplied links (``continue_url``) and merchant origins."""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

UTM_PARAMS = (("utm_source", "pannier"), ("utm_medium", "agentic_commerce"))


@functools.lru_cache(maxsize=256)
def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (lower-cased, no path)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def domain(url: str) -> str:
    """The merchant key: ``host[:port]`` of ``url``."""
    return urlsplit(url).netloc.lower()


@functools.lru_cache(maxsize=1024)
def safe_continue_url(url: str | None, merchant_origin: str) -> str | None:
    """``url`` tagged with Pannier's UTM parameters, or None when it is not safe to open.

    Safe means: absolute ``https`` (``http`` only on loopback hosts), no embedded credentials, and
    on the merchant's own host. Existing query parameters (UTM ones included) are kept. A pure
    function of its two strings, remembered: a trip asks it about one checkout's link ~10 times.
    """
    if not url or any(ch in url for ch in "\r\n\t\x00") or url != url.strip():
        return None
    try:
        parts = urlsplit(url)
        merchant = urlsplit(merchant_origin)
        port = parts.port
        merchant_port = merchant.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host or parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not is_loopback_host(host)):
        return None
    if host != (merchant.hostname or "").lower():
        return None
    if is_loopback_host(host) and (port or 80) != (merchant_port or 80):
        return None  # each loopback store is its own site
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    query += [(key, value) for key, value in UTM_PARAMS if key not in present]
    return urlunsplit((scheme, parts.netloc, parts.path or "/", urlencode(query), parts.fragment))
