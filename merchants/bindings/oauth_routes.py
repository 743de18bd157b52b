"""Where identity linking shows on a store: its profile entry, its metadata and its OAuth paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from merchants.bindings.account_api import ADDRESSES_PATH, ORDERS_PATH, SCOPE_BY_PATH
from merchants.bindings.discovery import SANDBOX_EXTENSION
from merchants.bindings.http import Request, Response, json_response
from merchants.bindings.oauth import (
    AUTHORIZE_PATH,
    LOOPBACK_REDIRECTS,
    METADATA_PATH,
    PUBLIC_CLIENT_ID,
    RESOURCE_METADATA_PATH,
    REVOKE_PATH,
    SCOPE_CONSENTS,
    TOKEN_PATH,
    IdentityServer,
    offered_scopes,
)
from merchants.bindings.oauth_grants import Grants
from merchants.business.accounts import Accounts
from merchants.business.specs import StoreSpec

IDENTITY_LINKING = "dev.ucp.common.identity_linking"
_METADATA_MAX_AGE_SECONDS = 300
_SPEC_PAGE = {"2026-08-25": "common/identity-linking/"}


def identity_server(
    spec: StoreSpec, base_url: str, secret: bytes, accounts_db: Path | None
) -> IdentityServer:
    """The store's authorization server; ``accounts_db`` None keeps its grants in memory."""
    return IdentityServer(
        issuer=base_url,
        store_name=spec.name,
        accounts=Accounts(spec),
        grants_store=Grants(accounts_db),
        secret=secret,
        scopes=offered_scopes(list(spec.capabilities)),
    )


def identity_linking_entry(release: str, scopes: list[str]) -> dict[str, Any]:
    """The business capability entry, as `common/identity_linking.json` defines it."""
    page = _SPEC_PAGE.get(release, "identity-linking")
    return {
        "version": release,
        "spec": f"https://ucp.dev/{release}/specification/{page}",
        "schema": f"https://ucp.dev/{release}/schemas/common/identity_linking.json",
        "config": {
            "scopes": {
                scope: {"description": {"plain": SCOPE_CONSENTS[scope][1] + "."}}
                for scope in scopes
            }
        },
    }


class IdentityRoutes:
    """Routes the OAuth paths to the server, and adds identity linking to the profiles."""

    def __init__(self, server: IdentityServer) -> None:
        self._server = server
        cache = {"Cache-Control": f"public, max-age={_METADATA_MAX_AGE_SECONDS}"}
        self._documents = {
            METADATA_PATH: json_response(200, server.metadata(), cache),
            RESOURCE_METADATA_PATH: json_response(200, server.resource_metadata(), cache),
        }

    def handle(self, request: Request) -> Response | None:
        """The answer for an identity path, or None when the path is not one."""
        path = request.path
        document = self._documents.get(path)
        if document is not None:
            return document if request.method == "GET" else Response(405, headers={"Allow": "GET"})
        if path == AUTHORIZE_PATH:
            return self._server.handle_authorize(request)
        if path == TOKEN_PATH:
            return self._server.handle_token(request)
        if path == REVOKE_PATH:
            return self._server.handle_revoke(request)
        return None

    def advertise(self, release: str, document: dict[str, Any]) -> dict[str, Any]:
        """The profile with the identity-linking capability and where the sandbox's parts are."""
        scopes = self._server.scopes
        if not scopes:
            return document
        document["ucp"]["capabilities"][IDENTITY_LINKING] = [
            identity_linking_entry(release, scopes)
        ]
        sandbox = document.get(SANDBOX_EXTENSION)
        if isinstance(sandbox, dict):
            issuer = self._server.issuer
            sandbox["identity_linking"] = {
                "client_id": PUBLIC_CLIENT_ID,
                "redirect_uris": list(LOOPBACK_REDIRECTS),
                "account": {
                    path.rsplit("/", 1)[1]: {"url": issuer + path, "scope": SCOPE_BY_PATH[path]}
                    for path in (ORDERS_PATH, ADDRESSES_PATH)
                    if SCOPE_BY_PATH[path] in scopes
                },
            }
        return document
