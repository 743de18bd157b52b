"""The offline planner's plan for discount codes: apply or remove one, at a store or at every
store in the basket (keeping it only where the store accepted it)."""

from __future__ import annotations

from assistant.llm.model import ToolCall
from assistant.llm.offline.intent import Intent
from assistant.llm.offline.replies import compose
from assistant.llm.offline.resolver import Resolver
from assistant.llm.offline.steps import Call, Step
from assistant.llm.results import OneStore


def discount(intent: Intent, steps: list[Step], refs: Resolver, call: Call) -> ToolCall | str:
    """ "use code WELCOME10": at the store named, else tried at every store in the basket and
    taken back where it was turned down."""
    tool = "apply_discount" if intent.kind == "discount" else "remove_discount"
    if intent.store:
        merchant = refs.merchant(intent.store)
        if isinstance(merchant, str):
            return merchant
        if not steps:
            return call(tool, {"store": merchant.domain, "code": intent.code})
        return compose(steps)
    stores = [line.merchant for line in refs.lines()]
    candidates = list({m.domain: m for m in stores}.values())
    if not candidates:
        return f"Add something to your basket first: {intent.code} is applied to a store's cart."
    if len(steps) < len(candidates):
        return call(tool, {"store": candidates[len(steps)].domain, "code": intent.code})
    if tool == "remove_discount":
        return f"Removed {intent.code}."
    tried = steps[: len(candidates)]
    rejected = [s for s in tried if not _accepted(s)]
    undone = steps[len(candidates) :]
    if len(undone) < len(rejected):
        return call("remove_discount", dict(rejected[len(undone)].arguments))
    accepted = [s for s in tried if s not in rejected]
    if not accepted:
        return f"None of the stores in your basket accepts {intent.code}."
    names = ", ".join(_store_name(s) for s in accepted)
    return f"{intent.code} applies at {names}.\n" + compose(accepted[-1:])


def _store_name(step: Step) -> str:
    return step.outcome.store_name if isinstance(step.outcome, OneStore) else "the store"


def _accepted(step: Step) -> bool:
    """Whether a store's answer to a discount code shows it applied (not turned down)."""
    return isinstance(step.outcome, OneStore) and step.outcome.accepted_discount()
