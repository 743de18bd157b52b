"""RFC 9421 request signatures and RFC 9530 ``Content-Digest`` for merchants that speak signing.

``Signing`` is the one object the HTTP boundary (``assistant.ucp.http.send``) consults: it signs
each outgoing request over the components UCP names (``@method @authority @path``, ``@query``
when present, ``ucp-agent``, ``idempotency-key``, ``content-digest content-type`` with a body)
and verifies a response signature when the merchant signed its answer, against the keys[] of
the merchant's profile. Canonicalisation is http-message-signatures'; keys, cryptography's.
A merchant "negotiated signing" when its 2026-08-25 profile publishes ``keys[]``.
The common shapes are signed and verified by ``rfc9421`` (text, ~20x cheaper); the library
signs what that module does not write and has the last word on every answer it did not verify.
"""

from __future__ import annotations

import base64
import datetime
import logging
import secrets
from collections.abc import Sequence
from typing import Any, Final

import httpx2
from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from http_message_signatures.httpx2 import adapt_message

from assistant.ucp import rfc9421
from assistant.ucp.http import SignatureRejected
from assistant.ucp.signing_keys import SIGNATURE_TTL_S, KeyRing

logger = logging.getLogger(__name__)

SIGNATURE_LABEL: Final = "sig1"
SIGNING_SINCE: Final = "2026-08-25"
_NONCE_BYTES: Final = 64  # WBA §4.2.3's recommendation


def merchant_keys(profile_raw: dict[str, Any], version: str) -> tuple[dict[str, Any], ...]:
    """The JWKs a merchant's profile publishes, if its release signs (empty: it does not)."""
    keys = profile_raw.get("keys") if version >= SIGNING_SINCE else None
    if not isinstance(keys, list):
        return ()
    return tuple(key for key in keys if isinstance(key, dict) and isinstance(key.get("kid"), str))


def public_key_from_jwk(jwk: dict[str, Any]) -> ec.EllipticCurvePublicKey | None:
    """A P-256 public key from its JWK, or None for a key type we cannot verify with."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        return None
    try:
        x, y = (
            int.from_bytes(base64.urlsafe_b64decode(str(jwk[c]) + "=" * (-len(str(jwk[c])) % 4)))
            for c in ("x", "y")
        )
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except (KeyError, ValueError):
        return None


def covered_components(request: httpx2.Request, *, has_body: bool) -> list[str]:
    """What UCP's REST/MCP signing table requires this request's signature to cover."""
    components = ["@method", "@authority", "@path"]
    if request.url.query:
        components.append("@query")
    if "ucp-agent" in request.headers:
        components.append("ucp-agent")
    if "idempotency-key" in request.headers:
        components.append("idempotency-key")
    if has_body:
        components += ["content-digest", "content-type"]
    return components


class _RingResolver(HTTPSignatureKeyResolver):
    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring

    def resolve_private_key(self, key_id: str) -> ec.EllipticCurvePrivateKey:
        key = self._ring.get(key_id)
        if key is None:
            raise KeyError(key_id)
        return key.private_key


class JwksResolver(HTTPSignatureKeyResolver):
    """Public keys by kid, from a profile's keys[] (keys we cannot use resolve to None)."""

    def __init__(self, jwks: Sequence[dict[str, Any]]) -> None:
        self._keys = {str(jwk["kid"]): public_key_from_jwk(jwk) for jwk in jwks}

    def resolve_public_key(self, key_id: str) -> ec.EllipticCurvePublicKey | None:
        return self._keys.get(key_id)


class Signing:
    """Signs requests with the platform's key ring; checks the answers of one merchant."""

    def __init__(self, ring: KeyRing, merchant_jwks: Sequence[dict[str, Any]] = ()) -> None:
        self._ring = ring
        self._signer = HTTPMessageSigner(
            signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=_RingResolver(ring)
        )
        self._public_keys = JwksResolver(merchant_jwks)
        self._verifier = HTTPMessageVerifier(
            signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=self._public_keys
        )

    def __repr__(self) -> str:
        return f"Signing(kid={self._ring.active.kid!r})"

    def sign(self, request: httpx2.Request, body: bytes | None, *, kid: str | None = None) -> None:
        """Add ``Content-Digest`` (with a body), ``Signature-Input`` and ``Signature`` in place.

        ``kid``: the key that signed the first attempt of a retried write, while it may sign.
        """
        key = (self._ring.get(kid) if kid is not None else None) or self._ring.active
        key_id = key.kid
        created = datetime.datetime.now(datetime.UTC)
        nonce = secrets.token_urlsafe(_NONCE_BYTES)
        components = covered_components(request, has_body=body is not None)
        stamp = int(created.timestamp())
        params = [
            ("created", stamp),
            ("keyid", key_id),
            ("expires", stamp + SIGNATURE_TTL_S),
            ("nonce", nonce),
        ]
        if rfc9421.sign_request(
            request,
            body,
            key=key.private_key,
            components=components,
            params=params,
            label=SIGNATURE_LABEL,
        ):
            return
        self._signer.sign(
            adapt_message(request),
            key_id=key_id,
            created=created,
            expires=created + datetime.timedelta(seconds=SIGNATURE_TTL_S),
            nonce=nonce,
            label=SIGNATURE_LABEL,
            include_alg=False,  # UCP: the algorithm follows from the key, never from the input
            covered_component_ids=components,
            body=body,
        )

    @property
    def active_kid(self) -> str:
        return self._ring.active.kid

    def check(
        self, response: httpx2.Response, body: bytes, *, merchant: str, operation: str
    ) -> None:
        """Verify the merchant's response signature, if it signed; raise ``SignatureRejected``."""
        if "signature-input" not in response.headers:
            return
        required = ["@status"]
        if body:
            required += ["content-digest", "content-type"]
        if rfc9421.verifies_response(
            response, body, public_key=self._public_keys.resolve_public_key, required=required
        ):
            return
        try:
            self._verifier.verify(adapt_message(response), require_components=required, body=body)
        except InvalidSignature as exc:
            logger.warning("%s %s: response signature rejected: %s", merchant, operation, exc)
            raise SignatureRejected(
                f"its answer's signature does not verify ({exc}); the answer was not used",
                merchant=merchant,
                operation=operation,
                status_code=response.status_code,
            ) from exc
