"""The offline planner's plan for "actually make it the black ones": the basket's item swapped for
another of its variants, keeping how many; with nothing in the basket, it says so."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.domain import BasketLine, SearchHit
from assistant.llm.model import ToolCall
from assistant.llm.offline.intent import Intent
from assistant.llm.offline.replies import compose
from assistant.llm.offline.resolver import Resolver
from assistant.llm.offline.steps import Call, Step
from assistant.shopping.words import query_terms, stems
from assistant.views import HitView, ProductView
from assistant.views.common import line_ref, said

NOTHING_YET = "There is nothing in your basket to change yet"


def switch(intent: Intent, steps: list[Step], refs: Resolver, call: Call) -> ToolCall | str:
    """The basket's item (the one just touched, or the only one) in the variant ``intent.query``
    names, as many as before."""
    if steps and steps[-1].name != "show_product":
        return compose(steps[-1:])
    words = intent.query
    wanted = set(query_terms(words))
    to_buy = [line for line in refs.lines() if not line.ordered]
    if not to_buy:
        return _nothing_to_change(refs, words, wanted)
    line = _target(refs, to_buy, words)
    if isinstance(line, str):
        return line
    variants = _variants_of(refs.hits(), line)
    product = line.title.split(" — ", 1)[0]
    if not variants:
        pointed = _in_listing(refs, wanted, preface="")
        if pointed:
            return pointed
        return (
            f"I can't see the other kinds of {said(product)} in your latest results: say "
            f'"find {said(product)}" and pick the {said(words)} one.'
        )
    current = next(h for h in variants if h.variant_id == line.variant_id)
    named = [h for h in variants if wanted <= stems(h.variant_title) and h is not current]
    if not named and wanted <= stems(current.variant_title):
        return f"{said(line.title)} is already {said(words)}."
    if not named:  # the listing may hold some kinds only ("under 40 dollars"): ask the product
        return _from_product(steps, refs, line, wanted, words, call)
    # The rest of what it was stays: a tee in M / White made black is the M / Black one.
    keep = stems(current.variant_title)
    chosen = max(named, key=lambda h: len(keep & stems(h.variant_title)))
    items: dict[str, int] = {}
    for held in to_buy:
        key = _ref(chosen) if held is line else line_ref(held)
        items[key] = items.get(key, 0) + held.quantity
    refs.last = [chosen.variant_id]
    return call("set_basket", {"items": [{"ref": r, "quantity": q} for r, q in items.items()]})


def _from_product(
    steps: list[Step], refs: Resolver, line: BasketLine, wanted: set[str], words: str, call: Call
) -> ToolCall | str:
    """The line's item in the kind ``wanted`` names, from the product's own variants (all of
    them: a listing narrowed by price shows some only)."""
    if not steps:
        return call("show_product", {"ref": line_ref(line)})
    shown = steps[0].outcome
    if not isinstance(shown, ProductView):
        return compose(steps)
    variants = shown.product.variants
    keep = stems(next((v.title for v in variants if v.id == line.variant_id), ""))
    named = [v for v in variants if wanted <= stems(v.title) and v.id != line.variant_id]
    if not named:
        *others, last = dict.fromkeys(said(v.title) for v in variants)
        kinds = f"{', '.join(others)} or {last}" if others else last
        product = said(line.title.split(" — ", 1)[0])
        return f'{product} comes in {kinds}, not "{said(words)}": say which.'
    chosen = max(named, key=lambda v: len(keep & stems(v.title)))
    items = [
        {"ref": chosen.id if held is line else line_ref(held), "quantity": held.quantity}
        for held in refs.lines()
        if not held.ordered
    ]
    refs.last = [chosen.id]
    return call("set_basket", {"items": items})


def _nothing_to_change(refs: Resolver, words: str, wanted: set[str]) -> str:
    """No basket yet: say so, and point at the latest results' item that ``words`` name."""
    pointed = _in_listing(refs, wanted, preface=f"{NOTHING_YET}. ")
    if pointed:
        return pointed
    return f'{NOTHING_YET}: tell me what to look for first, e.g. "{said(words)} t-shirts".'


def _in_listing(refs: Resolver, wanted: set[str], *, preface: str) -> str:
    """The latest results' first item in the kind ``wanted`` names, and how to add it."""
    for group in refs.groups():
        for offer in group.offers:
            for hit in offer.variants:
                if wanted and wanted <= stems(hit.variant_title) | stems(hit.title) and hit.handle:
                    return (
                        f"{preface}In your latest results that is:\n{HitView(hit).line()}\n"
                        f'To put it in your basket, say "add {hit.handle}".'
                    )
    return ""


def _target(refs: Resolver, to_buy: Sequence[BasketLine], words: str) -> BasketLine | str:
    """The line "it" means: the one just added or shown, the only one, or the only one that
    comes in what the shopper named."""
    for ref in reversed(refs.last):
        held = refs.line(ref)
        if held is not None and held in to_buy:
            return held
    if len(to_buy) == 1:
        return to_buy[0]
    hits, wanted = refs.hits(), set(query_terms(words))
    able = [
        line
        for line in to_buy
        if any(wanted <= stems(h.variant_title) for h in _variants_of(hits, line))
    ]
    if len(able) == 1:
        return able[0]
    names = " or ".join(said(line.title.split(" — ", 1)[0]) for line in to_buy[:3])
    return f'Which one: {names}? Say e.g. "add the first one in {" ".join(sorted(wanted))}".'


def _variants_of(hits: Sequence[SearchHit], line: BasketLine) -> list[SearchHit]:
    """The variants of the line's product among ``hits`` (the latest search's)."""
    product = next(
        (
            h.product_id
            for h in hits
            if h.variant_id == line.variant_id and h.merchant.domain == line.merchant.domain
        ),
        None,
    )
    return [
        h
        for h in hits
        if product is not None
        and h.product_id == product
        and h.merchant.domain == line.merchant.domain
    ]


def _ref(hit: SearchHit) -> str:
    return hit.handle or hit.variant_id
