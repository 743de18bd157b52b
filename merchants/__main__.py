"""`python -m merchants serve …`: run the sandbox stores until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from merchants.serve import StoresInThread, default_data_dir


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m merchants", description="Pannier sandbox UCP merchants."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the sandbox stores on loopback")
    serve.add_argument(
        "--port-base", type=int, default=None, help="port of the first store (0: free ports)"
    )
    serve.add_argument("--stores", nargs="+", metavar="SLUG", help="only these stores")
    serve.add_argument("--data-dir", type=Path, default=None, help="SQLite state directory")
    serve.add_argument("--latency-ms", type=int, default=0, help="added to every request")
    serve.add_argument(
        "--fail-rate", type=float, default=0.0, help="share of API requests that fail"
    )
    serve.add_argument("--json", action="store_true", help="one JSON object per store line")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    runner = StoresInThread(
        args.stores,
        port_base=args.port_base,
        data_dir=args.data_dir or default_data_dir(),
        latency_ms=args.latency_ms,
        fail_rate=args.fail_rate,
        default_ports=args.port_base is None,
    )
    with runner as stores:
        for store in stores:
            if args.json:
                print(json.dumps({"slug": store.slug, "name": store.name, "url": store.url}))
            else:
                print(f"{store.name}  {store.url}")
        sys.stdout.flush()
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
