"""Names vulture cannot see used: read by pydantic, Textual, uvicorn or the stdlib, not by our code.

Framework hooks (``on_*``, ``action_*``, ``@on`` handlers, migrations) are ignored by pattern in
``[tool.vulture]``; what is listed here is each a specific reason. Keep it short: a name that is
dead for real is removed, not listed.
"""
# ruff: noqa

# Wire fields of the UCP models: parsed and kept so a resource round-trips whole.
seller, alt_text, price_range, media, has_next_page, total_count
extended_address, address_region, automatic, expiry_month, expiry_year, billing_address, schema_
original, fulfilled

# Config fields read through model_dump (ConsentConfig.decisions).
marketing, analytics, sale_or_sharing

# Event and record fields: data carried for whoever renders or stores it.
new_cart_id, at, client_host

# Tool handlers, dispatched by name: getattr(self, f"_{name}") in assistant/llm/tools.py.
_.search_products, _.show_product, _.set_basket, _.apply_discount, _.remove_discount
_.prepare_checkout, _.provide_buyer_details, _.complete_purchase, _.list_escalations
_.order_status
_._search_products, _._show_product, _._set_basket, _._apply_discount, _._remove_discount
_._prepare_checkout, _._provide_buyer_details, _._complete_purchase, _._list_escalations
_._order_status
_._view_basket, _._saved_addresses, _._ship_to, _._delivery_options, _._choose_delivery
_._pickup_locations, _._choose_pickup

# Protocol signatures we must match: context-manager exits, signal handlers, uvicorn.Server.
exc_type, tb, signum, frame, _.capture_signals, _.should_exit
# html.parser hooks in the test helpers.
_.handle_starttag, _.handle_endtag
# A type alias kept for the ASGI signatures' readers.
ASGIApp
# Textual: read by the framework.
_.cursor_position, new_tab
_.cursor_blink  # Textual reads it (tests freeze the blink for snapshots)
BUTTON_INNER, _.BUTTON_INNER  # Textual's toggle button draws it (tui/screens/confirm.py)
_.check_action  # Textual asks it which keys are live and shown (tui/actions.py)
_.max_height  # a Textual style set from code (tui/screens/confirm.py)
# Landed ahead of its user (the stores' conformance suite); drop once a test uses it.
token_proxy
# A protocol the agent loop duck-types (getattr(model, "count_tokens")) rather than names.
TokenCounter
# http-message-signatures calls these on its key resolvers.
_.resolve_public_key, _.resolve_private_key
# Read with getattr by the composition root (MerchantClient does not name it).
_.merchant_jwks
# authlib calls these by name: its grant, token and client mixins (merchants/bindings/oauth*.py).
code_challenge, code_challenge_method, token_type_hint, _.revoke_token
_.get_redirect_uri, _.get_scope, _.check_client, _.get_expires_in, _.is_revoked
CLIENT_AUTH_METHODS, INCLUDE_NEW_REFRESH_TOKEN, SUPPORTED_CODE_CHALLENGE_METHOD
TOKEN_ENDPOINT_AUTH_METHODS, _.authenticate_refresh_token, _.authenticate_user
_.check_client_secret, _.check_endpoint_auth_method, _.check_grant_type, _.check_redirect_uri
_.check_response_type, _.create_json_request, _.datalist, _.delete_authorization_code
_.get_default_redirect_uri, _.get_issuer, _.handle_response, _.query_authorization_code
_.query_token, _.revoke_old_credential, _.save_authorization_code, _.save_token
