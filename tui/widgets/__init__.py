"""Widgets of the Pannier TUI; each owns its own state and is fed by the app's ``@on`` handlers."""
