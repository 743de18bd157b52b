"""Sandbox UCP merchants: one business core, MCP and REST bindings, one data file per store."""
