"""`pannier ask` collecting instead of delivery: text and --json, as a child process, offline.

The sandbox's flower store speaks UCP 2026-08-25 (its pickup locations on the ``dev.ucp.common``
service); the --json document is checked against docs/ask.schema.json.
"""

from __future__ import annotations

from pathlib import Path

from test_ask import ask, valid_document

from merchants.serve import RunningStore


def test_ask_lists_pickup_locations_collects_at_one_and_the_purchase_says_pickup_at_it(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url]
    session = ("--session", "collect")
    found = valid_document(ask(tmp_path, "find tulips", "--json", *session, urls=urls).stdout)
    assert (
        ask(tmp_path, f"add {found['results'][0]['handle']}", *session, urls=urls).returncode == 0
    )

    listed = ask(tmp_path, "can I pick them up instead?", "--json", *session, urls=urls)
    assert listed.returncode == 0, listed.stderr
    document = valid_document(listed.stdout)
    [offer] = document["pickup_locations"]
    assert offer["offered"] is True and offer["chosen"] is None
    rockridge = next(loc for loc in offer["locations"] if loc["id"] == "rockridge")
    assert rockridge["address"]["postal_code"] == "94618"
    assert rockridge["timezone"] == "America/Los_Angeles" and rockridge["hours"]
    assert "rockridge. Petal & Stem — Rockridge" in document["reply"]

    chosen = ask(tmp_path, "collect from the Rockridge shop", *session, urls=urls)
    assert chosen.returncode == 0, chosen.stderr
    assert "Pickup at Petal & Stem — Rockridge, 5610 College Ave, Oakland" in chosen.stdout

    unapproved = ask(tmp_path, "buy", *session, urls=urls)
    assert "Purchase to approve:" in unapproved.stdout
    assert "    Pickup at Petal & Stem — Rockridge, 5610 College Ave, Oakland" in unapproved.stdout
    assert "Pickup: In-store pickup" in unapproved.stdout  # the store's fulfillment line

    bought = valid_document(ask(tmp_path, "buy", "--approve", "--json", *session, urls=urls).stdout)
    [state] = bought["merchants"]
    assert state["status"] == "completed"
    assert state["pickup"]["location_id"] == "rockridge"
    assert bought["pickup_locations"] == []  # this turn listed none
    [purchase] = bought["purchases"]
    assert purchase["stores"][0]["pickup"] == "Petal & Stem — Rockridge, 5610 College Ave, Oakland"
