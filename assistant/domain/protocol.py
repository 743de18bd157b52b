"""The protocol's fixed words: versions, checkout statuses, severities, the lenient base model."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, model_validator

from assistant.safe_text import already_safe, json_safe

PROTOCOL_VERSION: Final = "2026-04-08"  # the release our older reads are interpreted against
LATEST_VERSION: Final = "2026-08-25"  # preferred whenever a merchant offers it
SUPPORTED_VERSIONS: Final = ("2026-08-25", "2026-04-08", "2026-01-23", "2026-01-11")
# Releases with a platform profile of their own (exact-version rule): what we write to.
PROFILE_VERSIONS: Final = ("2026-08-25", "2026-04-08")

# Checkout statuses (open: unknown values are kept as they come).
INCOMPLETE: Final = "incomplete"
REQUIRES_ESCALATION: Final = "requires_escalation"
READY_FOR_COMPLETE: Final = "ready_for_complete"
COMPLETE_IN_PROGRESS: Final = "complete_in_progress"
COMPLETED: Final = "completed"
CANCELED: Final = "canceled"
TERMINAL_STATUSES: Final = frozenset({COMPLETED, CANCELED})

# A new order's status: UCP derives an order line's status from its quantities, and a line with
# nothing fulfilled yet is "processing" ("completed" is the checkout's status, not the order's).
ORDER_PROCESSING: Final = "processing"

# Error severities.
RECOVERABLE: Final = "recoverable"
REQUIRES_BUYER_INPUT: Final = "requires_buyer_input"
REQUIRES_BUYER_REVIEW: Final = "requires_buyer_review"
UNRECOVERABLE: Final = "unrecoverable"

# Total types whose amounts reduce the total.
DISCOUNT_TOTAL_TYPES: Final = frozenset({"discount", "items_discount"})


class UcpModel(BaseModel):
    """Base for wire-derived models: tolerant of extra fields, strict about money being integers.

    Every string a merchant sends is made terminal-safe as it is read (``assistant.safe_text``):
    no control character, escape sequence or bidi override survives into a title, a message, a
    link or an id, whatever later prints, renders or stores it.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    @model_validator(mode="wrap")
    @classmethod
    def _merchant_text_is_terminal_safe(
        cls, data: Any, handler: ModelWrapValidatorHandler[Any]
    ) -> Any:
        # The outermost model cleans its whole input once; the models nested in it then read
        # text already cleaned (re-walking each subtree made a parse quadratic in its depth).
        if _CLEANED.get() or not isinstance(data, dict):
            return handler(data)
        token = _CLEANED.set(True)
        try:
            return handler(data if already_safe(data) else json_safe(data))
        finally:
            _CLEANED.reset(token)


# Set while a UcpModel validates input its outermost model has already made terminal-safe.
_CLEANED: ContextVar[bool] = ContextVar("_CLEANED", default=False)
