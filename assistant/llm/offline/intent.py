"""The offline planner's records of what the shopper said: an intent, its items and references."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

RefKind = Literal["number", "ordinal", "words", "it", "all", "both", "id"]


@dataclass(frozen=True)
class Ref:
    """Something the shopper points at: a shown number, a position, words, or a pronoun."""

    kind: RefKind
    # the number, the 1-based position ("-1" = last), the words, or a store's own item id
    # ("bouquet_roses", or "bouquet_roses at Flower Shop" for a store without a catalog)
    value: str = ""


@dataclass(frozen=True)
class Item:
    ref: Ref
    quantity: int | None = None  # None: the shopper gave no number (one, or keep it)


@dataclass(frozen=True)
class Intent:
    """What the shopper asked for; unused slots keep their defaults."""

    kind: str
    items: tuple[Item, ...] = ()
    query: str = ""
    max_price: str = ""
    min_price: str = ""
    currency: str = ""
    in_stock: bool = False
    order: Literal["relevance", "cheapest", "priciest"] = "relevance"
    code: str = ""
    store: str = ""  # the shopper's words for a store
    choice: str = ""  # delivery: cheapest | fastest; address: the shopper's words for it
    question: str = ""  # kind "ask": what to ask back
    then_buy: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    then: Intent | None = None  # what the same sentence asks next ("…and pick them up in Camden")
