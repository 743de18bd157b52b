"""The offline planner's plans for several requests in one sentence: things to get, then how.

"can I get some tulips and pick them up in Camden?" is the tulips into the basket (a search
first when none is on screen), then the pickup, as the separate turns would be; "two bags of
coffee and some tulips to collect from Camden" each thing searched for and its best match
added, one after the other, then the pickup for all of them (``combined_words`` reads them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant.llm.model import ToolCall
from assistant.llm.offline.intent import Intent, Item, Ref
from assistant.llm.offline.replies import compose
from assistant.llm.offline.resolver import Resolver
from assistant.llm.offline.steps import Step, tool_call
from assistant.views.common import said

Next = ToolCall | str


class CombinedPlans:
    """The plans of a sentence with a ``then``; mixed into ``OfflinePlanner``."""

    refs: Resolver
    got: dict[int, str]  # this turn's several things: each one's added handle
    plan: Callable[[Intent, list[Step], set[str]], Next]
    _add: Callable[[Intent, list[Step]], Next]
    _search: Callable[[Intent, list[Step]], Next]

    def _get_then(self, first: Intent, then: Intent, steps: list[Step], tools: set[str]) -> Next:
        """ "can I get some tulips and pick them up in Camden?": the tulips into the basket (a
        search first when none is on screen), then the pickup, as the two turns would."""
        if first.kind == "want" and len(first.items) > 1:
            return self._several_then(first, then, steps, tools)
        added = next((i + 1 for i, step in enumerate(steps) if step.name == "set_basket"), 0)
        if not added:
            return self._get(replace(first, then=None), steps)
        following = self._following(then, steps, added, tools)
        if not isinstance(following, str):
            return following
        return f"Added {self._added(steps[:added], first)}.\n{following}"

    def _following(self, then: Intent, steps: list[Step], added: int, tools: set[str]) -> Next:
        """What the sentence asks once its things are in the basket (``steps[added:]`` on)."""
        if then.kind == "delivery":  # its options come with a checkout: prepare one first
            if len(steps) == added:
                return tool_call("prepare_checkout", {})
            added += 1
        if then.kind == "address":  # "…and send it to Paris": what was just added, not all
            then = replace(then, store=self._added_store())
        return self.plan(then, steps[added:], tools)

    def _several_then(
        self, first: Intent, then: Intent, steps: list[Step], tools: set[str]
    ) -> Next:
        """ "two bags of coffee and some tulips to collect from Camden": each thing searched for
        and its best match added, one after the other, then the pickup for all of them."""
        if not steps:
            self.got = {}
        done = 0  # the steps the things took: per thing its search, then its add if found
        for index, item in enumerate(first.items):
            if done == len(steps):
                return self._search(Intent("search", query=item.ref.value), [])
            done += 1
            if done == len(steps):  # just searched: add the best match, or go on without
                groups = self.refs.groups()
                if not groups:
                    continue
                best = groups[0].chosen  # the search ranked it first for exactly these words
                ref = Ref("id", best.handle or best.variant_id)
                add = self._add(Intent("add", items=(Item(ref, item.quantity),)), [])
                self.got[index] = best.variant_id  # what it is: the next search renumbers
                return add
            if steps[done].name == "set_basket":
                done += 1
        self.refs.last = list(self.got.values())
        missing = [said(i.ref.value) for n, i in enumerate(first.items) if n not in self.got]
        if not self.got:
            return "Nothing found for " + " or ".join(f'"{m}"' for m in missing) + "."
        following = self._following(then, steps, done, tools)
        if not isinstance(following, str):
            return following
        added = ", and ".join(
            f"{self._in_words(key, first.items[n].quantity)}, the best match for "
            f'"{said(first.items[n].ref.value)}"'
            for n, key in self.got.items()
        )
        nothing = "".join(f' Nothing found for "{m}".' for m in missing)
        return f"Added {added}.{nothing}\n{following}"

    def _get(self, first: Intent, steps: list[Step]) -> Next:
        """The add of a sentence that goes on; a search first for words not in the results."""
        if first.kind == "add":
            return self._add(first, steps)
        [item] = first.items
        if not steps:
            if isinstance(self.refs.resolve(item.ref, "results", whole=True), list):
                return self._add(replace(first, kind="add"), [])
            return self._search(replace(first, kind="search"), [])
        groups = self.refs.groups()
        if not groups:
            return compose(steps)  # nothing found: the search says so, and nothing follows
        best = groups[0].chosen  # the search ranked it first for exactly these words
        ref = Ref("id", best.handle or best.variant_id)
        return self._add(Intent("add", items=(Item(ref, item.quantity),)), [])

    def _added_store(self) -> str:
        """The store of what this sentence put in the basket ("" if it is not there)."""
        added = [line.merchant.domain for key in self.refs.last if (line := self.refs.line(key))]
        return added[0] if len(set(added)) == 1 else ""

    def _added(self, steps: list[Step], first: Intent) -> str:
        """What the sentence's add put in the basket, in words ("1 × Tulip Bundle")."""
        one = len(self.refs.last) == len(first.items) == 1
        count = first.items[0].quantity if one else None
        said = [self._in_words(key, count, asked=one) for key in self.refs.last]
        searched = steps[0].name == "search_products"
        best = f', the best match for "{first.query}"' if searched and first.query else ""
        return " and ".join(said) + best

    def _in_words(self, key: str, count: int | None, *, asked: bool = True) -> str:
        """ "2 × Tulip Bundle — Red": how many this sentence added (``count``, None for one),
        and how many the basket holds when it held some already; without ``asked``, the
        basket's count alone."""
        line = self.refs.line(key)
        if line is None:
            return self.refs.title(key)
        added = (1 if count is None else count) if asked else line.quantity
        held = f" ({line.quantity} in your basket)" if line.quantity != added else ""
        return f"{added} × {line.title}{held}"
