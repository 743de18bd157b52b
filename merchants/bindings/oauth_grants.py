"""What one store's authorization server remembers: codes in memory, refresh tokens on disk.

Refresh tokens are stored as SHA-256 digests only. Every (account, client) link has a generation
number that each access token carries: revoking (RFC 7009) or replaying a rotated refresh token
bumps it, which invalidates every access and refresh token issued under the old one at once.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

AUTHORIZATION_CODE_TTL_S = 120
REFRESH_TOKEN_TTL_S = 30 * 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS refresh_tokens (
    digest TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    generation INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    rotated INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS link_generations (
    account_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    generation INTEGER NOT NULL,
    PRIMARY KEY (account_id, client_id)
);
"""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass
class AuthorizationCode:
    """One issued code and the request it answers (authlib's AuthorizationCodeMixin)."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    account_id: str
    code_challenge: str
    code_challenge_method: str
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True)
class RefreshToken:
    """A stored refresh token (authlib's TokenMixin), looked up by its digest."""

    digest: str
    client_id: str
    account_id: str
    scope: str
    generation: int
    expires_at: float
    rotated: bool

    def check_client(self, client: object) -> bool:
        return getattr(client, "client_id", None) == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return max(0, int(self.expires_at - time.time()))

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.rotated


class Grants:
    """Codes, refresh tokens and link generations of one store (``path`` None: memory only)."""

    def __init__(self, path: Path | None) -> None:
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False
        )
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}

    def close(self) -> None:
        self._db.close()

    # --- authorization codes (single use, short-lived, memory only) ----------------------------

    def put_code(self, code: AuthorizationCode) -> None:
        now = time.time()
        for stale in [k for k, v in self._codes.items() if v.expires_at <= now]:
            del self._codes[stale]
        self._codes[code.code] = code

    def code(self, code: str, client_id: str) -> AuthorizationCode | None:
        found = self._codes.get(code)
        if found is None or found.client_id != client_id or found.expires_at <= time.time():
            return None
        return found

    def drop_code(self, code: str) -> None:
        self._codes.pop(code, None)

    # --- generations -----------------------------------------------------------------------------

    def generation(self, account_id: str, client_id: str) -> int:
        row = self._db.execute(
            "SELECT generation FROM link_generations WHERE account_id = ? AND client_id = ?",
            (account_id, client_id),
        ).fetchone()
        return int(row[0]) if row else 0

    def revoke_link(self, account_id: str, client_id: str) -> None:
        """Invalidate every token of this link: a new generation, and no old refresh token."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO link_generations (account_id, client_id, generation) VALUES (?, ?, 1) "
                "ON CONFLICT (account_id, client_id) DO UPDATE SET generation = generation + 1",
                (account_id, client_id),
            )
            self._db.execute(
                "DELETE FROM refresh_tokens WHERE account_id = ? AND client_id = ?",
                (account_id, client_id),
            )

    # --- refresh tokens --------------------------------------------------------------------------

    def put_refresh_token(self, token: str, client_id: str, account_id: str, scope: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO refresh_tokens (digest, client_id, account_id, scope, generation, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    digest(token),
                    client_id,
                    account_id,
                    scope,
                    self.generation(account_id, client_id),
                    time.time() + REFRESH_TOKEN_TTL_S,
                ),
            )

    def refresh_token(self, token: str) -> RefreshToken | None:
        """The stored token, when it is of its link's current generation."""
        row = self._db.execute(
            "SELECT digest, client_id, account_id, scope, generation, expires_at, rotated "
            "FROM refresh_tokens WHERE digest = ?",
            (digest(token),),
        ).fetchone()
        if row is None:
            return None
        found = RefreshToken(
            row[0], row[1], row[2], row[3], int(row[4]), float(row[5]), bool(row[6])
        )
        if found.generation != self.generation(found.account_id, found.client_id):
            return None
        return found

    def rotate(self, token: RefreshToken) -> None:
        """Mark a used refresh token so a second use is recognised as a replay."""
        with self._lock, self._db:
            self._db.execute(
                "UPDATE refresh_tokens SET rotated = 1 WHERE digest = ?", (token.digest,)
            )
