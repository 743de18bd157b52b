"""What the offline planner reads in a shopper's sentence: one row per phrasing, intent + slots.

The phrasings are written the way people type into a shopping chat, not the way a grammar wants.
"""

from __future__ import annotations

import pytest

from assistant.llm.offline import Intent, Item, Ref, parse
from assistant.llm.offline.parse import LEFT_AS_IS


def search(query: str, **slots: object) -> Intent:
    return Intent("search", query=query, **slots)  # type: ignore[arg-type]


def add(*items: Item, then_buy: bool = False) -> Intent:
    return Intent("add", items=items, then_buy=then_buy)


def n(value: int, quantity: int | None = None) -> Item:
    return Item(Ref("number", str(value)), quantity)


def nth(position: int, quantity: int | None = None) -> Item:
    return Item(Ref("ordinal", str(position)), quantity)


def words(text: str, quantity: int | None = None) -> Item:
    return Item(Ref("words", text), quantity)


def ask_back(a: int, b: int) -> Intent:
    question = (
        f'Did you mean {b} of item {a}, or {a} of item {b}? Say "{b} of {a}" or "{a} of {b}".'
    )
    return Intent("ask", question=question)


PHRASINGS: list[tuple[str, Intent]] = [
    # plain searches
    ("red roses", search("red roses")),
    ("Red roses please", search("red roses")),
    ("find red roses", search("red roses")),
    ("search for tulips", search("tulips")),
    ("I need espresso beans", search("espresso beans")),
    ("Can you find me a bluetooth speaker?", search("bluetooth speaker")),
    ("i'm looking for noise cancelling headphones", search("noise cancelling headphones")),
    ("do you have any champagne?", search("champagne")),
    ("show me some linen dresses", search("linen dresses")),
    ("something for my mum who gardens", search("gardens")),
    ("a gift for my dad", search("gift")),
    # an occasion is kept: it says which of the things she likes fits
    ("a birthday present for my sister, she likes flowers", search("birthday flowers")),
    ("flowers for my mum's birthday", search("flowers birthday")),
    ("an anniversary gift for my wife, she loves red wine", search("anniversary red wine")),
    ("coffee beans for espresso", search("coffee beans espresso")),
    ("got any chelsea boots in 42?", search("chelsea boots 42")),
    ("what about a nice merino sweater", search("merino sweater")),
    ("looking for a phone case", search("phone case")),
    # how many is no word to search for; a number that is part of the product stays
    ("two bags of coffee", search("coffee")),
    ("3 red roses", search("red roses")),
    ("a dozen roses", search("roses")),
    ("65 w usb-c charger", search("65 w usb-c charger")),
    ("10 year old tawny port", search("10 year old tawny port")),
    # price and other filters
    (
        "find a bottle of red wine under 30 euros",
        search("red wine", max_price="30", currency="EUR"),
    ),
    ("wine under €30", search("wine", max_price="30", currency="EUR")),
    ("headphones under $200", search("headphones", max_price="200", currency="USD")),
    ("roses for less than 50 dollars", search("roses", max_price="50", currency="USD")),
    ("a dress under 150", search("dress", max_price="150")),
    (
        "red wine between 10 and 20 euros",
        search("red wine", min_price="10", max_price="20", currency="EUR"),
    ),
    ("laptops over $1000", search("laptops", min_price="1000", currency="USD")),
    ("the cheapest tulips", search("tulips", order="cheapest")),
    ("cheap bluetooth speaker", search("bluetooth speaker", order="cheapest")),
    ("most expensive champagne you have", search("champagne", order="priciest")),
    ("earbuds in stock", search("earbuds", in_stock=True)),
    ("coffee under 20 bucks", search("coffee", max_price="20", currency="USD")),
    # paging and details
    ("more", Intent("more")),
    ("show me more", Intent("more")),
    ("next page", Intent("more")),
    ("what else is there?", Intent("more")),
    ("show 2", Intent("show", items=(n(2),))),
    ("tell me about the barolo", Intent("show", items=(words("barolo"),))),
    ("details of the first one", Intent("show", items=(nth(1),))),
    # adding, by number, ordinal, name or attribute, with quantities in every common form
    ("add 3", add(n(3))),
    ("Add 5, please.", add(n(5))),
    ("add 2 of 3", add(n(3, 2))),
    ("add two of item 3", add(n(3, 2))),
    ("add 3 x2", add(n(3, 2))),
    ("add 2x 3", add(n(3, 2))),
    ("add 5 x2", add(n(5, 2))),
    ("2x 3", add(n(3, 2))),
    ("add 3 x 2", ask_back(3, 2)),
    ("add 3 2", ask_back(3, 2)),
    ("add 1 and 3", add(n(1), n(3))),
    ("add 1, 3", add(n(1), n(3))),
    ("add the first one", add(nth(1))),
    ("add 2 of the first one", add(nth(1, 2))),
    ("the second one", add(nth(2))),
    ("I'll take the last one", add(nth(-1))),
    ("add the red tulips", add(words("red tulips"))),
    ("add the Barolo", add(words("barolo"))),
    ("add three of the barolo", add(words("barolo", 3))),
    ("put the roses in my basket", add(words("roses"))),
    ("add both", add(Item(Ref("both")))),
    ("add it", add(Item(Ref("it")))),
    ("add another one", add(Item(Ref("it"), 1))),
    ("2 more of those", add(Item(Ref("it"), 2))),
    ("add 2 more", add(Item(Ref("it"), 2))),
    ("three of the first one", add(nth(1, 3))),
    ("add 100 of 1", add(n(1, 100))),
    ("add a couple of the tulips", add(words("tulips", 2))),
    (
        "I'd like a bottle of Barolo",
        Intent("want", items=(words("barolo"),), query="barolo"),
    ),
    ("buy 2 of the first one", add(nth(1, 2), then_buy=True)),
    # basket questions, removing and changing
    ("what's in my basket?", Intent("basket")),
    ("show my cart", Intent("basket")),
    ("basket", Intent("basket")),
    # what it all costs is the checkouts' totals, shipping and tax included (nothing is bought)
    ("how much is it?", Intent("checkout")),
    ("what's the total", Intent("checkout")),
    ("how much is that?", Intent("checkout")),
    ("what's my total?", Intent("checkout")),
    ("show me what's in the basket", Intent("basket")),
    ("remove the tulips", Intent("remove", items=(words("tulips"),))),
    ("remove 3", Intent("remove", items=(n(3),))),
    ("take out the second one", Intent("remove", items=(nth(2),))),
    ("I don't want the roses anymore", Intent("remove", items=(words("roses anymore"),))),
    ("get rid of the jeans", Intent("remove", items=(words("jeans"),))),
    ("empty my basket", Intent("clear")),
    ("change the roses to 2", Intent("set", items=(words("roses", 2),))),
    ("set 1 to 4", Intent("set", items=(n(1, 4),))),
    ("qty 1 4", Intent("set", items=(n(1, 4),))),
    ("make it 3", Intent("set", items=(Item(Ref("it"), 3),))),
    ("actually make it 3", Intent("set", items=(Item(Ref("it"), 3),))),
    # second thoughts about which kind: the basket's item in another variant
    ("actually make it the black ones", Intent("switch", query="black")),
    ("make it black", Intent("switch", query="black")),
    ("change it to the large one", Intent("switch", query="large")),
    ("make that the blue one instead", Intent("switch", query="blue")),
    ("switch to the black ones", Intent("switch", query="black")),
    ("the white ones instead", Intent("switch", query="white")),
    ("actually make it 2 bottles", Intent("set", items=(Item(Ref("it"), 2),))),
    ("make them three", Intent("set", items=(Item(Ref("it"), 3),))),
    # a search that only narrows the one shown: no product words
    ("what's the cheapest?", search("", order="cheapest")),
    ("something under £30?", search("", max_price="30", currency="GBP")),
    ("anything cheaper?", search("", order="cheapest")),
    ("the cheapest one please", search("", order="cheapest")),
    ("how much is all that?", Intent("checkout")),
    ("how much altogether?", Intent("checkout")),
    ("where will it be delivered?", Intent("basket")),
    ("the black ones", Intent("switch", query="black")),
    ("actually, the black ones", Intent("switch", query="black")),
    # no: nothing to do
    ("no", Intent("ask", question=LEFT_AS_IS)),
    ("No thanks.", Intent("ask", question=LEFT_AS_IS)),
    ("never mind", Intent("ask", question=LEFT_AS_IS)),
    ("oh wait, remove the roses", Intent("remove", items=(words("roses"),))),
    # discount codes, with or without a store
    ("use code WELCOME10", Intent("discount", code="WELCOME10")),
    ("use WELCOME10", Intent("discount", code="WELCOME10")),
    ("apply welcome10 please", Intent("discount", code="WELCOME10")),
    ("I have a coupon code welcome10", Intent("discount", code="WELCOME10")),
    ("discount flowers SPRING10", Intent("discount", code="SPRING10", store="flowers")),
    (
        "use WELCOME10 at Petal & Stem",
        Intent("discount", code="WELCOME10", store="Petal & Stem"),
    ),
    ("remove code WELCOME10", Intent("undiscount", code="WELCOME10")),
    ("undiscount petal SPRING10", Intent("undiscount", code="SPRING10", store="petal")),
    # delivery and addresses
    ("cheapest shipping", Intent("delivery", choice="cheapest")),
    ("fastest delivery please", Intent("delivery", choice="fastest")),
    ("I need it delivered as soon as possible", Intent("delivery", choice="fastest")),
    ("free shipping", Intent("delivery", choice="cheapest")),
    ("ship to my Paris address", Intent("address", choice="paris")),
    ("send it to my work address", Intent("address", choice="work")),
    ("I want them delivered to my Paris address", Intent("address", choice="paris")),
    ("can it be shipped to Paris?", Intent("address", choice="paris")),
    ("what's the cheapest way to ship?", Intent("delivery", choice="cheapest")),
    ("how fast can you deliver?", Intent("delivery", choice="fastest")),
    # checking out, buying, orders, escalations
    ("checkout", Intent("checkout")),
    ("check out", Intent("checkout")),
    ("proceed to checkout", Intent("checkout")),
    # what shipping costs is the stores' to say: their totals at checkout (nothing is bought)
    ("how much is shipping?", Intent("checkout")),
    ("what does delivery cost?", Intent("checkout")),
    ("shipping costs", Intent("checkout")),
    ("buy it all", Intent("buy")),
    ("buy everything", Intent("buy")),
    ("ok let's buy", Intent("buy")),
    ("yes", Intent("yes")),
    ("go ahead", Intent("yes")),
    ("yes please, do it", Intent("yes")),
    ("place the order", Intent("buy")),
    ("pay now", Intent("buy")),
    ("show my orders", Intent("orders")),
    ("orders", Intent("orders")),
    ("where is my order?", Intent("track")),
    ("track order PS-1042", Intent("track", code="PS-1042")),
    ("I'm back", Intent("back")),
    ("done!", Intent("back")),
    ("what do I need to do?", Intent("escalations")),
    # greetings, thanks, help
    ("hi", Intent("greet")),
    ("Hello there", Intent("greet")),
    ("good morning", Intent("greet")),
    ("thanks!", Intent("thanks")),
    ("thank you so much", Intent("thanks")),
    ("cheers", Intent("thanks")),
    ("thanks, bye", Intent("bye")),
    ("what do you sell?", Intent("stores")),
    ("which shops are there?", Intent("stores")),
    ("help", Intent("help")),
    ("what can you do?", Intent("help")),
]


@pytest.mark.parametrize(("text", "intent"), PHRASINGS, ids=[t for t, _ in PHRASINGS])
def test_a_shoppers_phrasing_reads_as_its_intent_and_slots(text: str, intent: Intent) -> None:
    assert parse(text) == intent


def test_the_table_holds_at_least_80_phrasings() -> None:
    assert len(PHRASINGS) >= 80
    assert len({text for text, _ in PHRASINGS}) == len(PHRASINGS)
