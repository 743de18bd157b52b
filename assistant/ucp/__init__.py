"""The UCP platform client: discovery, transports (MCP, REST) and one typed method per operation."""

from assistant.ucp.client import UcpClient
from assistant.ucp.connect import connect_merchant
from assistant.ucp.discovery import BusinessProfile, Discovery
from assistant.ucp.requests import (
    CartRequest,
    CheckoutRequest,
    FulfillmentGroupRequest,
    FulfillmentMethodRequest,
    LineItemRequest,
)
from assistant.ucp.retry import RetryPolicy
from assistant.ucp.urls import safe_continue_url

__all__ = [
    "BusinessProfile",
    "CartRequest",
    "CheckoutRequest",
    "Discovery",
    "FulfillmentGroupRequest",
    "FulfillmentMethodRequest",
    "LineItemRequest",
    "RetryPolicy",
    "UcpClient",
    "connect_merchant",
    "safe_continue_url",
]
