"""`pannier ask` says where a delivery goes, before the shopper approves it: text and --json.

A child process, offline, on the sandbox stores. The destination is the shopper's own address as
they know it (street, town, postcode, country); the names and phone number it is sent with are
never printed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from test_ask import ask, valid_document

from merchants.serve import RunningStore
from tests.shopping import shopping_helpers

PARIS = "Deliver to 8 Rue de Rivoli, Paris, 75004, FR"
CUPERTINO = "Deliver to 1 Infinite Loop, Cupertino, 95014, US"


def test_wine_for_my_sister_shipped_to_paris_says_paris_on_the_shop_and_the_purchase(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["wine"].url]
    session = ("--session", "sister")
    said = ask(
        tmp_path, "a bottle of red wine for my sister, ship it to Paris", *session, urls=urls
    )
    assert said.returncode == 0, said.stderr
    assert f"    {PARIS}" in said.stdout, said.stdout

    shown = valid_document(ask(tmp_path, "escalations", "--json", *session, urls=urls).stdout)
    [state] = shown["merchants"]
    assert state["delivery"] == {
        "label": "8 Rue de Rivoli, Paris, 75004, FR",
        "address": {
            "street_address": "8 Rue de Rivoli",
            "address_locality": "Paris",
            "postal_code": "75004",
            "address_country": "FR",
        },
    }
    [entry] = shown["escalations"]  # the age check, on the store's page
    confirmed = asyncio.run(shopping_helpers.submit_continue_page(entry["continue_url"]))
    assert confirmed.status_code == 200, confirmed.text
    assert ask(tmp_path, "I'm back", *session, urls=urls).returncode == 0

    unapproved = ask(tmp_path, "buy", *session, urls=urls)
    assert "Purchase to approve:" in unapproved.stdout, unapproved.stdout
    assert f"    {PARIS}" in unapproved.stdout, unapproved.stdout
    for private in ("Ada", "Lovelace", "+1415"):  # sent to the store, never printed
        assert private not in said.stdout + unapproved.stdout

    bought = valid_document(ask(tmp_path, "buy", "--approve", "--json", *session, urls=urls).stdout)
    [purchase] = bought["purchases"]
    [store] = purchase["stores"]
    assert store["delivery"] == "8 Rue de Rivoli, Paris, 75004, FR"
    assert store["pickup"] is None
    [state] = bought["merchants"]
    assert state["status"] == "completed"
    assert state["delivery"]["label"] == "8 Rue de Rivoli, Paris, 75004, FR"


def test_tulips_bought_without_an_address_say_they_go_to_the_default_one(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url]
    session = ("--session", "default-address")
    for words in ("find tulips", "add 1"):
        assert ask(tmp_path, words, *session, urls=urls).returncode == 0
    unapproved = ask(tmp_path, "buy", *session, urls=urls)
    assert "Purchase to approve:" in unapproved.stdout, unapproved.stdout
    [store_line, delivery_line, *_] = unapproved.stdout.split("Purchase to approve:\n")[1].split(
        "\n"
    )
    assert store_line.startswith("  Petal & Stem — paid with")
    assert delivery_line == f"    {CUPERTINO}"


def test_collecting_instead_says_pickup_and_no_longer_where_it_would_be_delivered(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url]
    session = ("--session", "collect-not-deliver")
    for words in ("find tulips", "add 1", "checkout"):
        assert ask(tmp_path, words, *session, urls=urls).returncode == 0
    delivered = ask(tmp_path, "what's in my basket", *session, urls=urls)
    assert CUPERTINO in delivered.stdout, delivered.stdout

    collected = ask(tmp_path, "collect from the Rockridge shop", "--json", *session, urls=urls)
    document = valid_document(collected.stdout)
    assert "Pickup at Petal & Stem — Rockridge" in document["reply"]
    assert "Deliver to" not in document["reply"]
    [state] = document["merchants"]
    assert state["delivery"] is None and state["pickup"]["location_id"] == "rockridge"

    back = ask(tmp_path, "deliver them", *session, urls=urls)
    assert CUPERTINO in back.stdout and "Pickup at" not in back.stdout, back.stdout


def test_beans_from_a_us_only_roaster_shipped_to_paris_say_they_cannot_be_delivered_there(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["coffee"].url]
    session = ("--session", "beans-to-paris")
    for words in ("coffee beans", "add 1", "cheapest shipping"):
        assert ask(tmp_path, words, *session, urls=urls).returncode == 0
    refused = ask(tmp_path, "ship to my Paris address", *session, urls=urls)
    assert refused.returncode == 0, refused.stderr
    # The store keeps the address it refuses: the card must not read as if it were going there.
    assert "    Cannot deliver to 8 Rue de Rivoli, Paris, 75004, FR" in refused.stdout, (
        refused.stdout
    )
    assert "Deliver to 8 Rue" not in refused.stdout
    assert "ships only to US" in refused.stdout

    home = ask(tmp_path, "ship to my Cupertino address", *session, urls=urls)
    assert f"    {CUPERTINO}" in home.stdout, home.stdout
    assert "Ember & Oak Roasters: ready" in home.stdout and "Cannot deliver" not in home.stdout


def test_a_shopper_with_no_saved_address_is_told_where_to_add_one_or_to_collect(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url]
    config = tmp_path / "config.toml"
    config.write_text(
        '[buyer]\nemail = "sam@example.com"\nfirst_name = "Sam"\nlast_name = "Lee"\n',
        encoding="utf-8",
    )
    session = ("--session", "no-address", "--config", str(config))
    for words in ("find tulips", "add 1"):
        assert ask(tmp_path, words, *session, urls=urls).returncode == 0
    stuck = ask(tmp_path, "buy", *session, urls=urls)
    assert "Nothing is ready to buy yet." in stuck.stdout, stuck.stdout
    # It said only "? The store needs a shipping address.": nothing said where one goes.
    assert "[[buyer.addresses]]" in stuck.stdout and str(config) in stuck.stdout, stuck.stdout
    assert "Deliver to" not in stuck.stdout

    collected = ask(tmp_path, "collect from the Rockridge shop", *session, urls=urls)
    assert "Pickup at Petal & Stem — Rockridge" in collected.stdout, collected.stdout
    assert "needs a shipping address" not in collected.stdout
