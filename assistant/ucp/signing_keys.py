"""Pannier's ES256 platform signing keys: created on first use, kept in the home, rotated on demand.

The key file (``locations.signing_keys_path()``) is JSON holding PEM private keys, written with
mode 0600 and never logged: ``KeyRing`` has no ``__repr__`` that shows key material, and only
public JWKs leave this module (for the profile's ``keys[]``). A rotated-out key stays published
(and may still sign retries of what it signed first) until no signature it made can be accepted
any more: ``RETIRED_KEY_GRACE_S`` past its retirement (the signature lifetime plus clock skew).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from assistant.errors import ConfigError

SIGNATURE_TTL_S: Final = 300  # a signature's `expires` is `created` plus this
CLOCK_SKEW_S: Final = 60
RETIRED_KEY_GRACE_S: Final = SIGNATURE_TTL_S + CLOCK_SKEW_S


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The public JWK of a P-256 key, ``kid`` its RFC 7638 thumbprint."""
    numbers = key.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    return {"kid": jwk_thumbprint(jwk), **jwk, "use": "sig", "alg": "ES256"}


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members, lexicographically ordered, no whitespace."""
    members = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("crv", "kty", "x")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


@dataclass(frozen=True)
class SigningKey:
    """One key pair of the ring; ``retired_at`` is set once a newer key took over."""

    kid: str
    private_key: ec.EllipticCurvePrivateKey
    created_at: float
    retired_at: float | None = None

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r}, retired_at={self.retired_at!r})"

    @property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.private_key.public_key())


class KeyRing:
    """The platform's signing keys in one file; the newest unretired key signs."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._keys = self._load()
        if not any(key.retired_at is None for key in self._keys):
            self._keys.append(self._new_key())
            self._save()

    def __repr__(self) -> str:
        return f"KeyRing({str(self.path)!r}, active={self.active.kid!r})"

    @property
    def active(self) -> SigningKey:
        """The key new requests are signed with."""
        return next(key for key in reversed(self._keys) if key.retired_at is None)

    def get(self, kid: str) -> SigningKey | None:
        """A key that may still sign (a retry of what it signed first), or None."""
        return next((k for k in self._keys if k.kid == kid and self._usable(k)), None)

    def published_jwks(self) -> list[dict[str, str]]:
        """Public JWKs for the profile's ``keys[]``: the active key and retired ones in grace."""
        return [key.jwk for key in self._keys if self._usable(key)]

    def rotate(self) -> SigningKey:
        """Start signing with a new key; the old one stays published through its grace period."""
        now = self._clock()
        self._keys = [
            SigningKey(k.kid, k.private_key, k.created_at, now) if k.retired_at is None else k
            for k in self._keys
            if self._usable(k)
        ]
        new_key = self._new_key()
        self._keys.append(new_key)
        self._save()
        return new_key

    def _usable(self, key: SigningKey) -> bool:
        return key.retired_at is None or self._clock() < key.retired_at + RETIRED_KEY_GRACE_S

    def _new_key(self) -> SigningKey:
        private_key = ec.generate_private_key(ec.SECP256R1())
        return SigningKey(public_jwk(private_key.public_key())["kid"], private_key, self._clock())

    def _load(self) -> list[SigningKey]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ConfigError(f"cannot read the signing keys in {self.path}: {exc}") from exc
        try:
            entries = json.loads(text)["keys"]
            keys = []
            for entry in entries:
                private_key = serialization.load_pem_private_key(
                    entry["private_pem"].encode(), password=None
                )
                if not isinstance(private_key, ec.EllipticCurvePrivateKey):
                    raise ValueError("not an EC key")
                keys.append(
                    SigningKey(
                        public_jwk(private_key.public_key())["kid"],
                        private_key,
                        float(entry["created_at"]),
                        None if entry.get("retired_at") is None else float(entry["retired_at"]),
                    )
                )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"the signing key file {self.path} is damaged ({type(exc).__name__}); "
                "move it away and Pannier creates a new key"
            ) from None  # the cause may quote key material
        return keys

    def _save(self) -> None:
        entries = [
            {
                "kid": key.kid,
                "created_at": key.created_at,
                "retired_at": key.retired_at,
                "private_pem": key.private_key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode(),
            }
            for key in self._keys
        ]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump({"keys": entries}, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(self.path)
