"""The shopper's configuration: TOML read with ``tomllib`` into pydantic models.

Found by ``--config PATH``, then ``PANNIER_CONFIG``, then ``locations.config_path()``. With no
file at all, built-in defaults apply: the demo buyer (``demo=True``) and the sandbox wallet.
Every error is a ``ConfigError`` naming the file and the key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from assistant import locations
from assistant.domain import PostalAddress
from assistant.errors import ConfigError

MODEL_ENV = "PANNIER_MODEL"  # overrides [model].model
SANDBOX_CLIENT_ID = "pannier-sandbox"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # the public sandbox client, not a secret


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class MerchantConfig(_Section):
    url: str
    """The merchant's origin, e.g. ``https://shop.example`` (``/.well-known/ucp`` is fetched)."""
    name: str | None = None
    """Display name; defaults to the name in the merchant's profile, else its host."""
    transport: Literal["auto", "mcp", "rest"] = "auto"
    """``auto`` prefers MCP when the merchant offers it, else REST."""
    client_id: str | None = None
    """OAuth client-credentials id for this merchant (bundled sandbox stores need none)."""
    client_secret: str | None = None
    """OAuth client-credentials secret (never logged)."""
    token_url: str | None = None
    """Where to exchange the client credentials for a token; defaults to the token endpoint the
    merchant's profile advertises, else ``<url>/auth/access_token``."""
    link_client_id: str | None = None
    """The OAuth public client id Pannier is registered under at this merchant, for
    ``pannier link`` (identity linking); sandbox stores publish theirs, so they need none."""
    currency: str | None = None
    """ISO 4217 currency to open checkouts in, for merchants that need one up front (2026-01-11)
    and have no catalog to learn it from; defaults to the first currency of ``limits.per_order``."""

    def credentials(self) -> tuple[str, str] | None:
        """The configured client credentials, or None (then no Authorization is sent)."""
        if self.client_id is not None and self.client_secret is not None:
            return self.client_id, self.client_secret
        return None


class ConsentConfig(_Section):
    """The buyer's own consent decisions; an unset purpose is never asserted to a merchant."""

    marketing: bool | None = None
    """Promotional communications (``dev.ucp.consent.marketing``)."""
    analytics: bool | None = None
    """Analytics and performance tracking (``dev.ucp.consent.analytics``)."""
    preferences: bool | None = None
    """Storing preferences (``dev.ucp.consent.preferences``)."""
    sale_or_sharing: bool | None = None
    """Selling or sharing personal data (``dev.ucp.consent.sale_or_sharing``)."""

    def decisions(self) -> dict[str, bool]:
        """Purpose → granted, for the purposes the buyer decided."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class BuyerConfig(_Section):
    email: str
    """Sent to merchants as ``buyer.email``."""
    first_name: str
    """Buyer's given name."""
    last_name: str
    """Buyer's family name."""
    phone_number: str | None = None
    """E.164 phone number; some merchants require it for delivery."""
    addresses: list[PostalAddress] = Field(default_factory=list)
    """Shipping addresses; the first is the default."""
    demo: bool = False
    """True for the built-in demo buyer (shown as such in the UI)."""
    consent: ConsentConfig = Field(default_factory=ConsentConfig)
    """Consent decisions sent to merchants that take buyer consent (``buyer.consent``)."""


class WalletInstrument(_Section):
    id: str
    """Our id for this instrument (sent as ``payment.instruments[].id``)."""
    handler: str
    """Payment handler registry name: ``dev.pannier.sandbox_card``, ``dev.ucp.mock_payment``…"""
    handler_version: str | None = None
    """Only use this instrument with handler instances of this version (e.g. ``2026-01-11``)."""
    type: str
    """Instrument type: ``card``, ``wallet``…"""
    brand: str | None = None
    """Card brand for display and handler constraints, e.g. ``visa``."""
    last_digits: str | None = None
    """Last digits for display, e.g. ``4242``."""
    token: SecretStr
    """The payment credential token; never reaches the model or the logs."""

    def display(self) -> str:
        """Human label without the credential, e.g. ``visa •••• 4242``."""
        if self.last_digits:
            return f"{self.brand or self.type} •••• {self.last_digits}"
        return self.brand or self.handler.rsplit(".", 1)[-1].replace("_", " ")


class PolicyConfig(_Section):
    fulfillment: Literal["cheapest", "fastest"] = "cheapest"
    """How to pick a delivery option when the merchant offers several."""
    allow_quantity_reduction: bool = False
    """Accept a merchant lowering a quantity (low stock) without asking."""
    search_deadline_s: float = Field(default=3.0, gt=0)
    """Seconds to wait for all merchants' search results before showing partial results."""
    escalation_recheck_s: float = Field(default=30.0, gt=0)
    """Seconds between automatic re-checks of open escalations."""
    order_poll_first_s: float = Field(default=15.0, gt=0)
    """While Pannier runs: seconds after an order is placed (or Pannier starts) before asking the
    store about it; each later poll waits twice as long, until it is delivered or cancelled."""
    order_poll_longest_s: float = Field(default=900.0, gt=0)
    """The longest wait between two polls of an order that is still on its way."""
    session_wait_s: float = Field(default=5.0, ge=0)
    """Seconds to wait for a session another Pannier is using before saying it is in use."""
    complete_as_shown_s: float = Field(default=10.0, ge=0)
    """A yes given within this many seconds of the store's answer the purchase summary shows
    completes that checkout as shown, without reading it again first (0: always read it again)."""


