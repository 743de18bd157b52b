"""Merchant text on the screen: terminal-safe always, and markup-escaped where Textual parses it.

Textual parses markup in plain strings it renders (notifications, border titles, checkbox
labels): ``[bold red]`` or ``[@click=…]`` in a store's name must show as written, not act.
"""

from __future__ import annotations

from textual.markup import escape

from assistant.safe_text import terminal_safe


def plain(text: str) -> str:
    """Text for a ``rich.text.Text`` (no markup is parsed there)."""
    return terminal_safe(text, multiline=True)


def markup(text: str) -> str:
    """Text for a place that parses markup: safe, and shown exactly as written."""
    return escape(terminal_safe(text, multiline=True))
