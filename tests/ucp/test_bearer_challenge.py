"""Reading a store's WWW-Authenticate Bearer challenge (RFC 6750 §3, RFC 9728 §5.1)."""

from __future__ import annotations

from assistant.errors import BearerChallenge
from assistant.ucp.challenge import link_advice, parse_bearer


def test_every_parameter_of_a_bearer_challenge_is_read_quoted_or_not() -> None:
    header = (
        'Bearer realm="http://127.0.0.1:8710", error=insufficient_scope, '
        'scope="dev.ucp.shopping.order:read dev.ucp.shopping.checkout:manage", '
        'resource_metadata="http://127.0.0.1:8710/.well-known/oauth-protected-resource"'
    )
    assert parse_bearer(header) == BearerChallenge(
        error="insufficient_scope",
        scope="dev.ucp.shopping.order:read dev.ucp.shopping.checkout:manage",
        realm="http://127.0.0.1:8710",
        resource_metadata="http://127.0.0.1:8710/.well-known/oauth-protected-resource",
    )


def test_a_quoted_value_may_hold_escaped_quotes_and_commas() -> None:
    challenge = parse_bearer(r'Bearer realm="a \"b\", c", error="invalid_token"')
    assert challenge == BearerChallenge(error="invalid_token", realm='a "b", c')


def test_no_challenge_is_read_from_another_scheme_nothing_or_garbage() -> None:
    assert parse_bearer('Basic realm="ucp"') is None
    assert parse_bearer(None) is None
    assert parse_bearer("") is None
    assert parse_bearer("Bearer " + "x" * 5000) is None
    assert parse_bearer("Bearer ,,,=") == BearerChallenge()


def test_the_advice_names_the_command_with_the_store_quoted_for_a_shell() -> None:
    advice = link_advice("Petal & Stem", BearerChallenge(scope="dev.ucp.shopping.order:read"))
    assert advice == (
        "Petal & Stem needs your linked account with more access (it asks for "
        "dev.ucp.shopping.order:read): run `pannier link 'Petal & Stem'`"
    )