class LimitsConfig(_Section):
    per_order: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=lambda: {"USD": 50000, "EUR": 50000}
    )
    """Maximum per order, minor units per ISO 4217 currency (0 or more)."""
    per_session: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=lambda: {"USD": 150000, "EUR": 150000}
    )
    """Maximum across one session, minor units per currency (0 or more)."""


class ModelConfig(_Section):
    model: str = "claude-sonnet-5-5"
    """Anthropic model name (PANNIER_MODEL or --model override it)."""
    max_tokens: int = Field(default=16000, ge=1024)
    """Max output tokens per model reply, thinking included (thinking counts toward it)."""
    thinking: Literal["between_tools", "adaptive"] = "between_tools"
    """between_tools: no up-front thinking, only short progress notes between tool calls (shown
    to the shopper); adaptive: the model decides how much to think before acting."""
    display: Literal["summarized", "omitted"] = "summarized"
    """With adaptive thinking: return (and show) summarized thinking text, or omit it."""
    effort: Literal["low", "medium", "high", "xhigh", "max"] = "medium"
    """How hard the model works per reply; xhigh and max need thinking = "adaptive"."""
    max_rounds: int = Field(default=8, ge=1)
    """Max tool rounds per shopper turn."""
    context_budget_tokens: int = Field(default=60000, ge=2000)
    """Conversation resent per call; past it, older turns are compacted into a summary."""

    @model_validator(mode="after")
    def _effort_fits_thinking(self) -> ModelConfig:
        if self.thinking == "between_tools" and self.effort in ("xhigh", "max"):
            raise ValueError(f'effort "{self.effort}" needs thinking = "adaptive"')
        return self


def demo_buyer() -> BuyerConfig:
    """Ada Lovelace, the demo buyer used when no config names one."""
    return BuyerConfig(
        email="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        phone_number="+14155550123",
        addresses=[
            PostalAddress(
                first_name="Ada",
                last_name="Lovelace",
                street_address="1 Infinite Loop",
                address_locality="Cupertino",
                address_region="CA",
                postal_code="95014",
                address_country="US",
            ),
            # A second, EU address: the sandbox wine shop delivers only within the EU.
            PostalAddress(
                first_name="Ada",
                last_name="Lovelace",
                street_address="8 Rue de Rivoli",
                address_locality="Paris",
                postal_code="75004",
                address_country="FR",
            ),
        ],
        demo=True,
    )


def demo_wallet() -> list[WalletInstrument]:
    """The sandbox wallet: instruments every sandbox store approves."""
    approved = SecretStr("tok_sandbox_approved")
    return [
        WalletInstrument(
            id="sandbox_card_4242",
            handler="dev.pannier.sandbox_card",
            type="card",
            brand="visa",
            last_digits="4242",
            token=approved,
        ),
        WalletInstrument(
            id="sandbox_wallet",
            handler="dev.pannier.sandbox_wallet",
            type="wallet",
            token=approved,
        ),
        WalletInstrument(
            id="gpay_visa_1111",
            handler="com.google.pay",
            type="card",
            brand="visa",
            last_digits="1111",
            token=approved,
        ),
    ]


class Config(_Section):
    merchants: list[MerchantConfig] = Field(default_factory=list)
    """Merchants to shop at; empty means the bundled sandbox stores."""
    buyer: BuyerConfig = Field(default_factory=demo_buyer)
    """Who is buying; defaults to the demo buyer."""
    wallet: list[WalletInstrument] = Field(default_factory=demo_wallet)
    """Payment instruments; defaults to the sandbox wallet."""
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    """How the assistant decides on the shopper's behalf."""
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    """Spending limits."""
    model: ModelConfig = Field(default_factory=ModelConfig)
    """The language model."""
    data_dir: Path | None = None
    """Where the local database lives; defaults to the platform data dir (or PANNIER_HOME)."""
    source: Path | None = None
    """The file this config was loaded from (None: built-in defaults)."""


def _config_file(path: Path | None) -> tuple[Path, bool]:
    """The file to read and whether it must exist (explicitly named)."""
    if path is not None:
        return path, True
    env = os.environ.get(locations.CONFIG_ENV)
    if env:
        return Path(env).expanduser(), True
    return locations.config_path(), False


def _key(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(top level)"


def load_config(path: Path | None = None, *, model: str | None = None) -> Config:
    """Load the config from ``path`` / ``PANNIER_CONFIG`` / the default location, or defaults;
    the model id is ``model`` (``--model``), else ``PANNIER_MODEL``, else the file's."""
    config = _load_file(path)
    model = (model or os.environ.get(MODEL_ENV, "")).strip()
    if model:
        config = config.model_copy(
            update={"model": config.model.model_copy(update={"model": model})}
        )
    return config


def _load_file(path: Path | None) -> Config:
    file, required = _config_file(path)
    if not file.exists():
        if required:
            raise ConfigError(f"{file}: no such config file")
        return Config()
    try:
        raw: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    if "source" in raw:
        raise ConfigError(f"{file}: key 'source': not a configurable key")
    try:
        config = Config.model_validate({**raw, "source": file})
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{file}: key '{_key(first['loc'])}': {first['msg']}{more}") from exc
    if config.data_dir is not None and not config.data_dir.is_absolute():
        config = config.model_copy(update={"data_dir": (file.parent / config.data_dir).resolve()})
    return config
