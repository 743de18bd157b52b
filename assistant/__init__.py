"""Pannier's headless core: UCP client, orchestration, the agent loop, the local cache."""
