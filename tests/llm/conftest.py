"""Fixtures for the agent tests: the fake Messages API server (once per session)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fake_anthropic import FakeAnthropic


@pytest.fixture(scope="session")
async def fake_anthropic_server() -> AsyncIterator[FakeAnthropic]:
    server = await FakeAnthropic().start()
    yield server
    await server.stop()


@pytest.fixture
def fake_anthropic(
    fake_anthropic_server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> FakeAnthropic:
    """The fake server with an empty script; the SDK points at it through the environment."""
    fake_anthropic_server.reset()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic_server.url)
    return fake_anthropic_server
