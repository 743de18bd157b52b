"""The signature bases Pannier writes as text (``assistant.ucp.rfc9421``) agree with the library
(``http-message-signatures``) both ways, and an answer the text path cannot vouch for goes to the
library, which has the last word."""

from __future__ import annotations

import datetime
import secrets
import time
from pathlib import Path

import httpx2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, algorithms
from http_message_signatures.httpx2 import adapt_message

from assistant.ucp import rfc9421
from assistant.ucp.http import SignatureRejected
from assistant.ucp.signing import JwksResolver, Signing
from assistant.ucp.signing_keys import KeyRing, public_jwk

BODY = b'{"checkout":{"line_items":[{"item":{"id":"tulip-bundle--red"},"quantity":1}]}}'


class _OneKey(JwksResolver):
    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        super().__init__([public_jwk(key.public_key())])
        self.private = key

    def resolve_private_key(self, key_id: str) -> ec.EllipticCurvePrivateKey:
        return self.private


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8713/api/ucp/mcp",
        "https://Shop.Example/api/ucp/v1/checkout-sessions/chk%201?x=a%20b&y=2",
        "https://shop.example:443/api/ucp/v1/carts",
        "http://[::1]:9000/api/ucp/v1/carts",
    ],
)
@pytest.mark.parametrize("body", [BODY, None], ids=["post", "get"])
def test_a_request_signed_as_text_verifies_with_the_library(
    tmp_path: Path, url: str, body: bytes | None
) -> None:
    ring = KeyRing(tmp_path / "keys.json")
    headers = {"UCP-Agent": 'profile="https://agent.example/.well-known/ucp"'}
    if body is not None:
        headers |= {"Content-Type": "application/json", "Idempotency-Key": "k-1"}
    request = httpx2.Request("POST" if body else "GET", url, headers=headers, content=body)

    Signing(ring).sign(request, body)

    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ECDSA_P256_SHA256,
        key_resolver=JwksResolver(ring.published_jwks()),
    )
    (result,) = verifier.verify(adapt_message(request), body=body)
    covered = list(result.covered_components)
    assert covered[:3] == ['"@method"', '"@authority"', '"@path"']
    assert ('"@query"' in covered) == ("?" in url)
    assert result.parameters["keyid"] == ring.active.kid
    assert len(str(result.parameters["nonce"])) >= 64


def _answer(
    key: ec.EllipticCurvePrivateKey, body: bytes, *, created: datetime.datetime | None = None
) -> httpx2.Response:
    """An answer signed by the library, as the sandbox stores sign theirs."""
    request = httpx2.Request("POST", "http://127.0.0.1:8713/api/ucp/mcp")
    response = httpx2.Response(
        200, headers={"Content-Type": "application/json"}, content=body, request=request
    )
    created = created or datetime.datetime.now(datetime.UTC)
    HTTPMessageSigner(
        signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=_OneKey(key)
    ).sign(
        adapt_message(response),
        key_id=public_jwk(key.public_key())["kid"],
        created=created,
        expires=created + datetime.timedelta(seconds=300),
        nonce=secrets.token_urlsafe(32),
        label="sig1",
        include_alg=False,
        covered_component_ids=["@status", "content-type"],
        body=body,
    )
    return response


def test_an_answer_signed_by_the_library_is_verified_as_text() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    resolver = JwksResolver([public_jwk(key.public_key())])
    answer = _answer(key, BODY)

    verified = rfc9421.verifies_response(
        answer,
        BODY,
        public_key=resolver.resolve_public_key,
        required=["@status", "content-digest", "content-type"],
    )

    assert verified
    assert not rfc9421.verifies_response(
        answer, BODY + b" ", public_key=resolver.resolve_public_key, required=["@status"]
    )
    assert not rfc9421.verifies_response(
        answer, BODY, public_key=resolver.resolve_public_key, required=["@status", "@path"]
    )


