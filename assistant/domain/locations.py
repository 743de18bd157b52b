"""A store's physical locations (UCP 2026-08-25 ``dev.ucp.common.location.*``): where to collect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pydantic import Field

from assistant.domain.checkout import Message, PostalAddress, UcpMeta
from assistant.domain.protocol import UcpModel
from assistant.domain.trip import MerchantRef

DAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class OpeningHours(UcpModel):
    """One regular weekly interval (``daily_hour``), in the location's own timezone."""

    day: str
    opens: str
    closes: str


class Location(UcpModel):
    """A retail store or pickup point; its ``id`` is what a pickup method selects."""

    id: str
    name: str
    address: PostalAddress | None = None
    hours: list[OpeningHours] = Field(default_factory=list)
    timezone: str | None = None

    def label(self) -> str:
        """``Petal & Stem — Mission Street, San Francisco``."""
        town = self.address.address_locality if self.address is not None else None
        return f"{self.name}, {town}" if town else self.name

    def street(self) -> str:
        return (self.address.street_address or "") if self.address is not None else ""

    def address_text(self) -> str:
        """``5610 College Ave, Oakland 94618``."""
        if self.address is None:
            return ""
        address = self.address
        town = " ".join(p for p in (address.address_locality, address.postal_code) if p)
        return ", ".join(p for p in (address.street_address, town) if p)


def hours_text(hours: Sequence[OpeningHours]) -> str:
    """``Mon–Sat 09:00–19:00; Sun 10:00–17:00``: consecutive days with the same hours joined."""
    by_day: dict[str, list[str]] = {}
    for hour in hours:
        by_day.setdefault(hour.day, []).append(f"{hour.opens}–{hour.closes}")
    runs: list[tuple[list[str], str]] = []
    for day in DAYS:
        if day not in by_day:
            continue
        spans = ", ".join(by_day[day])
        previous = runs[-1] if runs else None
        if previous and previous[1] == spans and DAYS.index(previous[0][-1]) + 1 == DAYS.index(day):
            previous[0].append(day)
        else:
            runs.append(([day], spans))
    parts = []
    for days, spans in runs:
        first, last = days[0][:3].title(), days[-1][:3].title()
        parts.append(f"{first}–{last} {spans}" if len(days) > 1 else f"{first} {spans}")
    return "; ".join(parts)


class LocationsResponse(UcpModel):
    """The answer of ``search_locations`` / ``lookup_locations``."""

    ucp: UcpMeta = Field(default_factory=UcpMeta)
    locations: list[Location] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)


@dataclass(frozen=True)
class PickupOffer:
    """Where one store lets the shopper collect, the location chosen (None: delivery), and why
    it offers no pickup when it does not."""

    merchant: MerchantRef
    locations: tuple[Location, ...] = ()
    chosen_id: str | None = None
    unavailable: str | None = None
