"""A whole trip at the official UCP sample merchant (PyPI ``ucp-client[server]``, 2026-01-11).

It offers checkout, order, discount and fulfillment, but no catalog and no cart, answers in the
2026-01-11 shapes, has no token endpoint and accepts ``dev.ucp.mock_payment`` tokens.
"""

from __future__ import annotations

import json
from pathlib import Path

from interop_servers import Server, pannier

CONFIG = """
[[merchants]]
url = "{url}"
name = "Flower Shop"

[[wallet]]
id = "mock_visa_1234"
handler = "dev.ucp.mock_payment"
handler_version = "2026-01-11"
type = "card"
brand = "visa"
last_digits = "1234"
token = "success_token"
"""


def _shop(tmp_path: Path, sample_merchant: Server, *words: str) -> str:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(url=sample_merchant.url))
    done = pannier(tmp_path, "ask", "--config", str(config), "--offline", "--approve", *words)
    assert done.returncode == 0, done.stderr + sample_merchant.log()
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


def test_a_shopper_buys_two_items_with_10off_and_the_order_is_there(
    tmp_path: Path, sample_merchant: Server
) -> None:
    found = _shop(tmp_path, sample_merchant, "find roses")
    assert "no catalog to search" in found and "add <item id>" in found  # said plainly, once
    _shop(tmp_path, sample_merchant, "add bouquet_roses and 2 of pot_ceramic")
    _shop(tmp_path, sample_merchant, "discount flower 10OFF")
    bought = _shop(tmp_path, sample_merchant, "buy")
    assert ": placed — " in bought, bought
    assert "1 × Bouquet of Red Roses" in bought and "2 × Ceramic Pot" in bought
    assert "Discount                     -USD 6.50" in bought  # 10 % of USD 65.00
    assert "Total                        USD 58.50" in bought
    order_id = bought.split(" order ", 1)[1].split()[0]

    shown = pannier(tmp_path, "ucp", "order", "get", order_id, "--business", sample_merchant.url)
    assert shown.returncode == 0, shown.stderr
    order = json.loads(shown.stdout)
    assert order["id"] == order_id
    assert {line["item"]["id"]: line["quantity"]["total"] for line in order["line_items"]} == {
        "bouquet_roses": 1,
        "pot_ceramic": 2,
    }


def test_a_declined_mock_token_places_no_order(tmp_path: Path, sample_merchant: Server) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(url=sample_merchant.url).replace("success_token", "fail_token"))
    for words in ("add bouquet_tulips", "buy"):
        done = pannier(tmp_path, "ask", "--config", str(config), "--offline", "--approve", words)
        assert done.returncode == 0, done.stderr
    assert "completed" not in done.stdout and " placed" not in done.stdout, done.stdout
