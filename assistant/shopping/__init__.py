"""Multi-merchant orchestration: catalog fan-out, basket, per-merchant carts and checkouts."""
