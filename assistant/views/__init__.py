"""One view per record: every front end renders the trip's records through these, and only these.

A view wraps one domain record and gives each audience its shape of it:

- ``for_model()``: the compact JSON the language model reads (merchant-written text only under a
  ``"merchant_data"`` key, which the system prompt declares untrusted);
- ``for_script()``: the ``pannier ask --json`` document's shape (``docs/ask.schema.json``);
- ``text()`` / ``lines()``: what the shopper reads (the offline planner's replies, ``pannier ask``,
  the TUI's slash commands), every merchant string made single-line and terminal-safe, so a
  hostile title can neither forge a line nor drive the terminal;
- typed parts (labels, display amounts, warnings by line) the TUI styles without deciding again
  what they say.

Views read records and never change them; nothing here talks to a store or the network, so the
TUI may import this package directly.
"""

from assistant.views.delivery import AddressView, DeliveryOptionView
from assistant.views.location import LocationView, PickupLocationsView
from assistant.views.merchant import EscalationView, MerchantStateView, basket_text
from assistant.views.order import OrderView
from assistant.views.purchase import MerchantSummaryView, PurchaseView
from assistant.views.search import HitView, ProductGroupView, ProductView, SearchPageView

__all__ = [
    "AddressView",
    "DeliveryOptionView",
    "EscalationView",
    "HitView",
    "LocationView",
    "MerchantStateView",
    "MerchantSummaryView",
    "OrderView",
    "PickupLocationsView",
    "ProductGroupView",
    "ProductView",
    "PurchaseView",
    "SearchPageView",
    "basket_text",
]
