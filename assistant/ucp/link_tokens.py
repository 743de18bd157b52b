"""The one owner of linked accounts' tokens: a JSON file of mode 0600 beside the database.

Nothing the model reads comes from here: tools see a store's name and whether it is linked, never
a token. Every change is a locked read-modify-write (``flock`` on a side file), written to a temp
file created 0600 and renamed over the old one, so two Pannier processes refreshing at once never
lose a rotated refresh token, and a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import StoreError

FILE_MODE = 0o600


@dataclass(frozen=True, repr=False)
class LinkedAccount:
    """One shopper's account at one store, as linked by ``pannier link``."""

    origin: str  # the store's origin, the key
    name: str
    issuer: str
    client_id: str
    token_endpoint: str
    revocation_endpoint: str | None
    scope: str
    access_token: str
    refresh_token: str | None
    expires_at: float  # wall clock
    linked_at: float
    account_urls: dict[str, str] = field(default_factory=dict)  # "orders"/"addresses" → URL

    def __repr__(self) -> str:
        return f"LinkedAccount(origin={self.origin!r}, name={self.name!r}, scope={self.scope!r})"

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()


def _account(raw: Any) -> LinkedAccount | None:
    if not isinstance(raw, dict):
        return None
    try:
        return LinkedAccount(
            origin=str(raw["origin"]),
            name=str(raw["name"]),
            issuer=str(raw["issuer"]),
            client_id=str(raw["client_id"]),
            token_endpoint=str(raw["token_endpoint"]),
            revocation_endpoint=raw.get("revocation_endpoint") or None,
            scope=str(raw.get("scope", "")),
            access_token=str(raw["access_token"]),
            refresh_token=raw.get("refresh_token") or None,
            expires_at=float(raw["expires_at"]),
            linked_at=float(raw.get("linked_at", 0.0)),
            account_urls={str(k): str(v) for k, v in dict(raw.get("account_urls", {})).items()},
        )
    except (KeyError, TypeError, ValueError):
        return None


class LinkStore:
    """Linked accounts by store origin, in one 0600 file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"LinkStore({str(self.path)!r})"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise StoreError(f"cannot open {self.path.parent}: {exc.strerror}") from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # closing drops the lock

    def _read(self) -> dict[str, LinkedAccount]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"{self.path} is unreadable ({exc}); `pannier link --unlink` each store, or move it"
            ) from exc
        accounts = raw.get("accounts", []) if isinstance(raw, dict) else []
        found = (_account(entry) for entry in accounts if isinstance(accounts, list))
        return {account.origin: account for account in found if account is not None}

    def _write(self, accounts: dict[str, LinkedAccount]) -> None:
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        document = {"version": 1, "accounts": [asdict(a) for a in accounts.values()]}
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(document, file, indent=1)
            temporary.chmod(FILE_MODE)  # an existing temp file keeps its old mode otherwise
            temporary.replace(self.path)
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror}") from exc

    def all(self) -> list[LinkedAccount]:
        if not self.path.exists():  # nothing linked: create nothing either
            return []
        with self._locked():
            return sorted(self._read().values(), key=lambda a: a.name.lower())

    def get(self, origin: str) -> LinkedAccount | None:
        if not self.path.exists():
            return None
        with self._locked():
            return self._read().get(origin)

    def put(self, account: LinkedAccount) -> None:
        with self._locked():
            accounts = self._read()
            accounts[account.origin] = account
            self._write(accounts)

    def remove(self, origin: str) -> LinkedAccount | None:
        if not self.path.exists():
            return None
        with self._locked():
            accounts = self._read()
            removed = accounts.pop(origin, None)
            if removed is not None:
                self._write(accounts)
            return removed
