"""Screens of the Pannier TUI."""
