"""What the continue_url page does to a checkout: confirm size or age and hand it back to the
buyer's agent (nothing paid), or pay on the page (size, age, 3-D Secure, a sandbox card)."""

from __future__ import annotations

from collections.abc import Mapping

from merchants.business import checkouts as co
from merchants.business.lines import error
from merchants.business.payments import APPROVED_TOKEN, PaymentOutcome, authorize
from merchants.business.result import Result
from merchants.business.sessions import CheckoutSessions
from merchants.business.state import CheckoutState
from merchants.business.views import CHALLENGE, CONFIRM_AGE, CONFIRM_SIZE, PAYMENT_TOKEN, TRUTHY


def _ticked(form: Mapping[str, str], field: str) -> bool:
    return form.get(field, "").lower() in TRUTHY


def _variant_at(state: CheckoutState, path: str) -> str:
    """The variant id of ``$.line_items[N]`` in this checkout."""
    index = int(path.rsplit("[", 1)[1].rstrip("]"))
    return state.lines[index].variant_id


def confirm_continue(sessions: CheckoutSessions, id: str, form: Mapping[str, str]) -> Result:
    """The buyer confirmed size or age on the page and hands the checkout back to their agent:
    nothing is paid here; with nothing else missing it becomes ready_for_complete."""
    with sessions.storage.transaction():
        state = sessions.load(id)
        if state is None:
            return Result(sessions.env.not_found("checkout", id), is_error=True)
        if state.status in co.TERMINAL:
            return Result(sessions.stored_body(id))
        rendered = sessions.render(state)
        confirmed = _confirmed(state, rendered, form)
        if confirmed is None:
            return Result(rendered.body)
        state.buyer_confirmed = confirmed
        return Result(sessions.save(state).body)


def _confirmed(
    state: CheckoutState, rendered: co.Rendered, form: Mapping[str, str]
) -> list[tuple[str, str]] | None:
    """What the buyer confirmed with this form (size, age) on top of what they had, or None
    when a check the checkout needs is not ticked."""
    confirmed = list(state.buyer_confirmed)
    for message in rendered.escalations:
        if message["code"] == "size_confirmation_required":
            field, subject = CONFIRM_SIZE, _variant_at(state, message["path"])
        else:
            field, subject = CONFIRM_AGE, co.AGE_CONFIRMED
        if not _ticked(form, field):
            return None
        confirmed.append((message["code"], subject))
    return confirmed


def submit_continue(sessions: CheckoutSessions, id: str, form: Mapping[str, str]) -> Result:
    """The buyer confirmed on the page (size, age, 3-D Secure) and paid: place the order."""
    spec = sessions.env.spec
    with sessions.storage.transaction():
        state = sessions.load(id)
        if state is None:
            return Result(sessions.env.not_found("checkout", id), is_error=True)
        if state.status in co.TERMINAL:
            return Result(sessions.stored_body(id))
        # A card tried here replaces the last attempt, so a declined one does not block it.
        state.notices = [n for n in state.notices if not n.get("path", "").startswith("$.payment")]
        rendered = sessions.render(state)
        confirmed = _confirmed(state, rendered, form)
        if rendered.status == "incomplete" or confirmed is None:
            return Result(sessions.save(state).body)  # the page shows what is still missing
        # The buyer's checks stand even if the card is declined: trying again needs only a card.
        state.buyer_confirmed = confirmed
        if state.pending_3ds:
            if not _ticked(form, CHALLENGE):
                if form.get(CHALLENGE, "").lower() == "fail":
                    failed = PaymentOutcome(
                        "declined",
                        error(
                            "payment_failed",
                            "$.payment.instruments[0]",
                            "The bank challenge failed; the payment was declined.",
                        ),
                    )
                    return Result(sessions.settle(state, rendered, failed))
                return Result(rendered.body)
            return Result(sessions.place_order(state, rendered))
        token = form.get(PAYMENT_TOKEN) or APPROVED_TOKEN
        handler_id = sorted(spec.handler_ids)[0]
        kind = "wallet" if handler_id == "sandbox_wallet" else "card"
        page_instrument = {
            "id": "continue_page",
            "handler_id": handler_id,
            "type": kind,
            "credential": {"type": "token", "token": token},
            "display": {"description": "Paid on the store page (sandbox)"},
        }
        outcome = authorize([page_instrument], spec)
        if outcome.verdict == "challenge":  # the page's own card never asks twice
            outcome = PaymentOutcome("approved", None, outcome.instruments)
        return Result(sessions.settle(state, rendered, outcome))
