"""Protocol layer of the sandbox merchants: MCP, REST, discovery, auth, continue_url pages."""
