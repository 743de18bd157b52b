"""The store's text path for RFC 9421 signatures, held against `http-message-signatures`.

Both directions: requests the library signs verify on the text path, and the answers the text
path signs verify with the library (and with the hand-built verifier). Every tampering both
implementations are shown is rejected by both, and the store gives the spec's error for it.
"""

from __future__ import annotations

import datetime
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)

from merchants.bindings import rfc9421_text
from merchants.bindings.errors import ProtocolFailure
from merchants.bindings.http import Request, Response
from merchants.bindings.negotiation import PlatformProfile
from merchants.bindings.signatures import StoreSignatures, public_jwk
from tests.ucp import rfc9421_by_hand

BASE_URL = "http://127.0.0.1:8713"
PROFILE_URL = "http://127.0.0.1:9/.well-known/ucp"
PATH = "/api/ucp/v1/checkout-sessions"
BODY = b'{"checkout":{"line_items":[{"item":{"id":"rose-red"},"quantity":1}]}}'
UCP_COMPONENTS = (
    "@method",
    "@authority",
    "@path",
    "content-digest",
    "content-type",
    "idempotency-key",
    "ucp-agent",
)


class _Keys(HTTPSignatureKeyResolver):
    def __init__(self, key: Any) -> None:
        self._key = key

    def resolve_public_key(self, key_id: str) -> Any:
        return self._key

    def resolve_private_key(self, key_id: str) -> Any:
        return self._key


@dataclass
class _Message:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Answer:
    status_code: int
    headers: dict[str, str]
    request: None = None


class _Profiles:
    """The platform's profile, as the store's profile cache would hand it over."""

    def __init__(self, jwk: dict[str, str]) -> None:
        self.keys = (jwk,)

    async def get(self, url: object) -> PlatformProfile:
        return PlatformProfile(PROFILE_URL, "2026-04-08", {}, frozenset(), keys=self.keys)

    def forget(self, url: str) -> None:
        pass


@dataclass
class Platform:
    key: ec.EllipticCurvePrivateKey
    kid: str
    store: StoreSignatures

    def signed(
        self,
        *,
        components: tuple[str, ...] = UCP_COMPONENTS,
        created: int | None = None,
        body: bytes = BODY,
        include_alg: bool = False,
        **extra: Any,
    ) -> Request:
        """A create_checkout request, signed by the library as a platform would sign it."""
        message = _Message("POST", BASE_URL + PATH)
        message.headers.update(
            {
                "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
                "UCP-Agent": f'profile="{PROFILE_URL}"',
            }
        )
        when = datetime.datetime.fromtimestamp(created or int(time.time()))
        HTTPMessageSigner(
            signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=_Keys(self.key)
        ).sign(
            message,
            key_id=self.kid,
            created=when,
            nonce=uuid.uuid4().hex,
            label="sig1",
            include_alg=include_alg,
            covered_component_ids=components,
            body=body,
            use_existing_digest=False,
            **extra,
        )
        headers = {name.lower(): value for name, value in message.headers.items()}
        return Request("POST", PATH, {}, headers, body, "127.0.0.1")

    def library_accepts(self, request: Request) -> bool:
        try:
            self.store.verify_with_library(request, self.kid, self.key.public_key())
        except ProtocolFailure:
            return False
        return True

    def text_accepts(self, request: Request) -> bool:
        return self.store.verifies_as_text(request, self.key.public_key())


@pytest.fixture
def platform() -> Platform:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = public_jwk(key.public_key())
    profiles: Any = _Profiles(jwk)
    store = StoreSignatures(
        ec.generate_private_key(ec.SECP256R1()), base_url=BASE_URL, profiles=profiles
    )
    return Platform(key, jwk["kid"], store)


def _with(request: Request, **headers: str) -> Request:
    return Request(
        request.method,
        request.path,
        request.query,
        {**request.headers, **headers},
        request.body,
        request.client_host,
    )


@pytest.mark.parametrize("include_alg", [False, True])
async def test_a_request_the_library_signs_verifies_on_the_text_path_and_with_the_library(
    platform: Platform, include_alg: bool
) -> None:
    request = platform.signed(include_alg=include_alg)
    assert platform.text_accepts(request)
    assert platform.library_accepts(request)
    signer = await platform.store.verify(request)
    assert signer is not None and signer.kid == platform.kid and signer.profile_url == PROFILE_URL


