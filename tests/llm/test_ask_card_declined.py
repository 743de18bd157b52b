"""`pannier ask` after a card is declined on the store's own page: never a dead end.

The shopper's card needs a 3-D Secure check on the coffee store's page, and there the bank
declines it (the page's "Decline" answer).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from test_ask import ask

from merchants.serve import RunningStore
from tests.shopping.shopping_helpers import (
    CARD_DECLINED,
    CHALLENGED_CARD,
    orders_at,
    submit_continue_page,
)


def open_entry(home: Path, urls: list[str]) -> dict[str, object]:
    shown = ask(home, "escalations", "--json", urls=urls)
    [entry] = json.loads(shown.stdout)["escalations"]
    assert isinstance(entry, dict)
    return entry


def at_the_age_check(home: Path, urls: list[str]) -> str:
    """A bottle of Barolo bought with --approve: the wine store's page asking for the age check."""
    found = json.loads(ask(home, "find barolo", "--json", urls=urls).stdout)
    ask(home, f"add {found['results'][0]['handle']}", urls=urls)
    assert ask(home, "buy it all", "--approve", urls=urls).returncode == 0
    return str(open_entry(home, urls)["continue_url"])


def test_a_card_declined_on_the_page_is_back_in_the_inbox_and_buying_again_gets_it_placed(
    sandbox_stores: dict[str, RunningStore], sandbox_data_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "config.toml").write_text(CHALLENGED_CARD, encoding="utf-8")
    urls = [sandbox_stores["coffee"].url]
    found = json.loads(ask(tmp_path, "find colombia", "--json", urls=urls).stdout)
    ask(tmp_path, f"add {found['results'][0]['handle']}", urls=urls)
    before = orders_at(sandbox_data_dir, "coffee")
    first = ask(tmp_path, "buy it all", "--approve", urls=urls)
    assert first.returncode == 0, first.stderr
    page_url = str(open_entry(tmp_path, urls)["continue_url"])
    declined = asyncio.run(submit_continue_page(page_url, challenge="fail"))
    assert "declined" in declined.text

    back = ask(tmp_path, "I'm back", urls=urls)
    assert back.returncode == 0, back.stderr
    assert "Nothing needs you" not in back.stdout
    assert CARD_DECLINED in back.stdout and page_url in back.stdout
    assert CARD_DECLINED in json.dumps(open_entry(tmp_path, urls), ensure_ascii=False)
    assert orders_at(sandbox_data_dir, "coffee") == before

    # Try again from Pannier: the summary is shown first, then the bank asks once more.
    retried = ask(tmp_path, "buy it all", "--approve", urls=urls)
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.startswith("Approving this purchase (--approve):")
    assert "Nothing is ready to buy yet" not in retried.stdout
    challenge = open_entry(tmp_path, urls)
    assert "requires_3ds" in json.dumps(challenge)
    assert asyncio.run(submit_continue_page(str(challenge["continue_url"]))).status_code == 200

    done = ask(tmp_path, "I'm back", "--json", urls=urls)
    assert done.returncode == 0, done.stderr
    [order] = json.loads(done.stdout)["orders"]
    assert order["order_id"]
    assert orders_at(sandbox_data_dir, "coffee") == before + 1
    assert "Nothing needs you right now." in ask(tmp_path, "escalations", urls=urls).stdout


def test_a_card_declined_when_paying_on_the_wine_stores_page_says_why_and_another_card_pays(
    sandbox_stores: dict[str, RunningStore], sandbox_data_dir: Path, tmp_path: Path
) -> None:
    urls = [sandbox_stores["wine"].url]
    page_url = at_the_age_check(tmp_path, urls)
    before = orders_at(sandbox_data_dir, "wine")

    # The shopper ticks the age box, chooses "Pay here" and picks the card that declines.
    declined = asyncio.run(
        submit_continue_page(page_url, pay_here=True, payment_token="tok_sandbox_declined")
    )
    assert "The card was declined" in declined.text
    # No dead end: the page still offers a card, and the age need not be confirmed again.
    assert "name=payment_token" in declined.text and "name=confirm_age" not in declined.text
    paid = asyncio.run(submit_continue_page(page_url, pay_here=True))
    assert "Order placed" in paid.text, paid.text
    assert orders_at(sandbox_data_dir, "wine") == before + 1


def test_after_a_card_is_declined_on_the_wine_stores_page_pannier_pays_with_the_shoppers_card(
    sandbox_stores: dict[str, RunningStore], sandbox_data_dir: Path, tmp_path: Path
) -> None:
    urls = [sandbox_stores["wine"].url]
    page_url = at_the_age_check(tmp_path, urls)
    before = orders_at(sandbox_data_dir, "wine")
    asyncio.run(submit_continue_page(page_url, pay_here=True, payment_token="tok_sandbox_declined"))

    back = ask(tmp_path, "I'm back", urls=urls)
    assert CARD_DECLINED in back.stdout, back.stdout
    retried = ask(tmp_path, "buy it all", "--approve", "--json", urls=urls)
    [order] = json.loads(retried.stdout)["orders"]
    assert order["placed_this_turn"], retried.stdout
    assert orders_at(sandbox_data_dir, "wine") == before + 1
