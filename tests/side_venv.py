"""Third-party tools and servers for the tests, each in a virtual environment of its own.

A venv holds exactly its pinned requirements (recorded in its ``requirements.txt``); it is built
from the package registry on first use, under a file lock so concurrent suites build it once, and
reused while the pins are unchanged. Its packages never share the project's environment, so their
dependencies cannot move ours.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import venv
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
INSTALL_TIMEOUT_S = 900.0


def pinned_python(root: Path, requirements: Sequence[str], *, required: bool = True) -> Path:
    """The Python of the venv at ``root`` holding exactly ``requirements``, built if need be.

    When it cannot be built, the test fails if ``required``, and skips otherwise.
    """
    python = root / "bin" / "python"
    wanted = "\n".join(requirements) + "\n"
    marker = root / "requirements.txt"
    root.parent.mkdir(parents=True, exist_ok=True)
    with (root.parent / f".{root.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.is_file() and marker.read_text() == wanted and python.exists():
            return python
        shutil.rmtree(root, ignore_errors=True)
        try:
            venv.EnvBuilder(with_pip=True).create(root)
            pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            subprocess.run(
                [*pip, *requirements],
                check=True,
                timeout=INSTALL_TIMEOUT_S,
                capture_output=True,
                text=True,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            shutil.rmtree(root, ignore_errors=True)
            detail = getattr(exc, "stderr", None) or str(exc)
            where = root.relative_to(REPO) if root.is_relative_to(REPO) else root
            message = f"cannot build {where} ({', '.join(requirements)}): {detail}"
            if required:
                pytest.fail(message[-2000:])
            pytest.skip(message[-500:])
        marker.write_text(wanted)
    return python