async def test_a_request_signed_by_hand_verifies_on_the_text_path(platform: Platform) -> None:
    headers = rfc9421_by_hand.sign(
        platform.key,
        "POST",
        BASE_URL + PATH,
        {"Content-Type": "application/json", "UCP-Agent": f'profile="{PROFILE_URL}"'},
        BODY,
        ["@method", "@authority", "@path", "ucp-agent", "content-digest", "content-type"],
        created=int(time.time()),
        keyid=platform.kid,
    )
    request = Request(
        "POST", PATH, {}, {k.lower(): v for k, v in headers.items()}, BODY, "127.0.0.1"
    )
    assert platform.text_accepts(request) and platform.library_accepts(request)
    assert await platform.store.verify(request) is not None


def _tampered(platform: Platform, how: str) -> Request:
    request = platform.signed()
    now = int(time.time())
    if how == "a covered header changed":
        return _with(request, **{"idempotency-key": "another-key"})
    if how == "the profile changed":
        return _with(request, **{"ucp-agent": 'profile="http://127.0.0.1:9/other"'})
    if how == "the content type changed":
        return _with(request, **{"content-type": "text/plain"})
    if how == "the path changed":
        return Request("POST", PATH + "/x", {}, request.headers, BODY, "")
    if how == "the method changed":
        return Request("PUT", PATH, {}, request.headers, BODY, "")
    if how == "a query added":
        return Request("POST", PATH, {"a": "1"}, request.headers, BODY, "")
    if how == "a byte of the signature changed":
        value = request.headers["signature"]
        flipped = "B" if value[8] == "A" else "A"
        return _with(request, signature=value[:8] + flipped + value[9:])
    if how == "the created time changed":
        inner = request.headers["signature-input"]
        created = inner.split(";created=")[1].split(";")[0]
        return _with(request, **{"signature-input": inner.replace(created, str(int(created) - 1))})
    if how == "an idempotency key left uncovered":
        return platform.signed(
            components=tuple(c for c in UCP_COMPONENTS if c != "idempotency-key")
        )
    if how == "the body left uncovered":
        components = tuple(c for c in UCP_COMPONENTS if c not in ("content-digest", "content-type"))
        signed = platform.signed(components=components, body=b"")
        return Request("POST", PATH, {}, signed.headers, BODY, "")
    if how == "signed in the future":
        return platform.signed(created=now + 60)
    if how == "older than ten minutes":
        return platform.signed(created=now - 11 * 60)
    if how == "another key":
        key = ec.generate_private_key(ec.SECP256R1())
        forged = Platform(key, platform.kid, platform.store).signed()
        return _with(request, signature=forged.headers["signature"])
    if how == "a second signature label":
        inner = request.headers["signature-input"]
        return _with(
            request,
            **{"signature-input": f"{inner}, sig2={inner[5:]}"},
            signature=f"{request.headers['signature']}, sig2={request.headers['signature'][5:]}",
        )
    if how == "labels that differ":
        return _with(request, signature="sig2" + request.headers["signature"][4:])
    if how == "an unknown parameter":
        inner = request.headers["signature-input"]
        return _with(request, **{"signature-input": inner + ';extra="1"'})
    if how == "another algorithm":
        inner = request.headers["signature-input"]
        return _with(request, **{"signature-input": inner + ';alg="ed25519"'})
    raise AssertionError(how)


TAMPERINGS = [
    "a covered header changed",
    "the profile changed",
    "the content type changed",
    "the path changed",
    "the method changed",
    "a query added",
    "a byte of the signature changed",
    "the created time changed",
    "an idempotency key left uncovered",
    "the body left uncovered",
    "signed in the future",
    "older than ten minutes",
    "another key",
    "a second signature label",
    "labels that differ",
    "an unknown parameter",
    "another algorithm",
]


@pytest.mark.parametrize("how", TAMPERINGS)
async def test_the_text_path_and_the_library_both_reject_a_tampered_request(
    platform: Platform, how: str
) -> None:
    request = _tampered(platform, how)
    assert not platform.text_accepts(request)
    assert not platform.library_accepts(request)
    with pytest.raises(ProtocolFailure) as refused:
        await platform.store.verify(request)
    assert refused.value.code == "signature_invalid", refused.value.content


