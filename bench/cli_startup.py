"""Wall time and peak RSS of the command-line entry points, median of N runs each.

    pannier --help
    pannier ask --offline "find roses"            (the sandbox stores already running)
    pannier ucp checkout get ID --business URL    (a real checkout at the flowers store)

A temporary Pannier home is used; its background sandbox service is started by a first `ask`
(not counted) and stopped at the end. ``PYTHONDONTWRITEBYTECODE`` is dropped from the
children's environment so they use compiled ``.pyc`` files, as an installed Pannier does.
Usage: ``.venv/bin/python bench/cli_startup.py [--runs 7]`` (targets: --help < 0.2 s, ask < 0.5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PANNIER = str(Path(sys.executable).with_name("pannier"))
RUN_TIMEOUT_S = 60.0


def run(command: list[str], env: dict[str, str]) -> str:
    """The stdout of one run (setup, not timed); a failing command stops the bench."""
    done = subprocess.run(
        command, capture_output=True, env=env, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def measure_with_rss(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB): fork, exec, and read the child's rusage from wait4."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: quiet, then become the command
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execve(command[0], command, env)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed ({os.waitstatus_to_exitcode(status)})")
    return elapsed, usage.ru_maxrss


def report(label: str, runs: list[tuple[float, int]]) -> None:
    walls = [wall for wall, _ in runs]
    rss = [kib for _, kib in runs]
    print(
        f"{label:<44} wall median {statistics.median(walls):.3f} s "
        f"(min {min(walls):.3f}, max {max(walls):.3f}); "
        f"peak RSS median {statistics.median(rss) / 1024:.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pannier-cli-bench-") as tmp:
        env = {**os.environ, "PANNIER_HOME": tmp}
        env.pop("ANTHROPIC_API_KEY", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        ask = [PANNIER, "ask", "--offline", "--session", "bench"]
        try:
            # Not counted: starts the home's stores and fills the .pyc and profile caches.
            found = json.loads(run([*ask, "--json", "find roses"], env))
            run([*ask, f"add {found['results'][0]['handle']}"], env)
            (state,) = json.loads(run([*ask, "--json", "checkout"], env))["merchants"]
            business = f"http://{state['domain']}"
            get = [PANNIER, "ucp", "checkout", "get", state["checkout_id"], "--business", business]
            run(get, env)
            run([PANNIER, "--help"], env)

            print(f"runs: {args.runs} each (median; machine load makes single runs noisy)")
            commands = [
                ("pannier --help", [PANNIER, "--help"]),
                ('pannier ask --offline "find roses"', [*ask, "find roses"]),
                ("pannier ucp checkout get ID --business URL", get),
            ]
            for label, command in commands:
                report(label, [measure_with_rss(command, env) for _ in range(args.runs)])
        finally:
            subprocess.run(
                [sys.executable, "-m", "merchants", "stop", "--data-dir", f"{tmp}/merchants"],
                env=env,
                capture_output=True,
                check=False,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
