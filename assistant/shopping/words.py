"""Words as search compares them: lower-cased, unaccented, whole, Porter-stemmed.

The sandbox stores stem with Porter too; stemming the same way here (snowballstemmer's
``porter``) means Pannier ranks and refers to results as the stores match them.

An accented word is a word of its own language: it folds ("rose" and "rosé" both find
"Provence Rosé", "cotes" finds "Côtes") but English endings are not stripped to reach it, so
"roses" (flowers) does not find "Rosé" (wine), and a shopper who types "rosé" means the wine.
Hence each word of a product stands for a few terms, and each word of a query for one:

| word | a product's terms | a query's term |
|---|---|---|
| "rose", "roses" (no accent) | ``rose``, ``rose+`` | ``rose`` ("rose"), ``rose+`` ("roses") |
| "rosé" | ``rose`` (as "rose" would ask), ``rose=`` | ``rose=`` |
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


INFLECTED: Final = "+"  # a query word that stemming shortened ("roses" → "rose+")
SPELLED: Final = "="  # an accented word, by its spelling without accents ("rosé" → "rose=")


def _asked(folded: str) -> str:
    """The term an unaccented query word asks for: its stem, marked when stemming shortened it."""
    stemmed = stem(folded)
    return stemmed if stemmed == folded else stemmed + INFLECTED


def _accented(word: str) -> bool:
    return fold(word) != word


def stems(text: str) -> set[str]:
    """The terms every word of ``text`` answers to (stopwords included: a title is matched
    whole): an unaccented word to its stem however inflected, an accented one only to its own
    spelling, with or without the accents."""
    terms: set[str] = set()
    for word in _WORD.findall(text.lower()):
        folded = fold(word)
        if _accented(word):
            terms |= {_asked(folded), folded + SPELLED}
        else:
            stemmed = stem(folded)
            terms |= {stemmed, stemmed + INFLECTED}
    return terms


_SEPARATORS: Final = re.compile(r"\s*(?:[,;+&]|\band\b|\bplus\b|\bor\b)\s*", re.I)


def wants(query: str) -> list[str]:
    """The things a query lists ("flowers and red wine" → "flowers", "red wine"), else itself.

    A part without a meaningful word is no want of its own ("salt and" stays one query).
    """
    parts = [p.strip() for p in _SEPARATORS.split(query) if query_terms(p)]
    return parts if len(parts) > 1 else [query]


def query_terms(text: str) -> list[str]:
    """The terms the meaningful words of a query ask for, in order, without repeats."""
    asked = (
        fold(word) + SPELLED if _accented(word) else _asked(word)
        for word in _WORD.findall(text.lower())
        if fold(word) not in STOPWORDS
    )
    return list(dict.fromkeys(asked))
