"""The platform key ring: one ES256 key made on first use, private on disk, rotated with grace."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Config
from assistant.domain import PROFILE_VERSIONS
from assistant.errors import ConfigError
from assistant.profile import platform_profile
from assistant.ucp.signing_keys import RETIRED_KEY_GRACE_S, KeyRing


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_first_use_makes_one_key_in_a_file_only_its_owner_can_read(tmp_path: Path) -> None:
    path = tmp_path / "home" / "platform-signing-keys.json"
    first = KeyRing(path)
    again = KeyRing(path)
    assert again.active.kid == first.active.kid
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "PRIVATE KEY" in path.read_text()


def test_the_kid_is_the_rfc_7638_thumbprint_of_the_public_jwk(tmp_path: Path) -> None:
    (jwk,) = KeyRing(tmp_path / "keys.json").published_jwks()
    canonical = f'{{"crv":"P-256","kty":"EC","x":"{jwk["x"]}","y":"{jwk["y"]}"}}'
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest())
    assert jwk["kid"] == expected.rstrip(b"=").decode()
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("EC", "P-256", "ES256", "sig")
    assert "d" not in jwk


def test_every_platform_profile_publishes_the_public_key_and_nothing_private(
    tmp_path: Path,
) -> None:
    ring = KeyRing(tmp_path / "keys.json")
    for release in PROFILE_VERSIONS:
        document = platform_profile(Config(), release, keys=ring.published_jwks())
        member = "keys" if release >= "2026-08-25" else "signing_keys"
        assert [k["kid"] for k in document[member]] == [ring.active.kid]
        assert "PRIVATE" not in json.dumps(document)


def test_rotation_keeps_the_old_key_published_until_its_signatures_expire(
    tmp_path: Path,
) -> None:
    clock = Clock()
    ring = KeyRing(tmp_path / "keys.json", clock=clock)
    old = ring.active.kid
    ring.rotate()
    new = ring.active.kid
    assert new != old
    assert [k["kid"] for k in KeyRing(ring.path, clock=clock).published_jwks()] == [old, new]
    assert ring.get(old) is not None  # a retry of what it signed may still be signed by it
    clock.now += RETIRED_KEY_GRACE_S + 1
    reopened = KeyRing(ring.path, clock=clock)
    assert [k["kid"] for k in reopened.published_jwks()] == [new]
    assert reopened.get(old) is None and reopened.active.kid == new


def test_key_material_never_shows_in_reprs_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ring = KeyRing(tmp_path / "keys.json")
    ring.rotate()
    secret_line = ring.path.read_text().split("-----BEGIN PRIVATE KEY-----\\n")[1][:40]
    shown = repr(ring) + repr(ring.active) + caplog.text
    assert secret_line not in shown and "PRIVATE" not in shown


def test_a_damaged_key_file_is_a_config_error_that_quotes_no_key(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text('{"keys": [{"private_pem": "-----BEGIN PRIVATE KEY-----\\nAAAA", "x": 1}]}')
    with pytest.raises(ConfigError) as caught:
        KeyRing(path)
    assert "AAAA" not in str(caught.value) and str(path) in str(caught.value)


def test_pannier_keys_rotate_prints_both_kids_and_the_next_start_signs_with_the_new_one(
    tmp_path: Path,
) -> None:
    env = {"PANNIER_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "tui.launch", "keys"]
    shown = subprocess.run([*run, "show"], env=env, capture_output=True, text=True, timeout=60)
    (old,) = [line.split()[0] for line in shown.stdout.splitlines()]
    rotated = subprocess.run([*run, "rotate"], env=env, capture_output=True, text=True, timeout=60)
    assert rotated.returncode == 0, rotated.stderr
    ring = KeyRing(tmp_path / "data" / "platform-signing-keys.json")
    assert ring.active.kid != old
    assert f"{old}  (retiring)" in rotated.stdout
    assert f"{ring.active.kid}  (signing)" in rotated.stdout