async def test_a_changed_body_is_a_digest_mismatch_although_its_headers_verify(
    platform: Platform,
) -> None:
    request = platform.signed()
    changed = Request("POST", PATH, {}, request.headers, BODY.replace(b"1", b"9"), "")
    assert platform.text_accepts(changed) and platform.library_accepts(changed)
    with pytest.raises(ProtocolFailure) as refused:
        await platform.store.verify(changed)
    assert refused.value.code == "digest_mismatch"


async def test_a_replayed_nonce_is_refused_after_the_text_path_verified_it(
    platform: Platform,
) -> None:
    request = platform.signed()
    assert await platform.store.verify(request) is not None
    with pytest.raises(ProtocolFailure) as refused:
        await platform.store.verify(request)
    assert "nonce" in refused.value.content


async def test_a_valid_signature_in_a_shape_the_text_path_does_not_read_is_left_to_the_library(
    platform: Platform,
) -> None:
    request = platform.signed()
    spaced = request.headers["signature-input"].replace(";", "; ")  # RFC 8941 allows the space
    request = _with(request, **{"signature-input": spaced})
    assert not platform.text_accepts(request)
    assert platform.library_accepts(request)
    assert await platform.store.verify(request) is not None


def test_no_single_character_change_to_signature_input_passes_the_text_path_alone(
    platform: Platform,
) -> None:
    request = platform.signed()
    inner = request.headers["signature-input"]
    for at in range(len(inner)):
        for replacement in ("0", "a", '"', " ", ";"):
            if inner[at] == replacement:
                continue
            changed = _with(
                request, **{"signature-input": inner[:at] + replacement + inner[at + 1 :]}
            )
            if platform.text_accepts(changed):
                assert platform.library_accepts(changed), (at, replacement)


def _library_verifies_answer(key: ec.EllipticCurvePublicKey, response: Response) -> bool:
    headers = {"content-type": response.content_type, **response.headers}
    try:
        HTTPMessageVerifier(
            signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=_Keys(key)
        ).verify(
            _Answer(response.status, headers),
            require_components=rfc9421_text.ANSWER_COMPONENTS,
            body=response.body,
        )
    except InvalidSignature:
        return False
    return True


@pytest.mark.parametrize(
    ("status", "content_type"), [(200, "application/json"), (404, "text/html; charset=utf-8")]
)
def test_an_answer_the_text_path_signs_verifies_with_the_library_and_by_hand(
    platform: Platform, status: int, content_type: str
) -> None:
    response = Response(status, b'{"id":"chk_1","status":"ready_for_complete"}', content_type)
    platform.store.sign(response)
    store_key = platform.store._key.public_key()
    assert _library_verifies_answer(store_key, response)
    headers = {"content-type": content_type, **response.headers}
    params = rfc9421_by_hand.verify_response(store_key, status, headers, response.body)
    assert params["keyid"] == platform.store.jwk["kid"]
    assert abs(int(params["created"]) - time.time()) < 5


@pytest.mark.parametrize("tamper", ["body", "status", "content type"])
def test_a_tampered_answer_the_text_path_signed_fails_the_library(
    platform: Platform, tamper: str
) -> None:
    response = Response(200, b'{"amount":100}')
    platform.store.sign(response)
    if tamper == "body":
        response.body = b'{"amount":1100}'
    elif tamper == "status":
        response.status = 201
    else:
        response.content_type = "text/plain"
    assert not _library_verifies_answer(platform.store._key.public_key(), response)


def test_the_text_path_writes_an_answers_signature_input_as_the_library_does(
    platform: Platform,
) -> None:
    created, body, kid = 1_796_000_000, b'{"ok":true}', platform.store.jwk["kid"]
    ours = rfc9421_text.sign_answer(
        platform.key, kid, status=200, content_type="application/json", body=body, created=created
    )
    theirs = _Answer(200, {"content-type": "application/json"})
    HTTPMessageSigner(
        signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=_Keys(platform.key)
    ).sign(
        theirs,
        key_id=kid,
        created=datetime.datetime.fromtimestamp(created),
        include_alg=False,
        label="sig1",
        covered_component_ids=rfc9421_text.ANSWER_COMPONENTS,
        body=body,
    )
    assert ours is not None
    assert ours["Signature-Input"] == theirs.headers["Signature-Input"]
    assert ours["Content-Digest"] == theirs.headers["Content-Digest"]
