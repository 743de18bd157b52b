"""The offline planner's replies: each step's typed outcome in the shopper's words.

The words themselves come from the views (``assistant.views``), the same ones every other front
end shows; this module only picks which outcome speaks and what the planner adds to it.
"""

from __future__ import annotations

from assistant.llm.offline.steps import Step, any_status

READY = "ready_for_complete"


def failure(step: Step) -> str:
    return f"That didn't work ({step.name.replace('_', ' ')}): {step.outcome.text()}"


def compose(steps: list[Step]) -> str:
    """The reply for a finished plan, from its last tool outcome (earlier ones led up to it)."""
    if not steps:
        return "Done."
    step = steps[-1]
    text = step.outcome.text()
    if step.name == "prepare_checkout" and any_status(step, READY):
        text += '\nSay "buy" to review the totals and approve the payment.'
    return text
