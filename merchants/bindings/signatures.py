"""The store's side of UCP message signatures (RFC 9421 + RFC 9530): verify, sign, publish.

A signed request names its signer in `UCP-Agent`; the key is the one with that `keyid` in the
platform profile's `keys[]` (re-fetched once when a key is unknown: a platform may have rotated).
A request that verifies is the "signed" tier: it stands in for a bearer token, and its identity is
the key's thumbprint. Errors are the spec's: `signature_missing`/`signature_invalid`/
`key_not_found` 401, `digest_mismatch`/`algorithm_unsupported` 400. An expired signature or a
nonce seen before is `signature_invalid`. Answers to signed requests are signed
(`@status content-digest content-type`) with the store's own ES256 key, published in its
profile's `keys[]`.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

import http_sf
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)

from merchants.bindings import rfc9421_text as text
from merchants.bindings.http import Request, Response, Signer
from merchants.bindings.negotiation import ProfileCache
from merchants.bindings.signature_errors import signature_failure

logger = logging.getLogger(__name__)

MAX_SIGNATURE_AGE: Final = datetime.timedelta(minutes=10)
_REFETCH_EVERY_S: Final = 10.0
_NONCES_KEPT: Final = 100_000
_KEYS_KEPT: Final = 1024
_PLAIN_AGENT: Final = re.compile(r'profile="([ !#-\[\]-~]*)"')


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """A P-256 public JWK whose `kid` is its RFC 7638 thumbprint."""
    numbers = key.public_numbers()
    members = {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = _b64url(hashlib.sha256(canonical).digest())
    return {"kid": kid, **members, "use": "sig", "alg": "ES256"}


def load_or_create_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The store's signing key, kept (mode 0600) next to its database across restarts."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key
    except (OSError, ValueError):
        pass
    key = ec.generate_private_key(ec.SECP256R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return key


def key_from_jwk(jwk: dict[str, Any]) -> ec.EllipticCurvePublicKey | None:
    """The P-256 key a JWK describes; None for a type this store does not verify."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        return None
    try:
        x, y = (int.from_bytes(_unb64url(str(jwk[m]))) for m in ("x", "y"))
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except (KeyError, ValueError):
        return None


@dataclass(frozen=True)
class _Message:
    """A request as the signature library reads it."""

    method: str
    url: str
    headers: Mapping[str, str]


