"""The escalation inbox: what only the shopper can do, on each merchant's own page (words:
``EscalationView``, the same the offline planner and ``/back`` say)."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import ListItem, ListView, Static

from assistant.domain import Escalation
from assistant.views import EscalationView
from tui.safe import plain


def render_escalation(escalation: Escalation) -> Group:
    view = EscalationView(escalation)
    # The inbox lists open ones only: "Cellar Door Wines  open" said nothing a shopper needs.
    parts = [Text(plain(escalation.merchant.name), style="bold")]
    parts += [Text(reason) for reason in view.reasons()]
    parts += [Text(f"⚠ {disclosure}", style="italic yellow") for disclosure in view.disclosures()]
    parts.append(Text(plain(escalation.continue_url), style="underline cyan"))
    return Group(*parts)


class EscalationItem(ListItem):
    def __init__(self, escalation: Escalation) -> None:
        super().__init__(Static(render_escalation(escalation)), classes="escalation")
        self.escalation = escalation


class EscalationInbox(ListView):
    """Open escalations; the highlighted one is the target of open/copy/"I'm back"."""

    def __init__(self) -> None:
        super().__init__(id="inbox")
        self.border_title = "Needs you"
        # The keys stay on screen: at 80x24 the page's link is often below the panel's fold.
        self.border_subtitle = "F2 open the page · F4 I'm back"
        self.escalations: list[Escalation] = []

    def on_mount(self) -> None:
        self.display = False

    def show(self, escalations: list[Escalation]) -> None:
        """Replace the inbox contents with the open ``escalations``."""
        self.escalations = [e for e in escalations if e.state == "open"]
        self.clear()
        self.extend(EscalationItem(e) for e in self.escalations)
        self.display = bool(self.escalations)
        if self.escalations:
            self.index = 0
        if self.is_attached:
            self.screen.refresh_bindings()  # F2 and F4 are in the footer while something is here

    def raise_(self, escalation: Escalation) -> None:
        others = [e for e in self.escalations if e.id != escalation.id]
        self.show([*others, escalation])

    def clear_one(self, escalation: Escalation) -> None:
        self.show([e for e in self.escalations if e.id != escalation.id])

    @property
    def selected(self) -> Escalation | None:
        if not self.escalations:
            return None
        index = self.index if self.index is not None else 0
        return self.escalations[min(index, len(self.escalations) - 1)]
