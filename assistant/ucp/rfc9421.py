"""RFC 9421 signature bases built as text, for the shapes Pannier signs and its merchants answer.

``http-message-signatures`` is the reference: it serialises every structured field through
``http_sf`` character by character and builds each base twice when signing, ~0.9 ms per signed
request and ~0.7 ms per verified answer on this project's machine, against ~30 / ~70 µs for the
ECDSA itself. That was a fifth of a 40-shop purchase's client CPU. Here the signature base of a
request whose covered components are plain derived components and header fields (what
``signing.covered_components`` names) is written directly, and an answer is verified directly
when its signature is in the plain shape the spec's stores send (one label, plain component
names, the RFC's own parameters). Anything else, and every answer that does not verify here, is
left to the library (``signing.Signing.check``), which then decides and explains; so this module
can only say "verified", never "rejected".
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

import http_sf
import httpx2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

DEFAULT_PORTS: Final = {"http": 80, "https": 443}
PARAMETERS: Final = frozenset({"alg", "created", "expires", "keyid", "nonce", "tag"})
ALGORITHM: Final = "ecdsa-p256-sha256"
CLOCK_SKEW_S: Final = 5  # as the library's verifier allows
MAX_AGE_S: Final = 24 * 3600  # the library's default max_age
_ES256: Final = ec.ECDSA(hashes.SHA256())


def content_digest(body: bytes) -> str:
    """RFC 9530 ``Content-Digest`` with SHA-256."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


def _sf_string(value: str) -> str | None:
    """A structured-field String, or None when ``value`` holds what one cannot."""
    if not (value.isascii() and value.isprintable()):
        return None
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def signature_params(components: Sequence[str], params: Sequence[tuple[str, Any]]) -> str | None:
    """The serialised inner list of ``Signature-Input`` (the ``@signature-params`` value)."""
    names = [_sf_string(name) for name in components]
    if None in names:
        return None
    text = "(" + " ".join(n for n in names if n is not None) + ")"
    for key, value in params:
        if type(value) is int:
            text += f";{key}={value}"
        elif isinstance(value, str) and (quoted := _sf_string(value)) is not None:
            text += f";{key}={quoted}"
        else:
            return None
    return text


def _field(headers: httpx2.Headers, name: str) -> str | None:
    """A covered field's value: its lines trimmed and joined; None if absent or not plain."""
    lines = headers.get_list(name)
    if not lines or any("\r" in line or "\n" in line for line in lines):
        return None
    value = ", ".join(line.strip(" \t") for line in lines)
    return value if not value or value.replace("\t", " ").isprintable() else None


def _authority(url: httpx2.URL) -> str:
    host, port = url.host.lower(), url.port
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal, as it is written in a URL
    if port is None or port == DEFAULT_PORTS.get(url.scheme):
        return host
    return f"{host}:{port}"


def _request_component(request: httpx2.Request, name: str) -> str | None:
    if name == "@method":
        return request.method
    if name == "@authority":
        return _authority(request.url)
    raw = request.url.raw_path.decode("ascii")
    if name == "@path":
        return raw.split("?", 1)[0] or "/"
    if name == "@query":
        return "?" + request.url.query.decode("ascii")
    if name.startswith("@"):
        return None
    return _field(request.headers, name)


def _base(lines: list[tuple[str, str | None]], params: str) -> bytes | None:
    if any(value is None or value.startswith(" ") or value.endswith(" ") for _, value in lines):
        return None
    text = "\n".join(f'"{name}": {value}' for name, value in lines)
    text += f'\n"@signature-params": {params}'
    return text.encode() if text.isascii() else None


def sign_request(
    request: httpx2.Request,
    body: bytes | None,
    *,
    key: ec.EllipticCurvePrivateKey,
    components: Sequence[str],
    params: Sequence[tuple[str, Any]],
    label: str,
) -> bool:
    """Add ``Content-Digest`` (with a body), ``Signature-Input`` and ``Signature`` in place.

    False (and the request untouched) when a component is not one this module writes.
    """
    if body is not None:
        request.headers["Content-Digest"] = content_digest(body)
    inner = signature_params(components, params)
    values = [(name, _request_component(request, name)) for name in components]
    base = _base(values, inner) if inner is not None else None
    if base is None or inner is None:
        if body is not None:
            del request.headers["Content-Digest"]
        return False
    r, s = decode_dss_signature(key.sign(base, _ES256))
    signature = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
    request.headers["Signature-Input"] = f"{label}={inner}"
    request.headers["Signature"] = f"{label}=:{signature}:"
    return True


