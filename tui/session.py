"""What the TUI needs from the headless core, as a protocol: the launcher hands it a real one.

``assistant.service.ShoppingSession`` implements :class:`Session`; the ``pannier`` launcher
passes its opener to the app, so nothing under ``tui/`` imports the code that talks HTTP or to
the model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from assistant.domain import (
    Approval,
    Escalation,
    MerchantRef,
    MerchantState,
    OrderRecord,
    PurchaseSummary,
)
from assistant.domain.accounts import StoreAccount
from assistant.events import Event

Confirm = Callable[[PurchaseSummary], Awaitable[Approval]]


@dataclass(frozen=True)
class LaunchOptions:
    """How the shopper started ``pannier`` (parsed by ``tui.launch``)."""

    session: str = "default"
    offline: bool = False
    config_path: Path | None = None
    data_dir: Path | None = None
    merchant_urls: tuple[str, ...] | None = None


class Session(Protocol):
    """An open trip and its agent; its coroutines may touch the network: await them in workers."""

    @property
    def subtitle(self) -> str: ...

    @property
    def escalation_recheck_s(self) -> float | None: ...

    @property
    def merchants(self) -> Sequence[MerchantRef]: ...

    @property
    def unreachable(self) -> Sequence[tuple[MerchantRef, str]]: ...

    def events(self) -> AsyncIterator[Event]: ...

    def state(self) -> list[MerchantState]: ...

    def transcript(self) -> list[tuple[str, str]]: ...

    def escalations(self) -> list[Escalation]: ...

    async def recheck(self) -> list[Escalation]: ...

    async def orders(self) -> list[OrderRecord]: ...

    async def watch_orders(self) -> None: ...

    async def store_history(self) -> list[StoreAccount]: ...

    async def turn(self, text: str, confirm: Confirm) -> tuple[str, bool]: ...

    async def aclose(self) -> None: ...


SessionOpener = Callable[[LaunchOptions], Awaitable[Session]]
