"""Identity linking's OAuth 2.0 client: discovery, PKCE, the sign-in answer, and token requests.

UCP 2026-08-25 identity linking, as a public native client (RFC 8252): the issuer comes from RFC
9728 protected-resource metadata (else the business origin), its RFC 8414 metadata is fetched with
the OIDC fallback on 404 only, and ``issuer`` must match byte for byte. Authorization uses the code
flow with PKCE S256 (authlib's helpers make the verifier and challenge) and a ``state``; the answer
is accepted only with the same ``state`` and an RFC 9207 ``iss`` equal to the issuer. Tokens are
never logged, shown in reprs or put in error messages.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx2

from assistant.errors import LinkError, MerchantUnavailable
from assistant.ucp.http import DEFAULT_TIMEOUT_S, send

IDENTITY_LINKING = "dev.ucp.common.identity_linking"
_MAX_METADATA_BYTES = 256 * 1024
_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


@dataclass(frozen=True)
class AuthServer:
    """The parts of RFC 8414 metadata the linking flow uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str | None = None


@dataclass(frozen=True, repr=False)
class TokenSet:
    """What a token endpoint answered; ``expires_at`` is wall-clock seconds (it is stored)."""

    access_token: str
    refresh_token: str | None
    expires_at: float
    scope: str

    def __repr__(self) -> str:
        return f"TokenSet(scope={self.scope!r}, expires_at={self.expires_at:.0f})"


@dataclass(frozen=True, repr=False)
class AuthorizationRequest:
    """One sign-in attempt: the URL to open and the secrets its answer is checked against."""

    url: str
    redirect_uri: str
    state: str
    code_verifier: str = field(repr=False)

    def __repr__(self) -> str:
        return f"AuthorizationRequest(url={self.url!r})"


def gated_scopes(profile: Mapping[str, Any], supported: Collection[str]) -> list[str]:
    """The scope set to request: the business's ``config.scopes`` whose capability both sides have.

    UCP scope derivation: keep scopes whose capability prefix is negotiated, never a superset.
    """
    ucp = profile.get("ucp")
    capabilities = ucp.get("capabilities") if isinstance(ucp, dict) else None
    if not isinstance(capabilities, dict):
        return []
    entries = capabilities.get(IDENTITY_LINKING)
    scopes: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        config = entry.get("config") if isinstance(entry, dict) else None
        offered = config.get("scopes") if isinstance(config, dict) else None
        for scope in offered if isinstance(offered, dict) else {}:
            capability = str(scope).split(":", 1)[0]
            if capability in capabilities and capability in supported and scope not in scopes:
                scopes.append(str(scope))
    return scopes


def well_known(issuer: str, suffix: str) -> str:
    """RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"/.well-known/{suffix}{path}", "", ""))


async def _get_json(
    http: httpx2.AsyncClient, url: str, merchant: str, operation: str
) -> tuple[int, Any]:
    answer = await send(
        http,
        "GET",
        url,
        merchant=merchant,
        operation=operation,
        headers={"Accept": "application/json"},
        timeout_s=DEFAULT_TIMEOUT_S,
        max_bytes=_MAX_METADATA_BYTES,
    )
    if answer.status_code != 200:
        return answer.status_code, None
    try:
        return 200, json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        raise LinkError(f"{url} is not JSON", merchant=merchant, operation=operation) from None


async def discover(http: httpx2.AsyncClient, business_origin: str, merchant: str) -> AuthServer:
    """The business's authorization server, by UCP's three-step discovery."""
    operation = "discover_oauth"
    status, resource = await _get_json(
        http, f"{business_origin}/.well-known/oauth-protected-resource", merchant, operation
    )
    issuer = business_origin
    if status == 200 and isinstance(resource, dict):
        servers = resource.get("authorization_servers")
        if isinstance(servers, list) and servers and isinstance(servers[0], str):
            issuer = servers[0]
    status, metadata = await _get_json(
        http, well_known(issuer, "oauth-authorization-server"), merchant, operation
    )
    if status == 404:
        status, metadata = await _get_json(
            http, issuer.rstrip("/") + "/.well-known/openid-configuration", merchant, operation
        )
    if status != 200 or not isinstance(metadata, dict):
        raise LinkError(
            f"no OAuth authorization server metadata for {issuer} (HTTP {status})",
            merchant=merchant,
            operation=operation,
        )
    if metadata.get("issuer") != issuer:
        raise LinkError(
            f"the metadata names issuer {metadata.get('issuer')!r}, not {issuer!r}",
            merchant=merchant,
            operation=operation,
        )
    methods = metadata.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise LinkError(
            "the store does not support PKCE with S256", merchant=merchant, operation=operation
        )
    endpoints = {}
    for key in ("authorization_endpoint", "token_endpoint"):
        value = metadata.get(key)
        if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
            raise LinkError(f"the metadata has no {key}", merchant=merchant, operation=operation)
        endpoints[key] = value
    revocation = metadata.get("revocation_endpoint")
    return AuthServer(
        issuer=issuer,
        authorization_endpoint=endpoints["authorization_endpoint"],
        token_endpoint=endpoints["token_endpoint"],
        revocation_endpoint=revocation if isinstance(revocation, str) else None,
    )


def authorization_request(
    server: AuthServer, *, client_id: str, redirect_uri: str, scopes: Collection[str]
) -> AuthorizationRequest:
    """A fresh authorization URL with its own PKCE verifier and state.

    authlib is imported here, on the first sign-in (``pannier link``), not when a trip opens: it
    is ~7 MB of a trip's resident memory and ~30 ms of its start that no purchase uses."""
    from authlib.common.security import generate_token
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    verifier = generate_token(64)
    state = secrets.token_urlsafe(24)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": create_s256_code_challenge(verifier),  # type: ignore[no-untyped-call]
        "code_challenge_method": "S256",
    }
    separator = "&" if "?" in server.authorization_endpoint else "?"
    url = f"{server.authorization_endpoint}{separator}{urlencode(query)}"
    return AuthorizationRequest(url, redirect_uri, state, verifier)


