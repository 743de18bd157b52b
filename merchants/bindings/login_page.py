"""The store's sign-in page for identity linking: plain HTML, no JavaScript, every value escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem}"
    "label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]"
    "{width:100%;padding:.4rem}button{margin:1rem .5rem 0 0;padding:.4rem 1rem}"
    ".error{color:#a00}.hint{color:#555;font-size:.9rem}"
)


def login_page(
    *,
    store_name: str,
    client_name: str,
    consents: Sequence[str],
    hidden: Mapping[str, str],
    username: str = "",
    error: str | None = None,
) -> str:
    """The sign-in form; ``hidden`` carries the authorization request back on submit."""
    fields = "".join(
        f'<input type=hidden name="{escape(name)}" value="{escape(value)}">'
        for name, value in hidden.items()
    )
    wants = "".join(f"<li>{escape(text)}</li>" for text in consents)
    problem = f"<p class=error role=alert>{escape(error)}</p>" if error else ""
    body = (
        f"<h1>Sign in to {escape(store_name)}</h1>"
        f"<p><strong>{escape(client_name)}</strong> asks to link your account. "
        "It will be able to:</p>"
        f"<ul>{wants}</ul>{problem}"
        '<form method=post action="/oauth/authorize">'
        f"{fields}"
        "<label for=username>Username</label>"
        "<input type=text id=username name=username autocomplete=username "
        f'value="{escape(username)}">'
        "<label for=password>Password</label>"
        "<input type=password id=password name=password autocomplete=current-password>"
        "<button type=submit name=decision value=allow>Sign in and allow</button>"
        "<button type=submit name=decision value=deny>Cancel</button>"
        "</form>"
        "<p class=hint>Sandbox store: sign in as <code>demo</code> or <code>sam</code>, "
        "password <code>pannier-demo</code>.</p>"
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Sign in — {escape(store_name)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def problem_page(store_name: str, message: str) -> str:
    """A dead end shown instead of redirecting to a client or address that was not verified."""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Sign-in problem — {escape(store_name)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>This sign-in link does not work</h1><p class=error>{escape(message)}</p>"
        "<p>Start linking again from the app that sent you here.</p></body></html>"
    )
