"""spck-conformance (PyPI, MIT) finds no MUST violation at any sandbox store, bar listed ones.

The checker sends no bearer token and names a platform profile on the internet, so each store is
checked through `token_proxy` (a token from the store's own endpoint; the checker's profile URL
pointed at the local platform profile). Every deviation it reports must be in
`FALSE_POSITIVES`, each with the reason it is the checker's mistake, not the store's; the README's
testing section lists the same.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from token_proxy import token_proxy

from merchants.business.specs import StoreSpec, load_store_specs
from merchants.serve import RunningStore

CHECKER_PROFILE = "https://spck.dev/agent"
RUN_TIMEOUT_SECONDS = 300
SPECS = {spec.slug: spec for spec in load_store_specs()}

# check id → why it is a false positive. Keep in step with the README's testing section.
FALSE_POSITIVES = {
    "catalog.search_requires_input": (
        "the store refuses an input-less search with HTTP 400 and the REST binding's error body "
        "{code, content, path}; the checker only accepts a body with detail/messages/error keys"
    ),
    "checkout.complete_order": (
        "the checker completes a checkout that has no buyer email and a country-only address; "
        "the store (rightly) keeps it incomplete, so there is no order to look at"
    ),
    "payment.no_credential_echo": "same probe as checkout.complete_order: it never completes",
    "checkout.completed_immutable": "same probe as checkout.complete_order: it never completes",
    "order.entity_shape": "same probe as checkout.complete_order: no order is placed",
    "order.line_item_shape": "same probe as checkout.complete_order: no order is placed",
    "mcp.get_order_tool": "same probe as checkout.complete_order: it asks for order id null",
}
# Deviations that only one store's data explains.
STORE_FALSE_POSITIVES = {
    "wine": {
        "fulfillment.option_shape": (
            "the checker always ships to a US address; Cellar Door ships only inside the EU and "
            "says so (address_undeliverable) instead of offering options"
        ),
        "fulfillment.single_group_default": "the same US-only probe as fulfillment.option_shape",
    }
}


def _in_stock_variant(spec: StoreSpec) -> str:
    """A variant the API alone can buy: available, in stock, no size or age check."""
    for product in spec.products:
        if product.size_sensitive or product.age_restricted:
            continue
        for variant in product.variants:
            if variant.available and (variant.stock is None or variant.stock > 2):
                return variant.id
    raise AssertionError(f"{spec.slug} sells nothing the API alone can buy")


def _payment(spec: StoreSpec, token: str) -> dict[str, Any]:
    handler = sorted(spec.handler_ids)[0]
    return {
        "payment": {
            "instruments": [
                {
                    "id": "instr_1",
                    "handler_id": handler,
                    "type": "wallet" if handler == "sandbox_wallet" else "card",
                    "display": {"brand": "visa", "last_digits": "4242"},
                    "credential": {"type": "token", "token": token},
                }
            ]
        }
    }


def checker_config(spec: StoreSpec) -> dict[str, Any]:
    """The data-dependent inputs spck-conformance asks for, from the store's own spec file."""
    variant = _in_stock_variant(spec)
    config: dict[str, Any] = {
        "product_id": variant,
        "currency": spec.currency,
        "fulfillment_option_id": spec.shipping_options[0].id,
        "complete_payment": _payment(spec, "tok_sandbox_approved"),
        "fail_payment": _payment(spec, "tok_sandbox_declined"),
        "catalog": {"variant_id": variant, "max_batch": 50},
    }
    sold_out = [v.id for p in spec.products for v in p.variants if not v.available or v.stock == 0]
    if sold_out:
        config["out_of_stock_id"] = sold_out[0]
    # Only codes that apply to any basket: a code with a minimum spend is rightly refused.
    codes = [d.code for d in spec.discounts if not d.expired and not d.min_subtotal]
    if codes:
        config["discount"] = {"valid_code": codes[0], "invalid_code": "NOT_A_REAL_CODE"}
    return config


@pytest.mark.parametrize("slug", sorted(SPECS))
def test_spck_conformance_finds_no_must_violation_at_the_store(
    slug: str,
    conformance_bin: Path,
    conformance_stores: dict[str, RunningStore],
    store_tokens: dict[str, str],
    platform_profile_url: str,
    tmp_path: Path,
) -> None:
    config = tmp_path / "merchant.json"
    config.write_text(json.dumps(checker_config(SPECS[slug])))
    store = conformance_stores[slug]
    with token_proxy(
        store.url,
        token=store_tokens[slug],
        profile_from=CHECKER_PROFILE,
        profile_to=platform_profile_url,
    ) as url:
        checker = [str(conformance_bin / "spck-conformance"), "--server", url]
        run = subprocess.run(
            [*checker, "--config", str(config), "--json"],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
        )
    report = json.loads(run.stdout)
    assert report["spec_version"] == "2026-04-08"
    assert report["product_for_lifecycle"] == checker_config(SPECS[slug])["product_id"]
    deviations = {
        check["id"]: check.get("observed")
        for check in report["checks"]
        if check["status"] == "deviation"
    }
    explained = FALSE_POSITIVES | STORE_FALSE_POSITIVES.get(slug, {})
    unexplained = {k: v for k, v in deviations.items() if k not in explained}
    assert not unexplained, json.dumps(unexplained, indent=1)[:4000]
    clean = [check["id"] for check in report["checks"] if check["status"] == "clean-pass"]
    assert len(clean) >= 40, "the checker ran too few checks to mean anything"
