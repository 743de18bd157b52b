"""A store's physical locations (UCP 2026-08-25 ``dev.ucp.common.location.*``): where to collect."""

from __future__ import annotations

from pydantic import Field

from assistant.domain.checkout import Message, PostalAddress, UcpMeta
from assistant.domain.protocol import UcpModel


class Location(UcpModel):
    """A retail store or pickup point; its ``id`` is what a pickup method selects."""

    id: str
    name: str
    address: PostalAddress | None = None

    def label(self) -> str:
        """``Petal & Stem — Mission Street, San Francisco``."""
        town = self.address.address_locality if self.address is not None else None
        return f"{self.name}, {town}" if town else self.name


class LocationsResponse(UcpModel):
    """The answer of ``search_locations`` / ``lookup_locations``."""

    ucp: UcpMeta = Field(default_factory=UcpMeta)
    locations: list[Location] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)
