"""One session, one writer: a per-session lock file beside the database (``fcntl.flock``).

The kernel drops the lock when its process dies, however it dies (``kill -9`` included), so a
crashed Pannier never leaves a session locked. A second process waits briefly, then says the
session is in use; it never half-runs a turn beside the first.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Final

from assistant.errors import PannierError

POLL_S: Final = 0.05


class SessionInUse(PannierError):
    title = "Session in use"


class SessionLock:
    """Held while a trip is open on the session; ``release`` (or process exit) frees it."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd: int | None = fd
        self.path = path

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def lock_path(database: Path, session: str) -> Path:
    """Where ``session``'s lock lives: a readable name plus a digest (any name is safe)."""
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", session)[:40]
    digest = hashlib.sha256(session.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return database.parent / "locks" / f"{database.name}.{readable}.{digest}.lock"


async def acquire(database: Path, session: str, *, wait_s: float) -> SessionLock:
    """The session's lock, waiting up to ``wait_s`` seconds for another Pannier to let go."""
    path = lock_path(database, session)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise SessionInUse(
                    f"session '{session}' is in use by another Pannier (waited {wait_s:g} s); "
                    "let it finish, or use another --session"
                ) from None
            await asyncio.sleep(POLL_S)
            continue
        except OSError:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        return SessionLock(fd, path)
