"""What every operation needs to know about its store: spec, catalog, base URL, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from merchants.business.catalog import Catalog
from merchants.business.specs import StoreSpec


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Env:
    """A store's fixed context; ``clock`` is injectable so tests can move time."""

    spec: StoreSpec
    catalog: Catalog
    base_url: str
    clock: Callable[[], datetime] = utc_now

    def links(self) -> list[dict[str, Any]]:
        """Policy links for checkouts and carts."""
        titles = {
            "privacy_policy": "Privacy policy",
            "terms_of_service": "Terms of service",
            "refund_policy": "Refund policy",
            "shipping_policy": "Shipping policy",
        }
        return [
            {"type": kind, "url": f"{self.base_url}{path}", "title": titles.get(kind, kind)}
            for kind, path in self.spec.policy_paths.items()
        ]

    def not_found(self, what: str, resource_id: str) -> dict[str, Any]:
        """The no-resource outcome body for an unknown id."""
        return {
            "messages": [
                {
                    "type": "error",
                    "code": "not_found",
                    "severity": "unrecoverable",
                    "content": f"No {what} with id {resource_id!r} at {self.spec.name}.",
                }
            ],
            "continue_url": f"{self.base_url}/",
        }

    def not_allowed(self, content: str) -> dict[str, Any]:
        """The no-resource outcome body for an operation the resource's state forbids."""
        return {
            "messages": [
                {
                    "type": "error",
                    "code": "operation_not_allowed",
                    "severity": "unrecoverable",
                    "content": content,
                }
            ],
            "continue_url": f"{self.base_url}/",
        }
