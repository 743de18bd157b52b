"""Pannier's Textual terminal UI; it renders core events and asks the shopper questions."""
