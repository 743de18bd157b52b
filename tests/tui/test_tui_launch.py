"""``pannier``: no subcommand opens the TUI; anything else goes to ``assistant.cli``."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant import cli
from tui import launch


def test_subcommands_are_handed_to_the_cli_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def fake_main(argv: list[str] | None = None) -> int:
        seen.append(list(argv or []))
        return 3

    monkeypatch.setattr(cli, "main", fake_main)
    assert launch.main(["--config", "x.toml", "ask", "find tulips"]) == 3
    assert seen == [["--config", "x.toml", "ask", "find tulips"]]


def test_tui_options_are_parsed_without_a_subcommand() -> None:
    parsed, rest = launch.tui_parser().parse_known_args(
        ["--session", "weekend", "--offline", "--data-dir", "/tmp/d"]
    )
    assert rest == []
    assert (parsed.session, parsed.offline, str(parsed.data_dir)) == ("weekend", True, "/tmp/d")


def test_importing_the_launcher_does_not_import_textual() -> None:
    probe = "import sys, tui.launch; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "False"


def test_importing_the_tui_app_loads_neither_the_http_client_nor_the_model_sdk() -> None:
    probe = "import sys, tui.app; print(sorted({'httpx2', 'anthropic'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_offline_agent_never_loads_the_anthropic_sdk() -> None:
    probe = (
        "import sys, assistant.service, assistant.llm.loop, assistant.llm.offline;"
        " print('anthropic' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "False"
