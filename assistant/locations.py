"""Every path Pannier reads or writes, in one place.

``PANNIER_HOME`` moves all of it (config, data, cache) under one directory, so tests use
``tmp_path`` and never touch ``$HOME``; otherwise the platform's user directories are used.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "pannier"
HOME_ENV = "PANNIER_HOME"
CONFIG_ENV = "PANNIER_CONFIG"


def home() -> Path | None:
    """The ``PANNIER_HOME`` override, if set."""
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    """Where the user's ``config.toml`` lives."""
    root = home()
    return root if root is not None else Path(platformdirs.user_config_dir(APP_NAME))


def config_path() -> Path:
    """The default config file (it may not exist: then built-in defaults apply)."""
    return config_dir() / "config.toml"


def data_dir(override: Path | None = None) -> Path:
    """Where the local database lives; ``override`` comes from ``--data-dir`` or the config."""
    if override is not None:
        return override.expanduser()
    root = home()
    return root / "data" if root is not None else Path(platformdirs.user_data_dir(APP_NAME))


def sandbox_dir() -> Path:
    """The bundled sandbox stores' state, whoever starts them (the same default as
    ``pannier merchants serve``): one directory, hence one background service, per home."""
    root = home()
    base = root if root is not None else Path(platformdirs.user_data_dir(APP_NAME))
    return base / "merchants"


def database_path(override: Path | None = None) -> Path:
    """The SQLite file holding sessions, carts, idempotency keys and cached profiles."""
    return data_dir(override) / "pannier.db"


def signing_keys_path(override: Path | None = None) -> Path:
    """Pannier's platform signing keys (private: mode 0600, never shown to the model)."""
    return data_dir(override) / "platform-signing-keys.json"


def profile_port_path(override: Path | None = None) -> Path:
    """The loopback port our platform profile was last served on (reused when free)."""
    return data_dir(override) / "profile-port"


def linked_accounts_path(override: Path | None = None) -> Path:
    """The linked accounts' tokens (``pannier link``): a file of mode 0600 beside the database."""
    return data_dir(override) / "linked-accounts.json"


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path
