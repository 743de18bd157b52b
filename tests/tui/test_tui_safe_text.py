"""Store text on screen: markup in a name shows as written, control characters never show."""

from __future__ import annotations

from textual.content import Content

from tui.safe import markup, plain

HOSTILE_NAME = "[@click=app.quit]Free[/] [bold red]Shop\x1b[2J\x1b]0;pwned\x07 \u202etxt"


def test_markup_in_a_store_name_is_shown_as_written_not_acted_on() -> None:
    shown = Content.from_markup(markup(HOSTILE_NAME))
    assert shown.plain == "[@click=app.quit]Free[/] [bold red]Shop txt"
    assert not shown.spans  # no style, no action


def test_plain_text_keeps_lines_but_no_control_characters() -> None:
    assert plain("Roses\x1b[31m\nred\x07") == "Roses\nred"
