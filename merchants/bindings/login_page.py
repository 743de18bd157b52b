"""The store's sign-in page for identity linking: Jinja2 templates, autoescaped, no JavaScript."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_TEMPLATES = Environment(
    loader=PackageLoader("merchants.bindings", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def login_page(
    *,
    store_name: str,
    client_name: str,
    consents: Sequence[str],
    hidden: Mapping[str, str],
    action: str,
    username: str = "",
    error: str | None = None,
) -> str:
    """The sign-in form; ``hidden`` carries the authorization request back on submit."""
    return _TEMPLATES.get_template("signin.html").render(
        title="Sign in",
        store_name=store_name,
        client_name=client_name,
        consents=list(consents),
        hidden=dict(hidden),
        action=action,
        username=username,
        error=error,
    )


def problem_page(store_name: str, message: str) -> str:
    """A dead end shown instead of redirecting to a client or address that was not verified."""
    return _TEMPLATES.get_template("signin_problem.html").render(
        title="Sign-in problem", store_name=store_name, message=message
    )
