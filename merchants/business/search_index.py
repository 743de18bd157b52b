"""Full-text search over one store's products: SQLite FTS5 with the Porter stemmer, in memory.

Words match whole words after stemming ("roses" finds "Rose", "tapered" never finds "red"),
accents are folded ("cotes" finds "Côtes"), and a product must contain every word of the query;
only when none does are products containing any of them returned. Ranking is BM25 (summed over
the words) with the title weighing most, then categories, tags, variant names, description.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from typing import Final

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


def query_words(query: str) -> list[str]:
    """The query's meaningful words, lower-cased and unaccented, in order, without repeats."""
    folded = unicodedata.normalize("NFKD", query.lower())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = [w for w in _WORD.findall(plain) if w not in STOPWORDS and w != "_"]
    return list(dict.fromkeys(words))


class SearchIndex:
    """Products by position (0-based, catalog order), searchable by words."""

    def __init__(self, documents: Sequence[tuple[str, str, str, str, str]]) -> None:
        """``documents[i]``: (title, categories, tags, variant names, description) of product i."""
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE products USING fts5("
            "title, categories, tags, variants, description, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        with self._db:
            self._db.executemany(
                "INSERT INTO products (rowid, title, categories, tags, variants, description) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(i + 1, *doc) for i, doc in enumerate(documents)],
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
