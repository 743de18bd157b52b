"""Words as search compares them: lower-cased, unaccented, whole, Porter-stemmed.

The sandbox stores index with SQLite FTS5's Porter tokenizer; stemming the same way here
(snowballstemmer's ``porter``) means Pannier ranks and refers to results as the stores match them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

import snowballstemmer

# Words that say nothing about which product is meant.
STOPWORDS: Final = frozenset(
    {
        *("a", "an", "and", "any", "are", "as", "at", "be", "buy", "for", "from", "get", "i"),
        *("in", "is", "it", "its", "me", "my", "of", "on", "one", "ones", "or", "our", "please"),
        *("show", "size", "some", "something", "that", "the", "their", "them", "these", "this"),
        *("those", "to", "with", "you", "your", "colour", "color"),
    }
)
_WORD: Final = re.compile(r"[^\W_]+")
_STEMMER: Final = snowballstemmer.stemmer("porter")


def fold(text: str) -> str:
    """Lower case without accents: "Côtes du Rhône" → "cotes du rhone"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Every word of ``text``, folded, in order."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def stems(text: str) -> set[str]:
    """The stems of every word of ``text`` (stopwords included: a title is matched whole)."""
    return {stem(w) for w in words(text)}


_SEPARATORS: Final = re.compile(r"\s*(?:[,;+&]|\band\b|\bplus\b|\bor\b)\s*", re.I)


def wants(query: str) -> list[str]:
    """The things a query lists ("flowers and red wine" → "flowers", "red wine"), else itself.

    A part without a meaningful word is no want of its own ("salt and" stays one query).
    """
    parts = [p.strip() for p in _SEPARATORS.split(query) if query_terms(p)]
    return parts if len(parts) > 1 else [query]


def query_terms(text: str) -> list[str]:
    """The stems of the meaningful words of a query, in order, without repeats."""
    return list(dict.fromkeys(stem(w) for w in words(text) if w not in STOPWORDS))
