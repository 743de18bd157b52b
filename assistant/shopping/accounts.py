"""The shopper's linked accounts at this trip's stores: their order history and saved addresses.

Read once per trip, on first use (one request each for history and addresses per linked store),
and again on demand. Addresses saved at stores are numbered ``s1``, ``s2``… across the stores, in
the order read, so the agent can ship to one by id. Tokens stay inside the ``AccountReader``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from assistant.domain import MerchantRef, PostalAddress
from assistant.domain.accounts import StoreAccount
from assistant.errors import PannierError
from assistant.ucp.linked import AccountReader

STORE_ADDRESS_PREFIX = "s"


class TripAccounts:
    """Linked accounts of the trip's merchants (none when no reader was given)."""

    def __init__(self, reader: AccountReader | None, merchants: Sequence[MerchantRef]) -> None:
        self._reader = reader
        self._origins = {m.url.rstrip("/"): m for m in merchants}
        self._read: list[StoreAccount] | None = None
        self.failures: dict[str, str] = {}  # store name → why its account could not be read

    async def accounts(self, *, fresh: bool = False) -> list[StoreAccount]:
        if self._reader is None:
            return []
        if self._read is not None and not fresh:
            return self._read
        reader = self._reader
        linked = [a for a in reader.linked() if a.origin in self._origins]
        answers = await asyncio.gather(*(reader.read(a) for a in linked), return_exceptions=True)
        read: list[StoreAccount] = []
        self.failures = {}
        for account, answer in zip(linked, answers, strict=True):
            if isinstance(answer, StoreAccount):
                read.append(answer)
            elif isinstance(answer, PannierError):
                self.failures[account.name] = answer.message
            else:
                raise answer
        self._read = read
        return read

    def merchant_of(self, account: StoreAccount) -> MerchantRef | None:
        return self._origins.get(account.origin)

    async def saved_at_stores(self) -> list[tuple[str, StoreAccount, PostalAddress]]:
        """Every address saved in a linked account, with its ``s<n>`` id."""
        numbered: list[tuple[str, StoreAccount, PostalAddress]] = []
        for account in await self.accounts():
            for address in account.addresses:
                numbered.append((f"{STORE_ADDRESS_PREFIX}{len(numbered) + 1}", account, address))
        return numbered
