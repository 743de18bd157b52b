"""The continue_url page: plain HTML that shows what is missing; its primary action hands the
checkout back to the buyer's assistant, paying on the page is the second one."""

from __future__ import annotations

from merchant_flows import UcpCaller, choose_first_option, shipping_to

from merchants.serve import RunningStore


async def test_paying_on_the_continue_page_stays_possible_as_its_second_action(
    http_client: object, platform_profile_url: str, sandbox_stores: dict[str, RunningStore]
) -> None:
    import httpx2

    assert isinstance(http_client, httpx2.AsyncClient)
    ucp = UcpCaller("rest", http_client, platform_profile_url, sandbox_stores)
    _, found = await ucp.call("wine", "search_catalog", {"catalog": {"query": ""}})
    variant = found["products"][0]["variants"][0]["id"]
    _, checkout = await ucp.call(
        "wine",
        "create_checkout",
        {"checkout": {"line_items": [{"item": {"id": variant}, "quantity": 1}]}},
    )
    update = shipping_to(checkout)
    destination = update["fulfillment"]["methods"][0]["destinations"][0]
    destination.update(address_country="DE", address_locality="Berlin", postal_code="10115")
    del destination["address_region"]
    _, checkout = await ucp.call(
        "wine", "update_checkout", {"id": checkout["id"], "checkout": update}
    )
    _, checkout = await ucp.call(
        "wine", "update_checkout", {"id": checkout["id"], "checkout": choose_first_option(checkout)}
    )
    assert checkout["status"] == "requires_escalation", checkout["messages"]
    page = await http_client.get(checkout["continue_url"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "age_verification_required" in page.text
    assert "<script" not in page.text.lower()
    unconfirmed = await http_client.post(
        checkout["continue_url"], data={"payment_token": "tok_sandbox_approved"}
    )
    assert "Order placed" not in unconfirmed.text
    placed = await http_client.post(
        checkout["continue_url"],
        data={"action": "pay", "confirm_age": "on", "payment_token": "tok_sandbox_approved"},
    )
    assert "Order placed" in placed.text
    _, done = await ucp.call("wine", "get_checkout", {"id": checkout["id"]})
    assert done["status"] == "completed"
    permalink = await http_client.get(f"{sandbox_stores['wine'].url}/orders/{done['order']['id']}")
    assert permalink.status_code == 200
    # The permalink shows the count and money as the checkout page does (one formatter).
    total = next(t["amount"] for t in done["totals"] if t["type"] == "total")
    shown = f"€{total // 100}.{total % 100:02d}"
    assert "<td>1</td>" in permalink.text and "original" not in permalink.text
    assert shown in permalink.text and shown in page.text


async def test_confirming_age_on_the_page_hands_the_checkout_back_without_charging(
    http_client: object, platform_profile_url: str, sandbox_stores: dict[str, RunningStore]
) -> None:
    import httpx2

    assert isinstance(http_client, httpx2.AsyncClient)
    ucp = UcpCaller("rest", http_client, platform_profile_url, sandbox_stores)
    _, found = await ucp.call("wine", "search_catalog", {"catalog": {"query": ""}})
    variant = found["products"][0]["variants"][0]["id"]
    _, checkout = await ucp.call(
        "wine",
        "create_checkout",
        {"checkout": {"line_items": [{"item": {"id": variant}, "quantity": 1}]}},
    )
    update = shipping_to(checkout)
    destination = update["fulfillment"]["methods"][0]["destinations"][0]
    destination.update(address_country="DE", address_locality="Berlin", postal_code="10115")
    del destination["address_region"]
    _, checkout = await ucp.call(
        "wine", "update_checkout", {"id": checkout["id"], "checkout": update}
    )
    _, checkout = await ucp.call(
        "wine", "update_checkout", {"id": checkout["id"], "checkout": choose_first_option(checkout)}
    )
    page = await http_client.get(checkout["continue_url"])
    primary = page.text.index("Confirm and return to your assistant")
    assert primary < page.text.index("Or pay here")  # handing back comes first

    unticked = await http_client.post(checkout["continue_url"], data={"action": "return"})
    assert "cannot finish yet" in unticked.text
    confirmed = await http_client.post(
        checkout["continue_url"], data={"action": "return", "confirm_age": "on"}
    )
    assert "return to your assistant" in confirmed.text and "Order placed" not in confirmed.text
    _, ready = await ucp.call("wine", "get_checkout", {"id": checkout["id"]})
    assert ready["status"] == "ready_for_complete" and "order" not in ready
    assert not [m for m in ready.get("messages", []) if m.get("type") == "error"]


async def test_unknown_pages_are_404_html(
    http_client: object, sandbox_stores: dict[str, RunningStore]
) -> None:
    import httpx2

    assert isinstance(http_client, httpx2.AsyncClient)
    for path in ("/checkout/nope", "/cart/nope", "/orders/nope", "/elsewhere"):
        response = await http_client.get(sandbox_stores["flowers"].url + path)
        assert response.status_code == 404


async def test_what_a_shopper_typed_is_shown_escaped_on_the_page(
    http_client: object, platform_profile_url: str, sandbox_stores: dict[str, RunningStore]
) -> None:
    import httpx2

    assert isinstance(http_client, httpx2.AsyncClient)
    ucp = UcpCaller("rest", http_client, platform_profile_url, sandbox_stores)
    _, found = await ucp.call("flowers", "search_catalog", {"catalog": {"query": ""}})
    variant = found["products"][0]["variants"][0]["id"]
    typed = "<script>alert('x')</script>&co"
    _, checkout = await ucp.call(
        "flowers",
        "create_checkout",
        {
            "checkout": {
                "line_items": [{"item": {"id": variant}, "quantity": 1}],
                "buyer": {"email": typed},
            }
        },
    )
    assert any(typed in m["content"] for m in checkout["messages"])  # the store quotes it back
    page = await http_client.get(checkout["continue_url"])
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;co" in page.text
