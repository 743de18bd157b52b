"""What every Shop operation answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Result:
    """An operation's answer: a UCP resource body, or a no-resource outcome when ``is_error``."""

    body: dict[str, Any]
    is_error: bool = False
    created: bool = False
