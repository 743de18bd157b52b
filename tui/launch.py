"""``pannier``: with no subcommand, open the TUI; otherwise hand over to ``assistant.cli``.

The one module that imports both wings: it gives the TUI the opener of the core's
``ShoppingSession``, so ``tui/`` itself never reaches HTTP or the model. Textual is imported only
when the TUI runs, and the core only after the first paint, so subcommands and startup stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.service import ShoppingSession
    from tui.session import LaunchOptions


def tui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pannier",
        description="Shop at many UCP merchants at once, in the terminal.",
        add_help=False,
    )
    parser.add_argument("--session", default="default", help="trip to open or resume")
    parser.add_argument(
        "--offline", action="store_true", help="use the offline planner, not a language model"
    )
    parser.add_argument("--model", default=None, help="Claude model id (else PANNIER_MODEL)")
    parser.add_argument("--config", type=Path, default=None, help="config file (TOML)")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="where the local database lives"
    )
    parser.add_argument(
        "--merchant",
        dest="merchant_urls",
        action="append",
        default=None,
        help="merchant URL (repeatable); overrides the config",
    )
    return parser


async def open_session(options: LaunchOptions) -> ShoppingSession:
    """Open the trip and its agent as the shopper asked (the TUI calls this after first paint)."""
    from assistant.service import ShoppingSession

    return await ShoppingSession.open(
        session=options.session,
        offline=options.offline,
        config_path=options.config_path,
        data_dir=options.data_dir,
        merchant_urls=options.merchant_urls,
    )


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    parsed, rest = tui_parser().parse_known_args(args_in)
    if rest:
        from assistant import cli

        return int(cli.main(args_in) or 0)

    if (
        parsed.model
    ):  # the session loads its config later, in the app: hand it over as PANNIER_MODEL
        os.environ["PANNIER_MODEL"] = parsed.model
    from tui.app import PannierApp
    from tui.session import LaunchOptions

    options = LaunchOptions(
        session=parsed.session,
        offline=parsed.offline,
        config_path=parsed.config,
        data_dir=parsed.data_dir,
        merchant_urls=tuple(parsed.merchant_urls) if parsed.merchant_urls else None,
    )
    app = PannierApp(options, opener=open_session)
    app.run()
    if app.first_paint_at is not None:
        print(f"first-paint {app.first_paint_at:.6f}")
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