def authorization_code(
    server: AuthServer, request: AuthorizationRequest, answer: Mapping[str, str], merchant: str
) -> str:
    """The code from the redirect's query, once ``state`` and ``iss`` (RFC 9207) check out."""
    operation = "authorize"
    if not secrets.compare_digest(answer.get("state", ""), request.state):
        raise LinkError(
            "the sign-in answer does not carry our state; discarded",
            merchant=merchant,
            operation=operation,
        )
    if answer.get("iss") != server.issuer:
        # RFC 9207 §2.4 and UCP: a missing or other issuer may be a mix-up attack.
        raise LinkError(
            f"the sign-in answer comes from issuer {answer.get('iss')!r}, not {server.issuer!r}; "
            "discarded (RFC 9207 mix-up protection)",
            merchant=merchant,
            operation=operation,
        )
    if "error" in answer:
        reason = answer["error"]
        said = "you cancelled at the store" if reason == "access_denied" else f"error {reason!r}"
        raise LinkError(
            f"the store did not link the account: {said}", merchant=merchant, operation=operation
        )
    code = answer.get("code")
    if not code:
        raise LinkError("the sign-in answer has no code", merchant=merchant, operation=operation)
    return code


async def _token_request(
    http: httpx2.AsyncClient, url: str, fields: dict[str, str], merchant: str, operation: str
) -> TokenSet:
    answer = await send(
        http,
        "POST",
        url,
        merchant=merchant,
        operation=operation,
        headers=_FORM,
        content=urlencode(fields).encode(),
        timeout_s=DEFAULT_TIMEOUT_S,
        max_bytes=64 * 1024,
    )
    if answer.status_code == 429 or answer.status_code >= 500:
        raise MerchantUnavailable(
            f"token endpoint unavailable (HTTP {answer.status_code})",
            merchant=merchant,
            operation=operation,
            status_code=answer.status_code,
        )
    try:
        payload = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if answer.status_code != 200 or not isinstance(payload, dict):
        error = payload.get("error") if isinstance(payload, dict) else None
        raise LinkError(
            f"the token endpoint refused (HTTP {answer.status_code}"
            + (f", {error!s:.40}" if isinstance(error, str) else "")
            + ")",
            merchant=merchant,
            operation=operation,
        )
    access = payload.get("access_token")
    if not isinstance(access, str) or not access:
        raise LinkError(
            "the token answer has no access_token", merchant=merchant, operation=operation
        )
    refresh = payload.get("refresh_token")
    expires_in = payload.get("expires_in")
    lifetime = (
        float(expires_in)
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
        else 300.0
    )
    scope = payload.get("scope")
    return TokenSet(
        access_token=access,
        refresh_token=refresh
        if isinstance(refresh, str) and refresh
        else fields.get("refresh_token"),
        expires_at=time.time() + lifetime,
        scope=scope if isinstance(scope, str) else fields.get("scope", ""),
    )


async def exchange_code(
    http: httpx2.AsyncClient,
    server: AuthServer,
    request: AuthorizationRequest,
    code: str,
    *,
    client_id: str,
    merchant: str,
) -> TokenSet:
    """Redeem the code with its PKCE verifier (no client secret: a public client)."""
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": request.redirect_uri,
        "client_id": client_id,
        "code_verifier": request.code_verifier,
    }
    return await _token_request(http, server.token_endpoint, fields, merchant, "token")


async def refresh(
    http: httpx2.AsyncClient,
    token_endpoint: str,
    refresh_token: str,
    *,
    client_id: str,
    merchant: str,
) -> TokenSet:
    """New tokens for a refresh token (the store may rotate it: keep what it answers)."""
    fields = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    return await _token_request(http, token_endpoint, fields, merchant, "refresh")


async def revoke(
    http: httpx2.AsyncClient, revocation_endpoint: str, token: str, *, client_id: str, merchant: str
) -> bool:
    """RFC 7009 revocation; whether the store confirmed it."""
    fields = {"token": token, "token_type_hint": "refresh_token", "client_id": client_id}
    answer = await send(
        http,
        "POST",
        revocation_endpoint,
        merchant=merchant,
        operation="revoke",
        headers=_FORM,
        content=urlencode(fields).encode(),
        timeout_s=DEFAULT_TIMEOUT_S,
        max_bytes=64 * 1024,
    )
    return answer.status_code == 200
