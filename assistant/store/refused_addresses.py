"""Which of the shopper's addresses each store said it cannot deliver to, across trips.

Not a session's record: a store's reach is the same in every trip, so the table is read whole
when a trip opens (``session_read``) and written through the trip's ``TripState``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from assistant.domain import PostalAddress
from assistant.store.connection import Connection


@dataclass(frozen=True)
class RefusedAddress:
    """A store said it cannot deliver to one of the shopper's addresses, or to its country."""

    merchant: str
    street_address: str
    postal_code: str
    address_country: str
    whole_country: bool

    @classmethod
    def of(cls, merchant: str, address: PostalAddress, *, whole_country: bool) -> RefusedAddress:
        return cls(
            merchant,
            address.street_address or "",
            address.postal_code or "",
            (address.address_country or "").upper(),
            whole_country,
        )

    def refuses(self, address: PostalAddress) -> bool:
        """Whether this refusal covers ``address``: its country, or the same place."""
        if (address.address_country or "").upper() != self.address_country:
            return False
        place = (address.street_address or "", address.postal_code or "")
        return self.whole_country or place == (self.street_address, self.postal_code)

    def key(self) -> list[str]:
        return [self.merchant, self.street_address, self.postal_code, self.address_country]


def read_refused(connection: Connection) -> list[RefusedAddress]:
    """Every store's refusals, oldest first (one read, when a trip opens)."""
    rows = connection._rows("SELECT * FROM refused_addresses ORDER BY at")
    return [
        RefusedAddress(
            r["merchant"],
            r["street_address"],
            r["postal_code"],
            r["address_country"],
            bool(r["whole_country"]),
        )
        for r in rows
    ]


class RefusedAddresses(Connection):
    """The table's writes (``TripTables`` inherits them; the trip's ``TripState`` calls them)."""

    def save_refused_address(self, refusal: RefusedAddress) -> None:
        self._write(
            "INSERT INTO refused_addresses (merchant, street_address, postal_code, "
            "address_country, whole_country, at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(merchant, street_address, postal_code, address_country) "
            "DO UPDATE SET whole_country = excluded.whole_country, at = excluded.at",
            [*refusal.key(), int(refusal.whole_country), time.time()],
        )

    def forget_refused_address(self, refusal: RefusedAddress) -> None:
        self._write(
            "DELETE FROM refused_addresses WHERE merchant = ? AND street_address = ? "
            "AND postal_code = ? AND address_country = ?",
            refusal.key(),
        )
