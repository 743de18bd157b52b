"""A session whose rows were damaged on disk says so, names the way out, and leaves the others be.

Real SQLite files, corrupted in the test; the real CLI (`pannier ask`, `pannier sessions`) in a
subprocess.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from test_ask import ASK_TIMEOUT_S, ask

from merchants.serve import RunningStore


def sessions(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "sessions", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PANNIER_HOME": str(home)},
        timeout=ASK_TIMEOUT_S,
        check=False,
    )


def damage(home: Path, session: str) -> None:
    """A bad JSON cell in the basket and a checkout answer of the wrong shape."""
    with sqlite3.connect(home / "data" / "pannier.db") as db:
        db.execute(
            'UPDATE basket_lines SET payload = \'{"merchant": {"dom\' WHERE session = ?',
            [session],
        )
        db.execute(
            'UPDATE checkouts SET payload = \'{"id": 5, "line_items": "none"}\' WHERE session = ?',
            [session],
        )


def test_a_damaged_session_names_itself_and_the_way_out_and_repair_says_what_was_lost(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url]
    for session in ("weekend", "gifts"):
        found = json.loads(
            ask(tmp_path, "find tulips", "--json", "--session", session, urls=urls).stdout
        )
        ask(tmp_path, f"add {found['results'][0]['handle']}", "--session", session, urls=urls)
        checkout = ask(tmp_path, "checkout", "--session", session, urls=urls)
        assert checkout.returncode == 0, checkout.stderr
    damage(tmp_path, "weekend")

    broken = ask(tmp_path, "what's in my basket", "--session", "weekend", urls=urls)
    assert broken.returncode == 7
    assert "Traceback" not in broken.stderr and "validation error" not in broken.stderr
    [line] = broken.stderr.splitlines()
    assert "session 'weekend' has 2 unreadable rows" in line
    assert "pannier sessions repair weekend" in line and "pannier sessions reset weekend" in line
    as_json = json.loads(
        ask(tmp_path, "basket", "--json", "--session", "weekend", urls=urls).stdout
    )
    assert as_json["error"]["code"] == "local_data"

    other = ask(tmp_path, "what's in my basket", "--session", "gifts", urls=urls)
    assert other.returncode == 0, other.stderr
    assert "Tulip" in other.stdout

    listed = sessions(tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert "weekend — 2 unreadable row(s): pannier sessions repair weekend" in listed.stdout
    assert "gifts\n" in listed.stdout

    repaired = sessions(tmp_path, "repair", "weekend")
    assert repaired.returncode == 0, repaired.stderr
    assert "Set aside 2 unreadable row(s) of session 'weekend'" in repaired.stdout
    assert "basket line" in repaired.stdout and "(basket_lines:" in repaired.stdout
    assert "the checkout chk_" in repaired.stdout and "(checkouts:" in repaired.stdout
    with sqlite3.connect(tmp_path / "data" / "pannier.db") as db:
        kept = db.execute("SELECT source_table FROM quarantined_rows ORDER BY id").fetchall()
    assert kept == [("basket_lines",), ("checkouts",)]
    assert "nothing to repair" in sessions(tmp_path, "repair", "weekend").stdout

    reopened = ask(tmp_path, "what's in my basket", "--session", "weekend", urls=urls)
    assert reopened.returncode == 0, reopened.stderr
    assert "The basket is empty." in reopened.stdout
    assert "Tulip" in ask(tmp_path, "basket", "--session", "gifts", urls=urls).stdout


def test_sessions_reset_forgets_a_session_only_with_yes_and_keeps_the_others(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url]
    for session in ("weekend", "gifts"):
        found = json.loads(
            ask(tmp_path, "find tulips", "--json", "--session", session, urls=urls).stdout
        )
        ask(tmp_path, f"add {found['results'][0]['handle']}", "--session", session, urls=urls)
    damage(tmp_path, "weekend")

    unsure = sessions(tmp_path, "reset", "weekend")
    assert unsure.returncode == 2
    assert "pannier sessions reset weekend --yes" in unsure.stdout
    assert ask(tmp_path, "basket", "--session", "weekend", urls=urls).returncode == 7

    reset = sessions(tmp_path, "reset", "weekend", "--yes")
    assert reset.returncode == 0, reset.stderr
    assert "Session 'weekend' starts afresh" in reset.stdout
    assert (
        "The basket is empty." in ask(tmp_path, "basket", "--session", "weekend", urls=urls).stdout
    )
    assert "Tulip" in ask(tmp_path, "basket", "--session", "gifts", urls=urls).stdout

    missing = sessions(tmp_path, "repair", "holiday")
    assert missing.returncode == 1
    assert "no session named 'holiday'" in missing.stderr and "Traceback" not in missing.stderr
