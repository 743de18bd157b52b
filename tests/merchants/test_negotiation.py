"""Negotiation, auth and rate-limit units: pure functions, no servers."""

from __future__ import annotations

import time
from typing import Any

import pytest

from merchants.bindings.auth import TokenIssuer
from merchants.bindings.discovery import business_capabilities
from merchants.bindings.errors import ProtocolFailure
from merchants.bindings.negotiation import (
    check_profile_url,
    check_release,
    intersect,
    parse_profile,
)
from merchants.bindings.ratelimit import RateLimiter

STORE_CAPABILITIES = [
    "checkout",
    "cart",
    "catalog.search",
    "catalog.lookup",
    "order",
    "fulfillment",
    "discount",
]
_PARENTS = {
    "fulfillment": "dev.ucp.shopping.checkout",
    "discount": ["dev.ucp.shopping.checkout", "dev.ucp.shopping.cart"],
}


def platform_profile(
    *, version: str = "2026-04-08", drop: tuple[str, ...] = (), handlers: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A minimal platform profile advertising every store capability except `drop`."""
    capabilities: dict[str, Any] = {}
    for short in STORE_CAPABILITIES:
        name = f"dev.ucp.shopping.{short}"
        entry: dict[str, Any] = {
            "version": "2026-04-08",
            "spec": "https://ucp.dev/s",
            "schema": "https://ucp.dev/s.json",
        }
        if short in _PARENTS:
            entry["extends"] = _PARENTS[short]
        if name not in drop:
            capabilities[name] = [entry]
    return {
        "ucp": {
            "version": version,
            "services": {},
            "capabilities": capabilities,
            "payment_handlers": {h: [{"id": h, "version": "2026-04-08"}] for h in handlers},
        }
    }


def _failure_code(exc: pytest.ExceptionInfo[ProtocolFailure]) -> tuple[str, int, int]:
    return exc.value.code, exc.value.http_status, exc.value.jsonrpc_code


def test_intersection_keeps_shared_capabilities_at_the_highest_common_version() -> None:
    profile = parse_profile("https://agent.example/.well-known/ucp", platform_profile())
    negotiated = intersect(business_capabilities(STORE_CAPABILITIES), {}, profile)
    assert negotiated.active_versions == {
        f"dev.ucp.shopping.{name}": "2026-04-08" for name in STORE_CAPABILITIES
    }


def test_extensions_whose_parents_are_gone_are_pruned() -> None:
    document = platform_profile(drop=("dev.ucp.shopping.checkout", "dev.ucp.shopping.cart"))
    profile = parse_profile("https://agent.example/.well-known/ucp", document)
    negotiated = intersect(business_capabilities(STORE_CAPABILITIES), {}, profile)
    assert "dev.ucp.shopping.fulfillment" not in negotiated.active_versions
    assert "dev.ucp.shopping.discount" not in negotiated.active_versions
    assert "dev.ucp.shopping.order" in negotiated.active_versions


def test_multi_parent_extension_survives_with_one_parent() -> None:
    document = platform_profile(drop=("dev.ucp.shopping.checkout",))
    profile = parse_profile("https://agent.example/.well-known/ucp", document)
    negotiated = intersect(business_capabilities(STORE_CAPABILITIES), {}, profile)
    assert "dev.ucp.shopping.discount" in negotiated.active_versions
    assert "dev.ucp.shopping.fulfillment" not in negotiated.active_versions


def test_payment_handlers_are_limited_to_those_the_platform_runs() -> None:
    document = platform_profile(handlers=("dev.pannier.sandbox_card",))
    profile = parse_profile("https://agent.example/.well-known/ucp", document)
    business_handlers = {
        "dev.pannier.sandbox_card": [{"id": "sandbox_card"}],
        "com.google.pay": [{"id": "gpay"}],
    }
    negotiated = intersect(business_capabilities(STORE_CAPABILITIES), business_handlers, profile)
    assert negotiated.payment_handlers == {"dev.pannier.sandbox_card": [{"id": "sandbox_card"}]}


@pytest.mark.parametrize(
    "document, code",
    [
        ({"nope": 1}, "profile_malformed"),
        ({"ucp": {"version": "soon"}}, "profile_malformed"),
        ({"ucp": {"version": "2026-04-08", "services": {}}}, "profile_malformed"),
    ],
)
def test_bad_profiles_are_refused_with_the_spec_code(document: object, code: str) -> None:
    with pytest.raises(ProtocolFailure) as exc:
        parse_profile("https://agent.example/.well-known/ucp", document)
    assert exc.value.code == code
    assert exc.value.http_status == 422
    assert exc.value.jsonrpc_code == -32001


@pytest.mark.parametrize(
    "url", [None, "", "ftp://agent.example/p", "http://agent.example/.well-known/ucp", "not a url"]
)
def test_profile_urls_must_be_https_or_loopback_http(url: object) -> None:
    with pytest.raises(ProtocolFailure) as exc:
        check_profile_url(url)
    assert _failure_code(exc) == ("invalid_profile_url", 400, -32001)


@pytest.mark.parametrize(
    "url", ["https://agent.example/.well-known/ucp", "http://127.0.0.1:9/p", "http://localhost/p"]
)
def test_https_and_loopback_http_profile_urls_are_accepted(url: str) -> None:
    assert check_profile_url(url) == url


def test_tokens_verify_only_for_the_issuing_store() -> None:
    issuer = TokenIssuer(issuer="http://127.0.0.1:1", clients={"c": "s"}, secret=b"k" * 32)
    other = TokenIssuer(issuer="http://127.0.0.1:2", clients={"c": "s"}, secret=b"k" * 32)
    token = issuer.issue("c", "s")
    assert token is not None
    holder = issuer.identity_for(f"Bearer {token}")
    assert holder is not None and holder.client_id == "c"
    assert holder != issuer.identity_for(f"Bearer {issuer.issue('c', 's')}")  # one per token
    assert other.identity_for(f"Bearer {token}") is None
    assert issuer.issue("c", "wrong") is None
    with pytest.raises(ProtocolFailure) as exc:
        issuer.require(None)
    assert _failure_code(exc) == ("unauthorized", 401, -32000)


def test_an_empty_bucket_answers_429_with_a_whole_second_retry_after() -> None:
    limiter = RateLimiter({"checkout": (1.0, 2)})
    limiter.take("client", "checkout")
    limiter.take("client", "checkout")
    with pytest.raises(ProtocolFailure) as exc:
        limiter.take("client", "checkout")
    assert _failure_code(exc) == ("rate_limited", 429, -32000)
    assert exc.value.data["retry_after"] >= 1
    assert exc.value.headers["Retry-After"] == str(exc.value.data["retry_after"])
    limiter.take("another client", "checkout")
    assert time.monotonic() > 0


@pytest.mark.parametrize(
    "served, asked",
    [
        (("2026-08-25", "2026-04-08"), "2026-01-23"),
        (("2026-08-25",), "2026-04-08"),
        (("2026-04-08",), "2026-08-25"),
    ],
)
def test_a_profile_of_a_release_the_store_does_not_serve_is_refused_as_version_unsupported(
    served: tuple[str, ...], asked: str
) -> None:
    profile = parse_profile(
        "https://agent.example/.well-known/ucp", platform_profile(version=asked)
    )
    with pytest.raises(ProtocolFailure) as exc:
        check_release(profile, served)
    assert exc.value.code == "version_unsupported"
    assert exc.value.http_status == 422
    assert asked in exc.value.content


def test_a_profile_of_a_served_release_is_answered_in_that_release() -> None:
    profile = parse_profile(
        "https://agent.example/.well-known/ucp", platform_profile(version="2026-04-08")
    )
    assert check_release(profile, ("2026-08-25", "2026-04-08")) == "2026-04-08"
