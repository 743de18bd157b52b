"""One background sandbox service per data directory: its lock, its record, and how to stop it.

A serving process holds an exclusive ``flock`` on ``<data dir>/service.lock`` for its whole life
and writes ``<data dir>/service.json`` (pid and store URLs) once it listens. The lock, not the pid,
says whether a service runs: the kernel drops it when the process dies, however it dies, so a
stale record never looks alive. Any command (``pannier ask``, the TUI, ``merchants status``)
finds the running stores through the record; ``stop`` signals the pid and waits for the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import platformdirs

RECORD_NAME: Final = "service.json"
LOCK_NAME: Final = "service.lock"
STOP_TIMEOUT_SECONDS: Final = 10.0
_POLL_SECONDS: Final = 0.05


def default_data_dir() -> Path:
    """`$PANNIER_HOME/merchants`, else the platform user-data dir `pannier/merchants`."""
    home = os.environ.get("PANNIER_HOME")
    if home:
        return Path(home) / "merchants"
    return Path(platformdirs.user_data_dir("pannier")) / "merchants"


class ServiceRunning(Exception):
    """Another process already serves this data directory."""


@dataclass(frozen=True)
class ServiceRecord:
    """What a running service wrote about itself."""

    pid: int
    stores: list[dict[str, str]]  # {"slug", "name", "url"} per store, in port order

    @property
    def urls(self) -> list[str]:
        return [store["url"] for store in self.stores]


class ServiceLock:
    """The exclusive lock a serving process holds on its data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise ServiceRunning naming the pid that holds it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        handle = (self.data_dir / LOCK_NAME).open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            record = read_record(self.data_dir)
            holder = f" (pid {record.pid})" if record else ""
            raise ServiceRunning(
                f"the sandbox stores for {self.data_dir} already run{holder}"
            ) from None
        self._file = handle

    def publish(self, stores: Sequence[dict[str, str]]) -> None:
        """Write the record (atomically) once every store listens."""
        record = {"pid": os.getpid(), "stores": list(stores)}
        temporary = self.data_dir / f".{RECORD_NAME}.{os.getpid()}"
        temporary.write_text(json.dumps(record), encoding="utf-8")
        temporary.replace(self.data_dir / RECORD_NAME)

    def release(self) -> None:
        if self._file is None:
            return
        record = read_record(self.data_dir)
        if record is not None and record.pid == os.getpid():
            with contextlib.suppress(OSError):
                (self.data_dir / RECORD_NAME).unlink()
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()
        self._file = None


def is_running(data_dir: Path) -> bool:
    """Whether some process holds the service lock on ``data_dir``."""
    path = data_dir / LOCK_NAME
    if not path.exists():
        return False
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def read_record(data_dir: Path) -> ServiceRecord | None:
    """The record a service wrote, or None when there is none or it is unreadable."""
    try:
        raw: Any = json.loads((data_dir / RECORD_NAME).read_text(encoding="utf-8"))
        stores = [
            {"slug": str(s["slug"]), "name": str(s["name"]), "url": str(s["url"])}
            for s in raw["stores"]
        ]
        return ServiceRecord(pid=int(raw["pid"]), stores=stores)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running_record(data_dir: Path) -> ServiceRecord | None:
    """The record of the service that runs now (a record left by a dead one does not count)."""
    return read_record(data_dir) if is_running(data_dir) else None


def stop(data_dir: Path, *, timeout_s: float = STOP_TIMEOUT_SECONDS) -> ServiceRecord | None:
    """SIGTERM the running service and wait for its lock to drop (SIGKILL after ``timeout_s``)."""
    record = running_record(data_dir)
    if record is None:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    killed = False
    while is_running(data_dir):
        if time.monotonic() > deadline:
            if killed:
                break
            with contextlib.suppress(ProcessLookupError):
                os.kill(record.pid, signal.SIGKILL)
            killed, deadline = True, time.monotonic() + timeout_s
        time.sleep(_POLL_SECONDS)  # polling another process's exit: no event to await
    return record
