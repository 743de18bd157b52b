"""RFC 9421 signature bases written as text, for the one plain shape UCP platforms send.

``http-message-signatures`` serialises every structured field through ``http_sf`` character by
character and builds a signing base twice: ~0.45 ms to verify a request and ~0.3 ms to sign an
answer on this project's machine, against ~70 / ~30 µs for the ECDSA itself, which made the
signatures cost a signed request more CPU than the store's business logic. Here a request whose
``Signature-Input`` and ``Signature`` are each one member in the plain shape (plain lower-case
component names, the RFC's own parameters, nothing that serialises differently from how it is
written) is verified directly, and an answer's three components are signed directly. Anything
else, and every request that does not verify here, goes to the library
(``signatures.StoreSignatures``), which then decides and explains; so this module can only say
"verified", never "rejected".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

ALGORITHM: Final = "ecdsa-p256-sha256"
CLOCK_SKEW_S: Final = 5  # as the library's verifier allows
ANSWER_COMPONENTS: Final = ("@status", "content-digest", "content-type")
_ES256: Final = ec.ECDSA(hashes.SHA256())
_STRINGS: Final = frozenset({"alg", "keyid", "nonce", "tag"})
_INTEGERS: Final = frozenset({"created", "expires"})

# Only what serialises back to the same text: an SF key, plain quoted names, parameters whose
# strings need no escaping and whose integers have no sign or leading zero.
_LABEL = r"[a-z*][a-z0-9_\-.*]{0,63}"
_NAME = r'"[a-z0-9@][a-z0-9_\-.]{0,63}"'
_VALUE = r'"[ !#-\[\]-~]{0,512}"|0|[1-9][0-9]{0,14}'
_PLAIN_STRING: Final = re.compile(r"[ !#-\[\]-~]{1,512}")
_INPUT: Final = re.compile(
    rf"(?P<label>{_LABEL})=(?P<inner>\((?P<names>(?:{_NAME})(?: {_NAME}){{0,31}})?\)"
    rf"(?P<params>(?:;[a-z]{{1,16}}=(?:{_VALUE})){{0,8}}))"
)
_PARAM: Final = re.compile(rf";([a-z]{{1,16}})=({_VALUE})")
_SIGNATURE: Final = re.compile(rf"({_LABEL})=:([A-Za-z0-9+/]{{86}}==):")
# The characters the library's strict URL parser takes in a path, less '%' (the path here is
# the decoded one, so a '%' would mean something else to each side).
_PLAIN_PATH: Final = re.compile(r"/[A-Za-z0-9._~\-!$&'()*+,;=:@/]*")


def content_digest(body: bytes) -> str:
    """RFC 9530 ``Content-Digest`` with SHA-256."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


@dataclass(frozen=True)
class PlainSignature:
    """One signature in the plain shape, as read from its two header fields."""

    names: tuple[str, ...]
    params: dict[str, str | int]
    inner: str  # the `@signature-params` value: the inner list exactly as written
    raw: bytes  # r || s


def parse_plain(signature_input: str, signature: str) -> PlainSignature | None:
    """The one signature both fields hold, when in the plain shape; else None."""
    found = _INPUT.fullmatch(signature_input)
    signed = _SIGNATURE.fullmatch(signature)
    if found is None or signed is None or signed[1] != found["label"]:
        return None
    names = tuple(name[1:-1] for name in (found["names"] or "").split(" ") if name)
    pairs = _PARAM.findall(found["params"])
    params: dict[str, str | int] = {
        key: value[1:-1] if value.startswith('"') else int(value) for key, value in pairs
    }
    if len(set(names)) != len(names) or len(params) != len(pairs):
        return None  # a repeat: the library rejects a repeated name, and keeps one parameter
    if "".join(f";{key}={value}" for key, value in pairs) != found["params"]:
        return None
    try:
        raw = base64.b64decode(signed[2], validate=True)
    except binascii.Error:
        return None
    return PlainSignature(names, params, found["inner"], raw)


