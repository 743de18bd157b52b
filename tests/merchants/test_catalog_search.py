"""Store-side catalog search: whole stemmed words, every word, UCP price filters."""

from __future__ import annotations

from typing import Any

import pytest

from merchants.business.catalog import Catalog
from merchants.business.specs import load_store_specs

CATALOGS = {spec.slug: Catalog(spec) for spec in load_store_specs()}


def titles(slug: str, request: dict[str, Any]) -> list[str]:
    return [p["title"] for p in CATALOGS[slug].search(request)["products"]]


def test_a_word_never_matches_inside_another_word() -> None:
    assert "Slim Tapered Jeans" not in titles("apparel", {"query": "red"})
    assert titles("apparel", {"query": "tapered"}) == ["Slim Tapered Jeans"]


@pytest.mark.parametrize(
    ("slug", "query", "first"),
    [
        ("flowers", "roses", "Red Rose Bouquet"),
        ("flowers", "tulips", "Tulip Bundle"),
        ("apparel", "dresses", "Linen Wrap Dress"),
        ("apparel", "boot", "Leather Chelsea Boots"),
        ("electronics", "headphone", "Pulse Over-Ear Headphones"),
        ("wine", "cotes du rhone", "Domaine des Collines Côtes du Rhône"),
        ("wine", "rosé", "Provence Rosé Bastide Claire"),
        ("wine", "rose wine", "Provence Rosé Bastide Claire"),
        ("wine", "cotes", "Domaine des Collines Côtes du Rhône"),
    ],
)
def test_words_match_after_stemming_and_accent_folding(slug: str, query: str, first: str) -> None:
    assert titles(slug, {"query": query})[0] == first


def test_a_shopper_asking_for_roses_at_the_wine_store_is_not_shown_the_rose_wine() -> None:
    # Folded, "Rosé" reads "rose"; but "roses" are flowers, so no English ending reaches it.
    assert "Provence Rosé Bastide Claire" not in titles("wine", {"query": "roses"})
    assert "Provence Rosé Bastide Claire" in titles("wine", {"query": "rose"})
    assert titles("flowers", {"query": "rosé"}) == []


def test_a_shopper_asking_for_flowers_is_shown_the_fresh_bouquets_not_only_dried_ones() -> None:
    for query in ("flowers", "a gift for my mum, she likes flowers"):
        found = titles("flowers", {"query": query, "pagination": {"limit": 50}})
        assert {"Red Rose Bouquet", "Tulip Bundle", "Sunflower Sunshine"} <= set(found), query
    assert "Snake Plant" not in titles("flowers", {"query": "flowers"})


def test_every_word_must_match_when_some_product_has_them_all() -> None:
    assert titles("flowers", {"query": "red roses"}) == ["Red Rose Bouquet"]
    assert titles("apparel", {"query": "a linen dress in size 8"}) == ["Linen Wrap Dress"]


def test_without_a_product_having_every_word_those_with_some_of_them_come_back() -> None:
    found = titles("electronics", {"query": "noise cancelling headphones"})
    assert set(found[:2]) == {"Pulse Over-Ear Headphones", "Pulse Wireless Earbuds"}


def test_a_title_match_ranks_above_a_description_match() -> None:
    found = titles("coffee", {"query": "espresso", "pagination": {"limit": 50}})
    assert found[0] == "Ember House Espresso"
    assert found.index("Ember House Espresso") < found.index("Burr Grinder")


def test_the_price_filter_keeps_only_variants_inside_the_bounds() -> None:
    body = CATALOGS["wine"].search({"query": "barolo", "filters": {"price": {"max": 6000}}})
    (barolo,) = body["products"]
    assert [v["price"]["amount"] for v in barolo["variants"]] == [5900]
    assert barolo["price_range"] == {
        "min": {"amount": 5900, "currency": "EUR"},
        "max": {"amount": 5900, "currency": "EUR"},
    }
    cheap = CATALOGS["wine"].search(
        {"query": "red", "filters": {"price": {"min": 2000, "max": 3000}}}
    )
    amounts = [v["price"]["amount"] for p in cheap["products"] for v in p["variants"]]
    assert amounts and all(2000 <= a <= 3000 for a in amounts)


def test_a_price_filter_in_another_currency_is_not_compared_with_this_stores_prices() -> None:
    request = {"query": "barolo", "filters": {"price": {"max": 100}}}
    assert titles("wine", request) == []
    assert titles("wine", {**request, "context": {"currency": "USD"}}) == ["Barolo Cascina Fiori"]
    assert titles("wine", {**request, "context": {"currency": "EUR"}}) == []


def test_a_query_of_only_filler_words_lists_the_catalog() -> None:
    assert len(titles("flowers", {"query": "some of the", "pagination": {"limit": 50}})) == 18
