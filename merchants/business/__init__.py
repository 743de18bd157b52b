"""The sandbox merchants' business core: catalog, carts, checkouts, orders. No HTTP here."""
