"""Pannier's headless core: UCP client, multi-merchant orchestration, the agent loop, the local cache."""
