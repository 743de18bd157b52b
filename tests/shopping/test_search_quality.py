"""Search quality on the five sandbox catalogs: a relevant first page, the best product on top.

Relevant products were picked by reading merchants/stores/*.json. Each query must give a first
page whose precision is at least 0.9, with the known best product among the first three.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from shopping_helpers import OpenTrip

from assistant.domain import SearchRequest
from assistant.shopping.ranking import PAGE_SIZE

ALL_STORES = ("flowers", "coffee", "apparel", "wine", "electronics")
BEAN_COFFEES = (
    "Ethiopia Yirgacheffe Kochere",
    "Kenya Nyeri Gatomboya AA",
    "Colombia Huila Finca El Paraíso",
    "Guatemala Antigua La Azotea",
    "Sumatra Mandheling",
    "Brazil Cerrado Natural",
    "Costa Rica Tarrazú Honey",
    "Ember House Espresso",
    "Oak Fire French Roast",
    "Swiss Water Decaf Colombia",
)
FRESH_FLOWERS = (
    "Red Rose Bouquet",
    "Blush Peony Bouquet",
    "Sunflower Sunshine",
    "White Lily Sympathy Arrangement",
    "Tulip Bundle",
    "Wildflower Meadow Bouquet",
    "Hydrangea Cloud",
    "Mystery Bloom Box",
)
RED_WINES = (
    "Domaine des Collines Côtes du Rhône",
    "Château Belle-Rive Bordeaux Supérieur",
    "Bourgogne Pinot Noir Vieilles Vignes",
    "Rioja Reserva Viña Alta",
    "Barolo Cascina Fiori",
    "Chianti Classico Poggio Verde",
    "Douro Tinto Quinta do Vale",
    "Mixed Case: Discovery Six",
)
WHITE_WINES = (
    "Sancerre Les Caillottes",
    "Chablis Premier Cru Montmains",
    "Riesling Kabinett Mosel Schieferhang",
    "Grüner Veltliner Kamptal",
    "Albariño Rías Baixas Mar de Fondo",
    "Mixed Case: Discovery Six",
)
WINES_UNDER_30 = (
    "Domaine des Collines Côtes du Rhône",
    "Château Belle-Rive Bordeaux Supérieur",
    "Rioja Reserva Viña Alta",
    "Chianti Classico Poggio Verde",
    "Douro Tinto Quinta do Vale",
    "Sancerre Les Caillottes",
    "Riesling Kabinett Mosel Schieferhang",
    "Grüner Veltliner Kamptal",
    "Albariño Rías Baixas Mar de Fondo",
    "Provence Rosé Bastide Claire",
    "Crémant de Loire Brut",
    "Tawny Port 10 Year Old",
)


@dataclass(frozen=True)
class Case:
    request: SearchRequest
    relevant: tuple[str, ...]
    best: str | None = None  # None: every one of the first three must be relevant
    variant_word: str | None = None  # the best product's listed variant must say this

    @property
    def id(self) -> str:
        return self.request.query + (
            f" ≤{self.request.max_price}" if self.request.max_price else ""
        )


def case(query: str, *relevant: str, best: str | None = "", variant: str | None = None) -> Case:
    return Case(SearchRequest(query), relevant, relevant[0] if best == "" else best, variant)


CASES = [
    case("red roses", "Red Rose Bouquet"),
    # A shopper asking for roses means flowers; "rose wine" or "rosé" means the wine.
    case("roses", "Red Rose Bouquet", "White Lily Sympathy Arrangement"),
    case("rose wine", "Provence Rosé Bastide Claire"),
    case("rosé", "Provence Rosé Bastide Claire"),
    case("cotes du rhone", "Domaine des Collines Côtes du Rhône"),
    case("espresso beans", "Ember House Espresso", *BEAN_COFFEES[:7], *BEAN_COFFEES[8:]),
    case("coffee beans for espresso", "Ember House Espresso", *BEAN_COFFEES[:7], *BEAN_COFFEES[8:]),
    case("barolo", "Barolo Cascina Fiori"),
    case("noise cancelling headphones", "Pulse Over-Ear Headphones", "Pulse Wireless Earbuds"),
    case("linen dress 8", "Linen Wrap Dress", variant="8"),
    case("red tulips", "Tulip Bundle", variant="Red"),
    case("tulips", "Tulip Bundle"),
    case("bluetooth speaker", "Boom Mini Bluetooth Speaker"),
    case("red wine", *RED_WINES, best=None),
    case("white wine", *WHITE_WINES, best=None),
    case("champagne", "Champagne Brut Réserve Maison Lenoir"),
    case(
        "sparkling wine",
        "Crémant de Loire Brut",
        "Champagne Brut Réserve Maison Lenoir",
        "Alcohol-Free Sparkling Riesling",
        "Mixed Case: Discovery Six",
        best=None,
    ),
    case("chelsea boots", "Leather Chelsea Boots"),
    case("jeans", "Slim Tapered Jeans", "Relaxed Straight Jeans", best=None),
    case("t-shirt", "Everyday Organic Tee", "Pocket Tee", best=None),
    case("merino sweater", "Merino Crewneck Sweater"),
    case("usb-c charger", "65 W USB-C GaN Charger", "VoltCharge 20,000 mAh Power Bank"),
    case("laptop", "Volt Book 14 Laptop"),
    case("smartphone", "Volt X1 Smartphone", "Volt X1 Pro Smartphone", best=None),
    case("phone case", "Clear Phone Case for Volt X1"),
    case("gooseneck kettle", "Gooseneck Kettle"),
    case("snake plant", "Snake Plant"),
    case("houseplant", "Fiddle Leaf Fig", "Snake Plant", best=None),
    case("dried flowers", "Lavender Dried Bunch", "Pampas & Bunny Tail Dried Arrangement"),
    case("chocolate", "Artisan Chocolate Box"),
    case("gift card", "Coffee Gift Card"),
    case("large lavender", "Lavender Dried Bunch", variant="Large"),
    case("magnum of champagne", "Champagne Brut Réserve Maison Lenoir", variant="Magnum"),
    Case(SearchRequest("wine", max_price=3000, currency="EUR"), WINES_UNDER_30),
    Case(SearchRequest("red wine", max_price=2000, currency="EUR"), RED_WINES),
    Case(
        SearchRequest("bouquet", order="cheapest"),
        (  # everything the florist files under Bouquets, cheapest first
            "Tulip Bundle",
            "Sunflower Sunshine",
            "Mystery Bloom Box",
            "Wildflower Meadow Bouquet",
            "Red Rose Bouquet",
            "Hydrangea Cloud",
            "Blush Peony Bouquet",
        ),
        best="Tulip Bundle",
    ),
]


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
async def test_the_first_page_is_relevant_and_the_best_product_is_in_the_top_three(
    open_trip: OpenTrip, c: Case
) -> None:
    trip = await open_trip(*ALL_STORES, session="quality")
    result = await trip.search(c.request)
    page = [g.title for g in result.groups[:PAGE_SIZE]]
    relevant = [title for title in page if title in c.relevant]
    assert page and len(relevant) / len(page) >= 0.9, " | ".join(page)
    if c.best is None:
        assert set(page[:3]) <= set(c.relevant), page
    else:
        assert c.best in page[:3], page
    if c.variant_word is not None:
        best = next(g for g in result.groups if g.title == c.best)
        assert c.variant_word in best.chosen.variant_title
    for group in result.groups:
        for offer in group.offers:
            for hit in offer.variants:
                if c.request.max_price is not None:
                    assert hit.price.amount <= c.request.max_price
                if c.request.currency is not None:
                    assert hit.price.currency == c.request.currency


def test_there_are_at_least_25_search_quality_queries() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("query", ["coffee", "coffee beans", "beans", "some coffee beans"])
async def test_coffee_or_beans_lead_with_whole_beans_not_the_decaf_or_the_cold_brew_packs(
    open_trip: OpenTrip, query: str
) -> None:
    # Every bean coffee scores the same for these words: the tie goes to the usual kind of
    # coffee, not the one decaf or the cold-brew packs, which a shopper who wants them names.
    trip = await open_trip(*ALL_STORES, session="beans")
    result = await trip.search(SearchRequest(query))
    first = result.groups[0]
    assert first.title in BEAN_COFFEES and "Decaf" not in first.title, first.title
    assert first.chosen.variant_title.endswith("Whole bean"), first.chosen.variant_title
    decaf = "Swiss Water Decaf Colombia"
    assert decaf in [g.title for g in result.groups], "the decaf is still listed"


async def test_a_search_listing_two_things_shows_both_in_turn(open_trip: OpenTrip) -> None:
    trip = await open_trip(*ALL_STORES, session="two-wants")
    result = await trip.search(SearchRequest("flowers and red wine"))
    page = [(g.title, g.offers[0].merchant.name) for g in result.groups[:PAGE_SIZE]]
    shops = [shop for _, shop in page]
    assert set(shops[:2]) == {"Petal & Stem", "Cellar Door Wines"}, page
    wines = [title for title, shop in page if shop == "Cellar Door Wines"]
    assert wines and set(wines) <= set(RED_WINES), page
    assert {"Petal & Stem", "Cellar Door Wines"} == set(shops), page


async def test_a_shopper_asking_for_roses_is_shown_flowers_not_rose_wine(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip(*ALL_STORES, session="roses")
    roses = await trip.search(SearchRequest("some roses for my mum"))
    assert roses.groups, "no roses"
    assert {g.offers[0].merchant.name for g in roses.groups} == {"Petal & Stem"}
    wine = await trip.search(SearchRequest("rose"))
    # Unaccented and uninflected, "rose" may be either: both are shown.
    assert {"Red Rose Bouquet", "Provence Rosé Bastide Claire"} <= {g.title for g in wine.groups}


async def test_one_thing_named_with_and_stays_one_search(open_trip: OpenTrip) -> None:
    trip = await open_trip(*ALL_STORES, session="one-want")
    result = await trip.search(SearchRequest("pampas and bunny tail"))
    assert [g.title for g in result.groups][:1] == ["Pampas & Bunny Tail Dried Arrangement"]


async def test_a_price_in_another_currency_says_why_a_store_shows_nothing(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip(*ALL_STORES, session="currency")
    result = await trip.search(SearchRequest("red wine", max_price=8000, currency="USD"))
    # The wines are in euros: no red rose stands in for them, and the wine store says why.
    assert result.groups == []
    (note,) = result.notes.values()
    assert "prices in EUR" in note and "USD" in note


async def test_flowers_lists_the_florists_fresh_bouquets_first(open_trip: OpenTrip) -> None:
    # A shopper asking for flowers means fresh ones: not only the dried bunches and the
    # subscription, whose titles happen to say "flower".
    trip = await open_trip(*ALL_STORES, session="flowers")
    result = await trip.search(SearchRequest("flowers"))
    page = [g.title for g in result.groups[:PAGE_SIZE]]
    assert set(page[:3]) & set(FRESH_FLOWERS), page
    assert len([t for t in page if t in FRESH_FLOWERS]) >= 4, page
    # "flowers" names the kind (Fresh Flowers, Dried Flowers): the bouquets lead, before the
    # subscription whose title only mentions it, and the dried ones come after the fresh.
    assert page[0] in FRESH_FLOWERS and "Monthly Flower Subscription" not in page[:4], page


async def test_coffee_lists_the_roasters_coffees_before_its_coffee_gift_card(
    open_trip: OpenTrip,
) -> None:
    # "Coffee" is what the roaster files its beans under; the gift card only says it in its title.
    trip = await open_trip(*ALL_STORES, session="coffee")
    result = await trip.search(SearchRequest("coffee"))
    found = [g.title for g in result.groups]
    coffees = [t for t in found if t in (*BEAN_COFFEES, "Cold Brew Pitcher Packs")]
    assert found[: len(coffees)] == coffees and len(coffees) == len(BEAN_COFFEES) + 1, found
