"""The sandbox stores as OAuth 2.0 authorization servers for identity linking, over real HTTP."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import httpx2
import pytest

from merchants.bindings.oauth_csrf import TOKEN_TTL_S, CsrfRefused, SignInCsrf
from merchants.serve import RunningStore
from tests.oauth_login import (
    DEMO_PASSWORD,
    REDIRECT,
    SCOPES,
    authorization_url,
    hidden_fields,
    linked_tokens,
    new_verifier,
    sign_in,
)


@pytest.fixture
def flowers(sandbox_stores: dict[str, RunningStore]) -> str:
    return sandbox_stores["flowers"].url


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_metadata_names_the_store_as_issuer_and_requires_pkce_s256(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    answer = await http_client.get(f"{flowers}/.well-known/oauth-authorization-server")
    metadata = answer.json()
    assert answer.status_code == 200
    assert metadata["issuer"] == flowers  # byte for byte what the platform discovers from
    assert metadata["authorization_endpoint"] == f"{flowers}/oauth/authorize"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["token_endpoint_auth_methods_supported"] == ["none"]
    assert set(metadata["scopes_supported"]) == set(SCOPES.split())
    resource = (await http_client.get(f"{flowers}/.well-known/oauth-protected-resource")).json()
    assert resource["authorization_servers"] == [flowers]


async def test_the_profile_offers_identity_linking_with_its_scopes_at_each_release(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    for release in ("2026-08-25", "2026-04-08"):
        profile = (await http_client.get(f"{flowers}/.well-known/ucp/{release}")).json()
        (entry,) = profile["ucp"]["capabilities"]["dev.ucp.common.identity_linking"]
        assert entry["version"] == release
        assert entry["schema"] == f"https://ucp.dev/{release}/schemas/common/identity_linking.json"
        assert set(entry["config"]["scopes"]) == set(SCOPES.split())


async def test_signing_in_redirects_back_with_code_state_and_the_issuer(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    redirect = await sign_in(http_client, authorization_url(flowers, new_verifier()))
    assert redirect.location.startswith("http://127.0.0.1:49152/callback?")
    assert redirect.params["state"] == "st-123"
    assert redirect.params["iss"] == flowers
    assert redirect.params["code"]


async def test_a_wrong_password_shows_the_page_again_and_issues_no_code(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    url = authorization_url(flowers, new_verifier())
    page = await http_client.get(url)
    fields = hidden_fields(page.text) | {"username": "demo", "password": "guess"}
    answer = await http_client.post(
        f"{flowers}/oauth/authorize", data=fields | {"decision": "allow"}
    )
    assert answer.status_code == 401
    assert "Wrong username or password" in answer.text
    assert "location" not in answer.headers


async def _submit(
    browser: httpx2.AsyncClient, store: str, fields: dict[str, str]
) -> httpx2.Response:
    signed_in = fields | {"username": "demo", "password": DEMO_PASSWORD, "decision": "allow"}
    return await browser.post(f"{store}/oauth/authorize", data=signed_in)


def _refused_without_a_code(answer: httpx2.Response, why: str) -> None:
    assert answer.status_code == 403, answer.text
    assert why in html.unescape(answer.text)
    assert "Nothing was signed in" in answer.text
    assert "location" not in answer.headers


async def test_a_sign_in_posted_without_the_forms_security_token_is_refused(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    page = await http_client.get(authorization_url(flowers, new_verifier()))
    fields = hidden_fields(page.text)
    assert fields["csrf_token"]
    del fields["csrf_token"]
    answer = await _submit(http_client, flowers, fields)
    _refused_without_a_code(answer, "the form came without its security token")


async def test_a_sign_in_whose_token_was_shown_for_another_authorization_request_is_refused(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    theirs = await http_client.get(authorization_url(flowers, new_verifier(), state="theirs"))
    mine = await http_client.get(authorization_url(flowers, new_verifier(), state="mine"))
    fields = hidden_fields(mine.text) | {"csrf_token": hidden_fields(theirs.text)["csrf_token"]}
    answer = await _submit(http_client, flowers, fields)
    _refused_without_a_code(answer, "does not match this sign-in request")
    forged = hidden_fields(mine.text) | {"csrf_token": "1700000000.00"}
    _refused_without_a_code(await _submit(http_client, flowers, forged), "does not match")


async def test_a_sign_in_form_submitted_from_another_browser_is_refused(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    page = await http_client.get(authorization_url(flowers, new_verifier()))
    assert (
        "HttpOnly" in page.headers["set-cookie"] and "SameSite=Strict" in page.headers["set-cookie"]
    )
    async with httpx2.AsyncClient() as elsewhere:  # no cookie of this store
        answer = await _submit(elsewhere, flowers, hidden_fields(page.text))
    _refused_without_a_code(answer, "the form was not opened in this browser")


def test_a_sign_in_form_expires_after_its_time() -> None:
    now = [1_000_000.0]
    csrf = SignInCsrf(
        b"secret", "http://127.0.0.1:1", path="/oauth/authorize", clock=lambda: now[0]
    )
    request = {"client_id": "pannier", "state": "s"}
    token, set_cookie = csrf.issue({}, request)
    cookie = {"cookie": set_cookie["Set-Cookie"].split(";", 1)[0]}
    csrf.check(cookie, request, token)  # fresh: accepted
    now[0] += TOKEN_TTL_S + 1
    with pytest.raises(CsrfRefused, match="expired"):
        csrf.check(cookie, request, token)


async def test_cancelling_sends_access_denied_back_with_the_issuer(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    redirect = await sign_in(
        http_client, authorization_url(flowers, new_verifier()), decision="deny"
    )
    assert redirect.params["error"] == "access_denied"
    assert redirect.params["iss"] == flowers
    assert "code" not in redirect.params


async def test_an_authorization_request_without_pkce_is_refused(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    plain = authorization_url(flowers, new_verifier(), code_challenge_method="plain")
    answer = await http_client.get(plain)
    assert answer.status_code == 302
    assert "error=invalid_request" in answer.headers["location"]
    url = f"{flowers}/oauth/authorize?" + urlencode(
        {"response_type": "code", "client_id": "pannier", "redirect_uri": REDIRECT, "state": "s"}
    )
    answer = await http_client.get(url)
    assert answer.status_code == 302
    assert "error=invalid_request" in answer.headers["location"]


async def test_a_redirect_off_loopback_is_never_followed(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    for target in ("https://evil.example/callback", "http://127.0.0.1:5000/elsewhere"):
        answer = await http_client.get(
            authorization_url(flowers, new_verifier(), redirect_uri=target)
        )
        assert answer.status_code == 400
        assert "location" not in answer.headers


async def test_the_page_escapes_what_the_request_carries(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    answer = await http_client.get(
        authorization_url(flowers, new_verifier(), state='"><script>alert(1)</script>')
    )
    assert answer.status_code == 200
    assert "<script>alert(1)" not in answer.text
    assert "&lt;script&gt;" in answer.text


async def test_a_wrong_code_verifier_gets_invalid_grant_and_no_token(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    verifier = new_verifier()
    redirect = await sign_in(http_client, authorization_url(flowers, verifier))
    exchange = {
        "grant_type": "authorization_code",
        "code": redirect.params["code"],
        "redirect_uri": REDIRECT,
        "client_id": "pannier",
    }
    wrong = await http_client.post(
        f"{flowers}/oauth/token", data=exchange | {"code_verifier": new_verifier()}
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    missing = await http_client.post(f"{flowers}/oauth/token", data=exchange)
    assert missing.status_code == 400
    assert "access_token" not in missing.json()


async def test_the_code_is_single_use(http_client: httpx2.AsyncClient, flowers: str) -> None:
    verifier = new_verifier()
    redirect = await sign_in(http_client, authorization_url(flowers, verifier))
    exchange = {
        "grant_type": "authorization_code",
        "code": redirect.params["code"],
        "redirect_uri": REDIRECT,
        "client_id": "pannier",
        "code_verifier": verifier,
    }
    assert (await http_client.post(f"{flowers}/oauth/token", data=exchange)).status_code == 200
    again = await http_client.post(f"{flowers}/oauth/token", data=exchange)
    assert again.json()["error"] == "invalid_grant"


async def test_a_linked_account_sees_its_own_orders_and_addresses(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    tokens = await linked_tokens(http_client, flowers)
    orders = await http_client.get(
        f"{flowers}/api/account/v1/orders", headers=bearer(tokens["access_token"])
    )
    addresses = await http_client.get(
        f"{flowers}/api/account/v1/addresses", headers=bearer(tokens["access_token"])
    )
    assert orders.status_code == 200
    assert orders.json()["account"]["name"] == "Ada Lovelace"
    history = orders.json()["orders"]
    assert history and all(order["currency"] == "USD" for order in history)
    assert all(isinstance(order["total"], int) for order in history)
    saved = addresses.json()["addresses"]
    assert saved[0]["address_country"] == "US"
    other = await linked_tokens(http_client, flowers, username="sam")
    sams = await http_client.get(
        f"{flowers}/api/account/v1/orders", headers=bearer(other["access_token"])
    )
    assert sams.json()["account"]["name"] == "Sam Carter"


async def test_without_a_token_the_account_answers_identity_required_with_a_bearer_challenge(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    answer = await http_client.get(f"{flowers}/api/account/v1/orders")
    assert answer.status_code == 401
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith(f'Bearer realm="{flowers}"')
    assert "error=" not in challenge
    assert "resource_metadata=" in challenge
    assert answer.json()["messages"][0]["code"] == "identity_required"
    client_token = await http_client.post(
        f"{flowers}/auth/access_token",
        data={
            "grant_type": "client_credentials",
            "client_id": "pannier-sandbox",
            "client_secret": "sandbox-secret",
        },
    )
    agent_only = await http_client.get(
        f"{flowers}/api/account/v1/orders", headers=bearer(client_token.json()["access_token"])
    )
    assert agent_only.status_code == 401
    assert 'error="invalid_token"' in agent_only.headers["www-authenticate"]


async def test_a_token_without_the_scope_answers_insufficient_scope(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    tokens = await linked_tokens(http_client, flowers, scope="dev.ucp.shopping.order:read")
    answer = await http_client.get(
        f"{flowers}/api/account/v1/addresses", headers=bearer(tokens["access_token"])
    )
    assert answer.status_code == 403
    assert 'error="insufficient_scope"' in answer.headers["www-authenticate"]
    assert 'scope="dev.ucp.shopping.checkout:manage"' in answer.headers["www-authenticate"]
    assert answer.json()["messages"][0]["code"] == "insufficient_scope"


async def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_link(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    tokens = await linked_tokens(http_client, flowers)
    refresh = {"grant_type": "refresh_token", "client_id": "pannier"}
    first = await http_client.post(
        f"{flowers}/oauth/token", data=refresh | {"refresh_token": tokens["refresh_token"]}
    )
    assert first.status_code == 200
    renewed = first.json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    orders = f"{flowers}/api/account/v1/orders"
    assert (
        await http_client.get(orders, headers=bearer(renewed["access_token"]))
    ).status_code == 200
    replay = await http_client.post(
        f"{flowers}/oauth/token", data=refresh | {"refresh_token": tokens["refresh_token"]}
    )
    assert replay.json()["error"] == "invalid_grant"
    # The replay means the token leaked: everything issued on this link stops working.
    assert (
        await http_client.get(orders, headers=bearer(renewed["access_token"]))
    ).status_code == 401
    again = await http_client.post(
        f"{flowers}/oauth/token", data=refresh | {"refresh_token": renewed["refresh_token"]}
    )
    assert again.status_code == 400


async def test_revoking_the_refresh_token_ends_its_access_tokens_too(
    http_client: httpx2.AsyncClient, flowers: str
) -> None:
    tokens = await linked_tokens(http_client, flowers, username="sam")
    revoked = await http_client.post(
        f"{flowers}/oauth/revoke", data={"token": tokens["refresh_token"], "client_id": "pannier"}
    )
    assert revoked.status_code == 200
    orders = await http_client.get(
        f"{flowers}/api/account/v1/orders", headers=bearer(tokens["access_token"])
    )
    assert orders.status_code == 401


async def test_the_demo_password_is_the_one_the_readme_documents() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert DEMO_PASSWORD in readme
