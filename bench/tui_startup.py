"""Time from process start to the TUI's first paint, with the sandbox stores starting behind it.

Each run spawns ``python -c "…tui.launch.main()"`` on a pseudo-terminal with
``PANNIER_EXIT_AFTER_FIRST_PAINT=1``: the app records the wall-clock time of its first refresh,
exits, and prints it. The figure is that time minus the moment just before the spawn.
Usage: ``.venv/bin/python bench/tui_startup.py [--runs N]`` (target: median < 1.5 s).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = "import sys; from tui.launch import main; sys.exit(main(sys.argv[1:]))"
FIRST_PAINT = re.compile(rb"first-paint (\d+\.\d+)")
RUN_TIMEOUT_S = 30.0


def one_run(home: Path) -> tuple[float, float]:
    """(seconds to first paint, seconds until the process exited) for one launch."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {
        **os.environ,
        "PANNIER_EXIT_AFTER_FIRST_PAINT": "1",
        "PANNIER_HOME": str(home),
        "TERM": "xterm-256color",
    }
    env.pop("ANTHROPIC_API_KEY", None)
    started = time.time()
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, "--offline", "--session", "bench"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=ROOT,
        close_fds=True,
    )
    os.close(slave)
    output = bytearray()
    deadline = started + RUN_TIMEOUT_S
    try:
        while time.time() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output.extend(chunk)
            elif process.poll() is not None:
                break
        process.wait(timeout=max(0.1, deadline - time.time()))
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    exited = time.time()
    match = FIRST_PAINT.search(bytes(output))
    if match is None:
        tail = bytes(output[-2000:]).decode(errors="replace")
        raise SystemExit(f"no first-paint mark (exit {process.returncode}):\n{tail}")
    return float(match.group(1)) - started, exited - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    paints: list[float] = []
    exits: list[float] = []
    with tempfile.TemporaryDirectory(prefix="pannier-bench-") as tmp:
        try:
            one_run(Path(tmp))  # warm the OS file cache and .pyc files; not counted
            for _ in range(args.runs):
                paint, exit_ = one_run(Path(tmp))
                paints.append(paint)
                exits.append(exit_)
        finally:  # the home's background sandbox service outlives each run: stop it
            subprocess.run(
                [sys.executable, "-m", "merchants", "stop", "--data-dir", f"{tmp}/merchants"],
                capture_output=True,
                check=False,
            )
    print(f"runs: {args.runs}")
    print(
        f"first paint: median {statistics.median(paints):.3f} s, min {min(paints):.3f} s, "
        f"max {max(paints):.3f} s"
    )
    print(f"process exit: median {statistics.median(exits):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
