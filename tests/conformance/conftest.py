"""Third-party conformance checkers, installed from PyPI into their own virtual environment.

`.venv-conformance/` (next to `.venv/`, git-ignored) is created on first use and reused while it
holds exactly the pinned requirements, so a rerun costs nothing. The checkers never share the
project's environment: their dependencies cannot move ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from merchants.serve import RunningStore, StoresInThread
from tests.side_venv import pinned_python

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-conformance"
REQUIREMENTS = ("spck-conformance==0.4.0", "schemathesis==4.32.5")
SANDBOX_CLIENT = {
    "grant_type": "client_credentials",
    "client_id": "pannier-sandbox",
    "client_secret": "sandbox-secret",
}


@pytest.fixture(scope="session")
def conformance_bin() -> Path:
    """The `bin/` of the checkers' virtual environment, created or reused."""
    return pinned_python(VENV, REQUIREMENTS).parent


@pytest.fixture(scope="session")
def conformance_stores(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, RunningStore]]:
    """All sandbox stores on fresh databases, rate limits lifted: checkers send bursts.

    Served on 2026-04-08 only (`--versions 2026-04-08`): spck-conformance 0.4.0 checks that
    release; 2026-08-25 answers are proved by ucp-sdk 0.5.0 in tests/oracle.
    """
    data_dir = tmp_path_factory.mktemp("conformance-merchants")
    with StoresInThread(
        None, data_dir=data_dir, rate_limit_scale=1000.0, releases=("2026-04-08",)
    ) as stores:
        yield {store.slug: store for store in stores}


@pytest.fixture(scope="session")
def store_tokens(conformance_stores: dict[str, RunningStore]) -> dict[str, str]:
    """slug → a bearer token from the store's own token endpoint, as a platform holds one."""
    tokens = {}
    for slug, store in conformance_stores.items():
        response = httpx2.post(f"{store.url}/auth/access_token", data=SANDBOX_CLIENT, timeout=10.0)
        response.raise_for_status()
        tokens[slug] = str(response.json()["access_token"])
    return tokens
