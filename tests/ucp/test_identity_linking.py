"""`pannier link`: the authorization code + PKCE flow against a real sandbox store, no browser.

The test plays the shopper's browser: it reads the sign-in URL Pannier prints, signs in on the
store's real page over HTTP, and follows the store's redirect to Pannier's loopback listener.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx2
import pytest

from assistant.errors import LinkError, ScopeRequired
from assistant.ucp import oauth
from assistant.ucp.link_flow import unlink
from assistant.ucp.link_tokens import LinkStore
from assistant.ucp.linked import AccountReader
from merchants.serve import RunningStore
from tests.oauth_login import WAIT_S, browser_follows, link_account, linked_tokens


@pytest.fixture
async def http() -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(timeout=10.0) as client:
        yield client


@pytest.fixture
def flowers(sandbox_stores: dict[str, RunningStore]) -> str:
    return sandbox_stores["flowers"].url


async def test_linking_stores_tokens_that_read_the_accounts_history_and_addresses(
    http: httpx2.AsyncClient, flowers: str, tmp_path: Path
) -> None:
    links = LinkStore(tmp_path / "linked-accounts.json")
    account = await link_account(http, links, flowers)
    assert not isinstance(account, Exception), account
    stored = links.get(flowers)
    assert stored is not None and stored.issuer == flowers
    assert set(stored.scopes) == {"dev.ucp.shopping.order:read", "dev.ucp.shopping.checkout:manage"}
    assert stat.S_IMODE(links.path.stat().st_mode) == 0o600
    assert stored.access_token not in repr(stored) and stored.access_token not in repr(links)
    data = await AccountReader(http, links).read(stored)
    assert data.holder == "Ada Lovelace"
    assert data.orders and data.orders[0].total_money().currency == "USD"
    assert data.addresses[0].address_country == "US"


async def test_an_answer_from_another_issuer_is_refused_and_nothing_is_stored(
    http: httpx2.AsyncClient, flowers: str, tmp_path: Path
) -> None:
    links = LinkStore(tmp_path / "linked-accounts.json")
    refused = await link_account(http, links, flowers, tamper_iss="https://attacker.example")
    assert isinstance(refused, LinkError)
    assert "RFC 9207" in refused.message
    assert links.all() == []


async def test_an_answer_without_iss_is_refused(
    http: httpx2.AsyncClient, flowers: str, tmp_path: Path
) -> None:
    links = LinkStore(tmp_path / "linked-accounts.json")
    refused = await link_account(http, links, flowers, tamper_iss="")
    assert isinstance(refused, LinkError)
    assert links.all() == []


async def test_an_answer_with_another_state_is_discarded(
    http: httpx2.AsyncClient, flowers: str
) -> None:
    server = await oauth.discover(http, flowers, "flowers")
    request = oauth.authorization_request(
        server, client_id="pannier", redirect_uri="http://127.0.0.1:1/callback", scopes=[]
    )
    with pytest.raises(LinkError, match="state"):
        oauth.authorization_code(
            server, request, {"code": "c", "state": "other", "iss": flowers}, "f"
        )


async def test_an_expired_access_token_is_refreshed_and_the_rotated_one_stored(
    http: httpx2.AsyncClient, flowers: str, tmp_path: Path
) -> None:
    links = LinkStore(tmp_path / "linked-accounts.json")
    await link_account(http, links, flowers)
    before = links.get(flowers)
    assert before is not None
    later = AccountReader(http, links, clock=lambda: before.expires_at + 1)
    token = await later.access_token(flowers)
    after = links.get(flowers)
    assert after is not None
    assert token == after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token
    assert (await later.read(after)).orders  # the new token works at the store
    # The old refresh token was rotated away: the store refuses it.
    with pytest.raises(LinkError):
        await oauth.refresh(
            http, after.token_endpoint, str(before.refresh_token), client_id="pannier", merchant="f"
        )


async def test_reading_orders_with_a_token_without_their_scope_names_the_scope_and_the_command(
    http: httpx2.AsyncClient, flowers: str, tmp_path: Path
) -> None:
    links = LinkStore(tmp_path / "linked-accounts.json")
    account = await link_account(http, links, flowers)
    assert not isinstance(account, Exception), account
    # The store granted only checkout (narrowed there); the link still lists both scopes.
    narrowed = await linked_tokens(http, flowers, scope="dev.ucp.shopping.checkout:manage")
    links.put(replace(account, access_token=narrowed["access_token"], expires_at=time.time() + 600))
    current = links.get(flowers)
    assert current is not None
    with pytest.raises(ScopeRequired) as refused:
        await AccountReader(http, links).read(current)
    assert refused.value.message.endswith(
        "Petal & Stem needs your linked account with more access (it asks for "
        "dev.ucp.shopping.order:read): run `pannier link 'Petal & Stem'`"
    )
    assert narrowed["access_token"] not in refused.value.message


async def test_unlinking_revokes_at_the_store_and_forgets_the_tokens(
    http: httpx2.AsyncClient, flowers: str, tmp_path: Path
) -> None:
    links = LinkStore(tmp_path / "linked-accounts.json")
    await link_account(http, links, flowers)
    account = links.get(flowers)
    assert account is not None
    assert await unlink(http, links, account) is True
    assert links.all() == []
    orders = await http.get(
        account.account_urls["orders"], headers={"Authorization": f"Bearer {account.access_token}"}
    )
    assert orders.status_code == 401


def test_metadata_naming_another_issuer_is_refused() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/.well-known/oauth-authorization-server":
            return httpx2.Response(200, json={"issuer": "https://other.example"})
        return httpx2.Response(404)

    async def go() -> None:
        async with httpx2.AsyncClient(transport=httpx2.MockTransport(answer)) as client:
            with pytest.raises(LinkError, match="issuer"):
                await oauth.discover(client, "https://shop.example", "shop")

    asyncio.run(go())


async def test_pannier_link_prints_the_url_waits_for_the_sign_in_and_lists_the_link(
    http: httpx2.AsyncClient, flowers: str, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[[merchants]]\nurl = "{flowers}"\nname = "Petal & Stem"\n')
    env = os.environ | {"PANNIER_HOME": str(tmp_path)}
    env.pop("DISPLAY", None)
    command = [sys.executable, "-m", "assistant", "--config", str(config), "link"]
    process = await asyncio.create_subprocess_exec(
        *command,
        "Petal & Stem",
        "--no-browser",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    printed: list[str] = []
    async with asyncio.timeout(WAIT_S):
        while not any("/oauth/authorize?" in line for line in printed):
            line = (await process.stdout.readline()).decode()
            assert line, "pannier link ended before printing the sign-in URL"
            printed.append(line)
        url = next(line.strip() for line in printed if "/oauth/authorize?" in line)
        assert await browser_follows(http, url) == 200
        rest, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()
    said = "".join(printed) + rest.decode() + errors.decode()
    assert "Linked your account at Petal & Stem" in said
    document = json.loads((tmp_path / "data" / "linked-accounts.json").read_text())
    (entry,) = document["accounts"]
    assert entry["access_token"] not in said and entry["refresh_token"] not in said
    listing = await asyncio.create_subprocess_exec(
        *command, "--list", env=env, stdout=asyncio.subprocess.PIPE
    )
    listed, _ = await asyncio.wait_for(listing.communicate(), WAIT_S)
    assert "Petal & Stem" in listed.decode() and entry["access_token"] not in listed.decode()
