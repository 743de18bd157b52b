"""A second, independent RFC 9421 / RFC 9530 implementation: string building and `cryptography`.

It shares nothing with ``http-message-signatures``: the signature base is assembled line by line
from RFC 9421 §2.5 (``"name": value`` per covered component, then ``"@signature-params"``), the
digest is RFC 9530's ``sha-256=:<base64>:``, and ES256 is raw ``r||s`` (RFC 9421 §3.3.4).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)


def content_digest(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def _component(name: str, method: str, url: str, headers: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    if name == "@status":
        return method  # a response's "method" slot carries its status code
    if name == "@method":
        return method.upper()
    if name == "@authority":
        return parts.netloc.lower()
    if name == "@path":
        return parts.path or "/"
    if name == "@query":
        return "?" + parts.query
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered[name].strip()


def signature_base(
    method: str, url: str, headers: Mapping[str, str], components: Sequence[str], params: str
) -> bytes:
    """RFC 9421 §2.5; ``params`` is the serialised inner list exactly as in Signature-Input."""
    lines = [f'"{name}": {_component(name, method, url, headers)}' for name in components]
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def serialise_params(components: Sequence[str], **params: int | str) -> str:
    inner = "(" + " ".join(f'"{name}"' for name in components) + ")"
    for key, value in params.items():
        inner += f";{key}={value}" if isinstance(value, int) else f';{key}="{value}"'
    return inner


def sign(
    private_key: ec.EllipticCurvePrivateKey,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    components: Sequence[str],
    **params: int | str,
) -> dict[str, str]:
    """``headers`` plus Content-Digest, Signature-Input and Signature (label ``sig1``)."""
    signed = dict(headers)
    if body is not None:
        signed["Content-Digest"] = content_digest(body)
    inner = serialise_params(components, **params)
    der = private_key.sign(
        signature_base(method, url, signed, components, inner), ec.ECDSA(hashes.SHA256())
    )
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    signed["Signature-Input"] = f"sig1={inner}"
    signed["Signature"] = "sig1=:" + base64.b64encode(raw).decode() + ":"
    return signed


def parse_signature_input(value: str) -> tuple[str, list[str], dict[str, str]]:
    """(the inner list as serialised, its component names, its parameters), for label sig1."""
    label, _, inner = value.partition("=")
    assert label == "sig1", value
    names_part, _, params_part = inner.partition(")")
    names = [name.strip('"') for name in names_part.lstrip("(").split()]
    params: dict[str, str] = {}
    for pair in filter(None, params_part.split(";")):
        key, _, raw = pair.partition("=")
        params[key] = raw.strip('"')
    return inner, names, params


def verify(
    public_key: ec.EllipticCurvePublicKey,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
) -> dict[str, str]:
    """Check the digest and the signature; return the signature's parameters (raises if bad)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    inner, names, params = parse_signature_input(lowered["signature-input"])
    if body:
        assert lowered["content-digest"] == content_digest(body), "digest mismatch"
    raw = base64.b64decode(lowered["signature"].removeprefix("sig1=:").removesuffix(":"))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    base = signature_base(method, url, lowered, names, inner)
    public_key.verify(der, base, ec.ECDSA(hashes.SHA256()))  # raises InvalidSignature
    return params


def verify_response(
    public_key: ec.EllipticCurvePublicKey, status: int, headers: Mapping[str, str], body: bytes
) -> dict[str, str]:
    """A response signature (``@status`` in place of ``@method``), checked the same way."""
    return verify(public_key, str(status), "http://response.invalid/", headers, body)
