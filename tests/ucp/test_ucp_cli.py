"""`pannier ucp` as an engineer runs it: a child process against a real sandbox store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from assistant.errors import ConfigError, MerchantUnavailable
from assistant.ucp.auth import TokenSource
from assistant.ucp.cli_body import apply_set
from merchants.serve import RunningStore

CLI_TIMEOUT_S = 60
ROSE = "red-rose-bouquet--petite-no-vase"


def ucp(
    home: Path, *args: str, business: str | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PANNIER_HOME": str(home)}
    env.pop("PANNIER_BUSINESS", None)
    if business is not None:
        env["PANNIER_BUSINESS"] = business
    return subprocess.run(
        [sys.executable, "-m", "assistant", "ucp", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


def carts_at(data_dir: Path, slug: str) -> int:
    with sqlite3.connect(data_dir / f"{slug}.sqlite3") as db:
        (count,) = db.execute("SELECT count(*) FROM carts").fetchone()
    return int(count)


@pytest.fixture
def flowers(sandbox_stores: dict[str, RunningStore]) -> str:
    return sandbox_stores["flowers"].url


def test_a_checkout_that_does_not_exist_is_a_business_outcome_exit_1(
    flowers: str, tmp_path: Path
) -> None:
    result = ucp(
        tmp_path, "checkout", "get", "nope", "--view", "messages[0].code", business=flowers
    )
    assert result.returncode == 1
    assert json.loads(result.stdout) == "not_found"


def test_an_unreachable_merchant_exits_4_with_one_line_naming_it(tmp_path: Path) -> None:
    result = ucp(tmp_path, "order", "get", "x", "--business", "http://127.0.0.1:9")
    assert result.returncode == 4
    assert result.stderr.strip().count("\n") == 0 and "127.0.0.1:9" in result.stderr


def test_a_refused_cart_says_what_is_wrong_once(flowers: str, tmp_path: Path) -> None:
    result = ucp(
        tmp_path, "cart", "create", "--set", f"/line_items/-/item/id={ROSE}", "--business", flowers
    )
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.count("$.cart.line_items[0].quantity: must be an integer") == 1, line


def test_set_builds_the_body_and_view_projects_the_answer_over_rest(
    flowers: str, tmp_path: Path
) -> None:
    result = ucp(
        tmp_path,
        "cart",
        "create",
        "--transport",
        "rest",
        "--set",
        f"/line_items/-/item/id={ROSE}",
        "--set",
        "/line_items/0/quantity=2",
        "--view",
        "line_items[].{id: item.id, quantity: quantity}",
        business=flowers,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"id": ROSE, "quantity": 2}]
    assert "next: pannier ucp checkout create --set /cart_id=cart_" in result.stderr


def test_dry_run_prints_the_wire_request_with_its_key_and_sends_nothing(
    flowers: str, tmp_path: Path, sandbox_data_dir: Path
) -> None:
    before = carts_at(sandbox_data_dir, "flowers")
    result = ucp(
        tmp_path,
        "cart",
        "create",
        "--input",
        json.dumps({"line_items": [{"item": {"id": ROSE}, "quantity": 1}]}),
        "--dry-run",
        business=flowers,
    )
    assert result.returncode == 0, result.stderr
    request = json.loads(result.stdout)
    assert request["method"] == "POST" and request["url"].endswith("/api/ucp/mcp")
    arguments = request["body"]["params"]["arguments"]
    assert request["body"]["params"]["name"] == "create_cart"
    assert arguments["meta"]["idempotency-key"] and arguments["meta"]["ucp-agent"]["profile"]
    assert request["headers"]["authorization"] == "Bearer [redacted]"
    assert carts_at(sandbox_data_dir, "flowers") == before


def test_input_from_stdin_and_the_business_from_the_environment(
    flowers: str, tmp_path: Path
) -> None:
    result = ucp(
        tmp_path,
        "catalog",
        "search",
        "--input",
        "-",
        "--view",
        "products[].title",
        business=flowers,
        stdin=json.dumps({"query": "roses"}),
    )
    assert result.returncode == 0, result.stderr
    assert "Red Rose Bouquet" in json.loads(result.stdout)


def test_input_schema_is_what_the_merchant_lists_for_that_tool(
    flowers: str, tmp_path: Path
) -> None:
    result = ucp(tmp_path, "cart", "create", "--input-schema", business=flowers)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["type"] == "object" and "cart" in schema["properties"]


def test_verbose_traces_each_exchange_without_credentials(flowers: str, tmp_path: Path) -> None:
    result = ucp(
        tmp_path, "cart", "get", "nope", "--verbose", "--transport", "rest", business=flowers
    )
    trace = result.stderr.splitlines()
    assert any(line.startswith("→ GET ") and "/.well-known/ucp" in line for line in trace)
    assert any(line.startswith("← 200 ") for line in trace)
    assert "sandbox-secret" not in result.stderr


def test_without_a_business_the_error_says_how_to_name_one(tmp_path: Path) -> None:
    result = ucp(tmp_path, "checkout", "get", "x")
    assert result.returncode == 3 and "PANNIER_BUSINESS" in result.stderr


def test_set_rejects_a_pointer_through_a_string() -> None:
    with pytest.raises(ConfigError, match="inside a str"):
        apply_set({"cart": "x"}, "/cart/id=1")


async def test_a_busy_token_endpoint_is_unavailable_not_a_credentials_refusal() -> None:
    def busy(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(503, headers={"retry-after": "1"})

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(busy)) as http:
        tokens = TokenSource(
            http,
            merchant="shop.example",
            token_url="https://shop.example/auth/access_token",
            client_id="id",
            client_secret="secret",
        )
        with pytest.raises(MerchantUnavailable, match="HTTP 503") as raised:
            await tokens.token()
    assert raised.value.retry_after == 1.0