def timely(params: Mapping[str, str | int], *, now: float, max_age_s: float) -> bool:
    """The parameters are the RFC's, of their types, with a keyid, and the signature current."""
    for key, value in params.items():
        if key in _STRINGS:
            if not isinstance(value, str):
                return False
        elif key not in _INTEGERS or not isinstance(value, int):
            return False
    if not isinstance(params.get("keyid"), str) or params.get("alg", ALGORITHM) != ALGORITHM:
        return False
    created, expires = params.get("created"), params.get("expires")
    if not isinstance(created, int) or created > now + CLOCK_SKEW_S:
        return False
    if created + max_age_s < now - CLOCK_SKEW_S:
        return False
    return not isinstance(expires, int) or expires >= now - CLOCK_SKEW_S


def authority(base_url: str) -> str:
    """``@authority`` as the library derives it: the host lower-cased, a default port dropped."""
    parts = urlsplit(base_url)
    host, port = (parts.hostname or "").lower(), parts.port
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host if port is None or port == default else f"{host}:{port}"


def field_value(headers: Mapping[str, str], name: str) -> str | None:
    """A covered header field's value as the signature base holds it; None if absent or odd."""
    value = headers.get(name)
    if value is None or "\r" in value or "\n" in value:
        return None
    value = value.strip(" \t")
    return value if not value or value.replace("\t", " ").isprintable() else None


def request_value(
    name: str, method: str, authority: str, path: str, query: str, headers: Mapping[str, str]
) -> str | None:
    """A request component's value (``query`` as ``urlencode`` wrote it, with its ``?``, or
    empty); None for a component or a value this module does not write."""
    if name == "@method":
        return method if method.isalpha() and method.isupper() else None
    if name == "@authority":
        return authority
    if name == "@path":
        return path if _PLAIN_PATH.fullmatch(path) else None
    if name == "@query":
        return query or "?"
    return None if name.startswith("@") else field_value(headers, name)


def signature_base(
    names: Sequence[str], value: Callable[[str], str | None], inner: str
) -> bytes | None:
    """RFC 9421 §2.5; None when a component has no value this module writes."""
    lines = []
    for name in names:
        text = value(name)
        if text is None:
            return None
        lines.append(f'"{name}": {text}')
    lines.append(f'"@signature-params": {inner}')
    base = "\n".join(lines)
    return base.encode() if base.isascii() else None


def verifies(signature: PlainSignature, base: bytes, key: ec.EllipticCurvePublicKey) -> bool:
    """Whether ``signature`` is ``key``'s ES256 signature over ``base``."""
    if len(signature.raw) != 64:
        return False
    r, s = signature.raw[:32], signature.raw[32:]
    der = encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
    try:
        key.verify(der, base, _ES256)
    except InvalidSignature:
        return False
    return True


def sign_answer(
    key: ec.EllipticCurvePrivateKey,
    kid: str,
    *,
    status: int,
    content_type: str,
    body: bytes,
    created: int,
    label: str = "sig1",
) -> dict[str, str] | None:
    """``Content-Digest``, ``Signature-Input`` and ``Signature`` for an answer, as the library
    writes them (``created`` then ``keyid``); None when ``kid`` or ``content_type`` is not plain."""
    if _PLAIN_STRING.fullmatch(kid) is None:
        return None
    digest = content_digest(body)
    fields = {"content-digest": digest, "content-type": content_type}
    inner = f'("@status" "content-digest" "content-type");created={created};keyid="{kid}"'
    base = signature_base(
        ANSWER_COMPONENTS,
        lambda name: str(status) if name == "@status" else field_value(fields, name),
        inner,
    )
    if base is None:
        return None
    r, s = decode_dss_signature(key.sign(base, _ES256))
    raw = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
    return {
        "Content-Digest": digest,
        "Signature-Input": f"{label}={inner}",
        "Signature": f"{label}=:{raw}:",
    }