def test_an_answer_the_text_path_cannot_vouch_for_is_rejected_by_the_library(
    tmp_path: Path,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwks = [public_jwk(key.public_key())]
    signing, resolver = Signing(KeyRing(tmp_path / "keys.json"), jwks), JwksResolver(jwks)
    stale = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=400)
    answers = {
        "changed body": (_answer(key, BODY), BODY.replace(b"1", b"2")),
        "expired": (_answer(key, BODY, created=stale), BODY),
        "another key": (_answer(ec.generate_private_key(ec.SECP256R1()), BODY), BODY),
    }

    for what, (answer, body) in answers.items():
        with pytest.raises(SignatureRejected):
            signing.check(answer, body, merchant="shop.example", operation="get_checkout")
        assert not rfc9421.verifies_response(
            answer, body, public_key=resolver.resolve_public_key, required=["@status"]
        ), what


def test_a_signature_created_in_the_future_or_too_long_ago_is_not_vouched_for() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    resolver = JwksResolver([public_jwk(key.public_key())])
    answer = _answer(key, BODY)
    now = time.time()

    def verified(at: float) -> bool:
        return rfc9421.verifies_response(
            answer, BODY, public_key=resolver.resolve_public_key, required=["@status"], now=at
        )

    assert verified(now)
    assert not verified(now - 60)  # created a minute after "now"
    assert not verified(now + 301 + rfc9421.CLOCK_SKEW_S)  # past its expires


PLAIN_SIGNATURE = "sig1=:" + "QUFB" * 21 + "QQ==:"


@pytest.mark.parametrize(
    ("signature_input", "signature", "read_directly"),
    [
        (
            'sig1=("@status" "content-digest" "content-type");created=1764614000'
            ';expires=1764614300;keyid="k-1";nonce="n_-1";alg="ecdsa-p256-sha256"',
            PLAIN_SIGNATURE,
            True,
        ),
        ('sig1=();created=1;keyid="k"', "sig1=:AAAA:", True),
        ('sig1=("@status");created=-5;keyid="k"', "sig1=:AAAA:", True),
        ('sig1=("@status");keyid="k";keyid="j"', "sig1=:AAAA:", False),  # http_sf decides
        ('sig1=("@status");keyid=token', "sig1=:AAAA:", False),  # a token, not a string
        ('sig1=("@status"  "x");keyid="k"', "sig1=:AAAA:", False),  # two spaces
        ('sig1=("a\\\\b");keyid="k"', "sig1=:AAAA:", False),  # an escape
        ('sig1=("@status");keyid="k"', "sig2=:AAAA:", False),  # two labels
        ('sig1=("@status";req);keyid="k"', "sig1=:AAAA:", False),  # a component parameter
        ('sig1=("@status");keyid="k"', "sig1=:AAAA:;p=1", False),
        ('sig1=("@status");keyid="k", sig2=("@status")', "sig1=:AAAA:", False),
    ],
)
def test_signature_headers_read_directly_read_as_http_sf_reads_them(
    signature_input: str, signature: str, read_directly: bool
) -> None:
    """The direct reader takes only the plain shape and reads it as http_sf does; every other
    shape it leaves to http_sf."""
    direct = rfc9421._plain_signature(signature_input, signature)
    assert (direct is not None) == read_directly
    if direct is not None:
        assert direct == rfc9421._sf_signature(signature_input, signature)


def test_an_answer_signed_in_a_shape_not_read_directly_is_still_verified_as_text() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    resolver = JwksResolver([public_jwk(key.public_key())])
    answer = _answer(key, BODY)
    plain = answer.headers["signature-input"]
    assert rfc9421._plain_signature(plain, answer.headers["signature"]) is not None
    answer.headers["signature-input"] = plain.replace('" "', '"  "')  # legal, not plain
    assert (
        rfc9421._plain_signature(plain.replace('" "', '"  "'), answer.headers["signature"]) is None
    )

    assert rfc9421.verifies_response(
        answer, BODY, public_key=resolver.resolve_public_key, required=["@status"]
    )
