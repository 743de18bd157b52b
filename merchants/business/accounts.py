"""Shopper accounts at a sandbox store: the demo logins, their saved addresses, their order history.

Every store knows the same two demo accounts (README: "Linked accounts"); what each holds is made
from the store's own spec, so an address is one the store ships to and a past order names the
store's own products in its currency. No HTTP here: the OAuth server and the account API in
``merchants.bindings`` read these.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from merchants.business.specs import StoreSpec

# Sandbox logins, published in the README: demo data, not secrets.
DEMO_PASSWORD = "pannier-demo"
_DEMO_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("demo", "Ada", "Lovelace"),
    ("sam", "Sam", "Carter"),
)

# One street per country a store may ship to; the account's addresses are its store's first two.
_STREETS: dict[str, tuple[str, str, str | None, str]] = {
    "US": ("500 Howard St", "San Francisco", "CA", "94105"),
    "CA": ("100 Queen St W", "Toronto", "ON", "M5H 2N2"),
    "DE": ("Unter den Linden 5", "Berlin", None, "10117"),
    "FR": ("12 Rue de Rivoli", "Paris", None, "75004"),
    "NL": ("Damrak 1", "Amsterdam", None, "1012 LG"),
    "IT": ("Via del Corso 10", "Roma", None, "00186"),
}
_SECOND_STREETS: dict[str, tuple[str, str, str | None, str]] = {
    "US": ("2150 Shattuck Ave", "Berkeley", "CA", "94704"),
    "DE": ("Marienplatz 8", "München", None, "80331"),
}


@dataclass(frozen=True)
class Account:
    """One shopper's account at one store."""

    id: str
    username: str
    first_name: str
    last_name: str

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Accounts:
    """The demo accounts of one store, with what each has saved and bought there."""

    def __init__(self, spec: StoreSpec) -> None:
        self._spec = spec
        self._by_username = {
            username: Account(f"acct_{spec.slug}_{username}", username, first, last)
            for username, first, last in _DEMO_PEOPLE
        }
        self._by_id = {account.id: account for account in self._by_username.values()}

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account these credentials open, else None (compared in constant time)."""
        account = self._by_username.get(username.strip().lower())
        if account is None or not secrets.compare_digest(
            password.encode("utf-8", "replace"), DEMO_PASSWORD.encode()
        ):
            return None
        return account

    def get(self, account_id: str) -> Account | None:
        return self._by_id.get(account_id)

    def addresses(self, account: Account) -> list[dict[str, Any]]:
        """Saved shipping addresses (UCP postal addresses with an ``id``), default first."""
        countries = list(self._spec.ship_to_countries) or ["US"]
        found: list[dict[str, Any]] = []
        for country in countries:
            if country in _STREETS:
                found.append(self._address(account, country, _STREETS[country], "home"))
            if country in _SECOND_STREETS:
                found.append(self._address(account, country, _SECOND_STREETS[country], "work"))
            if len(found) >= 2:
                break
        return found[:2]

    def _address(
        self,
        account: Account,
        country: str,
        street: tuple[str, str, str | None, str],
        label: str,
    ) -> dict[str, Any]:
        street_address, locality, region, postal_code = street
        address: dict[str, Any] = {
            "id": f"addr_{label}",
            "first_name": account.first_name,
            "last_name": account.last_name,
            "street_address": street_address,
            "address_locality": locality,
            "postal_code": postal_code,
            "address_country": country,
        }
        if region is not None:
            address["address_region"] = region
        return address

    def order_history(self, account: Account) -> list[dict[str, Any]]:
        """Past orders, newest first: id, label, placed date, status, lines and total."""
        spec = self._spec
        offered = [p for p in spec.products if p.variants]
        if not offered:
            return []
        history: list[dict[str, Any]] = []
        # Deterministic per store and account, so a restart shows the same history.
        seed = int(hashlib.sha256(f"{spec.slug}:{account.username}".encode()).hexdigest()[:8], 16)
        placed = ("2026-07-14", "2026-05-02")
        statuses = ("delivered", "delivered")
        for index, (day, status) in enumerate(zip(placed, statuses, strict=True)):
            product = offered[(seed + index * 3) % len(offered)]
            variant = product.variants[0]
            quantity = 1 + (seed + index) % 2
            subtotal = variant.price * quantity
            number = 1000 + (seed + index * 17) % 9000
            history.append(
                {
                    "id": f"hist_{account.username}_{index + 1}",
                    "label": f"{spec.order_prefix}-{number}",
                    "placed_on": day,
                    "status": status,
                    "currency": spec.currency,
                    "line_items": [
                        {
                            "item_id": variant.id,
                            "title": product.title
                            if variant.title in ("", product.title)
                            else f"{product.title} — {variant.title}",
                            "quantity": quantity,
                            "amount": subtotal,
                        }
                    ],
                    "total": subtotal,
                }
            )
        return history
