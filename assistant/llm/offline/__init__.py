"""The offline planner: plain English in, the same tools Claude uses, short replies out."""

from assistant.llm.offline.parse import Intent, Item, Ref, parse
from assistant.llm.offline.planner import HELP, OfflinePlanner

__all__ = ["HELP", "Intent", "Item", "OfflinePlanner", "Ref", "parse"]
