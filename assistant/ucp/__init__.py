"""The UCP platform client: discovery, transports (MCP, REST) and one typed method per operation."""
