"""Third-party UCP servers for the interop suite, each in its own virtual environment.

Every server runs from ``.venv-interop/<name>/`` (git-ignored), created from PyPI on first use and
reused while it holds exactly the pinned requirements, so reruns are fast. Each is started on
127.0.0.1 on a free port, and the test waits (bounded) for its own readiness line. When a venv
cannot be built (no package registry) its tests skip, unless ``PANNIER_INTEROP_REQUIRED=1``
(``.ci/run`` sets it): in CI they must run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from interop_servers import (
    HERE,
    Server,
    free_port,
    interop_python,
    pannier,
    start_server,
    stop_server,
)

__all__ = ["Server", "pannier"]


@pytest.fixture(scope="session")
def sample_merchant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The official UCP sample merchant (flower shop, REST, 2026-01-11) from PyPI."""
    python = interop_python("ucp-sample", ("ucp-client[server]==0.0.11", "ucp-sdk==0.1.0"))
    port = free_port()
    data_dir = tmp_path_factory.mktemp("ucp-sample")
    server = start_server(
        [str(python), str(HERE / "sample_merchant.py"), f"--data_dir={data_dir}", f"--port={port}"],
        port=port,
        ready="Uvicorn running on",
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def shopify_merchant() -> Iterator[Server]:
    """Our own MCP merchant with Shopify-shaped, off-spec payloads (runs on the project's venv:
    it is ours, built on starlette and uvicorn, which the project already depends on)."""
    port = free_port()
    server = start_server(
        [sys.executable, str(HERE / "shopify_merchant.py"), str(port)],
        port=port,
        ready="Uvicorn running on",
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def fastucp_store() -> Iterator[Server]:
    """Our own store written with FastUCP (PyPI ``fastucp-python``), MCP and REST, 2026-01-11."""
    python = interop_python("fastucp", ("fastucp-python==0.1.2",))
    port = free_port()
    server = start_server(
        [str(python), str(HERE / "fastucp_store.py"), str(port)],
        port=port,
        ready="Uvicorn running on",
    )
    yield server
    stop_server(server)
