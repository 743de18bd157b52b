"""Purchase safety under chaos: trips against failing stores, a client killed mid-buy, buy repeated.

Each trip is a fresh session of real ``pannier ask`` processes (offline planner) against the
sandbox flowers store started with ``--fail-rate``: find, add, then ``buy --approve``; in a third
of the trips that buy is killed with SIGKILL at a random moment; then ``buy --approve`` is run
again (and once more if the stores' failures got in the way). Orders are counted in the store's
own database before and after each trip, so a duplicate or a lost order cannot hide.

    .venv/bin/python bench/chaos.py [--trips 30] [--fail-rate 0.3] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ASK_TIMEOUT_S = 120
BUY_ATTEMPTS_AFTER = 2  # the shopper re-runs "buy" up to this often after the first one


def free_port() -> int:
    for _ in range(100):
        port = random.randrange(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port")


def store_orders(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "flowers.sqlite3") as db:
        return int(db.execute("SELECT COUNT(*) FROM orders").fetchone()[0])


def ask(home: Path, url: str, session: str, *words: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PANNIER_HOME": str(home)}
    env.pop("ANTHROPIC_API_KEY", None)
    command = [sys.executable, "-m", "assistant", "ask", *words, "--session", session]
    return subprocess.Popen(
        [*command, "--merchant", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=ASK_TIMEOUT_S)
    return process.returncode, out, err


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trips", type=int, default=30)
    parser.add_argument("--fail-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    chooser = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="pannier-chaos-") as tmp:
        root = Path(tmp)
        data_dir, home = root / "stores", root / "home"
        port = free_port()
        stores = subprocess.Popen(
            [
                *(sys.executable, "-m", "merchants", "serve", "--stores", "flowers"),
                *("--port-base", str(port), "--fail-rate", str(args.fail_rate)),
                *("--data-dir", str(data_dir)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert stores.stdout is not None
            url = f"http://127.0.0.1:{port}"
            stores.stdout.readline()  # the store listens once it prints its URL
            expected = placed = duplicates = lost = killed = crashes = 0
            started = time.monotonic()
            for trip in range(args.trips):
                session = f"chaos-{trip}"
                before = store_orders(data_dir)
                for words in (("find", "tulips"), ("add", "1")):
                    for _ in range(3):  # the stores fail on purpose: the shopper tries again
                        if finish(ask(home, url, session, *words))[0] == 0:
                            break
                buy = ask(home, url, session, "buy", "--approve")
                if trip % 3 == 0:
                    time.sleep(chooser.uniform(0.2, 3.0))  # a random moment of the purchase
                    buy.send_signal(signal.SIGKILL)
                    buy.communicate()
                    killed += 1
                else:
                    code, _out, _err = finish(buy)
                    crashes += code == 70
                for _ in range(BUY_ATTEMPTS_AFTER):
                    code, _out, _err = finish(ask(home, url, session, "buy", "--approve"))
                    crashes += code == 70
                delta = store_orders(data_dir) - before
                expected += 1
                placed += delta
                duplicates += max(0, delta - 1)
                lost += delta == 0
            elapsed = time.monotonic() - started
        finally:
            stores.send_signal(signal.SIGTERM)
            stores.wait(timeout=30)
    print(
        f"trips                  {args.trips} (fail rate {args.fail_rate}, {killed} killed mid-buy)"
    )
    print(f"orders expected        {expected}")
    print(f"orders at the stores   {placed}")
    print(f"duplicates             {duplicates}")
    print(f"lost                   {lost}")
    print(f"internal errors (70)   {crashes}")
    print(f"wall time              {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