class _OneKey(HTTPSignatureKeyResolver):
    def __init__(self, kid: str, key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        self._kid, self._key = kid, key

    def resolve_public_key(self, key_id: str) -> Any:
        return self._key if key_id == self._kid else None

    def resolve_private_key(self, key_id: str) -> Any:
        return self._key


def required_components(request: Request) -> list[str]:
    """UCP's coverage rule for a request signature (signatures.md, REST request verification)."""
    required = ["@method", "@authority", "@path"]
    if request.query:
        required.append("@query")
    if request.body:
        required += ["content-digest", "content-type"]
    if "idempotency-key" in request.headers:
        required.append("idempotency-key")
    if "ucp-agent" in request.headers:
        required.append("ucp-agent")
    return required


class StoreSignatures:
    """Verifies platform request signatures and signs this store's answers to them."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, *, base_url: str, profiles: ProfileCache):
        self._key = key
        self.jwk = public_jwk(key.public_key())
        self._base_url = base_url
        self._profiles = profiles
        self._authority = text.authority(base_url)
        self._keys: dict[tuple[object, ...], ec.EllipticCurvePublicKey | None] = {}
        self._nonces: dict[str, float] = {}
        self._refetched: dict[str, float] = {}
        self._signer = HTTPMessageSigner(
            signature_algorithm=algorithms.ECDSA_P256_SHA256,
            key_resolver=_OneKey(self.jwk["kid"], key),
        )

    async def verify(self, request: Request) -> Signer | None:
        """Who signed `request`, when it is signed and verifies; None when it is unsigned."""
        headers = request.headers
        if "signature-input" not in headers and "signature" not in headers:
            return None
        if "signature-input" not in headers or "signature" not in headers:
            raise signature_failure(
                "signature_missing", "Signature and Signature-Input go together."
            )
        plain = text.parse_plain(headers["signature-input"], headers["signature"])
        params = plain.params if plain is not None else self._parameters(request)
        kid = params.get("keyid")
        if not isinstance(kid, str):
            raise signature_failure("signature_invalid", "The signature names no keyid.")
        expires = params.get("expires")
        if isinstance(expires, int) and expires < time.time():
            raise signature_failure("signature_invalid", "The signature has expired.")
        profile_url = _profile_url(request.header("ucp-agent"))
        public_key = self._public_key(await self._platform_key(profile_url, kid))
        if public_key is None:
            raise signature_failure(
                "algorithm_unsupported", f"Key {kid} is not an ES256 (P-256) key."
            )
        if plain is None or not self._holds(request, plain, public_key):
            self.verify_with_library(request, kid, public_key)
        if request.body or "content-digest" in headers:
            digest = headers.get("content-digest", "")
            if digest != text.content_digest(request.body):
                try:
                    ContentDigest.verify(digest, request.body)
                except Exception as exc:
                    raise signature_failure(
                        "digest_mismatch", "The body does not match its Content-Digest."
                    ) from exc
        self._remember_nonce(params.get("nonce"))
        return Signer(kid, profile_url)

    def verifies_as_text(self, request: Request, key: ec.EllipticCurvePublicKey) -> bool:
        """The text path: True when the request's plain signature holds under UCP's coverage rule
        and this store's age limit; False means "ask the library" (`verify_with_library`)."""
        plain = text.parse_plain(request.headers["signature-input"], request.headers["signature"])
        return plain is not None and self._holds(request, plain, key)

    def _holds(
        self, request: Request, plain: text.PlainSignature, key: ec.EllipticCurvePublicKey
    ) -> bool:
        if not set(required_components(request)) <= set(plain.names):
            return False
        if not text.timely(
            plain.params, now=time.time(), max_age_s=MAX_SIGNATURE_AGE.total_seconds()
        ):
            return False
        query = _query(request)

        def value(name: str) -> str | None:
            return text.request_value(
                name, request.method, self._authority, request.path, query, request.headers
            )

        base = text.signature_base(plain.names, value, plain.inner)
        return base is not None and text.verifies(plain, base, key)

    def verify_with_library(
        self, request: Request, kid: str, key: ec.EllipticCurvePublicKey
    ) -> None:
        """The library's verdict on the request's signature: signature_invalid, or return."""
        verifier = HTTPMessageVerifier(
            signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=_OneKey(kid, key)
        )
        message = _Message(
            request.method, self._base_url + request.path + _query(request), request.headers
        )
        try:
            verifier.verify(
                message,
                max_age=MAX_SIGNATURE_AGE,
                require_components=required_components(request),
            )
        except InvalidSignature as exc:
            raise signature_failure(
                "signature_invalid", f"Signature verification failed for key kid={kid}: {exc}"
            ) from exc

    def _public_key(self, jwk: dict[str, Any]) -> ec.EllipticCurvePublicKey | None:
        """``key_from_jwk``, remembered: building a key from its numbers costs ~50 µs."""
        known = (jwk.get("kty"), jwk.get("crv"), jwk.get("x"), jwk.get("y"))
        if known not in self._keys:
            if len(self._keys) >= _KEYS_KEPT:
                self._keys.clear()
            self._keys[known] = key_from_jwk(jwk)
        return self._keys[known]

    def sign_request(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> dict[str, str]:
        """``headers`` plus Content-Digest and a signature (a webhook this store sends)."""
        message = _Message(method, url, dict(headers))
        covered = ["@method", "@authority", "@path", "ucp-agent", "content-digest", "content-type"]
        covered += [name.lower() for name in headers if name.lower().startswith("webhook-")]
        self._signer.sign(
            message,
            key_id=self.jwk["kid"],
            include_alg=False,
            label="sig1",
            covered_component_ids=covered,
            body=body,
        )
        return dict(message.headers)

    def sign(self, response: Response) -> None:
        """Sign an answer: `@status`, and its body's digest and type."""
        headers = text.sign_answer(
            self._key,
            self.jwk["kid"],
            status=response.status,
            content_type=response.content_type,
            body=response.body,
            created=int(time.time()),
        )
        if headers is None:  # a content type the text path does not write: the library does
            message = _Answer(response.status, {"content-type": response.content_type})
            self._signer.sign(
                message,
                key_id=self.jwk["kid"],
                include_alg=False,
                label="sig1",
                covered_component_ids=text.ANSWER_COMPONENTS,
                body=response.body,
            )
            headers = {k: v for k, v in message.headers.items() if k.lower() != "content-type"}
        response.headers.update(headers)

    def _parameters(self, request: Request) -> dict[str, Any]:
        try:
            parsed: Any = http_sf.parse(
                request.headers["signature-input"].encode(), tltype="dictionary"
            )
            ((_, params),) = parsed.values()
            return dict(params)
        except Exception as exc:
            raise signature_failure(
                "signature_invalid", "Signature-Input must hold exactly one signature."
            ) from exc

    async def _platform_key(self, profile_url: str, kid: str) -> dict[str, Any]:
        profile = await self._profiles.get(profile_url)
        found = next((k for k in profile.keys if k.get("kid") == kid), None)
        last = self._refetched.get(profile_url, 0.0)
        if found is None and time.monotonic() - last > _REFETCH_EVERY_S:
            self._refetched[profile_url] = time.monotonic()
            self._profiles.forget(profile_url)
            profile = await self._profiles.get(profile_url)
            found = next((k for k in profile.keys if k.get("kid") == kid), None)
        if found is None:
            raise signature_failure(
                "key_not_found", f"Key {kid} is not in the keys[] of {profile_url}."
            )
        return found

    def _remember_nonce(self, nonce: object) -> None:
        if not isinstance(nonce, str):
            return
        now = time.time()
        if self._nonces.get(nonce, 0.0) > now - MAX_SIGNATURE_AGE.total_seconds():
            raise signature_failure("signature_invalid", "This signature's nonce was seen before.")
        if len(self._nonces) >= _NONCES_KEPT:
            horizon = now - MAX_SIGNATURE_AGE.total_seconds()
            self._nonces = {n: at for n, at in self._nonces.items() if at > horizon}
        self._nonces[nonce] = now


@dataclass
class _Answer:
    """A response as the signature library reads and writes it."""

    status_code: int
    headers: dict[str, str]
    request: None = None


def _profile_url(header: str | None) -> str:
    """The `profile` member of a `UCP-Agent` dictionary (RFC 8941), or signature_invalid."""
    plain = _PLAIN_AGENT.fullmatch(header or "")  # what http_sf reads the same, read faster
    if plain is not None and plain[1]:
        return plain[1]
    try:
        parsed: Any = http_sf.parse((header or "").encode(), tltype="dictionary")
        profile = parsed["profile"][0] if isinstance(parsed, dict) else None
    except Exception:
        profile = None
    if isinstance(profile, str) and profile:
        return profile
    raise signature_failure("signature_invalid", "A signed request names its profile in UCP-Agent.")


def _query(request: Request) -> str:
    """The query as both paths sign it: re-encoded from the parsed pairs, with its `?`."""
    return f"?{urlencode(request.query)}" if request.query else ""