def verifies_response(
    response: httpx2.Response,
    body: bytes,
    *,
    public_key: Callable[[str], ec.EllipticCurvePublicKey | None],
    required: Sequence[str],
    now: float | None = None,
) -> bool:
    """True when the answer's one plain signature verifies; False means "ask the library"."""
    headers = response.headers
    inputs, signatures = headers.get_list("signature-input"), headers.get_list("signature")
    if len(inputs) != 1 or len(signatures) != 1:
        return False
    given, sent = inputs[0], signatures[0]
    signature = _plain_signature(given, sent) or _sf_signature(given, sent)
    if signature is None:
        return False
    names, params, raw = signature
    if len(raw) != 64 or len(set(names)) != len(names):
        return False
    if not set(required) <= set(names) or not _timely(params, now):
        return False
    digested = "content-digest" in names and headers.get("content-digest") == content_digest(body)
    if (body or "content-digest" in headers) and not digested:
        return False
    inner = signature_params(names, list(params.items()))
    values = [
        (n, str(response.status_code) if n == "@status" else _response_field(headers, n))
        for n in names
    ]
    base = _base(values, inner) if inner is not None else None
    key = public_key(params["keyid"])
    if base is None or key is None:
        return False
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, base, _ES256)
    except InvalidSignature:
        return False
    return True


# One signature in the shape stores write it: plain component names, integer or string
# parameters, canonical spacing. Anything else is read by http_sf (``_sf_signature``).
_KEY: Final = r"[a-z*][a-z0-9_\-.*]*"
_STRING: Final = r'"[ !#-\[\]-~]*"'  # printable ASCII but the quote and the backslash
_PLAIN_INPUT: Final = re.compile(
    rf"({_KEY})=\(((?:{_STRING}(?: {_STRING})*)?)\)((?:;{_KEY}=(?:-?[0-9]{{1,15}}|{_STRING}))*)"
)
_PLAIN_PARAM: Final = re.compile(rf";({_KEY})=(-?[0-9]{{1,15}}|{_STRING})")
_PLAIN_SIGNATURE: Final = re.compile(rf"({_KEY})=:([A-Za-z0-9+/]*={{0,2}}):")

# (covered component names, the parameters, the signature's bytes)
Signature = tuple[list[str], dict[str, Any], bytes]


def _plain_signature(signature_input: str, signature: str) -> Signature | None:
    """The one signature of headers in the plain shape, read directly (http_sf takes ~60 µs);
    None when they are in any other shape."""
    given, sent = _PLAIN_INPUT.fullmatch(signature_input), _PLAIN_SIGNATURE.fullmatch(signature)
    if given is None or sent is None or given[1] != sent[1]:
        return None
    names = [name[1:-1] for name in re.findall(_STRING, given[2])]
    params: dict[str, Any] = {}
    for key, value in _PLAIN_PARAM.findall(given[3]):
        if key in params:
            return None  # a repeated parameter: http_sf says which one counts
        params[key] = value[1:-1] if value.startswith('"') else int(value)
    try:
        raw = base64.b64decode(sent[2], validate=True)
    except ValueError:
        return None
    return names, params, raw


def _sf_signature(signature_input: str, signature: str) -> Signature | None:
    """The one signature of the headers as http_sf reads them; None unless there is exactly one,
    covering plain component names, its bytes without parameters."""
    try:
        parsed_input: Any = http_sf.parse(signature_input.encode(), tltype="dictionary")
        parsed_signature: Any = http_sf.parse(signature.encode(), tltype="dictionary")
    except (ValueError, TypeError, KeyError):
        return None
    if len(parsed_input) != 1 or parsed_input.keys() != parsed_signature.keys():
        return None
    ((label, (members, params)),) = parsed_input.items()
    raw, raw_params = parsed_signature[label]
    if not isinstance(members, list) or not isinstance(raw, bytes) or raw_params:
        return None
    names = [name for name, item_params in members if isinstance(name, str) and not item_params]
    if len(names) != len(members):
        return None
    return names, dict(params), raw


def _response_field(headers: httpx2.Headers, name: str) -> str | None:
    return None if name.startswith("@") or name != name.lower() else _field(headers, name)


def _timely(params: dict[str, Any], now: float | None) -> bool:
    """The parameters are the RFC's, of their types, and say the signature is current."""
    if not set(params) <= PARAMETERS or not isinstance(params.get("keyid"), str):
        return False
    if any(not isinstance(params[p], str) for p in ("alg", "nonce", "tag") if p in params):
        return False
    if params.get("alg", ALGORITHM) != ALGORITHM:
        return False
    created, expires = params.get("created"), params.get("expires", 0)
    if type(created) is not int or type(expires) is not int:
        return False
    clock = time.time() if now is None else now
    if created > clock + CLOCK_SKEW_S or created + MAX_AGE_S < clock - CLOCK_SKEW_S:
        return False
    return "expires" not in params or expires >= clock - CLOCK_SKEW_S
