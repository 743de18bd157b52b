"""The conversation: shopper lines, streamed assistant replies, and an input with history."""

from __future__ import annotations

import re
from typing import ClassVar, Final

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, LoadingIndicator, Static

from tui.safe import plain


class HistoryInput(Input):
    """An input that recalls earlier submissions with up/down."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
    ]

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:
        # Not selected on focus: a letter typed elsewhere comes here and the next must follow it.
        super().__init__(placeholder=placeholder, id=id, select_on_focus=False)
        self.history: list[str] = []
        self._cursor = 0

    def remember(self, text: str) -> None:
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
        self._cursor = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._cursor = max(0, min(len(self.history), self._cursor + step))
        self.value = self.history[self._cursor] if self._cursor < len(self.history) else ""
        self.cursor_position = len(self.value)


class ChatLine(Static):
    """One line of the conversation; the assistant's grows as its reply streams in."""

    def __init__(self, speaker: str, text: str = "") -> None:
        done = "" if speaker == "assistant" else " done"  # only the assistant's lines grow
        super().__init__(classes=f"chat-line chat-{speaker}{done}")
        self.speaker = speaker
        self.text = text
        self._refresh_text()

    def append(self, delta: str) -> None:
        self.text += delta
        self._refresh_text()

    def replace(self, text: str) -> None:
        self.text = text
        self._refresh_text()

    def _refresh_text(self) -> None:
        prefix = {"you": "you ", "assistant": "pannier ", "system": "· "}[self.speaker]
        self.update(hanging(Text(prefix, style="bold"), plain(self.text)))


# A reply's indented line ("  3. Tulip Bundle (Red) — USD 35.00 — Petal & Stem", "    ! …",
# "       also: …"): its wrapped rows start under its first word, not at the left edge.
_INDENT: Final = re.compile(r"^ +(?:\d+\. +|[!?→⌂✓] +|also: +)?")


def hanging(lead: Text, text: str) -> RenderableType:
    """``lead`` then ``text``; each indented line of it wraps under its own first word, so a
    list stays readable on a narrow pane (80 columns)."""
    first, *rest = text.split("\n")
    if not rest or not any(_INDENT.match(line) for line in rest):
        return lead + Text(text)
    rows: list[RenderableType] = [lead + Text(first)]
    for line in rest:
        indent = _INDENT.match(line)
        if indent is None:
            rows.append(Text(line))
            continue
        grid = Table.grid(expand=True)
        grid.add_column(width=cell_len(indent.group()), no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")  # a link is shown whole, folded
        grid.add_row(Text(indent.group()), Text(line[indent.end() :]))
        rows.append(grid)
    return Group(*rows)


class ChatPane(Vertical):
    """Scrolling transcript, a spinner while the agent works, and the input.

    The transcript scrolls from the keyboard while the input keeps focus (the input itself
    has no use for these keys).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pageup", "scroll_transcript('page_up')", "Scroll up", show=False),
        Binding("pagedown", "scroll_transcript('page_down')", "Scroll down", show=False),
        Binding("ctrl+home", "scroll_transcript('home')", "Top of chat", show=False),
        Binding("ctrl+end", "scroll_transcript('end')", "End of chat", show=False),
    ]

    def action_scroll_transcript(self, where: str) -> None:
        transcript = self.transcript
        if where == "page_up":
            transcript.scroll_page_up(animate=False)
        elif where == "page_down":
            transcript.scroll_page_down(animate=False)
        elif where == "home":
            transcript.scroll_home(animate=False)
        else:
            transcript.scroll_end(animate=False)

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="transcript")
        yield LoadingIndicator(id="working")
        yield HistoryInput(
            placeholder="Opening your trip…  (type /help for direct commands)", id="prompt"
        )

    def on_mount(self) -> None:
        self.query_one("#working").display = False
        self.query_one(HistoryInput).disabled = True
        # Kept at the newest line when the pane is resized (narrower rows wrap taller, and the
        # chat showed older lines); scrolling up releases it until the end is reached again.
        self.transcript.anchor()

    @property
    def transcript(self) -> VerticalScroll:
        return self.query_one("#transcript", VerticalScroll)

    def add_line(self, speaker: str, text: str) -> ChatLine:
        line = ChatLine(speaker, text)
        self.transcript.mount(line)
        self.transcript.scroll_end(animate=False)
        return line

    def notice(self, text: str) -> ChatLine:
        """A short system line that arrived on its own (an order's news), kept above a reply
        still being written so the reply stays one line."""
        line = ChatLine("system", text)
        current = self._reply_in_progress()
        if current is None:
            self.transcript.mount(line)
        else:
            self.transcript.mount(line, before=current)
        self.transcript.scroll_end(animate=False)
        return line

    def stream(self, delta: str) -> None:
        """Append streamed text to the reply in progress (starting one if needed)."""
        current = self._reply_in_progress()
        if current is None:
            self.add_line("assistant", delta)
        else:
            current.append(delta)
            self.transcript.scroll_end(animate=False)

    def finish_reply(self, reply: str) -> None:
        """Settle the reply: the final text wins over what was streamed."""
        current = self._reply_in_progress()
        if current is None:
            self.add_line("assistant", reply)
        elif reply:
            current.replace(reply)
        if current is not None:
            current.add_class("done")
        else:
            self.transcript.query(ChatLine).last().add_class("done")
        self.transcript.scroll_end(animate=False)  # the settled reply may be taller

    def settle(self) -> None:
        """Close a reply that will get no more text (its turn failed)."""
        current = self._reply_in_progress()
        if current is not None:
            current.add_class("done")

    def _reply_in_progress(self) -> ChatLine | None:
        lines = self.transcript.query(ChatLine)
        if not lines:
            return None
        last = lines.last()
        if last.speaker == "assistant" and not last.has_class("done"):
            return last
        return None

    def set_working(self, working: bool) -> None:
        self.query_one("#working").display = working

    def set_ready(self, ready: bool, placeholder: str) -> None:
        prompt = self.query_one(HistoryInput)
        prompt.disabled = not ready
        prompt.placeholder = placeholder
        if ready:
            prompt.focus()
