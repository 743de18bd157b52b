"""`python -m merchants serve|status|stop`: the sandbox stores as one service per data directory.

`serve` runs until Ctrl-C or SIGTERM, holding the data directory's service lock (so two
processes never share the stores' SQLite files) and publishing its URLs for later commands.
"""

from __future__ import annotations

import argparse
import errno
import gc
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

from merchants import service
from merchants.service import default_data_dir


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pannier merchants", description="Pannier sandbox UCP merchants."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the sandbox stores on loopback")
    serve.add_argument(
        "--port-base", type=int, default=None, help="port of the first store (0: free ports)"
    )
    serve.add_argument("--stores", nargs="+", metavar="SLUG", help="only these stores")
    serve.add_argument(
        "--stores-dir",
        type=Path,
        default=None,
        help="serve the store files of this directory (default: the bundled stores)",
    )
    serve.add_argument("--latency-ms", type=int, default=0, help="added to every request")
    serve.add_argument(
        "--fail-rate", type=float, default=0.0, help="share of API requests that fail"
    )
    serve.add_argument(
        "--versions",
        default=None,
        metavar="RELEASE[,RELEASE]",
        help="UCP releases to serve (default 2026-08-25,2026-04-08; one to test negotiation)",
    )
    serve.add_argument(
        "--rate-limit-scale",
        type=float,
        default=1.0,
        help="multiply every store's rate limits (benchmarks: more than 50 flows/s per store)",
    )
    serve.add_argument("--json", action="store_true", help="one JSON object per store line")
    serve.add_argument(
        "--detach",
        action="store_true",
        help="start the stores in the background, print their URLs once they listen, and exit",
    )
    status = commands.add_parser("status", help="say whether the stores run, and where")
    status.add_argument("--json", action="store_true", help="print the service record as JSON")
    commands.add_parser("stop", help="stop the running stores")
    for command in (serve, status, commands.choices["stop"]):
        command.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help="SQLite state directory (default: $PANNIER_HOME/merchants)",
        )
    return parser


def _detach(argv: list[str], data_dir: Path) -> int:
    """Start ``serve`` (without --detach) in its own session; relay its URL lines; exit."""
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "merchants", *[a for a in argv if a != "--detach"]]
    if "--data-dir" not in argv:
        command += ["--data-dir", str(data_dir)]
    if "--json" not in argv:
        command.append("--json")
    with (data_dir / "service.log").open("ab") as log:
        logged = log.tell()  # where this start's own lines begin
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,  # its own process group: our terminal's signals skip it
        )
    assert child.stdout is not None
    with child.stdout:
        lines = [line.decode() for line in child.stdout]  # EOF once the child detaches stdout
    if not lines:
        code = child.wait()
        said = _logged_since(data_dir / "service.log", logged)
        print(
            said or f"pannier merchants: the stores did not start (see {data_dir / 'service.log'})",
            file=sys.stderr,
        )
        return code or 1
    child.returncode = 0  # it runs on, on purpose: nobody here will wait for it
    as_json = "--json" in argv
    for line in lines:
        entry = json.loads(line)
        print(line.strip() if as_json else f"{entry['name']}  {entry['url']}")
    return 0


def _logged_since(log: Path, offset: int, limit: int = 2000) -> str:
    """What the serving process wrote to its log from ``offset`` on (its last ``limit``
    characters), as printable text: why it stopped, in its own words."""
    try:
        with log.open("rb") as file:
            file.seek(offset)
            text = file.read().decode("utf-8", errors="replace")[-limit:]
    except OSError:
        return ""
    return "\n".join(
        "".join(c for c in line if c.isprintable()) for line in text.strip().splitlines()
    )


def _serve(args: argparse.Namespace, data_dir: Path) -> int:
    from merchants.bindings.versions import parse_versions

    try:
        releases = parse_versions(args.versions)
    except ValueError as exc:
        print(f"pannier merchants: {exc}", file=sys.stderr)
        return 2
    lock = service.ServiceLock(data_dir)
    try:
        lock.acquire()
    except service.ServiceRunning as exc:
        print(f"pannier merchants: {exc}; `pannier merchants stop` stops them", file=sys.stderr)
        return 3
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGHUP, request_stop)
    from merchants.serve import StoresInThread  # the HTTP stack: only for the serving process

    runner = StoresInThread(
        args.stores,
        port_base=args.port_base,
        data_dir=data_dir,
        latency_ms=args.latency_ms,
        fail_rate=args.fail_rate,
        rate_limit_scale=args.rate_limit_scale,
        default_ports=args.port_base is None,
        releases=releases,
        **({"stores_dir": args.stores_dir} if args.stores_dir else {}),
    )
    try:
        with runner as stores:
            # Everything built so far (catalogs, specs, modules) lives as long as the process:
            # out of the collector's sight, a full collection no longer walks it (40–90 ms,
            # measured, on the event loop).
            gc.collect()
            gc.freeze()
            entries = [{"slug": s.slug, "name": s.name, "url": s.url} for s in stores]
            lock.publish(entries)
            for entry in entries:
                print(json.dumps(entry) if args.json else f"{entry['name']}  {entry['url']}")
            sys.stdout.flush()
            if args.json:
                # Machine mode: whoever started us read the URLs and may close the pipe now.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            stop.wait()
    except (OSError, RuntimeError, TimeoutError) as exc:
        cause = exc.__cause__ or exc
        said = str(cause)
        if isinstance(cause, OSError) and cause.errno == errno.EADDRINUSE and cause.strerror:
            said = cause.strerror  # which port, and the way out: no "[Errno 98]" before it
        print(f"pannier merchants: the stores did not start: {said}", file=sys.stderr)
        return 1
    finally:
        lock.release()
    return 0


def _status(args: argparse.Namespace, data_dir: Path) -> int:
    record = service.running_record(data_dir)
    if args.json:
        payload = {"running": record is not None, "data_dir": str(data_dir)}
        if record is not None:
            payload |= {"pid": record.pid, "stores": record.stores}
        print(json.dumps(payload, indent=2))
    elif record is None:
        print(f"not running (data in {data_dir})")
    else:
        print(f"running, pid {record.pid}, data in {data_dir}")
        for store in record.stores:
            print(f"  {store['name']:<24} {store['url']}")
    return 0 if record is not None else 1


def _stop(data_dir: Path) -> int:
    record = service.stop(data_dir)
    print("not running" if record is None else f"stopped (pid {record.pid})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (status: 0 running, 1 not running)."""
    args = _parser().parse_args(argv)
    data_dir: Path = args.data_dir or default_data_dir()
    if args.command == "serve" and args.detach:
        return _detach(list(sys.argv[1:] if argv is None else argv), data_dir)
    if args.command == "serve":
        return _serve(args, data_dir)
    if args.command == "status":
        return _status(args, data_dir)
    return _stop(data_dir)


if __name__ == "__main__":
    sys.exit(main())
