"""A trip at a store built with FastUCP, over MCP and over REST.

FastUCP's 2026-01-11 update model requires the body ``id`` (with currency and payment), its REST
update is PATCH, and it has no catalog and no cart: the shopper adds by item id, checks out, adds
more (an update of the open checkout) and pays with the sample's mock payment handler.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from interop_servers import Server, pannier

CONFIG = """
[[merchants]]
url = "{url}"
name = "Wick & Wool"
transport = "{transport}"

[[wallet]]
id = "mock_visa_1234"
handler = "dev.ucp.mock_payment"
type = "card"
brand = "visa"
last_digits = "1234"
token = "success_token"
"""


@pytest.mark.parametrize("transport", ["mcp", "rest"])
def test_a_checkout_is_updated_with_more_items_then_paid(
    tmp_path: Path, fastucp_store: Server, transport: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(url=fastucp_store.url, transport=transport))
    outputs = []
    for words in ("add candle_cedar", "checkout", "add 2 of matches_long", "buy"):
        done = pannier(tmp_path, "ask", "--config", str(config), "--offline", "--approve", words)
        assert done.returncode == 0, done.stderr + fastucp_store.log()
        outputs.append(done.stdout)
    checkout, added, bought = outputs[1], outputs[2], outputs[3]
    assert "1 × Cedar Candle @ USD 18.00" in checkout
    assert "1 × Cedar Candle" in added  # the title the checkout returned, kept in the basket
    assert ": placed — " in bought and "2 × Long Matches @ USD 4.00" in bought, bought
    assert "Total                        USD 26.00" in bought and " placed" in bought
