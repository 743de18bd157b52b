"""``WWW-Authenticate`` challenges from a store, read (RFC 6750 §3, RFC 9728 §5.1) and acted on.

A store that refuses a call with 401/403 says why in a Bearer challenge: ``error="invalid_token"``
(expired, revoked: get a new token once and try again), ``error="insufficient_scope"`` with
``scope=`` (the shopper must grant more: ``pannier link STORE``), ``resource_metadata=`` (where
its protected-resource metadata is). Only the Bearer challenge is read; a header we cannot parse
is as good as none. Tokens are never part of a challenge, so nothing here can leak one.
"""

from __future__ import annotations

import re
import shlex
from typing import Final

from assistant.errors import BearerChallenge

INSUFFICIENT_SCOPE: Final = "insufficient_scope"
_PARAM = re.compile(r'\s*([A-Za-z0-9_\-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)')
_MAX_HEADER: Final = 4096


def parse_bearer(header: str | None) -> BearerChallenge | None:
    """The Bearer challenge in a ``WWW-Authenticate`` value, or None when there is none."""
    if not header or len(header) > _MAX_HEADER:
        return None
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    params: dict[str, str] = {}
    position = 0
    while position < len(rest):
        found = _PARAM.match(rest, position)
        if found is None:
            break  # another scheme's challenge follows, or something we do not read
        name, quoted, bare = found.groups()
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        params.setdefault(name.lower(), value)
        position = found.end()
    return BearerChallenge(
        error=params.get("error"),
        scope=params.get("scope"),
        realm=params.get("realm"),
        resource_metadata=params.get("resource_metadata"),
    )


def link_advice(store: str, challenge: BearerChallenge) -> str:
    """What the shopper runs to grant what the store asked for."""
    scope = f" (it asks for {challenge.scope})" if challenge.scope else ""
    command = f"pannier link {shlex.quote(store)}"
    return f"{store} needs your linked account with more access{scope}: run `{command}`"
