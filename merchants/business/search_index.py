"""Full-text search over one store's products: SQLite FTS5 over Porter-stemmed terms, in memory.

Words match whole words after stemming ("roses" finds "Rose", "tapered" never finds "red"),
accents are folded ("cotes" finds "Côtes", "rose" finds "Rosé") but an accented word is not
reached by stripping an English ending ("roses" does not find "Rosé", and "rosé" finds no
roses), and a product must contain every word of the query;
only when none does are products containing any of them returned. Ranking is BM25 (summed over
the words) with the title weighing most, then categories, tags, variant names, description.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

import snowballstemmer

# Words that carry no meaning in a product search; dropping them lets "a bottle of red wine"
# be matched as "bottle red wine" rather than failing on "of".
STOPWORDS: Final = frozenset(
    {
        *("a", "an", "and", "any", "are", "for", "from", "i", "in", "is", "it", "me", "my"),
        *("of", "on", "or", "please", "show", "some", "size", "that", "the", "to", "with"),
    }
)
# BM25 column weights, in the column order of the table below.
_WEIGHTS: Final = (10.0, 5.0, 3.0, 2.0, 1.0)
_WORD = re.compile(r"\w+")


_STEMMER: Final = snowballstemmer.stemmer("porter")
# Term marks, FTS5 token characters here: a word stemming shortened, an accented word's spelling.
INFLECTED, SPELLED = "+", "="


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=16384)
def _asked(folded: str) -> str:
    """What an unaccented query word asks for: its stem, marked when stemming shortened it."""
    stemmed = str(_STEMMER.stemWord(folded))
    return stemmed if stemmed == folded else stemmed + INFLECTED


@lru_cache(maxsize=16384)
def _answers(word: str) -> str:
    """The terms a product's word answers to: an unaccented one its stem however inflected,
    an accented one only its own spelling, with or without the accents."""
    folded = _fold(word)
    if folded != word:
        return f"{_asked(folded)} {folded}{SPELLED}"
    stemmed = str(_STEMMER.stemWord(folded))
    return f"{stemmed} {stemmed}{INFLECTED}"


def _document(text: str) -> str:
    return " ".join(_answers(word) for word in _WORD.findall(text.lower()) if word != "_")


def query_words(query: str) -> list[str]:
    """The terms the query's meaningful words ask for, in order, without repeats."""
    words = [w for w in _WORD.findall(query.lower()) if _fold(w) not in STOPWORDS and w != "_"]
    asked = (_fold(w) + SPELLED if _fold(w) != w else _asked(w) for w in words)
    return list(dict.fromkeys(asked))


class SearchIndex:
    """Products by position (0-based, catalog order), searchable by words."""

    def __init__(self, documents: Sequence[tuple[str, str, str, str, str]]) -> None:
        """``documents[i]``: (title, categories, tags, variant names, description) of product i."""
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE products USING fts5("
            "title, categories, tags, variants, description, "
            "tokenize = \"unicode61 remove_diacritics 0 tokenchars '+='\")"
        )
        with self._db:
            self._db.executemany(
                "INSERT INTO products (rowid, title, categories, tags, variants, description) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(i + 1, *map(_document, doc)) for i, doc in enumerate(documents)],
            )

    def search(self, query: str) -> list[int] | None:
        """Positions of matching products, best first; None when the query has no words."""
        words = query_words(query)
        if not words:
            return None
        quoted = ['"' + w.replace('"', '""') + '"' for w in words]
        ranked = self._match(" AND ".join(quoted))
        if ranked or len(words) == 1:
            return ranked
        # No product has every word: those with any of them, by BM25 (which sums over words).
        return self._match(" OR ".join(quoted))

    def _match(self, expression: str) -> list[int]:
        weights = ", ".join(str(w) for w in _WEIGHTS)
        rows = self._db.execute(
            f"SELECT rowid FROM products WHERE products MATCH ? "
            f"ORDER BY bm25(products, {weights}), rowid",
            (expression,),
        ).fetchall()
        return [int(row[0]) - 1 for row in rows]
