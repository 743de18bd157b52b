"""Ranking merged results: relevance, stock, local price filters, variants, one product per row."""

from __future__ import annotations

from typing import Any

from assistant.domain import MerchantRef, Product, SearchRequest
from assistant.shopping.catalog import minor_units, ucp_filters
from assistant.shopping.ranking import numbered, rank, regroup

FLORIST = MerchantRef("127.0.0.1:1", "Petal & Stem", "http://127.0.0.1:1")
MARKET = MerchantRef("127.0.0.1:2", "Corner Market", "http://127.0.0.1:2")


def product(
    id: str,
    title: str,
    *variants: tuple[str, int] | tuple[str, int, bool],
    categories: tuple[str, ...] = (),
    description: str = "",
    currency: str = "USD",
    barcode: str | None = None,
) -> Product:
    wire: dict[str, Any] = {
        "id": id,
        "title": title,
        "description": {"plain": description},
        "categories": [{"value": c} for c in categories],
        "variants": [
            {
                "id": f"{id}-{index}",
                "title": v[0],
                "price": {"amount": v[1], "currency": currency},
                "availability": {"available": v[2] if len(v) > 2 else True},
                **({"barcodes": [{"type": "gtin", "value": barcode}]} if barcode else {}),
            }
            for index, v in enumerate(variants)
        ],
    }
    return Product.model_validate(wire)


ROSES = product(
    "roses", "Red Rose Bouquet", ("Petite", 4900), ("Grand", 9900), categories=("Roses",)
)
TULIPS = product(
    "tulips", "Tulip Bundle", ("Yellow", 3500), ("Red", 3500), categories=("Bouquets",)
)
JEANS = product("jeans", "Slim Tapered Jeans", ("30 / 32", 12800))


def titles(found: list[tuple[MerchantRef, Product]], request: SearchRequest) -> list[str]:
    return [group.title for group in rank(found, request)]


def test_whole_words_only_and_the_best_title_match_first() -> None:
    found = [(FLORIST, TULIPS), (FLORIST, JEANS), (FLORIST, ROSES)]
    assert titles(found, SearchRequest("red roses")) == ["Red Rose Bouquet"]


def test_the_variant_the_shopper_names_is_listed_first() -> None:
    (group,) = rank([(FLORIST, TULIPS)], SearchRequest("red tulips"))
    assert group.chosen.variant_title == "Red"
    (group,) = rank([(FLORIST, ROSES)], SearchRequest("grand roses"))
    assert group.chosen.variant_title == "Grand"


def test_products_in_stock_come_before_sold_out_ones() -> None:
    sold_out = product("peonies", "Peony Bouquet", ("Classic", 6500, False))
    in_stock = product("lilies", "Lily Bouquet", ("Classic", 7900))
    found = [(FLORIST, sold_out), (FLORIST, in_stock)]
    assert titles(found, SearchRequest("bouquet")) == ["Lily Bouquet", "Peony Bouquet"]
    assert titles(found, SearchRequest("bouquet", in_stock_only=True)) == ["Lily Bouquet"]


def test_price_bounds_are_checked_locally_even_if_a_store_ignored_them() -> None:
    (group,) = rank([(FLORIST, ROSES)], SearchRequest("roses", max_price=5000))
    assert [h.variant_title for h in group.offers[0].variants] == ["Petite"]
    assert rank([(FLORIST, ROSES)], SearchRequest("roses", min_price=10000)) == []


def test_a_named_currency_keeps_only_prices_in_that_currency() -> None:
    wine = product("rioja", "Rioja Reserva", ("75 cl", 2600), currency="EUR")
    found = [(FLORIST, ROSES), (MARKET, wine)]
    request = SearchRequest("", max_price=3000, currency="EUR")
    assert titles(found, request) == ["Rioja Reserva"]
    assert ucp_filters(request) == ({"price": {"max": 3000}}, {"currency": "EUR"})
    assert ucp_filters(SearchRequest("x")) == (None, None)


def test_cheapest_orders_by_the_listed_variants_price() -> None:
    found = [(FLORIST, ROSES), (FLORIST, TULIPS)]
    assert titles(found, SearchRequest("", order="cheapest")) == [
        "Tulip Bundle",
        "Red Rose Bouquet",
    ]
    assert titles(found, SearchRequest("", order="priciest")) == [
        "Red Rose Bouquet",
        "Tulip Bundle",
    ]


def test_the_same_product_at_two_stores_is_one_row_with_each_stores_offer_cheapest_first() -> None:
    same_title = product("rr", "Red Rose Bouquet", ("Classic", 4500), categories=("Roses",))
    (group,) = rank([(FLORIST, ROSES), (MARKET, same_title)], SearchRequest("roses"))
    assert [(o.merchant.name, o.chosen.price.amount) for o in group.offers] == [
        ("Corner Market", 4500),
        ("Petal & Stem", 4900),
    ]


def test_a_shared_barcode_joins_products_whatever_their_titles() -> None:
    ours = product("k1", "Gooseneck Kettle", ("Black", 7900), barcode="0012345678905")
    theirs = product("k2", "Pour-over kettle, matte", ("Black", 7500), barcode="0012345678905")
    other = product("k3", "Stovetop Kettle", ("Steel", 3000))
    groups = rank([(FLORIST, ours), (MARKET, theirs), (MARKET, other)], SearchRequest("kettle"))
    assert [len(g.offers) for g in groups] == [2, 1]


def test_two_products_of_one_store_are_never_merged() -> None:
    twin = product("roses-2", "Red Rose Bouquet", ("Grand", 9900))
    assert len(rank([(FLORIST, ROSES), (FLORIST, twin)], SearchRequest("roses"))) == 2


def test_numbering_lists_each_products_chosen_variant_first_and_regroup_restores_groups() -> None:
    groups = rank([(FLORIST, TULIPS), (FLORIST, ROSES)], SearchRequest("bouquet"))
    hits = numbered(groups)
    assert [(h.title, h.variant_title, h.group) for h in hits] == [
        ("Red Rose Bouquet", "Petite", 0),
        ("Tulip Bundle", "Yellow", 1),
        ("Red Rose Bouquet", "Grand", 0),
        ("Tulip Bundle", "Red", 1),
    ]
    restored = regroup(hits)
    assert [[h.variant_title for h in g.offers[0].variants] for g in restored] == [
        ["Petite", "Grand"],
        ["Yellow", "Red"],
    ]


def test_amounts_typed_by_shoppers_become_exact_minor_units() -> None:
    assert minor_units("30", "EUR") == 3000
    assert minor_units("29.99", None) == 2999
    assert minor_units("1,200", "JPY") == 1200
    for bad in ("-5", "thirty", "nan"):
        try:
            minor_units(bad, None)
        except ValueError:
            continue
        raise AssertionError(bad)
